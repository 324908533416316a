"""Listeners like you: the songs other listeners who share the listener's country, age band or occupation play
most, for when we know little of the listener themselves.

Gender is left out: it says little of taste that country, age and occupation do not, its smaller answers
("another gender", "prefer not to say") make groups too small to mean anything, and choosing someone's music by
their gender is the stereotype a listener would least want from us."""

from __future__ import annotations

from accounts.models import User
from emotions.recommender.history import FULL_PLAY_MS
from listening import selectors as listening

AGE_BANDS = ((0, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 200))
UNSAID = {"", User.Occupation.OTHER, User.Occupation.PREFER_NOT_TO_SAY}  # "other" is no group of anyone's
PER_GROUP = 200  # songs kept per group of listeners: as many as the most popular songs the ensemble weighs


def traits_of(user: User) -> dict[str, dict]:
    """What the listener's profile says that others may share, as lookups on User: none when it says nothing."""
    traits: dict[str, dict] = {}
    if user.country:
        traits["country"] = {"country": user.country.code}
    if user.age is not None:
        traits["age"] = {"age__range": next(band for band in AGE_BANDS if band[0] <= user.age <= band[1])}
    if user.occupation not in UNSAID:
        traits["occupation"] = {"occupation": user.occupation}
    return traits


def traits_stamp(user: User) -> str:
    """The listener's traits as a short text, for the keys of what is cached from them."""
    return ",".join(f"{value}" for lookups in traits_of(user).values() for value in lookups.values())


def songs_of_peers(user: User) -> dict[int, float]:
    """Each song's popularity (0 … 1) among other listeners like this one: within each group of listeners
    sharing the same traits with them, the share of the group who played it, so a big country counts no more
    than a small one; groups weighed by how many traits they share."""
    traits = traits_of(user)
    if not traits:
        return {}
    groups = listening.songs_of_listeners_like(user=user, traits=traits, min_ms=FULL_PLAY_MS, limit=PER_GROUP)
    total = sum(len(shared) for shared in groups)
    scores: dict[int, float] = {}
    for shared, (size, songs) in groups.items():
        for track_id, listeners in songs.items():
            scores[track_id] = scores.get(track_id, 0.0) + len(shared) * listeners / size / total
    return scores
