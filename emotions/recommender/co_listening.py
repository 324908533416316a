"""Co-listening across all listeners: which songs are played in the same listening sessions (item–item cosine
over sessions), and how many listeners play each song. Built by a task from everyone's plays and kept in Redis,
never per request."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from emotions.recommender.history import FULL_PLAY_MS
from listening import selectors as listening
from rewrapped.redis import redis_client

SESSION_GAP_SECONDS = 30 * 60
NEIGHBOURS = 50  # kept per song: the rest of a row adds little but memory
SESSION_TRACKS_MAX = 60  # a day-long session says little about which songs go together
MODEL_KEY = "emotions:co-listening"
VERSION_KEY = "emotions:co-listening:version"


@dataclass(frozen=True)
class CoListening:
    """Songs (sorted ids), their nearest songs by co-listening (a sparse row per song, cosine 0 … 1), and how many
    listeners and full plays each has."""

    track_ids: np.ndarray
    similar: sparse.csr_matrix
    listeners: np.ndarray
    plays: np.ndarray
    version: str = ""

    def index_of(self, track_ids: np.ndarray) -> np.ndarray:
        """Each song's row, or −1 for a song the model has not seen."""
        if not len(self.track_ids):
            return np.full(len(track_ids), -1)
        positions = np.clip(np.searchsorted(self.track_ids, track_ids), 0, len(self.track_ids) - 1)
        return np.where(self.track_ids[positions] == track_ids, positions, -1)

    def spread(self, weights: dict[int, float]) -> dict[int, float]:
        """Songs near the weighted seed songs: Σ weight × similarity, by song id (the seeds themselves included
        only through other seeds)."""
        ids = np.fromiter(weights, dtype=np.int64, count=len(weights))
        rows = self.index_of(ids)
        known = rows >= 0
        if not known.any():
            return {}
        seed = sparse.csr_matrix((np.fromiter(weights.values(), dtype=np.float64)[known],
                                  (np.zeros(known.sum(), dtype=np.int64), rows[known])),
                                 shape=(1, len(self.track_ids)))
        reached = seed @ self.similar
        return dict(zip(self.track_ids[reached.indices].tolist(), reached.data.tolist(), strict=True))

    def popular(self, limit: int) -> list[int]:
        order = np.lexsort((-self.plays, -self.listeners))[:limit]
        return self.track_ids[order].tolist()


EMPTY = CoListening(np.zeros(0, dtype=np.int64), sparse.csr_matrix((0, 0)), np.zeros(0), np.zeros(0))


def co_listening_build(rows) -> CoListening:
    """The model from (user_id, track_id, ended_at epoch seconds, ms_played) rows, each listener's in time order."""
    session_of: list[int] = []
    tracks: list[int] = []
    users: list[int] = []
    session, last_user, last_at = -1, None, 0.0
    for user_id, track_id, at, ms in rows:
        if ms < FULL_PLAY_MS:
            continue
        if user_id != last_user or at - last_at > SESSION_GAP_SECONDS:
            session += 1
        last_user, last_at = user_id, at
        session_of.append(session)
        tracks.append(track_id)
        users.append(user_id)
    if not tracks:
        return EMPTY
    track_ids, columns = np.unique(np.array(tracks, dtype=np.int64), return_inverse=True)
    sessions = np.array(session_of)
    plays = np.bincount(columns, minlength=len(track_ids)).astype(np.float64)
    user_codes = np.unique(np.array(users), return_inverse=True)[1]
    listeners = np.asarray((sparse.csr_matrix((np.ones(len(columns)), (user_codes, columns))) > 0)
                           .sum(axis=0)).ravel()

    # One row per session and song; long sessions weigh less (a shuffle of 60 songs pairs everything).
    incidence = sparse.csr_matrix((np.ones(len(columns)), (sessions, columns)),
                                  shape=(session + 1, len(track_ids)))
    incidence.data[:] = 1.0
    lengths = np.diff(incidence.indptr)
    keep = (lengths >= 2) & (lengths <= SESSION_TRACKS_MAX)
    incidence = sparse.diags(1 / np.log2(1 + np.maximum(lengths, 1))) @ incidence
    incidence = incidence[keep]
    items = normalize(incidence.T.tocsr(), norm="l2", axis=1)
    cosine = (items @ items.T).tocsr()
    cosine.setdiag(0)
    cosine.eliminate_zeros()
    return CoListening(track_ids, _top_per_row(cosine, NEIGHBOURS), listeners.astype(np.float64), plays)


def _top_per_row(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, columns = matrix.data[start:end], matrix.indices[start:end]
        if len(values) > keep:
            best = np.argpartition(-values, keep)[:keep]
            values, columns = values[best], columns[best]
        data.append(values)
        indices.append(columns)
        indptr.append(indptr[-1] + len(values))
    return sparse.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=matrix.shape)


def co_listening_rebuild() -> CoListening:
    """Build the model from everyone's plays and store it for every process (the `ml` task, nightly)."""
    rows = ((user_id, track_id, ended_at.timestamp(), ms)
            for user_id, track_id, _, ended_at, ms, _ in listening.music_play_rows())
    model = co_listening_build(rows)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, track_ids=model.track_ids, data=model.similar.data, indices=model.similar.indices,
                        indptr=model.similar.indptr, listeners=model.listeners, plays=model.plays)
    version = uuid.uuid4().hex
    pipe = redis_client().pipeline()
    pipe.set(MODEL_KEY, buffer.getvalue())
    pipe.set(VERSION_KEY, version)
    pipe.execute()
    return model


def co_listening_current() -> CoListening:
    """The stored model (EMPTY before the first build); read from Redis once per process and version."""
    version = redis_client().get(VERSION_KEY)
    return _loaded(version.decode()) if version else EMPTY


@lru_cache(maxsize=2)
def _loaded(version: str) -> CoListening:
    stored = redis_client().get(MODEL_KEY)
    if not stored:
        return EMPTY
    arrays = np.load(io.BytesIO(stored))
    size = len(arrays["track_ids"])
    similar = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=(size, size))
    return CoListening(arrays["track_ids"], similar, arrays["listeners"], arrays["plays"], version)
