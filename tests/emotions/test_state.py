"""The mood a socket shows (emotions/state.py), told as stories of frames and words. Every story starts a minute
before New Zealand's clocks jump from 02:00 to 03:00, so each one runs across a DST change far from UTC."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emotions.moods import FACE_MOODS, MoodEstimate, circumplex_point
from emotions.state import MoodState

AUCKLAND = ZoneInfo("Pacific/Auckland")
START = datetime(2026, 9, 27, 1, 59, tzinfo=AUCKLAND)


def at(seconds: float) -> datetime:
    """The wall-clock time in Auckland `seconds` after the start (an hour later on the clock after 02:00)."""
    return (START.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(AUCKLAND)


def face(**probabilities: float) -> MoodEstimate:
    """A classifier's reading: the given probabilities, the rest spread evenly over the other face moods."""
    others = [mood for mood in FACE_MOODS if mood not in probabilities]
    rest = (1 - sum(probabilities.values())) / max(len(others), 1)
    full = {mood: probabilities.get(mood, rest) for mood in FACE_MOODS}
    label = max(full, key=full.get)
    valence, arousal = circumplex_point(full)
    return MoodEstimate(label=label, valence=valence, arousal=arousal, confidence=full[label], probabilities=full)


def words(label: str, confidence: float = 0.8) -> MoodEstimate:
    valence, arousal = circumplex_point({label: 1.0})
    return MoodEstimate(label=label, valence=valence, arousal=arousal, confidence=confidence,
                        probabilities={label: confidence})


def frames(state, estimates, *, every=0.5, start=0.0):
    """Feed a frame every `every` seconds; return (seconds, update) for each."""
    updates = []
    for n, estimate in enumerate(estimates):
        seconds = start + n * every
        updates.append((seconds, state.observe(estimate, source="face", at=at(seconds))))
    return updates


def shown(updates):
    return [update.current.label if update.current else None for _, update in updates]


def changes(updates):
    return [(seconds, update.current.label if update.current else None) for seconds, update in updates
            if update.changed]


HAPPY_AHEAD = face(happy=0.55, neutral=0.35)
NEUTRAL_AHEAD = face(neutral=0.5, happy=0.4)
NEUTRAL = face(neutral=0.8)
SAD = face(sad=0.75, neutral=0.15)
HAPPY = face(happy=0.85)


def test_a_face_between_happy_and_neutral_shows_happy_without_flicker():
    state = MoodState()

    updates = frames(state, [HAPPY_AHEAD, NEUTRAL_AHEAD] * 120)

    assert changes(updates) == [(2.0, "happy")]
    assert set(shown(updates)[4:]) == {"happy"}
    valences = [update.current.valence for _, update in updates[4:]]
    assert max(valences) - min(valences) < 0.1, "the chart's line does not saw up and down with each frame"
    assert all(0.3 < update.current.confidence < 0.6 for _, update in updates[4:])


def test_a_face_drifting_to_just_as_much_neutral_as_happy_keeps_showing_happy():
    state = MoodState()
    frames(state, [HAPPY_AHEAD, NEUTRAL_AHEAD] * 10)

    drifting = frames(state, [face(neutral=0.5, happy=0.42), face(happy=0.47, neutral=0.45)] * 60, start=10.0)

    assert set(shown(drifting)) == {"happy"}
    assert not any(update.changed for _, update in drifting)


def noisy_face(rng: random.Random, mood: str) -> MoodEstimate:
    """A classifier about as sure as ours on a webcam: the true mood has about twice the weight of each other, so
    it wins about 60 % of frames and any other mood wins some."""
    draws = {other: rng.gammavariate(3.2 if other == mood else 1.0, 1.0) for other in FACE_MOODS}
    return face(**{other: draw / sum(draws.values()) for other, draw in draws.items()})


@pytest.mark.parametrize("seed", range(10))
def test_a_noisy_classifier_on_a_face_that_turns_sad_gives_two_moods_and_no_flicker(seed):
    rng = random.Random(seed)
    state = MoodState()
    updates, seconds, right = [], 0.0, 0
    while seconds < 240:
        seconds += rng.uniform(0.3, 1.2)  # slow frames
        if rng.random() < 0.1:
            continue  # dropped
        truth = "happy" if seconds < 120 else "sad"
        estimate = noisy_face(rng, truth)
        right += estimate.label == truth
        updates.append((seconds, state.observe(estimate, source="face", at=at(seconds))))

    assert 0.5 < right / len(updates) < 0.75, "as noisy as meant"
    [(first_at, first), (turned_at, turned)] = changes(updates)
    assert first == "happy" and first_at < 10
    assert turned == "sad" and 120 < turned_at < 140


