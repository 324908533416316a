"""Spotify's track and artist objects into the catalog: rows known only by name (from account-data imports)
are claimed rather than duplicated, and a name-only duplicate of a known song is merged into it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from listening.models import Album, Artist, DailyTrackPlays, Play, PlayRecord, Track
from listening.names import name_key
from listening.services.plays import CATALOG_LOCK, track_plays_merge
from listening.services.rollups import history_lock, rollups_rebuild

logger = logging.getLogger(__name__)


def spotify_artists_store(*, artists: Iterable[dict]) -> dict[str, int]:
    """Catalog ids by Spotify id for artist objects (full or simplified)."""
    with transaction.atomic():
        _catalog_lock()
        return _artists(list(artists))


def spotify_tracks_store(*, tracks: Iterable[dict], claims: dict[str, int] | None = None,
                         now: datetime | None = None) -> dict[str, int]:
    """Catalog ids by Spotify id for full track objects, with album (and its cover), duration and ISRC filled in,
    stamped as fetched so the catalog fetch does not ask Spotify for them again.

    A song missing from the catalog by id takes over the name-only row of the same song (same first artist
    and title, or the row `claims` names for its id) instead of getting a new row, so plays imported by
    name and plays synced by id are one song. A name-only row of a song that already has its own row is
    merged into that row."""
    tracks = [track for track in tracks if track and track.get("id")]
    claims = claims or {}
    with transaction.atomic():
        _catalog_lock()
        track_ids, duplicates = _tracks(tracks, claims)
        Track.objects.filter(pk__in=track_ids.values(), details_fetched_at__isnull=True).update(
            details_fetched_at=now or timezone.now()
        )
    for source_id, target_id in duplicates:
        track_merge(source_id=source_id, target_id=target_id)
    return track_ids


def track_merge(*, source_id: int, target_id: int) -> bool:
    """Fold the name-only track `source_id` into `target_id`: every play, favourite, rating, pick and
    playlist entry moves over (plays as track_plays_merge says: one listening recorded under both is one play),
    the source row is deleted, and the affected users' roll-ups are rebuilt.

    Returns False (and changes nothing) when the merge must wait: the tracks changed meanwhile, or someone
    started playing the source while we locked its listeners; a later sync tries again."""
    with transaction.atomic():
        users = _listeners(source_id)
        # The same lock order as plays_add (the user's history, then the catalog), so neither waits on the other.
        with connection.cursor() as cursor:
            for user_id in users:
                history_lock(cursor, user_id)
        _catalog_lock()
        source = Track.objects.select_for_update().filter(pk=source_id, spotify_id__isnull=True).first()
        target = Track.objects.select_for_update().filter(pk=target_id).first()
        if source is None or target is None or _listeners(source_id) != users:
            return False
        with connection.cursor() as cursor:
            track_plays_merge(cursor, users=users, source_id=source_id, target_id=target_id,
                              artist_id=target.artist_id, album_id=target.album_id)
        for model, field in _track_references():
            _repoint(model, field, source_id, target_id)
        source.delete()
        for user in User.objects.filter(pk__in=users):
            rollups_rebuild(user=user)
    logger.info("tracks merged", extra={"source_id": source_id, "target_id": target_id, "users": len(users)})
    return True


# --- internals ---------------------------------------------------------------------------------------------
def _catalog_lock() -> None:
    # Imports take this lock while they add catalog rows; holding it, we never race them into duplicates.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CATALOG_LOCK])


def _image(obj: dict) -> str:
    images = obj.get("images") or []
    # Spotify lists images largest first; pages show them small, so take the middle size when there is one.
    return (images[len(images) // 2].get("url") or "")[:500] if images else ""


def _artists(objects: list[dict]) -> dict[str, int]:
    by_id = {obj["id"]: obj for obj in objects if obj and obj.get("id")}
    found = {a.spotify_id: a for a in Artist.objects.filter(spotify_id__in=list(by_id))}
    missing = [obj for spotify_id, obj in by_id.items() if spotify_id not in found]
    if missing:
        # An import that knew only the name made the oldest row of that name; sync takes that one over.
        unclaimed: dict[str, Artist] = {}
        for artist in Artist.objects.filter(
            spotify_id__isnull=True, name_key__in={name_key(obj["name"]) for obj in missing}
        ).order_by("-id"):
            unclaimed[artist.name_key] = artist
        claimed, created = [], []
        for obj in missing:
            artist = unclaimed.pop(name_key(obj["name"]), None)
            if artist is not None:
                artist.spotify_id = obj["id"]
                claimed.append(artist)
                found[obj["id"]] = artist
            else:
                created.append(
                    Artist(spotify_id=obj["id"], name=obj["name"][:300], name_key=name_key(obj["name"])[:300])
                )
        Artist.objects.bulk_update(claimed, ["spotify_id"])
        Artist.objects.bulk_create(created, ignore_conflicts=True)
        found.update({a.spotify_id: a for a in Artist.objects.filter(spotify_id__in=[a.spotify_id for a in created])})
    with_images = []
    for spotify_id, artist in found.items():
        image = _image(by_id[spotify_id])
        if image and artist.image_url != image:
            artist.image_url = image
            with_images.append(artist)
    Artist.objects.bulk_update(with_images, ["image_url"])
    return {spotify_id: artist.pk for spotify_id, artist in found.items()}


def _albums(tracks: list[dict], artist_ids: dict[str, int]) -> dict[str, int]:
    """Album ids by Spotify id; an album sits under its track's first artist, as imports file it."""
    albums = {}
    for track in tracks:
        album = track.get("album") or {}
        if album.get("id") and track["artists"][0].get("id") in artist_ids:
            albums[album["id"]] = (album, artist_ids[track["artists"][0]["id"]])
    found = {a.spotify_id: a for a in Album.objects.filter(spotify_id__in=list(albums))}
    missing = {spotify_id: pair for spotify_id, pair in albums.items() if spotify_id not in found}
    if missing:
        unclaimed: dict[tuple[int, str], Album] = {}
        for album in Album.objects.filter(
            spotify_id__isnull=True, artist_id__in={artist_id for _, artist_id in missing.values()},
            name_key__in={name_key(obj["name"]) for obj, _ in missing.values()},
        ).order_by("-id"):
            unclaimed[(album.artist_id, album.name_key)] = album
        claimed, created = [], []
        for spotify_id, (obj, artist_id) in missing.items():
            album = unclaimed.pop((artist_id, name_key(obj["name"])), None)
            if album is not None:
                album.spotify_id = spotify_id
                claimed.append(album)
                found[spotify_id] = album
            else:
                created.append(Album(spotify_id=spotify_id, artist_id=artist_id, name=obj["name"][:300],
                                     name_key=name_key(obj["name"])[:300], image_url=_image(obj)))
        Album.objects.bulk_update(claimed, ["spotify_id"])
        Album.objects.bulk_create(created, ignore_conflicts=True)
        found.update({a.spotify_id: a for a in Album.objects.filter(spotify_id__in=[a.spotify_id for a in created])})
    with_images = []
    for spotify_id, album in found.items():
        image = _image(albums[spotify_id][0])
        if image and not album.image_url:
            album.image_url = image
            with_images.append(album)
    Album.objects.bulk_update(with_images, ["image_url"])
    return {spotify_id: album.pk for spotify_id, album in found.items()}


