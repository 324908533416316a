"""The catalog: songs, artists and albums by public id, search, and the artists other apps match names with."""

from __future__ import annotations

from django.db.models import BooleanField, Case, ExpressionWrapper, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from listening.models import Album, Artist, ArtistGenre, Track
from listening.names import name_key
from listening.selectors.periods import TOP_KINDS

SEARCH_LIMIT = 20
SEARCH_MIN_CHARS = 2


def catalog_item(*, kind: str, public_id) -> Track | Artist | Album:
    """A track, artist or album by its public id (404 if unknown)."""
    item_model = TOP_KINDS[kind][2]
    related = {"tracks": ["artist", "album"], "albums": ["artist"], "artists": []}[kind]
    return get_object_or_404(item_model.objects.select_related(*related), public_id=public_id)


def artist_ids_matching(*, spotify_ids: set[str], name_keys: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Catalog artists by Spotify id, and by name key; several sharing a name key, the one Spotify knows stands
    for it, then the oldest."""
    by_spotify = dict(Artist.objects.filter(spotify_id__in=spotify_ids).values_list("spotify_id", "pk"))
    by_name: dict[str, int] = {}
    for key, pk in (Artist.objects.filter(name_key__in=name_keys)
                    .order_by("spotify_id", "pk").values_list("name_key", "pk")):
        by_name.setdefault(key, pk)
    return by_spotify, by_name


def artists_by_name() -> QuerySet[Artist]:
    """Every catalog artist, in name order (what other apps prefetch their artists with)."""
    return Artist.objects.order_by("name")


def track_by_public_id(public_id) -> Track:
    return get_object_or_404(Track.objects.select_related("artist", "album"), public_id=public_id)


def tracks_by_public_ids(public_ids) -> dict:
    """Catalog tracks by public id; ids that name no track are simply absent."""
    return {track.public_id: track for track in Track.objects.filter(public_id__in=list(public_ids))}


def catalog_search(*, query: str, limit: int = SEARCH_LIMIT) -> QuerySet[Track]:
    """Catalog tracks whose title or artist contains every word of the query; titles starting with it first."""
    key = name_key(query or "")
    if len(key) < SEARCH_MIN_CHARS:
        return Track.objects.none()
    tracks = Track.objects.select_related("artist", "album")
    for word in key.split(" ")[:8]:
        tracks = tracks.filter(Q(name_key__contains=word) | Q(artist__name_key__contains=word))
    # Titles that start with the query first, then artists that do; tracks Spotify knows (exportable) first.
    starts = Case(
        When(name_key__startswith=key, then=Value(0)), When(artist__name_key__startswith=key, then=Value(1)),
        default=Value(2),
    )
    exportable = ExpressionWrapper(Q(spotify_id__isnull=False), output_field=BooleanField())
    return tracks.order_by(starts, exportable.desc(), "name_key", "pk")[:limit]


def tracks_by_ids(track_ids) -> dict[int, Track]:
    """Songs by id with their artist and album (for their cover), for showing many at once."""
    return Track.objects.select_related("artist", "album").in_bulk(list(track_ids))


def track_genres(track_ids) -> dict[int, tuple[int, str | None, list[str]]]:
    """Each song's (artist id, Spotify id, its artist's genre names)."""
    facts = {pk: (artist_id, spotify_id, []) for pk, artist_id, spotify_id
             in Track.objects.filter(pk__in=list(track_ids)).values_list("pk", "artist_id", "spotify_id")}
    by_artist: dict[int, list[str]] = {}
    for artist_id, genre in ArtistGenre.objects.filter(
            artist_id__in={artist_id for artist_id, _, _ in facts.values()}).values_list("artist_id", "genre__name"):
        by_artist.setdefault(artist_id, []).append(genre)
    return {pk: (artist_id, spotify_id, by_artist.get(artist_id, []))
            for pk, (artist_id, spotify_id, _) in facts.items()}


def tracks_of_artists(artist_ids) -> dict[int, int]:
    """The songs of these artists: {track id: artist id}."""
    return dict(Track.objects.filter(artist_id__in=list(artist_ids)).values_list("pk", "artist_id"))


def track_ids_after(*, after: int, limit: int) -> list[int]:
    """The next `limit` song ids after `after`, in id order: for walking the whole catalog a slice at a time."""
    return list(Track.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:limit])