def test_a_real_change_from_neutral_to_sad_is_declared_once_after_it_holds():
    state = MoodState()
    calm_start = frames(state, [NEUTRAL] * 20)

    turned_sad = frames(state, [SAD] * 20, start=10.0)

    assert changes(calm_start) == [(2.0, "neutral")]
    [(declared_at, label)] = changes(turned_sad)
    assert label == "sad"
    assert 13.0 <= declared_at <= 15.0, "sad clearly ahead for two seconds, not at the first sad frames"
    declared = dict(turned_sad)[declared_at]
    assert declared.store
    assert declared.current.valence < -0.3 and declared.current.confidence > 0.5
    assert set(shown(turned_sad)[-5:]) == {"sad"}


def test_one_outlier_frame_changes_nothing():
    state = MoodState()
    frames(state, [NEUTRAL] * 20)

    updates = frames(state, [face(angry=0.95)] + [NEUTRAL] * 20, start=10.0)

    assert set(shown(updates)) == {"neutral"}
    assert not any(update.changed for _, update in updates)


def test_a_three_second_grimace_changes_nothing():
    state = MoodState()
    frames(state, [NEUTRAL] * 20)

    updates = frames(state, [face(disgust=0.9)] * 6 + [NEUTRAL] * 20, start=10.0)

    assert set(shown(updates)) == {"neutral"}


def test_irregular_gaps_weigh_frames_by_the_time_they_cover():
    state = MoodState()
    frames(state, [NEUTRAL] * 20)
    gaps = [0.3, 1.7, 0.5, 0.2, 2.6, 0.5, 0.9, 0.4, 1.1, 0.5, 0.5, 0.5]
    seconds = 10.0
    updates = []
    for gap in gaps:
        seconds += gap
        updates.append((seconds, state.observe(SAD, source="face", at=at(seconds))))

    [(declared_at, label)] = changes(updates)
    assert label == "sad" and 12.0 <= declared_at <= 17.0


def test_a_burst_of_late_frames_counts_for_the_moment_it_covers_not_for_its_number():
    state, one_frame = MoodState(), MoodState()
    frames(state, [NEUTRAL] * 20)
    frames(one_frame, [NEUTRAL] * 20)

    # Ten queued frames of a fleeting look delivered within 90 ms, then the face as it is.
    burst = frames(state, [face(fear=0.9)] * 10, every=0.01, start=10.0)
    after = frames(state, [NEUTRAL] * 10, start=10.5)
    single = frames(one_frame, [face(fear=0.9)], start=10.0)

    assert set(shown(burst + after)) == {"neutral"}
    fear_after_burst = burst[-1][1].current.probabilities["fear"]
    assert fear_after_burst - single[0][1].current.probabilities["fear"] < 0.05


def test_a_frame_arriving_out_of_order_does_not_break_the_state():
    state = MoodState()
    frames(state, [NEUTRAL] * 20)

    update = state.observe(SAD, source="face", at=at(8.0))

    assert update.current.label == "neutral" and not update.changed


def test_without_a_face_the_mood_fades_gently_then_is_no_longer_current():
    state = MoodState()
    frames(state, [HAPPY] * 20)

    away = frames(state, [None] * 30, start=10.0)

    # The last face was seen at 9.5 s.
    lingering = [update for seconds, update in away if seconds < 17.5]
    assert all(update.current.label == "happy" and not update.changed for update in lingering)
    confidences = [update.current.confidence for update in lingering]
    assert confidences == sorted(confidences, reverse=True) and confidences[0] > 0.75 > confidences[-1] > 0.2
    assert changes(away) == [(17.5, None)]
    assert not any(update.store for _, update in away)


def test_a_face_coming_back_after_leaving_starts_afresh():
    state = MoodState()
    frames(state, [HAPPY] * 20)
    frames(state, [None] * 20, start=10.0)

    back = frames(state, [SAD] * 6, start=20.0)

    assert changes(back) == [(22.0, "sad")]


