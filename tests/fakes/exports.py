"""Synthetic Spotify extended-history exports of any size, shaped like the real ones in the fixtures."""

import io
import json
import random
import string
import zipfile
from datetime import UTC, datetime, timedelta

# Spotify splits an extended history into files of roughly this many plays.
PLAYS_PER_FILE = 16_000


def extended_rows(plays: int, *, artists: int = 2_000, tracks: int = 40_000, seed: int = 7,
                  start: datetime = datetime(2015, 1, 1, tzinfo=UTC)):
    """`plays` rows in the 2023+ extended layout, one every few minutes from `start`."""
    rng = random.Random(seed)
    artist_names = [f"Artist {i} " + "".join(rng.choices(string.ascii_letters, k=6)) for i in range(artists)]
    catalog = []
    for i in range(tracks):
        artist = artist_names[int(rng.paretovariate(1.2)) % artists]
        track_id = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
        catalog.append((f"spotify:track:{track_id}", f"Song {i}", artist, f"Album {i // 12} of {artist}"))
    moment = start
    for _ in range(plays):
        moment += timedelta(seconds=rng.randint(150, 600))
        uri, name, artist, album = catalog[int(rng.paretovariate(1.1)) % tracks]
        yield {
            "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "platform": "android", "ms_played": rng.randint(5_000, 300_000),
            "conn_country": "NL", "ip_addr": "203.0.113.7", "master_metadata_track_name": name,
            "master_metadata_album_artist_name": artist, "master_metadata_album_album_name": album,
            "spotify_track_uri": uri, "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
            "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
            "audiobook_chapter_title": None, "reason_start": "trackdone", "reason_end": "trackdone",
            "shuffle": rng.random() < 0.3, "skipped": rng.random() < 0.1, "offline": False,
            "offline_timestamp": int(moment.timestamp()), "incognito_mode": False,
        }


def extended_export_zip(plays: int, *, plays_per_file: int = PLAYS_PER_FILE, **kwargs) -> bytes:
    """A my_spotify_data.zip with `plays` plays split over Streaming_History_Audio_*.json files, each written
    row by row (a file of millions of plays never whole in memory)."""
    buffer = io.BytesIO()
    rows = extended_rows(plays, **kwargs)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index in range(0, plays, plays_per_file):
            name = f"Spotify Extended Streaming History/Streaming_History_Audio_{index // plays_per_file}.json"
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(b"[")
                for number in range(min(plays_per_file, plays - index)):
                    member.write((", " if number else "").encode() + json.dumps(next(rows)).encode())
                member.write(b"]")
    return buffer.getvalue()
