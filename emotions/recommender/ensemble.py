"""The ensemble: each predictor scores the candidate songs from the listener's own plays, their library and
everyone's co-listening; a blend of them, its weights learned per listener from their own history, ranks them.

Weights are learned the way they are judged: recent stretches of the listener's history (four weeks each, or a
third of a short history) are hidden in turn, and the blend that would have ranked them best from what came
before is kept (NDCG@20). It starts from the best of the defaults and the plain repeat rankers (most played,
recency at one half-life), and a predictor's refinement is trusted as far as the stretches hold enough songs
to tell: how much we know about the listener decides how far the blend moves from where it started. Listeners
like them (same country, age band, occupation) are not learned but counted as far as we know little else: fully
at a cold start, fading as the listener's own songs grow."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from emotions.recommender.co_listening import CoListening
from emotions.recommender.history import Listening, local_hour

DAY = 86400.0
LEARN_WINDOW = 28 * DAY  # the hidden stretch weights are learned on, as the benchmark's test weeks
RECENT_SECONDS = 3 * 3600  # songs played this recently are not recommended again
PER_ARTIST = 2  # at most this many songs by one artist in every 20
TOP = 20

# Predictors, in the order of a candidate's feature row.
PREDICTORS = ("plays", "recent_7", "recent_30", "recent_120", "hour", "session", "co", "artist", "skips",
              "library", "popularity", "genre", "new", "peers")
DEFAULT_WEIGHTS = {
    "plays": 0.3, "recent_7": 0.3, "recent_30": 0.5, "recent_120": 1.0, "hour": 0.2, "session": 0.2, "co": 0.1,
    "artist": 0.1, "skips": -0.3, "library": 1.0, "popularity": 0.1, "genre": 0.1, "new": -0.5,
    # Above plain popularity, below anything the listener played or told us, and only while we know little.
    "peers": 0.3,
}
# What a weight may be: predictors that can only count against a song search the negative side.
GRID = {name: (0.0, 0.1, 0.3, 1.0, 3.0) for name in PREDICTORS} | {
    "skips": (-3.0, -1.0, -0.3, 0.0), "new": (-3.0, -1.0, -0.3, 0.0, 0.3),
    # What the listener told us counts whatever their plays say: a favourite is a favourite.
    "library": (0.3, 1.0, 3.0),
    # Not learned: a listener's own weeks would teach it to outweigh what they play (see peers_weight).
    "peers": (),
}
LEARN_PASSES = 2
LEARN_SPLITS = 6  # stretches learned on, the latest first
LEARN_MIN_GAIN = 0.002  # smaller gains in NDCG@20 are the noise of a few songs, not a better blend
TRUST_SONGS = 20  # hidden-weeks songs at which the learned weights count as much as the defaults

REASONS = {
    "plays": "One of your most played", "recent_7": "On repeat this week", "recent_30": "On repeat lately",
    "recent_120": "A favourite of recent months", "hour": "You often play this at this time of day",
    "session": "Goes with what you just played", "co": "Listeners like you love it",
    "artist": "More from an artist you love", "library": "One of your favourites",
    "popularity": "Popular with listeners here", "genre": "In genres you like",
    "peers": "Popular with listeners like you",
}
LIBRARY_REASONS = {"favourite": "One of your favourites", "pick": "One of your starter picks",
                   "rating": "You rated it highly"}


@dataclass(frozen=True)
class Library:
    """What the listener told us: favourites, star ratings, starter picks, the interests on their profile, and
    what their demographics tell: the songs listeners like them play most (0 … 1, by song id)."""

    favourites: frozenset[int] = frozenset()
    ratings: dict[int, int] = field(default_factory=dict)
    picks: frozenset[int] = frozenset()
    interests: tuple[str, ...] = ()
    peers: dict[int, float] = field(default_factory=dict)

    def marks(self) -> dict[int, tuple[float, str]]:
        """Each song's library score (0 … 1) and which mark gave it."""
        marks: dict[int, tuple[float, str]] = {}
        for track_id, stars in self.ratings.items():
            if stars >= 3:
                marks[track_id] = ((stars - 2) / 3, "rating")
        for track_id in self.picks:
            marks[track_id] = (1.0, "pick")
        for track_id in self.favourites:
            marks[track_id] = (1.0, "favourite")
        return marks


