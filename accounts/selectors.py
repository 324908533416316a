"""Reads for accounts, including the "download my data" export."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Impersonation, User

# Each app that holds personal rows adds its `personal_data(user) -> dict` here.
EXPORT_SECTIONS = ("accounts.selectors.personal_data", "listening.library.personal_data")


def user_data_export(*, user: User) -> dict:
    """Everything Re-Wrapped holds about the user, as JSON-ready data."""
    export = {"generated_at": timezone.now().isoformat(), "format": "re-wrapped-export/1"}
    for path in EXPORT_SECTIONS:
        export.update(import_string(path)(user))
    return export


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
