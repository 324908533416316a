"""Reads for emotions (see STYLE.md: selectors for reads): the listener's mood now and over days and weeks, songs
for a mood, what they played in each mood, and the recommended songs they played. Only ever the listener's own
rows."""

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from billing import selectors as billing
from emotions.models import MoodReading, RecommendedPlay
from emotions.moods import Mood, MoodEstimate
from emotions.recommender import Recommendation, recommend
from listening import selectors as listening

# A reading older than this no longer says how the listener feels now.
MOOD_RECENT = timedelta(hours=2)
# A reading holds until the next one, and at most this long: the mood socket stores one every 10 s while the
# mood is steady, so only the last reading of a visit (or words typed once) is cut short here.
MOOD_HELD_AT_MOST = timedelta(minutes=10)
SONGS_PER_MOOD = 5


@dataclass(frozen=True)
class MoodPeriod:
    """A day or week of moods: how long each mood held, as shares of the time any mood was known, and the mean
    valence and arousal over that time (None where no mood was read)."""

    start: date
    end: date
    seconds: float
    shares: dict[str, float]
    valence: float | None
    arousal: float | None


@dataclass(frozen=True)
class MoodSongs:
    """The songs a listener played most while in one mood."""

    mood: str
    label: str
    plays: int
    songs: list[tuple[object, int]]  # (Track, plays), most played first


def mood_latest(*, user: User, now: datetime | None = None) -> MoodEstimate | None:
    """The listener's latest mood if it was read recently, else None."""
    now = now or timezone.now()
    recent = MoodReading.objects.filter(user=user, at__gt=now - MOOD_RECENT, at__lte=now)
    reading = recent.order_by("-at", "-id").first()
    if reading is None:
        return None
    return MoodEstimate(label=reading.mood, valence=reading.valence, arousal=reading.arousal,
                        confidence=reading.confidence, probabilities={reading.mood: reading.confidence})


def recommendations_for(*, user: User, mood: MoodEstimate | None, strategy: str,
                        limit: int = 20) -> tuple[list[Recommendation], int | None]:
    """Songs for `mood` (see `recommend`) and how many free songs the listener has left (None while Premium).
    With none left the songs come without their Spotify ids: the way to a recommended song on Spotify is then only
    its counted play (whose answer names the song on Spotify), which the free-song gate refuses."""
    songs = recommend(user=user, mood=mood, strategy=strategy, limit=limit)
    remaining = billing.entitlement(user).free_songs_remaining
    if remaining == 0:
        songs = [replace(song, spotify_id=None) for song in songs]
    return songs, remaining


def mood_readings_of(*, user: User) -> QuerySet[MoodReading]:
    """The listener's mood readings, newest first."""
    return MoodReading.objects.filter(user=user).order_by("-at", "-id")


def recommended_plays_of(*, user: User) -> QuerySet[RecommendedPlay]:
    """The recommended songs the listener played, newest first, with their songs' artists and covers."""
    return (RecommendedPlay.objects.filter(user=user).select_related("track__artist", "track__album")
            .order_by("-played_at", "-id"))


def mood_range(*, user: User, by: str, today: date | None = None) -> tuple[date, date]:
    """The days the history shows by default, in the listener's time zone: the last 30 days, or 12 whole weeks
    (Monday to Sunday) up to this one."""
    today = today or timezone.now().astimezone(zoneinfo.ZoneInfo(user.time_zone)).date()
    if by == "week":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(weeks=11), monday + timedelta(days=6)
    return today - timedelta(days=29), today


def mood_summary(*, user: User, by: str, start: date, end: date) -> list[MoodPeriod]:
    """Every day (or Monday-to-Sunday week) from `start` to `end`, in the listener's time zone, with the share
    of time each mood held and the mean valence; days and weeks without a reading are there, empty."""
    zone = zoneinfo.ZoneInfo(user.time_zone)
    held: dict[date, Counter] = defaultdict(Counter)
    valence: Counter = Counter()
    arousal: Counter = Counter()
    for span in _held_spans(user, start, end, zone):
        bucket = _bucket_of(span.start.astimezone(zone).date(), by)
        seconds = (span.end - span.start).total_seconds()
        held[bucket][span.mood] += seconds
        valence[bucket] += span.valence * seconds
        arousal[bucket] += span.arousal * seconds
    periods = []
    bucket, step = _bucket_of(start, by), timedelta(days=7 if by == "week" else 1)
    while bucket <= end:
        total = sum(held[bucket].values())
        periods.append(MoodPeriod(
            start=bucket, end=bucket + step - timedelta(days=1), seconds=total,
            shares={mood: round(seconds / total, 4) for mood, seconds in held[bucket].most_common()} if total else {},
            valence=round(valence[bucket] / total, 4) if total else None,
            arousal=round(arousal[bucket] / total, 4) if total else None,
        ))
        bucket += step
    return periods


def songs_by_mood(*, user: User, start: date, end: date) -> list[MoodSongs]:
    """For each mood, the songs the listener played most while in it (a play counts for the mood in effect when
    it ended), moods with most plays first."""
    spans = _held_spans(user, start, end, zoneinfo.ZoneInfo(user.time_zone))
    if not spans:
        return []
    counts: dict[str, Counter] = defaultdict(Counter)
    index = 0
    plays = listening.music_play_rows(user=user, since=spans[0].start, until=spans[-1].end)
    for _, track_id, _, ended_at, _, _ in plays:  # both oldest first: walk them together
        while index + 1 < len(spans) and spans[index + 1].start <= ended_at:
            index += 1
        span = spans[index]
        if span.start <= ended_at < span.end:
            counts[span.mood][track_id] += 1
    tops = {mood: counted.most_common(SONGS_PER_MOOD) for mood, counted in counts.items()}
    tracks = listening.tracks_by_ids({track_id for top in tops.values() for track_id, _ in top})
    labels = dict(Mood.choices)
    return [
        MoodSongs(mood=mood, label=labels[mood], plays=counts[mood].total(),
                  songs=[(tracks[track_id], n) for track_id, n in tops[mood]])
        for mood in sorted(counts, key=lambda mood: (-counts[mood].total(), mood))
    ]


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime
    mood: str
    valence: float
    arousal: float


def _held_spans(user: User, start: date, end: date, zone: zoneinfo.ZoneInfo) -> list[_Span]:
    """Each reading from local `start` to the end of local `end`, as the span it held, oldest first."""
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    readings = list(MoodReading.objects.filter(user=user, at__gte=since, at__lt=until)
                    .order_by("at", "id").values_list("at", "mood", "valence", "arousal"))
    spans = []
    for i, (at, mood, valence, arousal) in enumerate(readings):
        ends = at + MOOD_HELD_AT_MOST
        if i + 1 < len(readings):
            ends = min(ends, readings[i + 1][0])
        if ends > at:
            spans.append(_Span(at, ends, mood, valence, arousal))
    return spans


def _bucket_of(day: date, by: str) -> date:
    return day - timedelta(days=day.weekday()) if by == "week" else day
