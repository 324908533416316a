"""Sign in with Spotify: allauth's provider, pointed at the URLs our settings name."""

from allauth.socialaccount.providers.spotify.provider import SpotifyOAuth2Provider

from accounts.spotify.views import SpotifyLoginAdapter


class SpotifyProvider(SpotifyOAuth2Provider):
    package = "accounts.spotify"
    oauth2_adapter_class = SpotifyLoginAdapter

    def get_default_scope(self):
        from django.conf import settings

        return list(settings.SPOTIFY_SCOPES)


provider_classes = [SpotifyProvider]
