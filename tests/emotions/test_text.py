"""A mood from what the listener types (emotions/text.py): a table of sentences as people write them, and what
valence and arousal must say about them."""

import subprocess
import sys

import pytest

from emotions.moods import CIRCUMPLEX, Mood
from emotions.text import mood_from_text
from tests.conftest import ROOT

# (sentence, the mood it states; None: "not sure").
SENTENCES = [
    # happy: plain, intensified, shouted, emoji, laughter, negated negatives and negated comparatives
    ("I'm so happy today", "happy"),
    ("feeling great, best week in ages", "happy"),
    ("Just got engaged!!! 💍😍", "happy"),
    ("I LOVE this song", "happy"),
    ("had an amazing time with friends", "happy"),
    ("never been better", "happy"),
    ("couldn't be happier right now", "happy"),
    ("I'm in a really good mood", "happy"),
    ("yay it's friday 🎉", "happy"),
    ("I'm so excited for the concert tonight!!", "happy"),
    ("pumped for the gym", "happy"),
    ("hahaha that was hilarious", "happy"),
    ("🙂", "happy"),
    ("I'm not sad at all, I'm actually really happy", "happy"),
    # calm, including relief from a negated bad feeling
    ("feeling calm", "calm"),
    ("relaxed and chill tonight", "calm"),
    ("so peaceful by the lake", "calm"),
    ("just chilling on the sofa with tea", "calm"),
    ("I feel content and at ease", "calm"),
    ("nice and mellow evening", "calm"),
    ("I don't feel sad anymore", "calm"),
    ("no longer angry about it", "calm"),
    ("😌", "calm"),
    # sad, and tired (low energy)
    ("I feel a bit down", "sad"),
    ("not happy", "sad"),
    ("I'm not happy with how things are", "sad"),
    ("feeling really lonely tonight", "sad"),
    ("I'm heartbroken", "sad"),
    ("miserable day, everything went wrong", "sad"),
    ("😭😭😭", "sad"),
    ("I failed my exam", "sad"),
    ("my dog died this morning", "sad"),
    ("I'm so tired", "sad"),
    ("completely exhausted after work", "sad"),
    ("I'm not feeling great", "sad"),
    ("I was happy yesterday but today I feel so sad", "sad"),
    ("sad :(", "sad"),
    # neutral, said as such
    ("I feel okay", "neutral"),
    ("meh", "neutral"),
    ("I'm fine I guess", "neutral"),
    ("nothing special, just normal", "neutral"),
    # angry
    ("I'm furious", "angry"),
    ("so angry at my landlord right now", "angry"),
    ("this makes me SO MAD", "angry"),
    ("I hate when people do that 😡", "angry"),
    ("really annoyed with my coworkers", "angry"),
    ("absolutely livid", "angry"),
    # fear
    ("I'm scared", "fear"),
    ("anxious about tomorrow's interview", "fear"),
    ("nervous before the exam", "fear"),
    ("I'm terrified of what happens next 😰", "fear"),
    ("really stressed and worried", "fear"),
    ("I can't relax, too much on my mind", "fear"),
    # disgust
    ("that's gross", "disgust"),
    ("I'm disgusted by what he said", "disgust"),
    ("ew that smells disgusting 🤮", "disgust"),
    ("yuck", "disgust"),
    # surprise
    ("wow", "surprise"),
    ("I'm shocked", "surprise"),
    ("omg I can't believe it", "surprise"),
    ("what a surprise, I did not expect that!", "surprise"),
    ("😲 no way", "surprise"),
    # not sure: no feeling named, nothing to read, mixed feelings, other languages
    ("I went to the shop", None),
    ("hmm", None),
    ("", None),
    ("   \n\t", None),
    ("12345", None),
    ("https://example.com/happy-days", None),
    ("loving this https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "happy"),
    ("the meeting is at 3pm", None),
    ("I had lunch with my mother", None),
    ("je suis content", None),
    ("estoy muy triste", None),
    ("ich bin so müde", None),
    ("我很开心", None),
    ("I'm happy and sad at the same time", None),
    ("not sure how I feel", None),
    ("asdfgh", None),
]


@pytest.mark.parametrize(("sentence", "mood"), SENTENCES, ids=[f"{n:02d}" for n in range(len(SENTENCES))])
def test_a_typed_sentence_reads_as_the_mood_it_states(sentence, mood):
    estimate = mood_from_text(sentence)

    assert estimate.label == mood, f"{sentence!r} read as {estimate.label}"
    if mood is None:
        assert estimate.confidence < 0.3
    else:
        assert estimate.confidence > 0.4
        assert max(estimate.probabilities, key=estimate.probabilities.get) == mood


def test_the_table_is_varied_enough_to_mean_something():
    moods = {mood for _, mood in SENTENCES}

    assert len(SENTENCES) >= 60
    assert moods == {*Mood.values, None}


@pytest.mark.parametrize(("sentence", "_"), SENTENCES, ids=[f"{n:02d}" for n in range(len(SENTENCES))])
def test_every_reading_fits_a_mood_reading_row(sentence, _):
    estimate = mood_from_text(sentence)

    assert estimate.label in {*Mood.values, None}
    assert -1 <= estimate.valence <= 1 and -1 <= estimate.arousal <= 1 and 0 <= estimate.confidence <= 1
    if estimate.probabilities:
        assert set(estimate.probabilities) == set(CIRCUMPLEX)
        assert sum(estimate.probabilities.values()) == pytest.approx(1, abs=0.01)


def valence(sentence: str) -> float:
    return mood_from_text(sentence).valence


def arousal(sentence: str) -> float:
    return mood_from_text(sentence).arousal


def test_intensifiers_make_a_feeling_stronger_and_surer():
    assert valence("extremely happy") > valence("happy") > 0
    assert valence("I'm SO happy!!!") > valence("happy")
    assert valence("so sad") < valence("sad") < valence("a bit sad") < 0
    assert mood_from_text("really really angry").confidence > mood_from_text("angry").confidence
    assert mood_from_text("kind of bored").confidence < mood_from_text("bored").confidence
    assert mood_from_text("this makes me SO MAD").confidence > mood_from_text("this makes me so mad").confidence


def test_negation_turns_a_feeling_around():
    assert valence("not happy") < 0.1 < valence("happy")
    assert valence("I'm not sad anymore") > valence("I'm sad")
    assert valence("never been better") > 0.3
    assert valence("couldn't be happier") > 0.3
    assert valence("it couldn't be worse") < -0.3


def test_energy_words_set_arousal():
    assert arousal("I'm so tired") < -0.4
    assert arousal("completely exhausted") < arousal("calm") < 0
    assert arousal("so excited!!") > arousal("pumped") > arousal("happy") > 0
    assert arousal("I'm furious") > 0.5
    assert mood_from_text("excited").label == mood_from_text("pumped").label == "happy"


@pytest.mark.parametrize("word", ["calm", "relaxed", "chill", "peaceful", "serene", "tranquil"])
def test_words_of_calm_read_as_calm(word):
    estimate = mood_from_text(f"feeling {word}")

    assert estimate.label == "calm"
    assert estimate.valence > 0 and estimate.arousal < 0


@pytest.mark.parametrize(("emoji", "mood"), [
    ("😭", "sad"), ("🙂", "happy"), ("😡", "angry"), ("👍🏽", "happy"), ("❤️", "happy"), ("😱", "fear"),
    ("🤢", "disgust"), ("😮", "surprise"), ("😐", "neutral"), (":)", "happy"), (":'(", "sad"),
])
def test_emoji_and_emoticons_say_a_mood(emoji, mood):
    assert mood_from_text(emoji).label == mood
    assert mood_from_text(f"today {emoji}").label == mood


@pytest.mark.parametrize("sentence", [
    "Je suis très content aujourd'hui", "Me siento fatal", "Ich bin so glücklich", "Sono molto arrabbiata",
    "Ik ben blij", "Estou com medo", "Я очень счастлив", "とても悲しい", "나는 행복해요", "أنا سعيد",
])
def test_other_languages_are_not_guessed(sentence):
    estimate = mood_from_text(sentence)

    assert estimate.label is None and estimate.confidence < 0.3


def test_a_thousand_characters_of_text_read_as_a_whole():
    long = "I had a long day at work and then the bus was late again. " * 15 + "But now I'm really happy."

    assert len(long) <= 1000
    assert mood_from_text(long).label == "happy"


def test_the_lexicons_come_from_their_wheels_without_textblob():
    """NRC's and the English lexicon's files are read directly: TextBlob's code (whose tokenizers need
    downloads) is never imported."""
    script = ("import sys; from emotions.text import mood_from_text; "
              "assert mood_from_text('I hate this').label == 'angry'; "
              "assert mood_from_text('je suis content').label is None; "
              "print(sorted(m for m in ('textblob', 'nrclex', 'nltk') if m in sys.modules))")

    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