def _tracks(tracks: list[dict], claims: dict[str, int]) -> tuple[dict[str, int], list[tuple[int, int]]]:
    by_id = {track["id"]: track for track in tracks}
    artist_ids = _artists([track["artists"][0] for track in by_id.values() if track.get("artists")])
    album_ids = _albums(list(by_id.values()), artist_ids)
    found = {t.spotify_id: t for t in Track.objects.filter(spotify_id__in=list(by_id))}

    # Name-only rows of these songs: (first artist's name, title) as imports match them.
    keys = {(name_key(t["artists"][0]["name"]), name_key(t["name"])): spotify_id
            for spotify_id, t in by_id.items() if t.get("artists")}
    name_only: dict[str, list[Track]] = {}
    for track in (
        Track.objects.filter(spotify_id__isnull=True, name_key__in={key for _, key in keys})
        .filter(artist__name_key__in={artist for artist, _ in keys}).select_related("artist").order_by("id")
    ):
        spotify_id = keys.get((track.artist.name_key, track.name_key))
        if spotify_id:
            name_only.setdefault(spotify_id, []).append(track)
    for spotify_id, track_id in claims.items():
        claimed = Track.objects.filter(pk=track_id, spotify_id__isnull=True).first()
        if claimed and spotify_id in by_id:
            rows = name_only.setdefault(spotify_id, [])
            rows[:] = [claimed, *(row for row in rows if row.pk != claimed.pk)]

    changed, created, leftovers = [], [], []
    for spotify_id, obj in by_id.items():
        if not obj.get("artists") or obj["artists"][0].get("id") not in artist_ids:
            continue
        candidates = name_only.get(spotify_id, [])
        track = found.get(spotify_id)
        if track is None and candidates:
            track, candidates = candidates[0], candidates[1:]
            track.spotify_id = spotify_id
            changed.append(track)
        if track is None:
            track = Track(spotify_id=spotify_id, artist_id=artist_ids[obj["artists"][0]["id"]],
                          name=obj["name"][:500], name_key=name_key(obj["name"])[:500])
            created.append(track)
        leftovers += [(candidate.pk, spotify_id) for candidate in candidates]
        if _fill(track, obj, album_ids.get((obj.get("album") or {}).get("id"))) and track.pk and track not in changed:
            changed.append(track)
    Track.objects.bulk_update(changed, ["spotify_id", "album", "duration_ms", "isrc"])
    Track.objects.bulk_create(created, ignore_conflicts=True)
    ids = dict(Track.objects.filter(spotify_id__in=list(by_id)).values_list("spotify_id", "id"))
    return ids, [(source_id, ids[spotify_id]) for source_id, spotify_id in leftovers if spotify_id in ids]


