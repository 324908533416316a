"""Reads for accounts, including the "download my data" export."""

import pickle

from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import get_adapter as social_adapter
from allauth.socialaccount.models import SocialAccount
from django.db.models import Count, QuerySet

from accounts import hooks
from accounts.models import Impersonation, User
from rewrapped.redis import versioned_get, versioned_set

USER_CACHE_SECONDS = 600


def user_version_key(public_id) -> str:
    """The version a user's cached row is stored under: accounts.services.user_cache_expire replaces it once
    any change to the user commits."""
    return f"accounts:user-version:{public_id}"


def user_for_token(public_id) -> User | None:
    """The user an API token names, as last saved: from Redis, or read once and kept there (a mobile client's
    every call would otherwise read the row)."""
    key = f"accounts:user:{public_id}"
    version, cached = versioned_get(user_version_key(public_id), key)
    if cached is not None:
        return pickle.loads(cached)
    # With its linked accounts, which /api/v1/me/ shows (a link made or removed expires the copy too).
    user = User.objects.prefetch_related("socialaccount_set").filter(public_id=public_id).first()
    if user is not None:
        versioned_set(key, version, pickle.dumps(user), seconds=USER_CACHE_SECONDS)
    return user


def data_export_files(*, user: User) -> list[hooks.ExportFile]:
    """The files of the user's "download my data" ZIP (accounts.data_export): this app's, then those of each app
    that holds personal rows (each registers them with `hooks.on_data_export`)."""
    account = hooks.json_file(
        "account.json",
        "Your account and profile: email addresses, role, the settings of your profile, accounts you connected "
        "(never their tokens) and when staff acted as you.",
        lambda: personal_data(user),
    )
    return [account, *(file for hook in hooks.data_export_hooks for file in hook(user))]


def personal_data(user: User) -> dict:
    return {
        "account": {
            "id": str(user.public_id),
            "email": user.email,
            "role": user.role,
            "is_staff": user.is_staff,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "has_password": user.has_usable_password(),
        },
        "profile": {
            "display_name": user.display_name,
            "avatar_url": user.avatar_url,
            "interests": user.interests,
            "age": user.age,
            "gender": user.gender,
            "country": str(user.country) if user.country else "",
            "city": user.city,
            "occupation": user.occupation,
            "time_zone": user.time_zone,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
        "connected_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "profile": account.extra_data,
                "connected_at": account.date_joined.isoformat(),
                # The tokens themselves are secrets we hold on the user's behalf, not data about them.
                "token_expires_at": _token_expiry(account),
                "needs_reconnect": user.needs_spotify_reconnect if account.provider == "spotify" else False,
            }
            for account in SocialAccount.objects.filter(user=user).prefetch_related("socialtoken_set")
        ],
        "impersonations_by_staff": [
            {"started_at": entry.started_at.isoformat(), "ended_at": entry.ended_at.isoformat() if entry.ended_at else None}
            for entry in Impersonation.objects.filter(target=user)
        ],
    }


def _token_expiry(account: SocialAccount) -> str | None:
    tokens = list(account.socialtoken_set.all())
    return tokens[0].expires_at.isoformat() if tokens and tokens[0].expires_at else None


def spotify_sign_in_configured(*, request=None) -> bool:
    """Whether this site can send listeners to Spotify (sign in, connect, sync, export): allauth knows a Spotify
    app, from settings (SPOTIFY_CLIENT_ID) or the admin's social applications. Pages ask this, never settings."""
    return bool(social_adapter().list_apps(request, provider="spotify"))


def spotify_connected(*, user: User) -> bool:
    return SocialAccount.objects.filter(user=user, provider="spotify").exists()


# --- for apps above accounts ----------------------------------------------------------------------------------
def listener_countries() -> list[str]:
    """The countries users live in, the one most of them live in first."""
    return list(User.objects.exclude(country="").values_list("country", flat=True)
                .annotate(listeners=Count("pk")).order_by("-listeners", "country"))


def users_existing(*, ids: set[int]) -> set[int]:
    """Which of these ids are still users' (an account may have been deleted since)."""
    return set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))


def users_active_in(*, country: str, among: QuerySet) -> QuerySet[User]:
    """Active users living in `country` whose ids are among `among` (a subquery of user ids), oldest first."""
    return User.objects.filter(pk__in=among, country=country, is_active=True).order_by("pk")
