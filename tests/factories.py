import functools

import factory
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User

PASSWORD = "correct horse battery staple"


def password_hashed(password: str) -> str:
    """make_password, once for each password and hasher setting: PBKDF2 spends a quarter of a second of CPU on each
    hash, and users made for tests may share a salt. Signing in still checks the password the real way."""
    return _password_hashed(password, tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _password_hashed(password: str, hashers: tuple[str, ...]) -> str:
    return make_password(password)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"listener{n}@example.com")
    display_name = factory.Faker("name")
    role = User.Role.REGULAR
    password = factory.django.Password(PASSWORD, transform=password_hashed)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create and user.email:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


class GuestFactory(UserFactory):
    role = User.Role.GUEST
    email = ""
    password = factory.django.Password(None)


class SpotifyAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    user = factory.SubFactory(GuestFactory)
    provider = "spotify"
    uid = factory.Sequence(lambda n: f"spotify-user-{n}")
    extra_data = factory.LazyAttribute(lambda account: {"id": account.uid, "display_name": str(account.user)})


class SpotifyTokenFactory(factory.django.DjangoModelFactory):
    """A stored Spotify token; `app` must be the SocialApp the login went through."""

    class Meta:
        model = SocialToken

    account = factory.SubFactory(SpotifyAccountFactory)
    app = factory.LazyFunction(lambda: SocialApp.objects.filter(provider="spotify").first())
    token = "access"
    token_secret = "refresh"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=1))


def plays_add_for(user, *plays, source="extended"):
    """Add plays through the real write path, as `source` recorded them. Each play is (artist, track, ended_at,
    minutes) with optional album, kind ("music", "podcast") or skipped in a dict as fifth element."""
    from listening.imports import PlayRow
    from listening.services import plays_add

    rows = []
    for artist, track, ended_at, minutes, *extra in plays:
        options = extra[0] if extra else {}
        kind = options.get("kind", "music")
        rows.append(PlayRow(
            source=source, kind=kind, ended_at=int(ended_at.timestamp()), ms_played=int(minutes * 60_000),
            item_uri=options.get("uri"), name=track, artist_or_show=artist, album=options.get("album"),
            skipped=options.get("skipped"),
        ))
    return plays_add(user=user, rows=rows)
