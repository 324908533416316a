"""Who a sponsored event's targeting reaches: genres, countries, age range and listeners of given artists.

An empty criterion matches everyone; every criterion that is set must match. The promoter analytics ask the
same question of past interactions, so it is one plain function, `listener_matches`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet

from events.genres import genre_tag
from events.models import Event
from listening import selectors as listening

TOP_GENRES = 30
TOP_ARTISTS = 50
# Plays of the last 12 months count this many times more: what a listener plays now says more of what they
# would go and see than what they played years ago, which still counts.
RECENT_WEIGHT = 2
# A listener's tops move slowly; reading them once in a while keeps per-interaction checks cheap.
TASTE_SECONDS = 600


@dataclass(frozen=True)
class Taste:
    """A listener's top artists over their whole history, recent plays weighing more, and genres (as tags),
    each with its share; the artists' all-time plays and names, to say why a show is recommended."""

    artists: dict[int, float]
    genres: dict[str, float]
    plays: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def listener_taste(user) -> Taste:
    """The listener's tops, cached a few minutes and on the user object for this request."""
    if not getattr(user, "is_authenticated", False):
        return Taste({}, {})
    memo = getattr(user, "_events_taste", None)
    if memo is not None:
        return memo
    key = f"events:taste:v2:{user.pk}"
    taste = cache.get(key)
    if taste is None:
        taste = _taste(user)
        cache.set(key, taste, TASTE_SECONDS)
    user._events_taste = taste
    return taste


def _taste(user) -> Taste:
    all_time = listening.top_all_time(user=user, kind="artists", limit=TOP_ARTISTS)
    recent = listening.top_of_preset(user=user, kind="artists", preset="1y", limit=TOP_ARTISTS)
    plays = {entry.item.pk: entry.plays for entry in all_time}
    names = {entry.item.pk: entry.item.name for entry in (*all_time, *recent)}
    for entry in recent:  # one past the all-time top 50 has played at least this often
        plays.setdefault(entry.item.pk, entry.plays)
    weights = dict(plays)
    for entry in recent:
        weights[entry.item.pk] += RECENT_WEIGHT * entry.plays
    genres: dict[str, int] = {}
    for entry in listening.top_all_time(user=user, kind="genres", limit=TOP_GENRES):
        tag = genre_tag(entry.item.name)
        genres[tag] = genres.get(tag, 0) + entry.plays
    return Taste(_shares(weights), _shares(genres), plays, names)


def _shares(plays: dict) -> dict:
    total = sum(plays.values()) or 1
    return {key: count / total for key, count in plays.items()}


def listener_matches(event: Event, user) -> bool:
    """Whether this listener is in the event's target audience (an untargeted event reaches everyone)."""
    country = str(getattr(user, "country", "") or "")
    if event.target_countries and country not in event.target_countries:
        return False
    if event.target_age_min is not None or event.target_age_max is not None:
        age = getattr(user, "age", None)
        if age is None:
            return False
        if event.target_age_min is not None and age < event.target_age_min:
            return False
        if event.target_age_max is not None and age > event.target_age_max:
            return False
    if event.target_genres:
        wanted = {genre_tag(genre) for genre in event.target_genres}
        if not wanted & listener_taste(user).genres.keys():
            return False
    target_artists = _target_artist_ids(event)
    if target_artists and not _listened_to_any(user, target_artists):
        return False
    return True


def _target_artist_ids(event: Event) -> list[int]:
    # Prefetched by the lists that show sponsored events, so checking a page of them is not a query each.
    cached = getattr(event, "_prefetched_objects_cache", {}).get("target_artists")
    if cached is not None:
        return [artist.pk for artist in cached]
    return list(event.target_artists.values_list("pk", flat=True))


def _listened_to_any(user, artist_ids: list[int]) -> bool:
    """Ever played any of these artists: read from the daily roll-ups, which hold the whole history."""
    if not getattr(user, "is_authenticated", False):
        return False
    if set(artist_ids) & listener_taste(user).artists.keys():
        return True
    return listening.played_any(user=user, artist_ids=artist_ids)


def targeting_reaches(events: QuerySet[Event], user) -> QuerySet[Event]:
    """The events whose country and age criteria let this listener in: the part the database can answer.
    Genres and artists are then checked with `listener_matches` on what is left (a handful of sponsored
    events)."""
    country = str(getattr(user, "country", "") or "")
    age = getattr(user, "age", None)
    events = events.filter(Q(target_countries=[]) | Q(target_countries__contains=[country] if country else ["--"]))
    if age is None:
        return events.filter(target_age_min__isnull=True, target_age_max__isnull=True)
    return events.filter(Q(target_age_min__isnull=True) | Q(target_age_min__lte=age)).filter(
        Q(target_age_max__isnull=True) | Q(target_age_max__gte=age)
    )
