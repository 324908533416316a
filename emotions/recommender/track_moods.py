"""Songs' places on the circumplex (TrackMood): from the audio-features provider when one is configured, else
estimated from genre priors and the artist's measured songs. For each listener the moods they were in when they
played a song (their MoodReadings around the play) move it further: see `moods_played_in`."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import User
from emotions.audio_features import audio_features, audio_features_configured
from emotions.models import MoodReading, TrackMood
from listening import selectors as listening
from rewrapped.redis import redis_client

CURSOR_KEY = "emotions:track-moods:cursor"
# A reading tells the mood of plays this close to it.
READING_REACH = timedelta(minutes=20)

# Where songs of a genre sit on average (valence, energy on −1 … +1), after the genre means of Spotify's own
# audio features; a song takes the mean over the genres whose words it carries, most specific words first.
GENRE_PRIORS: dict[str, tuple[float, float]] = {
    "sleep": (0.0, -0.9), "ambient": (-0.1, -0.8), "classical": (-0.1, -0.6), "piano": (-0.1, -0.7),
    "acoustic": (0.1, -0.5), "lo-fi": (0.1, -0.5), "lofi": (0.1, -0.5), "chill": (0.1, -0.4),
    "singer-songwriter": (-0.1, -0.4), "folk": (0.1, -0.3), "jazz": (0.2, -0.3), "bossa": (0.3, -0.3),
    "soundtrack": (-0.1, -0.2), "blues": (-0.1, -0.1), "soul": (0.3, -0.1), "r&b": (0.1, 0.0),
    "country": (0.3, 0.1), "gospel": (0.4, 0.1), "reggae": (0.5, 0.1), "indie": (0.0, 0.1),
    "sad": (-0.6, -0.4), "emo": (-0.4, 0.5), "goth": (-0.4, 0.3), "grunge": (-0.3, 0.6),
    "pop": (0.3, 0.3), "k-pop": (0.4, 0.5), "hip hop": (0.1, 0.4), "rap": (0.1, 0.4), "trap": (-0.1, 0.5),
    "funk": (0.6, 0.5), "disco": (0.6, 0.6), "dance": (0.4, 0.6), "latin": (0.6, 0.5), "reggaeton": (0.5, 0.6),
    "house": (0.2, 0.7), "electronic": (0.0, 0.5), "edm": (0.2, 0.8), "techno": (-0.2, 0.8),
    "rock": (0.1, 0.6), "punk": (0.1, 0.8), "metal": (-0.4, 0.9), "hardcore": (-0.3, 0.9),
}


def genre_prior(genres: list[str]) -> tuple[float, float] | None:
    """The mean prior of the genre words a song's artist carries, or None when none is known."""
    points = [point for genre in genres for word, point in GENRE_PRIORS.items() if word in genre.casefold()]
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def moods_played_in(*, user: User, track_ids: set[int] | None = None) -> dict[int, dict[str, float]]:
    """For each song, in which moods the listener played it: {track_id: {mood: plays, "valence": Σ, "arousal": Σ}},
    each play taken in the mood of their nearest reading within READING_REACH."""
    readings = list(MoodReading.objects.filter(user=user).order_by("at")
                    .values_list("at", "mood", "valence", "arousal"))
    if not readings:
        return {}
    played: dict[int, dict[str, float]] = {}
    times = [r[0] for r in readings]
    position = 0
    for _, track_id, _, ended_at, _, _ in listening.music_play_rows(
            user=user, since=times[0] - READING_REACH, until=times[-1] + READING_REACH):
        if track_ids is not None and track_id not in track_ids:
            continue
        while position + 1 < len(times) and abs(times[position + 1] - ended_at) <= abs(times[position] - ended_at):
            position += 1
        at, mood, valence, arousal = readings[position]
        if abs(at - ended_at) > READING_REACH:
            continue
        counts = played.setdefault(track_id, {"valence": 0.0, "arousal": 0.0})
        counts[mood] = counts.get(mood, 0.0) + 1
        counts["valence"] += valence
        counts["arousal"] += arousal
    return played


