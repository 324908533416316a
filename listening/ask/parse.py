"""A question in plain English, read into what to look up: a small grammar, no guessing.

Reading goes: pull out quoted names, normalize, mask the time expressions (times.py) and combine them ("since …",
"between … and …", "… vs …"), mask weekday filters and "by minutes", then match the rest against one anchored
pattern per way of asking. A question no pattern covers whole is not understood: words left over mean we did not
get it, and answering anyway would be a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from listening.ask import times
from listening.ask.times import Span, TimeMatch

MAX_LIMIT = 50
DEFAULT_LIMIT = 10
WEEKEND = frozenset({6, 7})
WORKWEEK = frozenset({1, 2, 3, 4, 5})


class NotUnderstood(Exception):
    """The question cannot be answered; `reason` (a sentence for the listener) says why when we know."""

    def __init__(self, reason: str | None = None):
        super().__init__(reason or "not understood")
        self.reason = reason


@dataclass
class Question:
    intent: str  # top | amount | totals | first_last | streak | clock | versus | skips
    kind: str | None = None  # top: tracks/artists/albums/genres; totals: music/podcasts/audiobooks
    limit: int = DEFAULT_LIMIT
    limit_asked: int | None = None
    singular: bool = False
    by: str = "plays"
    measure: str | None = None  # plays, minutes, hours, artists, tracks, days; None: plays and minutes
    which: str | None = None  # first/last, current/longest, hour/day; None: both
    entity: str | None = None
    entity_quoted: bool = False
    yes_no: bool = False
    spans: list[Span] = field(default_factory=list)
    weekdays: frozenset[int] | None = None
    weekdays_label: str | None = None
    comparison_required: bool = False  # "did I listen to more music this year than last year"
    artist: str | None = None  # top: the songs or albums of one artist ("top songs by Radiohead")
    # versus: ways to read two names compared ("Simon and Garfunkel or Queen"): (first, second) each
    pairs: list[tuple[str, str]] = field(default_factory=list)
    time_matches: int = 0  # how many time expressions were found (the caller may read some as part of a name)


# --- words -------------------------------------------------------------------------------------------------
KINDS = {
    "tracks": ("track", "tracks", "song", "songs", "tune", "tunes", "single", "singles"),
    "artists": ("artist", "artists", "band", "bands", "singer", "singers", "musician", "musicians", "group", "groups",
                "act", "acts"),
    "albums": ("album", "albums", "record", "records", "lp", "lps", "ep", "eps"),
    "genres": ("genre", "genres", "style", "styles", "kind of music", "kinds of music", "type of music",
               "types of music"),
}
KIND_OF_WORD = {word: kind for kind, words in KINDS.items() for word in words}
SINGULAR_WORDS = {"track", "song", "tune", "single", "artist", "band", "singer", "musician", "group", "act", "album",
                  "record", "lp", "ep", "genre", "style", "kind of music", "type of music"}
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "twenty five": 25, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "a hundred": 100,
}
MUSIC_WORDS = {"music", "songs", "tracks", "tunes", "anything", "everything", "stuff", "spotify", "audio", "all music",
               "any music", "all", "it"}
PODCAST_WORDS = {"podcast", "podcasts", "podcast episode", "podcast episodes", "episodes", "episode", "shows",
                 "podcast time"}
AUDIOBOOK_WORDS = {"audiobook", "audiobooks", "audio book", "audio books", "audiobook chapters", "audiobook chapter",
                   "chapters", "books", "audiobook time"}
MEASURE_WORDS = {
    "minutes": "minutes", "minute": "minutes", "mins": "minutes", "min": "minutes", "time": "minutes",
    "hours": "hours", "hour": "hours", "hrs": "hours",
    "plays": "plays", "times": "plays", "streams": "plays", "listens": "plays", "songs": "plays", "tracks": "plays",
    "artists": "artists", "bands": "artists", "different artists": "artists", "unique artists": "artists",
    "distinct artists": "artists", "different songs": "tracks", "different tracks": "tracks",
    "unique songs": "tracks", "unique tracks": "tracks", "distinct songs": "tracks", "distinct tracks": "tracks",
    "days": "days", "different days": "days", "music": None,
}


def _alternatives(words) -> str:
    return "(?:" + "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) + ")"


KIND = "(?P<kind>" + _alternatives(KIND_OF_WORD) + ")"
N = r"(?P<n>\d{1,3}|" + _alternatives(NUMBERS) + ")"
I = r"(?:i|we)"
AUX = r"(?:did|do|have|had|has|am|was|were)"
VERB = (r"(?:(?:been |ever |usually |mostly |normally |typically |tend to |actually |really )*"
        r"(?:listen(?:ed|ing)?|play(?:ed|ing)?|hear(?:d|ing)?|stream(?:ed|ing)?|spin(?:ning)?|spun|put on|"
        r"blast(?:ed|ing)?|rock(?:ed)? out)(?: to)?)")
SPEND = r"(?:spen[dt](?:ing)? (?:listening(?: to)?|on|with))"
TOPWORD = (r"(?:top|favou?rite|fave|best|number one|no 1|#1|"
           r"most (?:played|listened(?: to)?|streamed|popular|heard|frequent|frequently played|listened))")
MEASURE = "(?P<measure>" + _alternatives(
    [*MEASURE_WORDS, *PODCAST_WORDS, *AUDIOBOOK_WORDS, "podcast minutes", "audiobook minutes"]
) + ")"
MOST = r"(?:(?:the )?most(?: often)?|(?:the )?more|a lot|the most times)"
ASKING = r"(?:(?:what|which|who) (?:are|were|was|is|have been|has been|'s) |(?:list|give me|show|get|find) )"

SPOKEN = "(?P<measure>" + _alternatives([*PODCAST_WORDS, *AUDIOBOOK_WORDS]) + ")"
MORE = r"(?P<more>more(?: often| time)?|longer|the most|most)"
SONGS = "(?P<kind>" + _alternatives([*KINDS["tracks"], *KINDS["albums"]]) + ")"
SKIP = r"(?:skip(?:ped|ping)?|skip past|pass(?:ed)? over)"

# --- patterns: (intent, regex); the first that matches the whole question wins ---------------------------------
PATTERNS = [
    # --- two names compared: "who did I listen to more, X or Y", "X vs Y", "did I play X more than Y"
    ("versus", r"(?:who|which(?: one| artist| band| song| album)?) (?:" + AUX + ") " + I + " (?:" + VERB + "|" + SPEND
     + ") " + MORE + r"(?: between)? (?P<pair>.+)"),
    ("versus", r"(?:" + AUX + ") " + I + " (?:" + VERB + ") (?P<a>.+?) " + MORE + r" than (?P<b>.+)"),
    ("versus", r"(?:" + AUX + ") " + I + r" spen[dt] " + MORE + r"(?: minutes| hours)? (?:on|with|listening to) "
     r"(?P<pair>.+)"),
    ("versus", r"(?:who|which) (?:is|was) (?:played )?" + MORE + r"(?: played)? (?P<pair>.+)"),
    ("versus", r"compare (?:my )?(?:listening (?:to|of) )?(?P<pair>.+ (?:and|with|to|vs|versus|or|against) .+)"),
    # --- skips
    ("skips", ASKING + r"?(?:my |the )?(?:(?:top )?" + N + r" )?(?:most|most often|most frequently) "
     + SKIP + " " + KIND),
    ("skips", ASKING + r"?(?:my |the )?top " + N + " (?:most )?" + SKIP + " " + KIND),
    ("skips", r"(?P<who>what|which)(?: " + KIND + ")? (?:" + AUX + ") " + I + " " + SKIP + " " + MOST),
    ("skip_count", r"how (?:often|many times|much|many (?:songs|tracks|plays)) (?:" + AUX + ") " + I + " " + SKIP
     + r"(?: (?:songs|tracks|music))?"),
    ("skip_count", r"how many skips(?: (?:did|have|had) " + I + r"(?: had| have)?)?"),
    ("skip_count", r"(?:" + ASKING + r")?(?:my )?(?:skips|skip count|skip rate|skipped (?:songs|tracks) count)"),
    # "first time I played X", "the last time I heard X"
    ("first_last", r"(?:" + ASKING + r")?(?:my |the )?(?:very )?(?P<w1>first|last|most recent|latest) time " + I
     + r" (?:" + AUX + " )?(?:ever )?" + VERB + r" (?P<e>.+)"),
    # "podcasts last year": spoken word on its own
    ("amount", r"(?:my )?" + SPOKEN),
    # "top 5 artists", "my 10 most played songs", "what was my favourite album", "most streamed tracks"
    ("top", ASKING + r"?(?:my |the )?(?:top " + N + r" (?:most (?:played|listened(?: to)?|streamed) )?|"
     r"(?P<n2>\d{1,3}|" + _alternatives(NUMBERS) + r") " + TOPWORD + " |" + TOPWORD + r" (?:(?P<n3>\d{1,3}) )?)"
     + KIND + r"(?: (?:that |which )?" + I + r" (?:" + AUX + " )?(?:" + VERB + "|" + SPEND + r")(?: " + MOST + ")?)?"),
    # "what did I play most", "which artists did I listen to the most", "who have I been listening to most"
    ("top", r"(?P<who>what|which|who)(?: " + N + r")?(?: " + KIND + r"| music)? " + AUX + " " + I + " " + VERB + " "
     + MOST),
    # "which artist did I spend the most time listening to"
    ("top_minutes", r"(?P<who>what|which|who)(?: " + N + r")?(?: " + KIND + r")? " + AUX + " " + I
     + r" spen[dt] (?:the )?most (?:time|minutes|hours)(?: (?:listening(?: to)?|on|with))?"),
    # "what is the song I played the most", "who is the artist I listen to most"
    ("top", r"(?P<who>what|who|which) (?:is|was|are|were|'s) (?:my |the )?" + KIND + " " + I + " (?:" + AUX + " )?"
     + VERB + " " + MOST),
    # --- the songs or albums of one artist: "top songs by X", "my most played X songs"
    ("top", ASKING + r"?(?:my |the )?(?:top " + N + r" (?:most (?:played|listened(?: to)?|streamed) )?|"
     r"(?P<n2>\d{1,3}) " + TOPWORD + " |" + TOPWORD + r" (?:(?P<n3>\d{1,3}) )?|top )" + SONGS
     + r" (?:by|of|from) (?P<artist>.+)"),
    ("top", ASKING + r"?(?:my |the )?(?:top " + N + r" |top |" + TOPWORD + r" )(?P<artist>.+?) " + SONGS),
    ("top", r"(?P<who>which|what) (?P<artist>.+?) " + SONGS + " (?:" + AUX + " )?" + I + " (?:" + AUX + " )?"
     + VERB + " " + MOST),
    # "what did I listen to yesterday", "which albums did I play last week"
    ("listing", r"(?P<who>what|which|who)(?: " + KIND + r")? (?:" + AUX + " )?" + I + " " + VERB
     + r"(?: (?:music|songs|tracks))?"),
    # "my top artists" without a verb is covered above; "top artists" alone too
    # --- streaks
    ("streak", r"(?:" + ASKING + r")?(?:my |the )?(?P<which>current|longest|best|biggest|record|present|ongoing|"
     r"longest ever|active)? ?(?:listening |daily )?streaks?(?: of listening| of days)?"),
    ("streak", r"how (?:many|long) (?:days )?(?:in a row|consecutive days|straight days) (?:" + AUX + " )?" + I
     + r"(?: (?:" + AUX + "))? " + VERB + r"(?: (?:music|every day))?(?P<which>)"),
    ("streak", r"(?:" + ASKING + r")?(?:my |the )?(?P<which>longest|most|biggest) (?:run of |number of )?"
     r"(?:consecutive days|days in a row|straight days)(?: " + I + " (?:" + AUX + " )?" + VERB + r"(?: music)?)?"),
    # --- the listening clock
    ("clock", r"(?:" + ASKING + r")?(?:my |the )?(?:most active|busiest|favou?rite|top|peak|main|usual|most common) "
     r"(?P<unit>hour|time of (?:the )?day|time|listening hour|listening time|day of the week|weekday|day|listening day)"
     r"(?: (?:to|for) (?:listen(?:ing)?|music))?(?: of the (?:day|week))?(?: for (?:music|listening))?"),
    ("clock", r"(?:at )?(?:what|which) (?P<unit>time|hour)(?: of (?:the )?day)? (?:" + AUX + "|am) " + I + " "
     + VERB + r"(?: (?:music|songs))?(?: " + MOST + ")?"),
    ("clock", r"(?:on )?(?:what|which) (?P<unit>day(?: of the week)?|weekday) (?:" + AUX + "|am) " + I + " "
     + VERB + r"(?: (?:music|songs))?(?: " + MOST + ")?"),
    ("clock", (r"(?:when|what) (?:is|was|are) my (?:most active|busiest|peak|usual) (?P<unit>hour|time|day)"
               r"(?: of the (?:day|week))?(?: (?:to|for) (?:listen(?:ing)?|music))?")),
    ("clock", r"when (?:" + AUX + " )" + I + " " + VERB + r"(?: (?:music|songs))? (?:" + MOST + r")(?P<unit>)"),
    # --- first and last plays
    ("first_last", r"when (?:" + AUX + "|is|was) " + I + r" (?:(?P<w1>first|last|most recently|latest|recently|"
     r"originally) )?(?:ever )?(?:(?P<start>start(?:ed)?|begin|began|first start(?:ed)?) (?:listening to|playing|"
     r"streaming) |(?P<stop>stop(?:ped)?) (?:listening to|playing) |(?P<found>discover(?:ed)?|f(?:i|ou)nd) |"
     + VERB + r" )(?P<e>.+?)(?: for the (?P<w2>first|last) time| (?P<w3>first|last)(?: time)?)?"),
    ("first_last", r"when (?:is|was) (?:the |my )?(?P<w1>first|last|most recent|latest|previous) (?:time )?" + I
     + r" (?:" + AUX + " )?" + VERB + r" (?P<e>.+)"),
    ("first_last", r"(?:" + ASKING + r")?(?:my |the )?(?P<w1>first|last|most recent|latest) (?:play|listen|stream|spin)"
     r"(?:s)? (?:of )?(?P<e>.+)"),
    # --- amounts: of one artist, track, album or genre, or of everything
    ("amount", r"how (?:many|much) " + MEASURE + r"(?: of (?P<e1>.+?))?(?: (?:" + AUX + ") " + I + r"(?: (?:"
     + AUX + "))? (?:" + SPEND + "|" + VERB + r"|spen[dt](?: on)?)(?: (?P<e2>.+))?)?"),
    ("amount", r"how (?:many|much) " + MEASURE + r" (?:of|for|on|with) (?P<e1>.+)"),
    ("amount", (r"how many (?P<measure>plays|streams|listens|minutes|hours) (?:does|did|has|have) (?P<e1>.+?) "
                r"(?:have|get|got|had)")),
    ("amount", r"how (?P<how>often|long|much|many times) (?:" + AUX + ") " + I + " (?:" + SPEND + "|" + VERB
     + r")(?: (?P<e2>.+?))?(?: for)?"),
    ("amount", r"how much (?P<e1>.+?) (?:" + AUX + ") " + I + " " + VERB),
    ("amount", r"how much (?P<e1>(?!time$).+)"),
    ("amount", r"(?:" + ASKING + r")?(?:my )?(?:total )?(?P<measure>plays|minutes|play count|listening time|stats|"
     r"statistics|numbers|listening stats|totals?|hours) (?:for|of|on|with) (?P<e1>.+)"),
    ("amount", r"(?:(?:what is |what was )?the )?(?:total )?number of (?P<measure>plays|minutes|streams|hours|times "
     + I + r" (?:" + AUX + r" )?(?:played|listened to)) (?:for|of|on|with|to)? ?(?P<e1>.+)"),
    ("amount", (r"(?:my )?(?P<e1>(?!(?:total|overall|all|listening|my)\b).+?)(?:'s)? (?P<measure>plays|minutes|"
                r"listening time|play count|stats|statistics)")),
    ("more", r"(?:" + AUX + "|am|are) " + I + r" (?:been )?(?:listening|listen(?:ed)?|play(?:ed|ing)?)(?: to)? more"
     r"(?: music)?"),
    ("amount", r"(?P<yes>" + AUX + ") " + I + " " + VERB + r" (?P<e2>.+)"),
    ("totals", r"(?:" + ASKING + r")?(?:my )?(?:total |overall )?(?P<measure>listening time|minutes(?: listened)?|"
     r"hours(?: listened)?|plays|play count|totals?|listening stats|listening statistics|stats|statistics)"),
    ("versus", r"(?P<a>.+?) (?:vs|versus) (?P<b>.+)"),
]
_COMPILED = [(intent, re.compile(f"^{pattern}$")) for intent, pattern in PATTERNS]

# --- normalization ------------------------------------------------------------------------------------------
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|‘([^’]+)’|(?<![\w])\'([^\']+)\'(?![\w])')
_CONTRACTIONS = [
    (re.compile(r"\b(what|who|when|where|how|that|it)'s\b"), r"\1 is"),
    (re.compile(r"\bi've\b"), "i have"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\b(did|do|does|have|has|was|were|is|are)n't\b"), r"\1 not"),
    (re.compile(r"\bvs\."), "vs"),
]
_PUNCTUATION = re.compile(r"[?!;:,()\[\]{}]+|(?<=\s)-(?=\s)|\.+$|\.(?=\s)")
_LEADING = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|well|please|quick question|question|re-?wrapped)\b ?)+"
)
_FILLERS = re.compile(
    r"\b(?:(?:can|could|would|will) you (?:please )?(?:tell|show|give) me|(?:please )?(?:tell|show) me|"
    r"i (?:want|would like|wanna) to know|do you know|i (?:wonder|am curious)|please|exactly|roughly|approximately|"
    r"in total|overall|altogether|all together|in all|on spotify|so far|up to now|until now|until today|"
    r"to date|in my history|of music)\b"
)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> tuple[str, list[str]]:
    """Lower-case words, contractions spelled out; quoted names become ⟪0⟫, ⟪1⟫… and are returned apart."""
    quoted: list[str] = []

    def keep(match):
        quoted.append(next(group for group in match.groups() if group is not None).strip())
        return f" ⟪{len(quoted) - 1}⟫ "

    text = _QUOTED.sub(keep, unicodedata.normalize("NFKC", text).replace("’", "'"))
    text = text.casefold()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip(), quoted


# --- modifiers: weekday filters and ranking ----------------------------------------------------------------
_PLURAL_DAYS = {f"{day}s": number for number, day in enumerate(times.WEEKDAYS, start=1)}
_MODIFIERS = [
    (re.compile(r"(?:(?:on|at|over|during|for|in) )?(?:the )?weekends?\b"), ("weekdays", WEEKEND, "at weekends")),
    (re.compile(r"(?:(?:on|during|over|in) )?(?:the )?(?:weekdays|week ?days|work ?days|working days)\b|"
                r"during the (?:work ?)?week\b"), ("weekdays", WORKWEEK, "on weekdays")),
    (re.compile(r"(?:(?:ranked|sorted|ordered|measured) )?by (?:(?:total |listening )?(?:minutes|time|hours|"
                r"duration|play ?time|time listened|time spent|listening time))\b|in minutes\b"),
     ("by", "minutes", None)),
    (re.compile(r"(?:(?:ranked|sorted|ordered|measured) )?by (?:plays|play ?count|number of plays|streams|listens|"
                r"count)\b"), ("by", "plays", None)),
    *[
        (re.compile(rf"(?:on )?{day}\b"), ("weekdays", frozenset({number}), f"on {day.capitalize()}"))
        for day, number in _PLURAL_DAYS.items()
    ],
]

# --- combining time expressions ------------------------------------------------------------------------------
_T = r"⟨(\d+)⟩"
_BETWEEN = re.compile(rf"(?:between|from) {_T} (?:and|to|until|till|through|thru|-) {_T}")
_COMPARE = re.compile(rf"{_T} (?:vs|versus|compared (?:to|with)|against|or|and|than) {_T}")
_COMPARE_LOOSE = re.compile(rf"{_T} (?:to|with) {_T}")
# A bare "from ⟨t⟩" ("my top songs from last year") is ⟨t⟩ itself; only "from ⟨t⟩ on" runs up to today.
_SINCE = re.compile(rf"(?:since|starting(?: from| in)?) {_T}(?: (?:on|onwards?|until now|till now|to now|to today))?|"
                    rf"from {_T} (?:on|onwards?|until now|till now|to now|to today)")
_BEFORE = re.compile(rf"before {_T}")
_UNTIL = re.compile(rf"(?:until|till|up to|up until|through) {_T}")
_AFTER = re.compile(rf"after {_T}")
_FROM = re.compile(rf"(?:from|in|during|of|for|over) {_T}")


def read_times(question: str, *, today: date) -> tuple[str, list[str], list[TimeMatch]]:
    """The question normalized, its quoted names, and the time expressions in it."""
    text, quoted = normalize(question)
    text = _LEADING.sub("", text)
    text = _SPACES.sub(" ", _FILLERS.sub(" ", text)).strip()
    return text, quoted, times.find_times(text, today)


def parse(question: str, *, today: date, protected: frozenset[int] = frozenset()) -> Question:
    """Read a question. `protected` time expressions (by index) are left as words, for names like "Yesterday"."""
    text, quoted, matches = read_times(question, today=today)
    spans: list[list[Span]] = []
    for index, match in reversed(list(enumerate(matches))):
        if index not in protected:
            spans.insert(0, [match.span])
            text = f"{text[:match.start]}⟨{index}⟩{text[match.end:]}"
    # Placeholders carry the index of their match; renumber to positions in `spans`.
    order = {}
    text = re.sub(_T, lambda m: f"⟨{order.setdefault(m.group(1), len(order))}⟩", text)
    comparing = bool(re.search(r"\b(?:compare|compared|comparison|vs|versus|against|change[ds]?|differ)\b", text))
    text, spans = _combine(text, spans, today, comparing=comparing)

    weekdays, weekdays_label, by = None, None, None
    for pattern, (what, value, label) in _MODIFIERS:
        if pattern.search(text):
            if what == "weekdays":
                if weekdays is not None:
                    raise NotUnderstood("I can look at one set of weekdays at a time.")
                weekdays, weekdays_label = value, label
            else:
                by = value
            text = pattern.sub(" ", text, count=1)
    used = [int(index) for index in re.findall(_T, text)]
    text = _SPACES.sub(" ", re.sub(_T, " ", text)).strip()
    unstripped = text  # "compare X and Y" compares names, not two stretches of time
    if comparing:
        text = re.sub(r"^(?:compare|comparison of|how (?:did|have|has) )", "", text).strip()
        text = re.sub(r" (?:change[ds]?|differ|compare)$", "", text).strip()
    if not text:
        raise NotUnderstood()
    chosen_spans = [span for index in used for span in spans[index]]
    if len(used) > 1:
        raise NotUnderstood("That question names more than one stretch of time; ask about one, or compare two "
                            "with “vs”.")
    for intent, pattern in _COMPILED:
        match = pattern.match(unstripped if intent == "versus" else text)
        if match:
            result = _build(intent, match, quoted)
            break
    else:
        raise NotUnderstood()
    result.spans = chosen_spans
    result.weekdays, result.weekdays_label = weekdays, weekdays_label
    result.time_matches = len(matches)
    if by:
        result.by = by
    for span in chosen_spans:
        if span.problem:
            raise NotUnderstood(span.problem)
    if result.comparison_required and len(chosen_spans) != 2:
        raise NotUnderstood("Name the two stretches of time to compare, e.g. “this year than last year”.")
    if result.intent == "skips" or result.intent == "versus" or result.artist:
        if weekdays:
            raise NotUnderstood("I can split top lists and totals by weekends or weekdays, but not that question yet.")
    if len(chosen_spans) == 2 and result.intent not in ("top", "totals", "amount"):
        raise NotUnderstood("I can compare two stretches of time for top lists and totals.")
    if result.intent == "streak" and (chosen_spans or weekdays):
        raise NotUnderstood("Streaks are counted over your whole history, so I can't give one for part of it.")
    if result.intent in ("first_last", "amount", "clock") and weekdays:
        raise NotUnderstood("I can split top lists and totals by weekends or weekdays, but not that question yet.")
    return result


def _combine(text: str, spans: list[list[Span]], today: date, *, comparing: bool) -> tuple[str, list[list[Span]]]:
    """Fold "between ⟨a⟩ and ⟨b⟩", "since ⟨a⟩", "⟨a⟩ vs ⟨b⟩"… into one placeholder each."""

    def fold(pattern, make):
        nonlocal text
        while match := pattern.search(text):
            operands = [spans[int(index)] for index in match.groups() if index is not None]
            if any(len(operand) > 1 for operand in operands):
                raise NotUnderstood("I can compare two stretches of time, not more.")
            parts = [operand[0] for operand in operands]
            spans.append(make(*parts))
            text = f"{text[:match.start()]}⟨{len(spans) - 1}⟩{text[match.end():]}"

    if comparing:
        fold(re.compile(rf"(?:between|from) {_T} (?:and|to) {_T}"), lambda a, b: [a, b])
    fold(_BETWEEN, lambda a, b: [times.clipped(times.span_between(a, b, today), today)])
    fold(_SINCE, lambda a: [times.span_since(a, today)])
    fold(_BEFORE, lambda a: [times.span_until(a, before=True)])
    fold(_UNTIL, lambda a: [times.span_until(a, before=False)])
    fold(_AFTER, lambda a: [times.span_after(a, today)])
    fold(_COMPARE, lambda a, b: [a, b])
    if comparing:
        fold(_COMPARE_LOOSE, lambda a, b: [a, b])
    fold(_FROM, lambda a: [a])
    return text, spans


def _number(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if text.isdigit() else NUMBERS[text]


_PAIR = re.compile(r" (?:or|and|vs|versus|with|to|against) ")


def _pairs(groups: dict, quoted: list[str]) -> list[tuple[str, str]]:
    """Every way to cut the words into two names; which cut names two things is for the catalog to say."""
    def name(text: str) -> str:
        text = re.sub(r"^(?:to|listening to|on|between) ", "", text.strip())
        return re.sub(r"⟪(\d+)⟫", lambda m: quoted[int(m.group(1))], text)

    if "pair" not in groups:
        return [(name(groups["a"]), name(groups["b"]))]
    text = groups["pair"]
    return [(name(text[:cut.start()]), name(text[cut.end():])) for cut in _PAIR.finditer(text)]


def _build(intent: str, match: re.Match, quoted: list[str]) -> Question:
    groups = {key: value for key, value in match.groupdict().items() if value}
    if intent == "versus":
        pairs = [pair for pair in _pairs(groups, quoted) if all(pair)]
        if not pairs:
            raise NotUnderstood()
        more = groups.get("more", "")
        by_time = "time" in more or more == "longer" or "spen" in match.group(0)
        return Question(intent="versus", pairs=pairs, by="minutes" if by_time else "plays")
    if intent in ("skips", "skip_count"):
        asked = _number(groups.get("n") or groups.get("n2"))
        kind_word = groups.get("kind")
        if kind_word and KIND_OF_WORD[kind_word] != "tracks":
            raise NotUnderstood("I can count skipped songs, not skipped artists or albums.")
        singular = asked == 1 or (asked is None and (kind_word in SINGULAR_WORDS or groups.get("who") == "what"
                                                     and not kind_word))
        limit = min(asked or (5 if singular else DEFAULT_LIMIT), MAX_LIMIT)
        which = "top" if intent == "skips" else "count"
        return Question(intent="skips", which=which, kind="tracks", limit=limit, singular=singular)
    if groups.get("artist"):
        kind = KIND_OF_WORD[groups["kind"]]
        if kind not in ("tracks", "albums"):
            raise NotUnderstood()
        asked = _number(groups.get("n") or groups.get("n2") or groups.get("n3"))
        singular = asked == 1 or (asked is None and groups["kind"] in SINGULAR_WORDS)
        artist = re.sub(r"⟪(\d+)⟫", lambda m: quoted[int(m.group(1))], groups["artist"])
        return Question(intent="top", kind=kind, limit=min(asked or (5 if singular else DEFAULT_LIMIT), MAX_LIMIT),
                        limit_asked=asked, singular=singular, artist=re.sub(r"(?:'s?)$", "", artist))
    if intent in ("top", "top_minutes", "listing"):
        kind_word = groups.get("kind")
        kind = KIND_OF_WORD[kind_word] if kind_word else ("artists" if groups.get("who") == "who" else "tracks")
        asked = _number(groups.get("n") or groups.get("n2") or groups.get("n3"))
        singular = asked == 1 or (asked is None and intent != "listing" and (
            kind_word in SINGULAR_WORDS or (kind_word is None and groups.get("who") in ("what", "who"))))
        if asked is not None and asked < 1:
            raise NotUnderstood("Ask for at least one.")
        limit = min(asked or (5 if singular else DEFAULT_LIMIT), MAX_LIMIT)
        return Question(intent="top", kind=kind, limit=limit, limit_asked=asked, singular=singular,
                        by="minutes" if intent == "top_minutes" else "plays")
    if intent == "streak":
        which = groups.get("which")
        which = {"longest": "longest", "best": "longest", "biggest": "longest", "record": "longest",
                 "longest ever": "longest", "most": "longest"}.get(which, "current" if which else None)
        if match.re.pattern.startswith("^how"):
            which = "current"
        return Question(intent="streak", which=which)
    if intent == "clock":
        unit = groups.get("unit", "")
        which = None if not unit else ("day" if "day" in unit.split(" of ")[0] or "week" in unit else "hour")
        return Question(intent="clock", which=which)
    if intent == "first_last":
        word = groups.get("w1") or groups.get("w2") or groups.get("w3")
        which = {"first": "first", "originally": "first", "last": "last", "most recently": "last", "latest": "last",
                 "recently": "last", "most recent": "last", "previous": "last"}.get(word)
        if groups.get("start") or groups.get("found"):
            which = "first"
        if groups.get("stop"):
            which = "last"
        return _with_entity(Question(intent="first_last", which=which), groups["e"], quoted)
    if intent == "more":
        return Question(intent="totals", kind="music", measure="minutes", comparison_required=True)
    if intent == "totals":
        measure = groups["measure"]
        return Question(intent="totals", kind="music", measure={
            "listening time": "minutes", "hours": "hours", "hours listened": "hours", "plays": "plays",
            "play count": "plays"}.get(measure, "minutes" if measure.startswith("minutes") else None))
    # amount
    measure_word = groups.get("measure")
    how = groups.get("how")
    entity = groups.get("e1") or groups.get("e2")
    question = Question(intent="amount", yes_no=bool(groups.get("yes")))
    if measure_word in PODCAST_WORDS or measure_word in AUDIOBOOK_WORDS or measure_word in (
            "podcast minutes", "audiobook minutes"):
        if entity and not re.fullmatch(r"(?:to|listen(?:ing)?(?: to)?)", entity):
            raise NotUnderstood("I can count podcasts and audiobooks as a whole, not one show yet.")
        question.intent = "totals"
        podcasts = measure_word.startswith("podcast") or measure_word in PODCAST_WORDS
        question.kind = "podcasts" if podcasts else "audiobooks"
        question.measure = "minutes" if measure_word.endswith(("time", "minutes")) else "plays"
        return question
    if measure_word in MEASURE_WORDS:
        question.measure = MEASURE_WORDS[measure_word]
    elif measure_word in ("play count", "listening time"):
        question.measure = "plays" if measure_word == "play count" else "minutes"
    if how in ("often", "many times"):
        question.measure = "plays"
    elif how == "long":
        question.measure = "minutes"
    if not entity:
        question.intent, question.kind = "totals", "music"
        return question
    if question.measure in ("artists", "tracks", "days") or measure_word in ("songs", "tracks"):
        raise NotUnderstood()  # "how many songs did I play X" is not a way to ask about X
    return _with_entity(question, entity, quoted)


def _with_entity(question: Question, entity: str, quoted: list[str]) -> Question:
    """Attach the name asked about, or turn "music", "podcasts"… into a question about totals."""
    entity = re.sub(r"^(?:to|listening to) ", "", entity.strip())
    entity = re.sub(r" (?:so far|in total|at all|ever|recently)$", "", entity).strip()
    placeholder = re.fullmatch(r"⟪(\d+)⟫", entity)
    if placeholder:
        question.entity, question.entity_quoted = quoted[int(placeholder.group(1))], True
        return question
    entity = re.sub(r"⟪(\d+)⟫", lambda m: quoted[int(m.group(1))], entity)
    bare = re.sub(r"^(?:my |any |some )", "", entity)
    if bare.split(" ", 1)[0] in ("music", "songs", "tracks", "podcasts", "audiobooks") and " " in bare:
        raise NotUnderstood()  # "music between christmas and new year": a time we could not read, not a name
    for words, kind in ((MUSIC_WORDS, "music"), (PODCAST_WORDS, "podcasts"), (AUDIOBOOK_WORDS, "audiobooks")):
        if bare in words:
            if question.intent != "amount":
                raise NotUnderstood("I can tell first and last plays of artists, tracks and albums.")
            question.intent, question.kind = "totals", kind
            if kind != "music" and question.measure not in ("minutes", "hours"):
                question.measure = question.measure if question.measure == "plays" else None
            return question
    question.entity = entity
    return question
