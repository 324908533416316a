"""A mood from a short sentence the listener typed ("how are you feeling?").

Valence comes from VADER (negation, degree words, capitals, "!!!", emoji), which knows how pleasant a sentence
is but not which feeling it names; the feeling comes from what names one: our own lists of the feeling words,
phrases and emoji people type about themselves, then the NRC emotion lexicon for the rest. The lexicons are read
from the wheels that ship them; nothing is downloaded. Words that name no feeling ("I went to the shop"), too
little to go on, mixed feelings and text that is not English give "not sure" (label None) rather than a guess."""

import json
import re
import string
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import distribution

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

from emotions.moods import CIRCUMPLEX, MoodEstimate, circumplex_point

# What the listener is told, on the mood socket and in the API, when their words say no clear mood.
NOT_SURE = "I can't tell how you feel from that. Say a little more, or pick a mood."

# The feeling words people use about themselves, per mood. NRC has no calm, no arousal, lacks some of the
# commonest ("sad", "scared", "disgusted", "wow") and files others oddly ("serene" as negative, "calm" as only
# positive), so these come first and weigh a whole word each.
FEELING_WORDS = {
    "happy": """happy glad joyful joyous cheerful delighted elated ecstatic thrilled overjoyed excited pumped hyped
        stoked psyched buzzing energized energised euphoric blissful blessed grateful thankful proud upbeat jolly
        merry giddy gleeful yay woohoo hooray lol lmao rofl haha hehe lovely wonderful fantastic amazing awesome
        smile smiling laugh laughing grin grinning""",
    "calm": """calm calmer relaxed relaxing chill chilled chilling chillin peaceful serene tranquil mellow content
        contented zen rested unwound cozy cosy comfy settled soothed relieved laidback restful grounded centered
        centred untroubled carefree easygoing relax unwind""",
    "neutral": """okay ok fine alright normal meh so-so neutral indifferent whatever average""",
    "sad": """sad unhappy down blue depressed miserable pointless worthless meaningless alone gloomy heartbroken
        lonely lonesome crying cry cried tearful grief grieving sorrow sorrowful upset hurt hopeless melancholy melancholic devastated disappointed empty
        numb homesick bummed crushed gutted despair despairing""",
    "fear": """scared afraid fearful frightened terrified anxious nervous worried panicked panicky stressed tense
        uneasy jittery jumpy horrified dread dreading overwhelmed insecure paranoid spooked petrified apprehensive
        restless worry panic""",
    "angry": """angry mad furious livid enraged irritated annoyed pissed outraged fuming raging frustrated
        infuriated irate resentful grumpy cranky aggravated seething hate hating annoy annoying grr argh""",
    "disgust": """disgusted disgusting gross grossed revolted revolting nauseous nauseated yuck yuk ew eww icky
        repulsed repulsive vile sickened appalled nasty""",
    "surprise": """surprised shocked amazed astonished astounded stunned speechless wow whoa woah omg startled
        mindblown flabbergasted surprise shock""",
}

# Common English phrases for a feeling whose words alone say something else or nothing ("winding down" is not
# down, "sick of" is not ill, "no way" is not a negation).
PHRASES = {
    "happy": """on top of the world|over the moon|on cloud nine|in a good mood|in a great mood|can't wait|cannot wait|
        made my day|makes me smile|made me smile|so good|feeling good|feel good|feeling great|feel great""",
    "calm": """at peace|at ease|take it easy|taking it easy|winding down|wind down|chilled out|chill out|calmed down|
        calm down|settled down""",
    "neutral": """not bad|not too bad|can't complain|so so|nothing special|same as always|same old""",
    "sad": """i miss|miss you|missing you|miss him|miss her|miss them|feeling low|feel low|rough day|rough week|
        bad day|bad week|let down|broke my heart|in tears|fed up with life|down in the dumps|give up""",
    "fear": """bad feeling|freaking out|freak out|on edge|stressed out|worried sick|scared to death|
        heart is racing|heart's racing|can't relax|can't calm down|can't sleep""",
    "angry": """sick of|fed up|tired of|pissed off|how dare|drives me crazy|driving me crazy|drives me mad|
        driving me mad|had enough|had it with|sick and tired""",
    "disgust": """grossed out|makes me sick|made me sick|turns my stomach""",
    "surprise": """no way|oh my god|oh my gosh|can't believe|cannot believe|didn't see that coming|
        out of nowhere|who knew""",
}

