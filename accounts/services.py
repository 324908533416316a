"""Writes for accounts: profile, guest upgrade, deletion, Spotify tokens, impersonation log."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialToken
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import hooks, selectors
from accounts.models import Impersonation, User
from accounts.spotify import tokens as spotify_tokens
# Re-exported: callers in other apps catch it here, not in accounts.spotify.
from accounts.spotify.tokens import SpotifyUnavailable as SpotifyUnavailable
from rewrapped.api import ApplicationError
from rewrapped.realtime import broadcast, user_group
from rewrapped.redis import version_bump

logger = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "display_name", "interests", "age", "gender", "country", "city", "occupation", "time_zone", "public_profile",
)
# Refresh a little before Spotify's one-hour tokens run out, so no request meets an expired one.
REFRESH_AHEAD = timedelta(minutes=10)


def profile_update(*, user: User, **changes) -> User:
    """Apply validated profile changes; unknown fields are a programming error."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if "interests" in changes:
        changes["interests"] = normalize_interests(changes["interests"])
    # From the database, not the instance: a ModelForm has already written the new values onto it.
    before = User.objects.values(*changes).get(pk=user.pk) if changes else {}
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=list(changes))
    changed = frozenset(field for field in changes if getattr(user, field) != before[field])
    if changed:
        for hook in hooks.profile_changed_hooks:
            hook(user=user, changed=changed)
    return user


def normalize_interests(tags) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = " ".join(str(tag).strip().lower().split())
        if cleaned:
            seen.setdefault(cleaned[:40], None)
    return list(seen)[:30]


@transaction.atomic
def guest_upgrade(*, user: User, email: str, password: str) -> User:
    """Turn a Spotify-only guest into a regular account; every row they own stays theirs."""
    if user.role != User.Role.GUEST:
        raise ApplicationError("Only a guest account can be upgraded.", code="not_a_guest")
    email = email.strip()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ApplicationError(
            "Another account already uses this email.", code="email_taken", fields={"email": ["Already in use."]}
        )
    user.email = email
    user.set_password(password)
    user.role = User.Role.REGULAR
    user.save(update_fields=["email", "password", "role"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"primary": True})
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Remove the user and every personal row: everything keyed to them cascades, and the
    login-attempt records that axes keeps by email go too. Open sessions die with the user row; the
    refresh tokens handed to their apps are deleted (simplejwt would only unlink them), so a refresh
    finds no account. An app's hook may refuse first (an ApplicationError), and nothing is deleted."""
    for hook in hooks.account_delete_hooks:
        hook(user=user)
    if user.email:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=user.email).delete()
    OutstandingToken.objects.filter(user=user).delete()
    user.delete()


@transaction.atomic
def promoter_role_grant(*, user_ids: Iterable[int]) -> int:
    """Make these users promoters; returns how many became one. Only regular accounts do: a guest cannot apply,
    but an account can change between applying and review."""
    granted = User.objects.select_for_update().filter(pk__in=list(user_ids), role=User.Role.REGULAR)
    public_ids = list(granted.values_list("public_id", flat=True))
    for public_id in public_ids:
        user_cache_expire(public_id=public_id)  # update() sends no post_save
    return User.objects.filter(public_id__in=public_ids).update(role=User.Role.PROMOTER)


def user_cache_expire(*, public_id) -> None:
    """The user's cached row (accounts.selectors.user_for_token) is read again. Every save and deletion of a user
    calls it (accounts/apps.py); an update() that bypasses them must too."""
    version_bump(selectors.user_version_key(public_id))


def refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every refresh token the user's apps hold that has not run out, so none of them gets another
    access token, even once the account is active again. Returns how many."""
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    return len(BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live],
                                                    ignore_conflicts=True))


def spotify_profile_apply(*, user: User, profile: dict) -> User:
    """Copy the display name and avatar from a Spotify /v1/me profile onto the user (unsaved)."""
    user.display_name = (profile.get("display_name") or user.display_name or "")[:100]
    images = profile.get("images") or []
    if images:
        # Spotify lists images largest first; the avatar is shown small.
        user.avatar_url = (sorted(images, key=lambda image: image.get("width") or 0)[-1].get("url") or "")[:500]
    if not user.country and profile.get("country"):
        user.country = profile["country"]
    return user


def spotify_login_refreshed(*, user: User, profile: dict) -> User:
    """A returning Spotify sign-in: fresh profile details, and any broken connection is mended."""
    spotify_profile_apply(user=user, profile=profile)
    user.spotify_broken_at = None
    user.save(update_fields=["display_name", "avatar_url", "country", "spotify_broken_at"])
    return user


def spotify_token_refresh(*, token: SocialToken) -> SocialToken | None:
    """Refresh one user's Spotify token; a refused refresh token marks the connection broken.

    Returns the refreshed token, or None when the user has to reconnect. Spotify being down
    raises SpotifyUnavailable so the caller can retry later.
    """
    user = token.account.user
    try:
        answer = spotify_tokens.refresh_user_token(token.token_secret)
    except spotify_tokens.SpotifyTokenRejected as exc:
        logger.info("spotify refresh token refused", extra={"user_id": user.pk, "reason": str(exc)})
        spotify_connection_break(user=user)
        return None
    token.token = answer["access_token"]
    token.token_secret = answer.get("refresh_token") or token.token_secret
    token.expires_at = timezone.now() + timedelta(seconds=int(answer["expires_in"]))
    token.save(update_fields=["token", "token_secret", "expires_at"])
    return token


def spotify_access_token(*, user: User) -> str | None:
    """A usable Spotify access token for the user, refreshed first when it is about to expire; None when
    the user has no Spotify connection or must reconnect. Spotify being down raises SpotifyUnavailable."""
    if user.spotify_broken_at:
        return None
    token = (
        SocialToken.objects.filter(account__user=user, account__provider="spotify")
        .select_related("account__user").first()
    )
    if token is None:
        return None
    if token.expires_at and token.expires_at < timezone.now() + timedelta(minutes=1):
        token = spotify_token_refresh(token=token)
    return token.token if token else None


def spotify_app_token() -> str | None:
    """The app's client-credentials token for reading Spotify's catalog (no user needed); None when no Spotify
    app is configured or Spotify refuses its credentials. Spotify being down raises SpotifyUnavailable."""
    if not settings.SPOTIFY_CLIENT_ID:
        return None
    try:
        return spotify_tokens.app_access_token()
    except spotify_tokens.SpotifyTokenRejected as exc:
        logger.warning("spotify refused the app's credentials", extra={"reason": str(exc)})
        return None


def spotify_connection_break(*, user: User) -> User:
    user.spotify_broken_at = timezone.now()
    user.save(update_fields=["spotify_broken_at"])
    transaction.on_commit(
        lambda: broadcast(
            user_group(user.pk),
            "notify",
            {"level": "warning", "message": "Spotify disconnected us. Reconnect Spotify to keep your history in sync."},
        )
    )
    return user


def spotify_tokens_refresh_due(*, now=None) -> dict:
    """Refresh every Spotify token that expires soon; returns counts for the log."""
    now = now or timezone.now()
    due = (
        SocialToken.objects.filter(
            account__provider="spotify",
            account__user__spotify_broken_at__isnull=True,
            expires_at__lt=now + REFRESH_AHEAD,
        )
        .exclude(token_secret="")
        .select_related("account__user")
    )
    counts = {"refreshed": 0, "broken": 0, "failed": 0}
    for token in due.iterator(chunk_size=200):
        try:
            refreshed = spotify_token_refresh(token=token)
        except spotify_tokens.SpotifyUnavailable as exc:
            logger.warning("spotify refresh failed, will retry", extra={"token_id": token.pk, "reason": str(exc)})
            counts["failed"] += 1
            continue
        counts["refreshed" if refreshed else "broken"] += 1
    return counts


def impersonation_on_start(*, sender, hijacker, hijacked, request, **kwargs) -> Impersonation:
    return Impersonation.objects.create(
        staff=hijacker, staff_email=hijacker.email, target=hijacked, path=request.path[:300]
    )


def impersonation_on_end(*, sender, hijacker, hijacked, request, **kwargs) -> None:
    Impersonation.objects.filter(staff=hijacker, target=hijacked, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
