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


def miss(sentence, mood, why):
    return pytest.param(sentence, mood, marks=pytest.mark.xfail(strict=True, reason=why))


# Written after the first version was built, to try it on sentences it was not built on: the first 50 then
# helped improve it, the last 40 are as first read but for the phrases and the "can't stop" rule added
# after. Its misses stay here, marked, so that a fix shows.
MORE_SENTENCES = [
    miss("finally finished my thesis, so relieved and happy", "happy",
         "read as calm: 'so relieved' outweighs 'happy'"),
    ("what a beautiful day ☀️", "happy"),
    miss("my sister had her baby, I'm an aunt!", "happy",
         "good news in words that name no feeling"),
    ("feeling on top of the world", "happy"),
    ("we won the match!!", "happy"),
    ("great news today 😁", "happy"),
    ("I'm really proud of myself", "happy"),
    ("this song makes me smile", "happy"),
    ("in such a good mood", "happy"),
    ("loving life right now", "happy"),
    miss("Sunday morning, coffee and quiet", "calm",
         "calm in words that name no feeling"),
    ("I feel at peace", "calm"),
    ("winding down after a long week, feeling relaxed", "calm"),
    ("just taking it easy today", "calm"),
    ("nice and cozy under a blanket", "calm"),
    ("I miss my grandma", "sad"),
    ("crying my eyes out", "sad"),
    ("everything feels pointless", "sad"),
    ("had a rough day", "sad"),
    ("feeling low", "sad"),
    ("I'm really not okay", "sad"),
    ("my heart hurts", "sad"),
    ("so drained, no energy at all", "sad"),
    miss("i just want to stay in bed all day", "sad",
         "low mood in words that name no feeling"),
    ("this traffic is driving me crazy 😤", "angry"),
    ("I'm sick of being ignored", "angry"),
    ("so pissed off right now", "angry"),
    ("grr my laptop crashed again", "angry"),
    ("how dare they", "angry"),
    ("I have a bad feeling about this", "fear"),
    ("panicking about the deadline", "fear"),
    ("my heart is racing, I'm so nervous", "fear"),
    ("I'm afraid I'll fail", "fear"),
    ("worried sick about my brother", "fear"),
    ("that was revolting", "disgust"),
    miss("I feel sick thinking about it", "disgust",
         "read as sad: 'sick' is disgust and sadness to NRC"),
    ("eww gross 🤢", "disgust"),
    ("whoa, didn't see that coming", "surprise"),
    ("I can't believe they did that 😮", "surprise"),
    ("no way!!", "surprise"),
    ("I'm alright", "neutral"),
    ("just a normal day", "neutral"),
    ("going to the gym later", None),
    ("what time is it", None),
    ("play some music", None),
    ("my phone is at 20%", None),
    ("I'm feeling", None),
    ("Hoje estou muito feliz", None),
    ("Mi sento un po' giù", None),
    ("bonjour tout le monde", None),
    ("best concert of my life!!", "happy"),
    ("got promoted today 🥳", "happy"),
    ("I feel amazing", "happy"),
    ("such a fun night with the girls", "happy"),
    ("I'm really happy for you", "happy"),
    ("can't stop smiling", "happy"),
    miss("things are going really well", "happy",
         "'well' is not charged for VADER"),
    ("lazy afternoon, feeling mellow", "calm"),
    ("feeling zen after yoga 🧘", "calm"),
    ("all good, just relaxing", "calm"),
    ("quiet evening in, very peaceful", "calm"),
    ("I feel so alone", "sad"),
    miss("nobody understands me", "sad",
         "loneliness in words that name no feeling"),
    ("I'm gutted we lost", "sad"),
    ("why does everything go wrong for me 😢", "sad"),
    ("I've been feeling depressed lately", "sad"),
    ("I don't feel happy anymore", "sad"),
    ("so sleepy and unmotivated", "sad"),
    ("I'm so mad at him", "angry"),
    ("people are so rude 😠", "angry"),
    miss("this is ridiculous, I'm done", "angry",
         "exasperation in words that name no feeling"),
    ("absolutely furious with the airline", "angry"),
    ("don't talk to me right now, I'm fuming", "angry"),
    ("exam tomorrow and I'm freaking out", "fear"),
    ("I feel uneasy", "fear"),
    ("scared of being alone", "fear"),
    ("so anxious I can't breathe", "fear"),
    ("that food was nasty", "disgust"),
    ("ugh, disgusting behaviour", "disgust"),
    ("makes me sick to my stomach", "disgust"),
    miss("wait what?!", "surprise",
         "surprise in words that name no feeling"),
    ("I'm stunned", "surprise"),
    ("totally unexpected 😯", "surprise"),
    ("nothing much, same as always", "neutral"),
    ("I'm ok", "neutral"),
    ("running late for work", None),
    ("need to buy milk", None),
    ("the train leaves at 7", None),
    ("Wie geht es dir", None),
    miss("lol what", None,
         "read as happy: 'lol' laughs"),
]


@pytest.mark.parametrize(("sentence", "mood"), SENTENCES + MORE_SENTENCES,
                         ids=[f"{n:03d}" for n in range(len(SENTENCES) + len(MORE_SENTENCES))])
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
