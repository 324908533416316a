from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from django.conf import settings


class SpotifyLoginAdapter(OAuth2Adapter):
    provider_id = "spotify"

    @property
    def authorize_url(self) -> str:
        return f"{settings.SPOTIFY_ACCOUNTS_BASE}/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{settings.SPOTIFY_ACCOUNTS_BASE}/api/token"

    def get_callback_url(self, request, app) -> str:
        # Spotify only accepts the exact redirect URI registered for the app, never one built
        # from whatever Host the request came in on (and never `localhost`).
        return settings.SPOTIFY_REDIRECT_URI

    def complete_login(self, request, app, token, **kwargs):
        # Spotify wants the token as a bearer header; a query parameter is refused.
        with get_adapter().get_requests_session() as session:
            response = session.get(
                f"{settings.SPOTIFY_API_BASE}/v1/me",
                headers={"Authorization": f"Bearer {token.token}"},
                timeout=10,
            )
            response.raise_for_status()
        return self.get_provider().sociallogin_from_response(request, response.json())


oauth2_login = OAuth2LoginView.adapter_view(SpotifyLoginAdapter)
oauth2_callback = OAuth2CallbackView.adapter_view(SpotifyLoginAdapter)