# Low energy reads as sad: unpleasant and slow, it wants what sad wants; it says most about arousal.
LOW_ENERGY_WORDS = """tired exhausted sleepy drained weary fatigued bored lethargic sluggish knackered shattered
    burnt burned wiped""".split()

# How activated a word says the listener is (Russell's arousal axis), where it says more than its mood does.
AROUSAL_WORDS = {
    **{word: -0.8 for word in LOW_ENERGY_WORDS},
    **{word: 0.85 for word in """excited pumped hyped stoked psyched buzzing energized energised euphoric ecstatic
        thrilled furious livid enraged terrified panicked panicky seething wired hyper""".split()},
    **{word: -0.6 for word in "calm relaxed chill chilled chilling chillin peaceful serene tranquil mellow".split()},
}

# Emoji and emoticons that name a feeling. VADER scores emoji by their names, which gives pleasantness but not
# the feeling (😡's name, "pouting face", scores nothing).
EMOJI = {
    "happy": "😀😃😄😁😆😊🙂😍🥰😘😎🤩🥳😂🤣😹😺😸😻❤💕💖💗💓💞💘👍🎉🙌✨☺😋😜😝😛",
    "calm": "😌😇🧘🌿🍃☕🛀",
    "neutral": "😐😑😶🫤🤷",
    "sad": "😢😭😞😔😟🙁☹😿💔😥😓😪🥺😩😫😴🥱",
    "fear": "😨😰😱🙀😬😧😦",
    "angry": "😡😠🤬👿💢😤",
    "disgust": "🤢🤮🙄",
    "surprise": "😮😯😲😳🤯😵🫢",
}
EMOTICONS = {
    "happy": [":)", ":-)", ":D", ":-D", "xD", "XD", "=)", ":P", ";)", "<3"],
    "sad": [":(", ":-(", ":'(", "</3"],
    "angry": [">:(", ">:-("],
    "surprise": [":O", ":o", ":-O"],
    "neutral": [":|", ":-|"],
}

# What a negated feeling most likely means: "not happy" is unhappy, "not calm" is on edge, "not okay" is hurting,
# and "not sad / angry / scared anymore" is relief. A negated surprise says nothing.
NEGATED = {"happy": "sad", "calm": "fear", "sad": "calm", "fear": "calm", "angry": "calm", "disgust": "calm",
           "neutral": "sad"}
NEGATED_WEIGHT = 0.6
# A negated comparative is a superlative: "never been better", "couldn't be happier", "can't get any worse".
# ("happier", "calmer" are found as their feeling word; these two are not.)
COMPARATIVES = {"better": "good", "worse": "bad"}
NEGATION_REACH = 3  # words after a negator it still governs, as VADER counts

# How much a word that names no feeling of ours, only NRC emotions, counts: a little on its own ("mother" has
# six), more as VADER finds it charged ("hate" 4 of 4).
NRC_BASE = 0.2
NRC_PER_VADER_POINT = 0.15
NRC_MOODS = {"joy": "happy", "sadness": "sad", "anger": "angry", "fear": "fear", "disgust": "disgust",
             "surprise": "surprise"}

BOOST, DAMPEN, SHOUT = 1.3, 0.7, 1.3
DAMPENERS = {"bit", "little", "slightly", "somewhat", "kinda", "sorta", "fairly", "rather", "mildly", "abit"}

# When to say "not sure". Evidence is counted in whole feeling words: less than half a word is no reading;
# the leading mood must hold more than half of it (else mixed feelings); a sentence with no clear feeling word
# still reads as happy or sad when VADER finds it clearly pleasant or unpleasant ("I failed my exam").
MIN_EVIDENCE = 0.5
MIN_SHARE = 0.55
MIXED_SHARE = 0.25  # a feeling with less than this share of the evidence does not make it mixed
CLEAR_SENTIMENT = 0.4
SENTIMENT_WEIGHT = 1.0
# Probabilities keep this much weight spread over all moods, so one plain word is less sure than three strong.
SPREAD = 0.5
# VADER judges pleasantness better than a feeling's place on the circumplex does, so it leads the valence.
VADER_VALENCE_SHARE = 0.6
EMPHASIS_AROUSAL = 0.1  # per "!" or shouted word (up to 3) for an activated mood: emphasis is activation
# A word that says how activated the listener is ("exhausted", "pumped") outweighs where its mood sits.
STATED_AROUSAL_SHARE = 2 / 3

