"""One listener's mood as a mood socket sees it: face frames smoothed over time with hysteresis, and the
listener's own words, which count at once. Plain Python, no I/O: the consumer keeps one `MoodState` per socket
and does what each `MoodUpdate` says (push the mood, push fresh recommendations when it changed, store a
reading)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from emotions.moods import Mood, MoodEstimate

FACE = "face"
WORDS = ("text", "manual")

# Face probabilities are smoothed exponentially by time, not by frame count: the page sends a frame every
# ~500 ms but slow or dropped frames leave irregular gaps, and a frame after a long gap should count more. With
# a 1.5 s half-life one frame weighs ~21 %, so a single outlier moves the smoothed mix by a fifth at most and
# fades within seconds, while a real change overtakes the old mood in about 1.5 s.
FACE_HALF_LIFE = timedelta(seconds=1.5)

# Hysteresis. A face mood replaces the shown one only after leading it in the smoothed probabilities by
# SWITCH_MARGIN on every frame for SWITCH_HOLD: two near-equal classes (a resting face between neutral and
# happy) never lead each other by a tenth, and a fleeting expression (a blink, a yawn, a frown at a
# notification) is over within two seconds. A real change is declared about three seconds after it starts,
# quick enough for music that follows the listener, slow enough not to reshuffle the list on a grimace.
SWITCH_MARGIN = 0.10
SWITCH_HOLD = timedelta(seconds=2)
# With no face mood yet, the first is the smoothed leader once it has led for two seconds too: the first frames
# make the whole mix, and on a simulated classifier right on 60 % of frames a one-second hold showed a wrong
# first mood in 9 % of starts, two seconds in 3 %.
ACQUIRE_HOLD = timedelta(seconds=2)

# No face in the frame: the listener looked away, drank, reached for the keyboard. The face mood stays, its
# confidence halving every 4 s; after 8 s without a face (16 empty frames, or no frames once the camera is
# stopped) they have left or covered the camera and the face mood is no longer current. A face coming back starts
# afresh.
NO_FACE_CONFIDENCE_HALF_LIFE = timedelta(seconds=4)
FACE_LOST_AFTER = timedelta(seconds=8)

# Words (typed or picked) are the listener's own word, so a face overrides them only by showing another mood
# for a while after they were said: 20 s outlasts a reaction (a smile at a song, most expressions last a few
# seconds) but is well within one song, so a real change of mood is still followed. A neutral face needs three
# minutes (about a song): a resting face reads neutral whatever one feels, so it says little against "I'm sad".
FACE_OVERRIDES_WORDS_AFTER = timedelta(seconds=20)
NEUTRAL_FACE_OVERRIDES_WORDS_AFTER = timedelta(minutes=3)

# MoodReading rows: one on every change, and one every 10 s while the mood holds, so the history shows how long
# a mood lasted without a row per frame.
STORE_EVERY = timedelta(seconds=10)


@dataclass(frozen=True)
class MoodUpdate:
    """What one observation did. `current` is the mood to show (None: no mood known), `source` where it came from
    (face, text or manual; the observation's own source while nothing is current), `changed` whether its label
    changed (push fresh recommendations), `store` whether to write a MoodReading of `current` now."""

    current: MoodEstimate | None
    source: str
    changed: bool
    store: bool


class MoodState:
    """The mood of one mood socket. Feed it every observation in time order with `observe`."""

    def __init__(self) -> None:
        # The face, smoothed: probabilities per class, valence and arousal, and when a face was last seen.
        self._smoothed: dict[str, float] = {}
        self._valence = 0.0
        self._arousal = 0.0
        self._face_seen_at: datetime | None = None
        # The face mood hysteresis shows, since when, and the challenger leading it, since when.
        self._face_label: str | None = None
        self._face_label_since: datetime | None = None
        self._challenger: str | None = None
        self._challenger_since: datetime | None = None
        # The listener's last words while they still count.
        self._words: MoodEstimate | None = None
        self._words_source = ""
        self._words_at: datetime | None = None
        self._shown: str | None = None
        self._stored_at: datetime | None = None

    def observe(self, estimate: MoodEstimate | None, *, source: str, at: datetime) -> MoodUpdate:
        """Take one reading: a face frame's estimate (None: no face in the frame), or the listener's words or pick
        (a reading without a label, "not sure", leaves the mood as it was)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("A mood observation needs an aware time.")
        # In UTC: aware times in one zone subtract as wall clocks, which is an hour off across a DST change.
        at = at.astimezone(UTC)
        if source == FACE:
            # A frame with no face changes nothing but the time: the face mood fades and then goes with it.
            reading = estimate is not None
            if reading:
                self._face_seen(estimate, at)
        elif source in WORDS:
            reading = estimate is not None and estimate.label is not None
            if reading:
                self._words, self._words_source, self._words_at = estimate, source, at
        else:
            raise ValueError(f"Unknown mood source {source!r}.")

        current, current_source = self._current(at)
        label = current.label if current else None
        changed = label != self._shown
        self._shown = label
        store = current is not None and reading and (
            changed or self._stored_at is None or at - self._stored_at >= STORE_EVERY)
        if store:
            self._stored_at = at
        return MoodUpdate(current=current, source=current_source or source, changed=changed, store=store)

    # --- the face ---------------------------------------------------------------------------
    def _face_seen(self, estimate: MoodEstimate, at: datetime) -> None:
        if self._face_seen_at is None or at - self._face_seen_at >= FACE_LOST_AFTER:
            self._forget_face()
            weight = 1.0
        else:
            # A frame older than the last (reordered) changes the mix as little as a frame at the same instant.
            gap = max((at - self._face_seen_at) / FACE_HALF_LIFE, 0.0)
            weight = 1.0 - 0.5 ** gap
        probabilities = estimate.probabilities or ({estimate.label: 1.0} if estimate.label else {})
        for mood in set(self._smoothed) | set(probabilities):
            self._smoothed[mood] = (1 - weight) * self._smoothed.get(mood, 0.0) + weight * probabilities.get(mood, 0.0)
        self._valence = (1 - weight) * self._valence + weight * estimate.valence
        self._arousal = (1 - weight) * self._arousal + weight * estimate.arousal
        self._face_seen_at = max(at, self._face_seen_at or at)
        self._hysteresis(at)

    def _hysteresis(self, at: datetime) -> None:
        leader = max(self._smoothed, key=self._smoothed.get, default=None)
        if self._face_label is None:
            challenger, hold = leader, ACQUIRE_HOLD
        elif leader != self._face_label and \
                self._smoothed[leader] - self._smoothed.get(self._face_label, 0.0) >= SWITCH_MARGIN:
            challenger, hold = leader, SWITCH_HOLD
        else:
            challenger, hold = None, SWITCH_HOLD
        if challenger != self._challenger:
            self._challenger, self._challenger_since = challenger, at
        if challenger is not None and at - self._challenger_since >= hold:
            self._face_label, self._face_label_since = challenger, at
            self._challenger = self._challenger_since = None

    def _forget_face(self) -> None:
        self._smoothed = {}
        self._valence = self._arousal = 0.0
        self._face_seen_at = None
        self._face_label = self._face_label_since = None
        self._challenger = self._challenger_since = None

    def _face_estimate(self, at: datetime) -> MoodEstimate | None:
        # A face not seen for a while is gone, whether the page said so (empty frames) or stopped sending.
        if self._face_label is None or at - self._face_seen_at >= FACE_LOST_AFTER:
            return None
        presence = 0.5 ** max((at - self._face_seen_at) / NO_FACE_CONFIDENCE_HALF_LIFE, 0.0)
        return MoodEstimate(
            label=self._face_label,
            valence=round(self._valence, 4),
            arousal=round(self._arousal, 4),
            confidence=round(self._smoothed[self._face_label] * presence, 4),
            probabilities={mood: round(p, 4) for mood, p in self._smoothed.items()},
        )

    # --- words against the face -------------------------------------------------------------
    def _current(self, at: datetime) -> tuple[MoodEstimate | None, str | None]:
        face = self._face_estimate(at)
        if self._words is not None and face is not None and face.label != self._words.label:
            hold = NEUTRAL_FACE_OVERRIDES_WORDS_AFTER if face.label == Mood.NEUTRAL else FACE_OVERRIDES_WORDS_AFTER
            if at - max(self._face_label_since, self._words_at) >= hold:
                self._words = None
        if self._words is not None:
            return self._words, self._words_source
        return face, FACE if face else None