def track_mood_estimate(*, genres: list[str], artist_points: list[tuple[float, float]],
                        played_in: list[tuple[float, float, float]]) -> tuple[float, float]:
    """A song's valence and energy from its genres' prior, its artist's measured songs and the (Σ valence,
    Σ arousal, plays) of the moods it was played in, each trusted as far as it has evidence, toward neutral
    without any."""
    parts: list[tuple[float, float, float]] = [(0.0, 0.0, 0.5)]
    if (prior := genre_prior(genres)) is not None:
        parts.append((*prior, 1.0))
    if artist_points:
        n = len(artist_points)
        parts.append((sum(p[0] for p in artist_points) / n, sum(p[1] for p in artist_points) / n, 2 * n / (n + 2)))
    plays = sum(p[2] for p in played_in)
    if plays:
        parts.append((sum(p[0] for p in played_in) / plays, sum(p[1] for p in played_in) / plays,
                      3 * plays / (plays + 3)))
    weight = sum(p[2] for p in parts)
    return (round(sum(p[0] * p[2] for p in parts) / weight, 4), round(sum(p[1] * p[2] for p in parts) / weight, 4))


def track_moods_fill(*, track_ids: list[int]) -> int:
    """Give these songs their TrackMood: the provider's measure where it knows them (replacing estimates), an
    estimate for the rest (kept fresh as more is known). Returns how many rows were written. Raises
    RateLimited / ServiceUnavailable when the provider asks us to wait (the task retries later)."""
    facts = listening.track_genres(track_ids)
    stored = {row.track_id: row for row in TrackMood.objects.filter(track_id__in=list(facts))}
    measured: dict[int, tuple[float, float]] = {}
    if audio_features_configured():
        measured_before = {t for t, row in stored.items() if row.source == TrackMood.Source.PROVIDER}
        by_spotify = {spotify_id: track_id for track_id, (_, spotify_id, _) in facts.items()
                      if spotify_id and track_id not in measured_before}
        for spotify_id, features in audio_features(list(by_spotify)).items():
            measured[by_spotify[spotify_id]] = (features.valence, features.energy)

    artist_of = listening.tracks_of_artists({artist_id for artist_id, _, _ in facts.values()})
    artist_points: dict[int, list[tuple[float, float]]] = {}
    measured_of_artists = TrackMood.objects.filter(source=TrackMood.Source.PROVIDER, track_id__in=list(artist_of))
    for track_id, valence, energy in measured_of_artists.values_list("track_id", "valence", "energy"):
        artist_points.setdefault(artist_of[track_id], []).append((valence, energy))
    for track_id, point in measured.items():
        artist_points.setdefault(facts[track_id][0], []).append(point)
    rows = [TrackMood(track_id=track_id, valence=v, energy=e, source=TrackMood.Source.PROVIDER)
            for track_id, (v, e) in measured.items()]
    for track_id, (artist_id, _, genres) in facts.items():
        if track_id in measured or (track_id in stored and stored[track_id].source == TrackMood.Source.PROVIDER):
            continue
        valence, energy = track_mood_estimate(genres=genres, artist_points=artist_points.get(artist_id, []),
                                              played_in=[])
        rows.append(TrackMood(track_id=track_id, valence=valence, energy=energy, source=TrackMood.Source.ESTIMATE))
    TrackMood.objects.bulk_create(rows, update_conflicts=True, unique_fields=["track"],
                                  update_fields=["valence", "energy", "source", "updated_at"])
    return len(rows)


def track_moods_due(*, limit: int) -> list[int]:
    """The next songs of the catalog without a TrackMood, walking it a slice per call from where the last call
    stopped (back to the start at its end), so new songs are reached and no call reads the whole catalog."""
    after = int(redis_client().get(CURSOR_KEY) or 0)
    track_ids = listening.track_ids_after(after=after, limit=limit)
    redis_client().set(CURSOR_KEY, track_ids[-1] if len(track_ids) == limit else 0)
    have = set(TrackMood.objects.filter(track_id__in=track_ids).values_list("track_id", flat=True))
    return [track_id for track_id in track_ids if track_id not in have]