# At least this share of the words must be English for any reading: a French "je suis content" must not read
# as calm from its one English-looking word. Names and numbers count for no language.
ENGLISH_SHARE = 0.67
# Words that say nothing of a feeling whatever NRC files them under ("feeling" is under all eight of its
# emotions, "time" under anticipation), with the chat spellings the English word list lacks ("rn", "tbh").
PLAIN_WORDS = set("""a about above after again against all also am an and any anymore are as at back be
    because been before being below between both but by can could did do does doing done down during each ever
    feel feeling feelings felt few for from get gets getting go goes going gone got had has have having he her
    here hers herself him himself his how i if im i'm ive i've id i'd ill i'll in into is it its it's itself just
    kind know last lately let like made make me more most much my myself now of off on once one only or other our
    ours out over own really right same she should since so some still such than that the their them then there
    these they this those through to today tonight too under until up us very was way we week went were what when
    where which while who whom why will with would yesterday you your yours yourself day days morning night
    evening afternoon weekend time bit little lot sort pretty quite u ur rn tbh idk rly abt bc cuz cause gonna
    wanna gotta dont cant wont didnt doesnt isnt wasnt arent couldnt wouldnt shouldnt havent hasnt ain't aint
    sooo soo totally being been getting work home life everything something nothing anything someone people
    think thought say said see saw look looking seem seems seemed keep kept still yet again always never ever
    actually literally honestly""".split())

URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)
LAUGHTER = re.compile(r"^(?:h+[aeiou]+){2,}h*$|^(?:l+o+)+l+$")
ELONGATED = re.compile(r"(\w)\1{2,}")
EMOJI_NOISE = re.compile("[\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
CLAUSE_END = set(",.;:!?")
NOT_ENGLISH_TAGS = {"NNP", "NNPS", "FW"}  # names and words the tagger marks as foreign
PUNCTUATION = string.punctuation + "“”‘’…«»"


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def _nrc() -> dict[str, tuple[str, ...]]:
    """The NRC emotion lexicon as the nrclex wheel ships it, read from its file: importing nrclex would import
    TextBlob, whose tokenizers need downloads."""
    path = distribution("nrclex").locate_file("nrclex/data/nrc_en.json")
    lexicon = json.loads(path.read_text(encoding="utf-8"))
    return {word: tuple(NRC_MOODS[e] for e in emotions if e in NRC_MOODS) for word, emotions in lexicon.items()}


@cache
def _feelings() -> dict[str, str]:
    words = {word: mood for mood, listed in FEELING_WORDS.items() for word in listed.split()}
    words.update({word: "sad" for word in LOW_ENERGY_WORDS})
    return words


@cache
def _emoji() -> dict[str, str]:
    marks = {emoji: mood for mood, listed in EMOJI.items() for emoji in listed}
    marks.update({emoticon: mood for mood, listed in EMOTICONS.items() for emoticon in listed})
    return marks


@cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """English words and names. The words are the ~90,000 of the Brill tagger's lexicon as TextBlob ships it
    (read from its file, not through TextBlob) that it tags as words, and every word the lexicons above know;
    the names are those it knows only as names ("friday", "anna", "paris"), which belong to no language."""
    path = distribution("textblob").locate_file("textblob/en/en-lexicon.txt")
    tags: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(";"):
            tags.setdefault(parts[0].lower(), set()).add(parts[1])
    english = frozenset(
        {word for word, tagged in tags.items() if tagged - NOT_ENGLISH_TAGS} | PLAIN_WORDS | set(_vader().lexicon)
        | set(_nrc()) | set(_feelings()) | set(BOOSTER_DICT) | set(NEGATE) | DAMPENERS | set(AROUSAL_WORDS)
        | set(COMPARATIVES))
    names = frozenset(word for word, tagged in tags.items() if tagged <= {"NNP", "NNPS"} and word not in english)
    return english, names


def _english() -> frozenset[str]:
    return _vocabulary()[0]


def _name(word: str) -> bool:
    return word in _vocabulary()[1]


def text_warm() -> None:
    """Load the lexicons ahead (about half a second), so that the first sentence a listener types is read as
    fast as the rest."""
    _vocabulary()
    _phrase_list()
    _emoji()


@dataclass
class _Token:
    typed: str     # as typed
    raw: str       # as typed, punctuation stripped (capitals kept)
    word: str      # lowercased word, "" for emoji, numbers and other marks
    ends_clause: bool


@dataclass
class _Evidence:
    """What a sentence's words say, before weighing: feeling words, phrases and emoji name a mood; NRC's emotions
    of other words only hint at one."""

    named: dict[str, float] = field(default_factory=dict)
    hints: dict[str, float] = field(default_factory=dict)
    arousal_votes: list[tuple[float, float]] = field(default_factory=list)  # (arousal, weight)
    emphasis: int = 0  # "!" (up to 3) and shouted feeling words
    dropped_negators: set[int] = field(default_factory=set)  # the "never" of "never been better"


def mood_from_text(text: str) -> MoodEstimate:
    """The mood a short sentence states, or "not sure" (label None, confidence 0) when it states none."""
    tokens = _tokens(text)
    lettered = [token for token in tokens if token.raw not in _emoji() and not _name(token.word)
                and any(ch.isalpha() for ch in token.raw) and not any(ch.isdigit() for ch in token.raw)]
    if sum(_known(token.word) for token in lettered if token.word) < ENGLISH_SHARE * len(lettered):
        return _not_sure()

    found = _evidence(tokens)
    compound = _vader().polarity_scores(" ".join(
        token.typed for n, token in enumerate(tokens) if n not in found.dropped_negators))["compound"]
    hints = found.hints
    if sum(found.named.values()) < MIN_EVIDENCE and not _led(hints) and abs(compound) >= CLEAR_SENTIMENT:
        # No word names a feeling and the others hint at no one feeling ("terrible" is angry, disgusted, afraid
        # and sad to NRC), but the sentence is clearly pleasant or unpleasant: happy or sad, the commonest of each.
        mood = "happy" if compound > 0 else "sad"
        alike = [other for other in hints if CIRCUMPLEX[other][0] * compound > 0]
        hints[mood] = sum(hints.pop(other) for other in alike) + SENTIMENT_WEIGHT * abs(compound)
    evidence = _merged(found.named, hints)
    if not _clear(evidence):
        return _not_sure(compound)

    total = sum(evidence.values())
    label = max(evidence, key=evidence.get)
    probabilities = {mood: (evidence.get(mood, 0.0) + SPREAD / len(CIRCUMPLEX)) / (total + SPREAD)
                     for mood in CIRCUMPLEX}
    # The named feeling's place on the circumplex, drawn toward the middle as the evidence is thin ("a bit sad"
    # is less unpleasant than "so sad").
    strength = total / (total + SPREAD)
    mix_valence, mix_arousal = (strength * value for value in circumplex_point(evidence))
    valence = VADER_VALENCE_SHARE * compound + (1 - VADER_VALENCE_SHARE) * mix_valence if compound else mix_valence
    arousal = mix_arousal
    if found.arousal_votes:
        stated = sum(a * w for a, w in found.arousal_votes) / sum(w for _, w in found.arousal_votes)
        arousal = (1 - STATED_AROUSAL_SHARE) * mix_arousal + STATED_AROUSAL_SHARE * stated
    if CIRCUMPLEX[label][1] > 0:
        arousal += EMPHASIS_AROUSAL * min(found.emphasis, 3)
    return MoodEstimate(
        label=label,
        valence=round(_clamp(valence), 4),
        arousal=round(_clamp(arousal), 4),
        confidence=round(probabilities[label], 4),
        probabilities={mood: round(p, 4) for mood, p in sorted(probabilities.items())},
    )


def _evidence(tokens: list[_Token]) -> _Evidence:
    found = _Evidence(emphasis=min(sum(token.typed.count("!") for token in tokens), 3))
    but_at = next((n for n, token in enumerate(tokens) if token.word == "but"), None)
    phrases = _phrases_in(tokens)
    inside_phrase = {k for start, (_, length) in phrases.items() for k in range(start + 1, start + length)}
    for n, token in enumerate(tokens):
        if n in inside_phrase:
            continue
        reading = ({phrases[n][0]: 1.0}, "", 1.0, False) if n in phrases else _reading(token)
        if reading is None:
            continue
        moods, lemma, weight, hinted = reading
        weight *= _degree(tokens, n)
        if token.word and token.raw.isupper() and len(token.raw) >= 3:
            weight *= SHOUT
            found.emphasis += 1
        if but_at is not None and n != but_at:
            # As VADER does: what follows "but" is what the listener means.
            weight *= 1.5 if n > but_at else 0.5
        negator = _negator(tokens, n)
        if negator is not None and lemma and _comparative(token.word, lemma):
            weight *= BOOST
            found.dropped_negators.add(negator)
        elif negator is not None:
            moods = {NEGATED[mood]: share for mood, share in moods.items() if mood in NEGATED}
            weight *= NEGATED_WEIGHT
        counted = found.hints if hinted else found.named
        for mood, share in moods.items():
            counted[mood] = counted.get(mood, 0.0) + weight * share
        if negator is None and lemma in AROUSAL_WORDS:
            found.arousal_votes.append((AROUSAL_WORDS[lemma], weight))
    return found


def _tokens(text: str) -> list[_Token]:
    text = URL.sub(" ", text)
    text = EMOJI_NOISE.sub("", unicodedata.normalize("NFC", text)).replace("’", "'")
    # Emoji stand apart as words do ("yay😭" is two readings), as VADER splits them.
    text = "".join(f" {ch} " if ch in _emoji() or unicodedata.category(ch) == "So" else ch for ch in text)
    tokens = []
    for piece in text.split():
        if piece in _emoji():
            tokens.append(_Token(typed=piece, raw=piece, word="", ends_clause=False))
            continue
        raw = piece.strip(PUNCTUATION)
        word = raw.lower() if re.fullmatch(r"[A-Za-z]+(?:['-][A-Za-z]+)*", raw) else ""
        tokens.append(_Token(typed=piece, raw=raw or piece, word=word, ends_clause=piece[-1] in CLAUSE_END))
    return tokens


def _lemmas(word: str) -> list[str]:
    """The word and the forms it may be an inflection of, as typed: "soooo sad", "happier", "sadly", "scared"."""
    squeezed = ELONGATED.sub(r"\1\1", word)
    forms = [word, squeezed, ELONGATED.sub(r"\1", word)]
    for stem in (word, squeezed):
        # "-ying"/"-ing" to "-ied"/"-ed" too: "frustrating", "terrifying" name the feeling "frustrated",
        # "terrified" names.
        for suffix, replacement in (("iness", "y"), ("ily", "y"), ("ier", "y"), ("ied", "y"), ("ness", ""),
                                    ("ly", ""), ("ying", "ied"), ("ing", "ed"), ("ing", "d"), ("ing", ""),
                                    ("ing", "e"), ("ed", ""), ("ed", "e"), ("er", ""), ("s", "")):
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
                base = stem[: -len(suffix)] + replacement
                forms += [base, base[:-1]] if len(base) > 3 and base[-1] == base[-2] else [base]
    return list(dict.fromkeys(forms))


def _known(word: str) -> bool:
    if word in _english():
        return True
    if "-" in word:
        return all(_known(part) for part in word.split("-") if part)
    # "that's", "I'm", "we'll": the word before the clitic.
    word = word.split("'")[0]
    return LAUGHTER.match(word) is not None or any(form in _english() for form in _lemmas(word))


@cache
def _phrase_list() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The feeling phrases by their first word, each with its mood, the longest first."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for mood, listed in PHRASES.items():
        for phrase in listed.split("|"):
            words = tuple(phrase.split())
            by_first.setdefault(words[0], []).append((words, mood))
    return {first: sorted(phrases, key=lambda p: -len(p[0])) for first, phrases in by_first.items()}


def _phrases_in(tokens: list[_Token]) -> dict[int, tuple[str, int]]:
    """Where a feeling phrase starts: its mood and its length in words."""
    found: dict[int, tuple[str, int]] = {}
    words = [token.word for token in tokens]
    n = 0
    while n < len(words):
        match = next(((phrase, mood) for phrase, mood in _phrase_list().get(words[n], ())
                      if tuple(words[n:n + len(phrase)]) == phrase), None)
        if match:
            found[n] = (match[1], len(match[0]))
        n += len(match[0]) if match else 1
    return found


def _merged(*evidence: dict[str, float]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for weights in evidence:
        for mood, weight in weights.items():
            merged[mood] = merged.get(mood, 0.0) + weight
    return merged


def _led(evidence: dict[str, float]) -> bool:
    """Enough evidence, and one mood holds most of it."""
    total = sum(evidence.values())
    return total >= MIN_EVIDENCE and max(evidence.values()) > MIN_SHARE * total


def _clear(evidence: dict[str, float]) -> bool:
    """One mood leads, or the moods are all as pleasant or unpleasant as each other ("relieved and happy"):
    only feelings pulling opposite ways are mixed."""
    total = sum(evidence.values())
    signs = {(CIRCUMPLEX[mood][0] > 0) - (CIRCUMPLEX[mood][0] < 0) for mood, weight in evidence.items()
             if weight >= MIXED_SHARE * total}
    return _led(evidence) or total >= MIN_EVIDENCE and len(signs) == 1


def _reading(token: _Token) -> tuple[dict[str, float], str, float, bool] | None:
    """The moods a token names (with their shares), the form it was found as, how much it counts, and whether it
    only hints (NRC's emotions of a word that names no feeling of ours): an emoji, one of our feeling words, else
    NRC's emotions for it."""
    if not token.word:
        mood = _emoji().get(token.raw)
        return ({mood: 1.0}, token.raw, 1.0, False) if mood else None
    if LAUGHTER.match(token.word):
        return {"happy": 1.0}, "haha", 1.0, False
    forms = _lemmas(COMPARATIVES.get(token.word, token.word))
    for form in forms:
        if form in _feelings():
            return {_feelings()[form]: 1.0}, form, 1.0, False
    for form in forms:
        if _nrc().get(form) and form not in PLAIN_WORDS:
            # An NRC word counts a little on its own ("mother" names six emotions), more as VADER finds it
            # charged.
            weight = NRC_BASE + NRC_PER_VADER_POINT * abs(_vader().lexicon.get(form, 0.0))
            return _nrc_moods(form), form, weight, True
    return None


def _nrc_moods(word: str) -> dict[str, float]:
    """NRC files a word under several emotions ("terrible": anger, disgust, fear, sadness): an equal share each,
    of those that are as pleasant or unpleasant as VADER finds the word."""
    # NRC's surprise rides along with many plain words ("good", "money", "peaceful"); the words that really say
    # surprise are among ours.
    moods = [mood for mood in _nrc()[word] if mood != "surprise"] or ["surprise"]
    valence = _vader().lexicon.get(word, 0.0)
    agreeing = [mood for mood in moods if CIRCUMPLEX[mood][0] * valence > 0] or list(moods)
    return {mood: 1 / len(agreeing) for mood in agreeing}


def _comparative(word: str, lemma: str) -> bool:
    return word in COMPARATIVES or (word != lemma and word.endswith("er") and lemma in _feelings())


def _degree(tokens: list[_Token], n: int) -> float:
    """How much the two words before token n strengthen it ("so", "extremely") or soften it ("a bit",
    "kind of")."""
    before: list[str] = []
    for k in (n - 1, n - 2):
        if k < 0 or _clause_break(tokens, k):
            break
        before.insert(0, tokens[k].word)
    degree = 1.0
    for word in before + ([" ".join(before)] if len(before) == 2 else []):
        if BOOSTER_DICT.get(word, 0) > 0:
            degree *= BOOST
        elif word in DAMPENERS or BOOSTER_DICT.get(word, 0) < 0:
            degree *= DAMPEN
    return degree


def _negator(tokens: list[_Token], n: int) -> int | None:
    """Where the negation governing token n is, if any: a negator up to three words back in the same clause."""
    for back in range(1, NEGATION_REACH + 1):
        if n - back < 0 or _clause_break(tokens, n - back):
            return None
        word = tokens[n - back].word
        if word in NEGATE or word == "no" or word.endswith("n't"):
            # "can't stop smiling", "couldn't help laughing" say the feeling all the more.
            return None if back > 1 and tokens[n - back + 1].word in {"stop", "help"} else n - back
    return None


def _clause_break(tokens: list[_Token], n: int) -> bool:
    return tokens[n].ends_clause or tokens[n].word in {"but", "and", "though", "although", "yet"}


def _not_sure(valence: float = 0.0) -> MoodEstimate:
    """No mood read; the valence is still how pleasant VADER found the words."""
    return MoodEstimate(label=None, valence=valence, arousal=0.0, confidence=0.0, probabilities={})


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))
