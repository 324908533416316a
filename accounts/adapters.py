from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.urls import reverse

from accounts import services
from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Signing up with email and password makes a regular account.
        user.role = User.Role.REGULAR
        return super().save_user(request, user, form, commit)

    def get_signup_redirect_url(self, request):
        # A new account, by email or by Spotify, starts on the welcome step: the time zone, then one next step.
        return reverse("welcome")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.pk:
            # Someone who only ever signed in with Spotify is a guest until they set a password.
            user.role = User.Role.GUEST
        services.spotify_profile_apply(user=user, profile=sociallogin.account.extra_data)
        return user

    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing:
            services.spotify_login_refreshed(user=sociallogin.user, profile=sociallogin.account.extra_data)


def login_identifier(request, credentials) -> str | None:
    """What django-axes counts failed logins against: the address typed into the login form."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or request.POST.get("login")
    return value.strip().lower() if value else None
