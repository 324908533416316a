"""The Spotify Web API client for a user's token: spotipy, pointed at the API our settings name."""

import spotipy
from django.conf import settings


def spotify_client(access_token: str, *, retries: int = 0) -> spotipy.Spotify:
    """A spotipy client for one user's access token. Retries are off by default: the sync decides what a
    429 or 5xx means (defer, back off) instead of spotipy sleeping inside a worker."""
    client = spotipy.Spotify(auth=access_token, retries=retries, status_retries=retries, requests_timeout=10)
    client.prefix = f"{settings.SPOTIFY_API_BASE}/v1/"
    return client