# A song's artist, Spotify id and its artist's genres, for songs by id (listening.track_genres).
Facts = Callable[[Iterable[int]], dict[int, tuple[int, str | None, list[str]]]]


@dataclass
class Candidates:
    """Songs worth ranking, one feature row each (every predictor scaled to 0 … 1 over the candidates)."""

    track_ids: np.ndarray
    artists: np.ndarray
    features: np.ndarray
    library_kind: dict[int, str]
    genres: dict[int, list[str]]

    def scores(self, weights: np.ndarray) -> np.ndarray:
        return self.features @ weights

    def reason(self, row: int, weights: np.ndarray) -> str:
        contributions = self.features[row] * weights
        best = int(np.argmax(contributions))
        name = PREDICTORS[best]
        if contributions[best] <= 0:
            return REASONS["popularity"]
        if name == "library":
            return LIBRARY_REASONS.get(self.library_kind.get(int(self.track_ids[row]), ""), REASONS["library"])
        return REASONS.get(name, REASONS["popularity"])


def candidates_at(history: Listening, *, now: float, model: CoListening, library: Library,
                  facts: Facts) -> Candidates:
    """Every predictor's view of the songs worth ranking at `now`, from the plays before it. Popularity counts
    other listeners only, so the listener's own plays after `now` (which the model may hold) tell it nothing."""
    everything = history
    history = history.before(now)
    full = history.full.astype(np.float64)
    age = np.maximum(now - history.at, 0.0) / DAY
    own_ids, own_index = np.unique(history.track, return_inverse=True)

    def per_own(weights: np.ndarray) -> np.ndarray:
        return np.bincount(own_index, weights=weights, minlength=len(own_ids))

    def decay(half_life_days: float) -> np.ndarray:
        return np.exp(-math.log(2) * age / half_life_days)

    recent_30 = per_own(full * decay(30))
    seeds = _top(dict(zip(own_ids.tolist(), recent_30.tolist(), strict=True)), 200)
    marks = library.marks()
    seeds.update({track_id: max(seeds.get(track_id, 0.0), score * max(recent_30.max(initial=0), 1.0))
                  for track_id, (score, _) in marks.items()})
    co = _top(model.spread(seeds), 500)
    session = _top(model.spread(_session_seeds(history, now)), 300)
    popular = model.popular(200)

    track_ids = np.unique(np.concatenate([
        own_ids, np.fromiter(co, dtype=np.int64), np.fromiter(session, dtype=np.int64),
        np.array(popular, dtype=np.int64), np.fromiter(marks, dtype=np.int64),
        np.fromiter(library.peers, dtype=np.int64),
    ])) if len(own_ids) or co or session or popular or marks or library.peers else np.zeros(0, dtype=np.int64)
    known = facts(track_ids.tolist())
    track_ids = np.array([t for t in track_ids.tolist() if t in known], dtype=np.int64)
    own_at = np.searchsorted(own_ids, track_ids)
    is_own = (own_at < len(own_ids)) & (own_ids[np.minimum(own_at, max(len(own_ids) - 1, 0))] == track_ids) \
        if len(own_ids) else np.zeros(len(track_ids), dtype=bool)

    def own_feature(values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(track_ids))
        out[is_own] = values[own_at[is_own]]
        return out

    def from_dict(values: dict[int, float]) -> np.ndarray:
        return np.array([values.get(t, 0.0) for t in track_ids.tolist()])

    hours, weekend = history.local_hours()
    now_hour, now_weekend = local_hour(now, history.time_zone)
    distance = np.abs(hours - now_hour)
    distance = np.minimum(distance, 24 - distance)
    same_day_kind = np.where(weekend == now_weekend, 1.0, 0.5)
    at_this_hour = per_own(full * np.exp(-(distance ** 2) / 8) * same_day_kind * decay(60))

    bad = ((history.skipped == 1) | (~history.full)).astype(np.float64)
    skip_rate = per_own(bad) / (per_own(np.ones(len(history))) + 2)

    artists = np.array([known[t][0] for t in track_ids.tolist()], dtype=np.int64)
    artist_ids, artist_index = np.unique(history.artist, return_inverse=True)
    artist_recent = dict(zip(artist_ids.tolist(),
                             np.bincount(artist_index, weights=full * decay(30), minlength=len(artist_ids)).tolist(),
                             strict=True))
    genres = {t: known[t][2] for t in track_ids.tolist()}
    popularity = _others_popularity(model, track_ids, everything)

    columns = {
        "plays": np.log1p(own_feature(per_own(full))),
        "recent_7": own_feature(per_own(full * decay(7))),
        "recent_30": own_feature(recent_30),
        "recent_120": own_feature(per_own(full * decay(120))),
        "hour": own_feature(at_this_hour),
        "session": from_dict(session),
        "co": from_dict(co),
        "artist": np.log1p(np.array([artist_recent.get(a, 0.0) for a in artists.tolist()])),
        "skips": own_feature(skip_rate),
        "library": from_dict({t: score for t, (score, _) in marks.items()}),
        "popularity": popularity,
        "genre": _genre_fit(track_ids, genres, own_feature(per_own(full * decay(120))), library.interests),
        "new": (~is_own).astype(np.float64),
        "peers": from_dict(library.peers),
    }
    features = np.column_stack([_scaled(columns[name]) for name in PREDICTORS]) if len(track_ids) \
        else np.zeros((0, len(PREDICTORS)))
    return Candidates(track_ids, artists, features, {t: kind for t, (_, kind) in marks.items()}, genres)