def test_a_missing_face_for_a_moment_keeps_the_mood():
    state = MoodState()
    frames(state, [HAPPY] * 20)

    updates = frames(state, [None] * 6 + [HAPPY] * 10, start=10.0)

    assert set(shown(updates)) == {"happy"} and not any(update.changed for _, update in updates)


def test_typed_sad_wins_at_once_and_a_smiling_face_must_hold_to_override_it():
    state = MoodState()
    frames(state, [HAPPY] * 20)

    typed = state.observe(words("sad"), source="text", at=at(10.2))
    still_smiling = frames(state, [HAPPY] * 60, start=10.5)

    assert typed.current.label == "sad" and typed.source == "text" and typed.changed and typed.store
    assert typed.current.confidence == 0.8
    [(overridden_at, label)] = changes(still_smiling)
    assert label == "happy" and 30.2 <= overridden_at <= 31.0
    assert dict(still_smiling)[overridden_at].source == "face"
    assert set(shown(still_smiling)[:39]) == {"sad"}


def test_a_resting_neutral_face_does_not_override_a_pick_for_minutes():
    state = MoodState()
    frames(state, [NEUTRAL] * 4)

    picked = state.observe(words("calm", 1.0), source="manual", at=at(2.0))
    resting = frames(state, [NEUTRAL] * 400, start=2.5)

    assert picked.current.label == "calm" and picked.changed
    [(overridden_at, label)] = changes(resting)
    assert label == "neutral" and 182.0 <= overridden_at <= 183.0


def test_words_hold_when_the_face_agrees_or_leaves():
    state = MoodState()
    frames(state, [SAD] * 10)
    typed = state.observe(words("sad"), source="text", at=at(5.0))

    updates = frames(state, [SAD] * 60 + [None] * 60, start=5.5)

    assert not typed.changed
    assert set(shown(updates)) == {"sad"} and {update.source for _, update in updates} == {"text"}
    assert not any(update.changed for _, update in updates)


def test_a_face_no_longer_sent_does_not_override_words():
    state = MoodState()
    frames(state, [HAPPY] * 20)  # then the camera is stopped: no more frames, empty or not

    typed = state.observe(words("sad"), source="text", at=at(30))
    unsure = state.observe(MoodEstimate(label=None, valence=0.0, arousal=0.0, confidence=0.0), source="text",
                           at=at(90))

    assert typed.current.label == "sad" and typed.changed
    assert unsure.current.label == "sad" and not unsure.changed


def test_a_face_no_longer_sent_is_no_longer_current():
    state = MoodState()
    frames(state, [HAPPY] * 20)

    later = state.observe(None, source="text", at=at(60))

    assert later.current is None and later.changed


def test_new_words_replace_old_words_at_once():
    state = MoodState()
    state.observe(words("sad"), source="text", at=at(0))

    update = state.observe(words("happy"), source="text", at=at(3))

    assert update.current.label == "happy" and update.changed and update.store


def test_not_sure_words_leave_the_mood_as_it_was():
    state = MoodState()
    frames(state, [HAPPY] * 10)

    update = state.observe(MoodEstimate(label=None, valence=0.0, arousal=0.0, confidence=0.1), source="text",
                           at=at(5.0))
    later = frames(state, [HAPPY] * 4, start=5.5)

    assert update.current.label == "happy" and update.source == "face"
    assert not update.changed and not update.store
    assert set(shown(later)) == {"happy"}


def test_a_reading_is_stored_on_each_change_and_every_ten_seconds_while_steady():
    state = MoodState()

    updates = frames(state, [NEUTRAL] * 70 + [SAD] * 30)

    [(first, _), (turned_sad, label)] = changes(updates)
    assert label == "sad"
    stored = [seconds for seconds, update in updates if update.store]
    assert stored == [first, first + 10, first + 20, first + 30, turned_sad, turned_sad + 10]


def test_nothing_is_stored_before_a_mood_is_known():
    state = MoodState()

    first = state.observe(HAPPY, source="face", at=at(0))
    typed = state.observe(None, source="text", at=at(0.1))

    assert first.current is None and not first.changed and not first.store
    assert typed.current is None and not typed.store


@pytest.mark.parametrize("when", [datetime(2026, 9, 27, 1, 59), at(0).replace(tzinfo=None)])
def test_a_time_without_a_zone_is_refused(when):
    with pytest.raises(ValueError, match="aware"):
        MoodState().observe(HAPPY, source="face", at=when)


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError, match="source"):
        MoodState().observe(HAPPY, source="voice", at=at(0))