def _fill(track: Track, obj: dict, album_id: int | None) -> bool:
    """Fill in what Spotify knows and we did not (keeping what is there); True when something changed."""
    changed = False
    if album_id and not track.album_id:
        track.album_id, changed = album_id, True
    if obj.get("duration_ms") and not track.duration_ms:
        track.duration_ms, changed = obj["duration_ms"], True
    isrc = (obj.get("external_ids") or {}).get("isrc") or ""
    if isrc and not track.isrc:
        track.isrc, changed = isrc[:12], True
    return changed


def _listeners(track_id: int) -> list[int]:
    """Users with plays of the track, probing each user's unique (user, track, time, source) index: Play has no
    index by track alone, and a scan of every play would cost far more than one probe per user."""
    has_played = Play.objects.filter(user=OuterRef("pk"), track_id=track_id)
    return list(User.objects.filter(Exists(has_played)).order_by("pk").values_list("pk", flat=True))


def _track_references() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every foreign key to Track besides plays, their records and roll-ups (handled on their own), whichever app
    adds one."""
    return [
        (field.related_model, field.remote_field)
        for field in Track._meta.get_fields(include_hidden=True)
        if field.one_to_many and field.related_model not in (Play, PlayRecord, DailyTrackPlays)
    ]


def _repoint(model: type[models.Model], field: models.ForeignKey, source_id: int, target_id: int) -> None:
    """Move rows from the source track to the target; where a unique rule would then see the same row twice
    (a favourite of both), the source's row is the duplicate and goes."""
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, models.UniqueConstraint) and field.name in fields:
            rows = model._default_manager.all()
            if constraint.condition is not None:
                rows = rows.filter(constraint.condition)
            others = [name for name in fields if name != field.name]
            twin = rows.filter(**{field.name: target_id}, **{name: OuterRef(name) for name in others})
            rows.filter(**{field.name: source_id}).filter(Exists(twin)).delete()
    model._default_manager.filter(**{field.name: source_id}).update(**{field.name: target_id})
