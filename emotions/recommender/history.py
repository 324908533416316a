"""A listener's plays as arrays, what every predictor reads: songs, artists, times, how long and whether skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

# Spotify counts a stream from 30 s; shorter plays are sampled or skipped songs, not songs listened to.
FULL_PLAY_MS = 30_000


@dataclass(frozen=True)
class Listening:
    """Plays in time order. `skipped`: 1 skipped, 0 not, −1 not recorded (account data says nothing)."""

    track: np.ndarray
    artist: np.ndarray
    at: np.ndarray  # epoch seconds
    ms: np.ndarray
    skipped: np.ndarray
    time_zone: str = "UTC"

    @classmethod
    def from_rows(cls, rows, *, time_zone: str = "UTC") -> Listening:
        """From (track_id, artist_id, ended_at, ms_played, skipped) rows in time order."""
        rows = list(rows)
        return cls(
            track=np.array([r[0] for r in rows], dtype=np.int64),
            artist=np.array([r[1] or 0 for r in rows], dtype=np.int64),
            at=np.array([r[2].timestamp() for r in rows], dtype=np.float64),
            ms=np.array([r[3] for r in rows], dtype=np.int64),
            skipped=np.array([-1 if r[4] is None else int(r[4]) for r in rows], dtype=np.int8),
            time_zone=time_zone,
        )

    def __len__(self) -> int:
        return len(self.track)

    def before(self, moment: float) -> Listening:
        end = int(np.searchsorted(self.at, moment, side="left"))
        return self._slice(slice(0, end))

    def between(self, start: float, until: float) -> Listening:
        low, high = np.searchsorted(self.at, [start, until], side="left")
        return self._slice(slice(int(low), int(high)))

    def _slice(self, part: slice) -> Listening:
        return Listening(self.track[part], self.artist[part], self.at[part], self.ms[part], self.skipped[part],
                         self.time_zone)

    @property
    def full(self) -> np.ndarray:
        return self.ms >= FULL_PLAY_MS

    def local_hours(self) -> tuple[np.ndarray, np.ndarray]:
        """Each play's local hour of day (fractional) and whether it fell on a weekend, where the listener lives
        (their offset looked up once per UTC hour, so a DST change moves the hours it should)."""
        if not len(self):
            return np.zeros(0), np.zeros(0, dtype=bool)
        zone = ZoneInfo(self.time_zone)
        hours = (self.at // 3600).astype(np.int64)
        unique, inverse = np.unique(hours, return_inverse=True)
        offsets = np.array([datetime.fromtimestamp(h * 3600, UTC).astimezone(zone).utcoffset().total_seconds()
                            for h in unique])
        local = self.at + offsets[inverse]
        day = np.floor(local / 86400)
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 is Monday
        return (local - day * 86400) / 3600, weekday >= 5


def local_hour(moment: float, time_zone: str) -> tuple[float, bool]:
    """The local hour of day (fractional) at `moment`, and whether it is a weekend day there."""
    local = datetime.fromtimestamp(moment, UTC).astimezone(ZoneInfo(time_zone))
    return local.hour + local.minute / 60, local.weekday() >= 5