def _others_popularity(model: CoListening, track_ids: np.ndarray, own: Listening) -> np.ndarray:
    if not len(model.track_ids) or not len(track_ids):
        return np.zeros(len(track_ids))
    own_ids, own_plays = np.unique(own.track[own.full], return_counts=True)
    at = np.minimum(np.searchsorted(own_ids, track_ids), max(len(own_ids) - 1, 0))
    mine = np.where((own_ids[at] == track_ids) if len(own_ids) else False, own_plays[at] if len(own_ids) else 0, 0)
    rows = model.index_of(track_ids)
    listeners = np.where(rows >= 0, model.listeners[rows] - (mine > 0), 0)
    plays = np.where(rows >= 0, model.plays[rows] - mine, 0)
    return np.log1p(np.maximum(listeners, 0)) + 0.1 * np.log1p(np.maximum(plays, 0))


def _session_seeds(history: Listening, now: float) -> dict[int, float]:
    """The songs played just before `now`, the latest weighing most, all of them less the longer ago."""
    last = np.flatnonzero(history.full)[-10:][::-1]
    seeds: dict[int, float] = {}
    for position, play in enumerate(last.tolist()):
        hours_ago = (now - history.at[play]) / 3600
        weight = 0.85 ** position * max(math.exp(-hours_ago / 24), 0.2)
        track_id = int(history.track[play])
        seeds[track_id] = seeds.get(track_id, 0.0) + weight
    return seeds


def _genre_fit(track_ids: np.ndarray, genres: dict[int, list[str]], listened: np.ndarray,
               interests: tuple[str, ...]) -> np.ndarray:
    """How much of the listener's recent listening is in each song's genres, their profile interests counted
    as a tenth of it each."""
    profile: dict[str, float] = {}
    for track_id, weight in zip(track_ids.tolist(), listened.tolist(), strict=True):
        for genre in genres.get(track_id, ()):
            profile[genre] = profile.get(genre, 0.0) + weight
    total = sum(profile.values()) or 1.0
    for interest in interests:
        word = interest.casefold()
        for genre in {g for gs in genres.values() for g in gs if word in g}:
            profile[genre] = profile.get(genre, 0.0) + 0.1 * total
    return np.array([
        sum(profile.get(g, 0.0) for g in genres.get(t, ())) / (len(genres.get(t, ())) or 1) / total
        for t in track_ids.tolist()
    ])


def _scaled(column: np.ndarray) -> np.ndarray:
    top = column.max(initial=0.0)
    return column / top if top > 0 else column


def _top(scores: dict[int, float], limit: int) -> dict[int, float]:
    if len(scores) <= limit:
        return scores
    return dict(sorted(scores.items(), key=lambda item: -item[1])[:limit])


