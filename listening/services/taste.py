"""Writes for taste match: sharing one's taste, and the published taste vectors (ArtistAffinity)."""

from __future__ import annotations

from django.db import connection, transaction

from accounts.models import User
from accounts.services import profile_update
from listening.models import ArtistAffinity
from listening.selectors.taste import artist_vector_sql


@transaction.atomic
def taste_vector_refresh(*, user: User) -> int:
    """Publish the user's taste vector as it stands now, or withdraw it when they do not share their taste.
    Returns how many artists it holds."""
    ArtistAffinity.objects.filter(user=user).delete()
    if not user.public_profile or not user.is_active:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO listening_artistaffinity (user_id, artist_id, weight) "
            f"SELECT %(viewer)s, artist_id, weight FROM ({artist_vector_sql('viewer')}) vector",
            {"viewer": user.pk},
        )
        return cursor.rowcount


def taste_vectors_refresh() -> dict:
    """Nightly: refresh every shared taste vector, and drop those of users who stopped sharing. One short
    transaction per user, so a long run never holds locks across everyone."""
    counts = {"refreshed": 0, "withdrawn": 0}
    withdrawn = ArtistAffinity.objects.exclude(user__public_profile=True, user__is_active=True)
    counts["withdrawn"] = withdrawn.values("user_id").distinct().count()
    withdrawn.delete()
    sharing = User.objects.filter(public_profile=True, is_active=True).only("pk", "public_profile", "is_active")
    for user in sharing.iterator(chunk_size=500):
        taste_vector_refresh(user=user)
        counts["refreshed"] += 1
    return counts


@transaction.atomic
def taste_sharing_set(*, user: User, public: bool) -> User:
    """Share (or stop sharing) the user's taste: others may then see how they match and find them among
    listeners like them. Their vector is published, or withdrawn, at once."""
    return profile_update(user=user, public_profile=public)