# --- ranking -----------------------------------------------------------------------------------------------
def ranked(candidates: Candidates, scores: np.ndarray, *, exclude: set[int], limit: int,
           per_artist: int = PER_ARTIST) -> list[int]:
    """Rows best first, leaving out excluded songs and keeping at most `per_artist` songs by one artist in each
    block of TOP while other artists' songs remain: an artist's next song waits for the next block."""
    order = np.argsort(-scores, kind="stable")[:max(limit * 40, 1000)].tolist()
    pending = [row for row in order if int(candidates.track_ids[row]) not in exclude]
    chosen: list[int] = []
    counts: dict[tuple[int, int], int] = {}
    while len(chosen) < limit and pending:
        block = len(chosen) // TOP
        for position, row in enumerate(pending):
            key = (block, int(candidates.artists[row]))
            if counts.get(key, 0) < per_artist:
                counts[key] = counts.get(key, 0) + 1
                chosen.append(pending.pop(position))
                break
        else:
            # Only artists already at their share are left: a listener of few artists still gets a full list.
            chosen.append(pending.pop(0))
    return chosen


def peers_weight(history: Listening, library: Library) -> float:
    """How far listeners like this one count: fully while we know none of their songs, half at TRUST_SONGS of
    them (played in full or marked in their library), fading from there."""
    known = len(set(history.track[history.full].tolist()) | set(library.marks()))
    return DEFAULT_WEIGHTS["peers"] * TRUST_SONGS / (TRUST_SONGS + known)


# --- learning the blend -------------------------------------------------------------------------------------
def relevance(history: Listening, start: float, until: float) -> dict[int, float]:
    """Graded relevance of the songs played in [start, until): log2(1 + full plays)."""
    window = history.between(start, until)
    ids, counts = np.unique(window.track[window.full], return_counts=True)
    return dict(zip(ids.tolist(), np.log2(1 + counts).tolist(), strict=True))


def ndcg(ranked_ids: list[int], relevant: dict[int, float], k: int = TOP) -> float:
    if not relevant:
        return 0.0
    gains = sum(relevant.get(t, 0.0) / math.log2(i + 2) for i, t in enumerate(ranked_ids[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return gains / ideal


def weights_learn(history: Listening, *, now: float, model: CoListening, library: Library,
                  facts: Facts) -> np.ndarray:
    """The blend that best ranks the listener's own recent stretches from what came before each, leaned toward
    its starting point as far as those stretches hold too few songs to tell."""
    history = history.before(now)
    peers = peers_weight(history, library)
    defaults = np.array([peers if name == "peers" else DEFAULT_WEIGHTS[name] for name in PREDICTORS])
    if not len(history):
        return defaults
    # A short history learns on shorter stretches (a third of it each); stretches overlap by half, so several
    # fit in a few months and no one stretch's chance picks the blend.
    window = min(LEARN_WINDOW, max((now - float(history.at[0])) / 3, DAY))
    splits = []
    for back in range(LEARN_SPLITS):
        until = now - back * window / 2
        cut = until - window
        relevant = relevance(history, cut, until)
        if relevant and len(history.before(cut)):
            candidates = candidates_at(history, now=cut, model=model, library=library, facts=facts)
            exclude = set(history.between(cut - RECENT_SECONDS, cut).track.tolist())
            splits.append((candidates, relevant, exclude))
    if not splits:
        return defaults

    def per_split(weights: np.ndarray) -> np.ndarray:
        return np.array([
            ndcg([int(candidates.track_ids[r]) for r in
                  ranked(candidates, candidates.scores(weights), exclude=exclude, limit=TOP)], relevant)
            for candidates, relevant, exclude in splits])

    # Start from the defaults or from one kind of repeat listening alone, whichever ranked best.
    starts = [defaults] + [np.array([1.0 if name == alone else 0.0 for name in PREDICTORS]) for alone in
                           ("plays", "recent_7", "recent_30", "recent_120")]
    for weights in starts[1:]:
        weights[PREDICTORS.index("peers")] = peers  # never learned, so never searched from another value
    start = max(starts, key=lambda weights: per_split(weights).mean())
    best, best_scores = start, per_split(start)
    for _ in range(LEARN_PASSES):
        for position, name in enumerate(PREDICTORS):
            for value in GRID[name]:
                trial = best.copy()
                trial[position] = value
                scores = per_split(trial)
                # A change is kept only when it ranks no stretch worse: an average lifted by one stretch's
                # chance, at others' cost, was the noise of a few songs and lost on the weeks after.
                if scores.mean() > best_scores.mean() + LEARN_MIN_GAIN and (scores >= best_scores).all():
                    best, best_scores = trial, scores
    songs = sum(len(relevant) for _, relevant, _ in splits) / len(splits)
    trust = songs / (songs + TRUST_SONGS)
    return trust * best + (1 - trust) * start
