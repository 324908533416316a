"""Answering a parsed question from the listener's own stats (listening.selectors only), in a sentence and a table."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.urls import reverse

from accounts.models import User
from listening import selectors
from listening.ask import words
from listening.ask.catalog import Catalog, Found, NotFound
from listening.ask.parse import NotUnderstood, Question, parse, read_times
from listening.ask.times import ALL_TIME, Span, range_text
from listening.models import Album, Artist, Track
from listening.periods import Period, period_of, user_today

EXAMPLES = [
    "top 5 artists last March",
    "who did I listen to more, Radiohead or Blur?",
    "when did I first play Bohemian Rhapsody",
    "my most skipped songs in 10/2024",
    "how many podcasts did I listen to last year",
]
ABILITIES = ("top artists, songs, albums and genres, one artist's top songs, plays and minutes of an artist or song, "
             "two artists compared, first and last plays, skips, podcasts, streaks and your busiest hours")
MAX_QUESTION_LENGTH = 300
ITEM_MODELS = {"artists": Artist, "tracks": Track, "albums": Album}
KIND_NAMES = {"artists": "artist", "tracks": "track", "albums": "album", "genres": "genre"}
WEEKDAY_NAMES = words.WEEKDAY_NAMES


@dataclass
class Answer:
    """A sentence, and the rows behind it; `understood` is False (with examples) when we could not answer."""

    understood: bool
    answer: str
    intent: str | None = None
    period: Period | None = None
    compared_with: Period | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    # The names the sentence says, each with its page: [{"text": "Creep by Radiohead", "url": …}]
    links: list[dict] = field(default_factory=list)
    row_links: list[str | None] = field(default_factory=list)  # each row's name, linked to its page


def ask(*, user: User, question: str) -> Answer:
    """Answer a question about the user's own listening, or say what kind of question we can answer."""
    today = user_today(user)
    try:
        parsed, found = _read(user, question, today)
        return _ANSWERERS[parsed.intent](user, parsed, found)
    except (NotUnderstood, NotFound) as error:
        return not_understood(error.reason)


def not_understood(reason: str | None = None) -> Answer:
    """Say first that we did not understand, then why if we know, then what we can do."""
    sentence = " ".join(part for part in ("Sorry, I didn't understand that.", reason) if part)
    return Answer(understood=False, answer=f"{sentence} I can tell you about {ABILITIES}. Try one of these:",
                  examples=list(EXAMPLES))


def _page(kind: str, item) -> str | None:
    """The item's page, as the dashboard links it; genres have none."""
    return reverse("listening:item", args=[kind, item.public_id]) if kind in ITEM_MODELS else None


def _found_page(found: Found) -> str | None:
    if found.kind not in ITEM_MODELS:
        return None
    return _page(found.kind, ITEM_MODELS[found.kind].objects.only("public_id").get(pk=found.ids[0]))


def _read(user: User, question: str, today: date) -> tuple[Question, Found | None]:
    """Parse, and find the thing it names. A time word may be part of a name ("Yesterday", "1999 by Prince"): when
    reading it as a name gives an exact match and reading it as a time does not, the name wins."""
    catalog = Catalog(user)
    text, _, matches = read_times(question, today=today)
    problems: list[str | None] = []
    plain: tuple[Question, Found | None] | None = None
    try:
        parsed = parse(question, today=today)
        found = catalog.find(parsed.entity, quoted=parsed.entity_quoted) if parsed.entity else None
        plain = (parsed, found)
        if (found is not None and found.exact) or (found is None and not matches):
            return plain
    except (NotUnderstood, NotFound) as error:
        problems.append(error.reason)
    for index, match in enumerate(matches):
        # A time is read as a name only where a name would stand: right after "play", "listen to", "hear"…
        if plain and plain[1] is None and not re.search(
                rf"\b(?:play(?:ed)?|listen(?:ed)? to|hear(?:d)?|heard|of) {re.escape(match.text)}\b", text):
            continue
        try:
            parsed = parse(question, today=today, protected=frozenset({index}))
            if not parsed.entity:
                continue
            found = catalog.find(parsed.entity, quoted=parsed.entity_quoted)
        except (NotUnderstood, NotFound) as error:
            problems.append(error.reason)
            continue
        if found.exact:
            return parsed, found
    if plain:
        return plain
    raise NotUnderstood(next((problem for problem in problems if problem), None))


def _when(question: Question, span: Span, *, all_time: str = "of all time") -> str:
    parts = [question.weekdays_label] if question.weekdays_label else []
    parts.append(all_time if span.all_time else span.phrase)
    return " ".join(part for part in parts if part)


def _period(span: Span) -> Period:
    return period_of(span.start, span.end, span.label)


def _spans(question: Question) -> list[Span]:
    return question.spans or [ALL_TIME]


def _local(moment: datetime | None, user: User) -> datetime | None:
    return moment.astimezone(zoneinfo.ZoneInfo(user.time_zone)) if moment else None


def _took(found: Found | None) -> str:
    """Say what a close spelling was taken to mean, so a wrong match is never silent."""
    if found is None or found.exact:
        return ""
    return f"I took “{found.asked_as}” to mean {found.title} ({KIND_NAMES[found.kind]}). "


# --- top lists -----------------------------------------------------------------------------------------------
def _entry_name(entry, kind: str) -> str:
    return f"{entry.item.name} by {entry.item.artist.name}" if kind in ("tracks", "albums") else entry.item.name


def _top_columns(kind: str) -> list[str]:
    artist = ["Artist"] if kind in ("tracks", "albums") else []
    return ["#", KIND_NAMES[kind].capitalize(), *artist, "Plays", "Minutes"]


def _top_row(entry, kind: str) -> list:
    artist = [entry.item.artist.name] if kind in ("tracks", "albums") else []
    return [entry.rank, entry.item.name, *artist, entry.plays, entry.minutes]


def _order(entries: list, by: str) -> list:
    """Equal counts ordered by the other measure, then by name, so the same question always lists ties the same
    way; ranks follow the order."""
    def key(entry):
        first = (-entry.minutes, -entry.plays) if by == "minutes" else (-entry.plays, -entry.minutes)
        return (*first, _folded(entry.item.name), _folded(getattr(getattr(entry.item, "artist", None), "name", "")))

    return [replace(entry, rank=rank) for rank, entry in enumerate(sorted(entries, key=key), start=1)]


def _folded(name: str) -> str:
    """How names sort: ignoring case and accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def _measure(entry, by: str) -> int:
    return entry.minutes if by == "minutes" else entry.plays


def _top_entries(user: User, span: Span, question: Question, artist_ids: list[int] | None = None) -> list:
    """The top list, ties at its cut decided by minutes and name: read past the cut until the count changes."""
    kind, by, limit = question.kind, question.by, question.limit
    if artist_ids is not None:
        return _order(selectors.top_of_artists(user=user, period=_period(span), kind=kind, artist_ids=artist_ids),
                      by)[:limit]
    wanted = limit + 10
    while True:
        entries = selectors.top(user=user, period=_period(span), kind=kind, by=by, limit=wanted,
                                weekdays=question.weekdays)
        if len(entries) < wanted or _measure(entries[-1], by) != _measure(entries[limit - 1], by):
            return _order(entries, by)[:limit]
        wanted *= 2


def _tied(entries: list, by: str) -> list:
    """The entries tied with the first on the ranking measure."""
    return [entry for entry in entries if _measure(entry, by) == _measure(entries[0], by)] if entries else []


def _answer_top(user: User, question: Question, found: Found | None) -> Answer:
    kind, by = question.kind, question.by
    spans = _spans(question)
    artist = None
    if question.artist:
        artist = Catalog(user).find(question.artist, kinds=("artists",))
    tops = [_top_entries(user, span, question, artist.ids if artist else None) for span in spans]
    ranked = "" if by == "plays" else " by minutes"
    word = KIND_NAMES[kind]
    if len(spans) == 2:
        return _answer_top_compare(question, spans, tops, word, ranked)
    entries, span = tops[0], spans[0]
    when = _when(question, span)
    of_artist = f" by {artist.name}" if artist else ""
    answer = Answer(True, "", "top", _period(span), columns=_top_columns(kind),
                    rows=[_top_row(entry, kind) for entry in entries],
                    row_links=[_page(kind, entry.item) for entry in entries],
                    links=[{"text": _entry_name(entry, kind), "url": _page(kind, entry.item)}
                           for entry in entries if kind in ITEM_MODELS])
    if not entries:
        if artist:
            answer.answer = f"You didn't play any {word}s by {artist.name} {when}."
        elif kind == "genres" and selectors.totals(user=user, period=_period(span),
                                                   weekdays=question.weekdays)["plays"]:
            answer.answer = (f"I don't know the genres of the artists you played {when} yet: Spotify tells us an "
                             f"artist's genres once your account is connected.")
        else:
            answer.answer = "You haven't played any music yet." if span.all_time and not question.weekdays else (
                f"You didn't play any music {when}.")
        return answer
    measure = (lambda e: f"{words.minutes(e.minutes)}, {words.plural(e.plays, 'play')}") if by == "minutes" else (
        lambda e: f"{words.plural(e.plays, 'play')}, {words.minutes(e.minutes)}")
    leader = entries[0]
    tied = _tied(entries, by)
    unit = "minutes" if by == "minutes" else "plays"
    other = "plays" if by == "minutes" else "minutes"
    tie = (f"{words.listing([_entry_name(entry, kind) for entry in tied])} are tied for first with "
           f"{words.n(_measure(leader, by))} {unit} each (listed by {other}, then name)") if len(tied) > 1 else ""
    if question.singular:
        if tie:
            answer.answer = (f"Your top {word}{of_artist}{ranked} {when}: {tie}; {_entry_name(leader, kind)} has "
                             f"{measure(leader)}.")
        else:
            answer.answer = (f"Your top {word}{of_artist}{ranked} {when} was {_entry_name(leader, kind)}, "
                             f"with {measure(leader)}.")
        return answer
    names = [_entry_name(entry, kind) for entry in entries]
    wanted = question.limit
    capped = f" (I show at most {wanted})" if question.limit_asked and question.limit_asked > wanted else ""
    if len(entries) < wanted and question.limit_asked:
        head = f"You played only {words.plural(len(entries), word)}{of_artist} {when}"
    else:
        head = f"Your top {len(entries)} {word}s{of_artist}{ranked} {when}{capped}"
    shown = names if len(names) <= 5 else names[:3]
    tail = "" if len(names) <= 5 else f", then {len(names) - 3} more"
    lead = f" {tie}." if tie else f" {_entry_name(leader, kind)} leads with {measure(leader)}."
    answer.answer = f"{head}: {words.listing(shown) if len(names) <= 5 else ', '.join(shown)}{tail}.{lead}"
    return answer


def _answer_top_compare(question: Question, spans: list[Span], tops, word: str, ranked: str) -> Answer:
    kind, by = question.kind, question.by
    measure_column = "Minutes" if by == "minutes" else "Plays"
    value = (lambda e: e.minutes) if by == "minutes" else (lambda e: e.plays)
    rows = []
    for rank in range(max(len(top) for top in tops) if any(tops) else 0):
        row = [rank + 1]
        for top in tops:
            row += [_entry_name(top[rank], kind), value(top[rank])] if rank < len(top) else ["", ""]
        rows.append(row)
    parts = []
    for span, top in zip(spans, tops):
        when = _when(question, span)
        parts.append(f"{when} led by {_entry_name(top[0], kind)}" if top else f"{when} empty (no plays)")
    shared = {_entry_name(e, kind) for e in tops[0]} & {_entry_name(e, kind) for e in tops[1]}
    overlap = f" {words.n(len(shared))} of them appear in both lists." if all(tops) else ""
    sentence = f"Your top {word}s{ranked}: {parts[0]}; {parts[1]}.{overlap}"
    return Answer(True, sentence, "top_compare", _period(spans[0]), _period(spans[1]),
                  columns=["#", spans[0].label, measure_column, spans[1].label, measure_column], rows=rows)


# --- amounts of one artist, track, album or genre ----------------------------------------------------------
def _item_numbers(user: User, found: Found, span: Span) -> dict:
    """Plays, minutes, first and last play of everything `found` stands for (a song can be several rows)."""
    if found.kind == "genres":
        entries = selectors.top(user=user, period=_period(span), kind="genres", limit=10_000)
        entry = next((entry for entry in entries if entry.item.pk in found.ids), None)
        return {"plays": entry.plays if entry else 0, "minutes": entry.minutes if entry else 0}
    period = None if span.all_time else _period(span)
    stats = [selectors.item_stats(user=user, item=item, period=period)
             for item in ITEM_MODELS[found.kind].objects.filter(pk__in=found.ids)]
    firsts = [s["first_played"] for s in stats if s["first_played"]]
    lasts = [s["last_played"] for s in stats if s["last_played"]]
    return {
        # Minutes of the summed time, not a sum of each version's rounded minutes.
        "plays": sum(s["plays"] for s in stats), "minutes": sum(s["ms"] for s in stats) // 60000,
        "first_played": _local(min(firsts), user) if firsts else None,
        "last_played": _local(max(lasts), user) if lasts else None,
    }


def _item_columns(found: Found) -> list[str]:
    return [KIND_NAMES[found.kind].capitalize(), *(["Artist"] if found.artist else [])]


def _item_cells(found: Found) -> list:
    return [found.name, *([found.artist] if found.artist else [])]


def _answer_amount(user: User, question: Question, found: Found) -> Answer:
    spans = _spans(question)
    numbers = [_item_numbers(user, found, span) for span in spans]
    title = found.title
    if len(spans) == 2:
        rows = [[span.label, n["plays"], n["minutes"]] for span, n in zip(spans, numbers)]
        parts = [f"{words.times(n['plays'])} ({words.minutes_plain(n['minutes'])}) {span.phrase or 'in total'}"
                 for span, n in zip(spans, numbers)]
        return Answer(True, f"{_took(found)}You played {title} {parts[0]}, and {parts[1]}.", "amount_compare",
                      _period(spans[0]), _period(spans[1]), ["Period", "Plays", "Minutes"], rows)
    span, n = spans[0], numbers[0]
    when = _when(question, span, all_time="in total")
    plays, minutes = n["plays"], n["minutes"]
    if not plays:
        sentence = f"No, you didn't play {title} {when}." if question.yes_no else f"You didn't play {title} {when}."
    elif question.measure == "minutes":
        sentence = f"You listened to {title} for {words.minutes(minutes)} {when}, across {words.plural(plays, 'play')}."
    elif question.measure == "hours":
        sentence = (f"You listened to {title} for {words.hours(minutes)} hours {when} "
                    f"({words.minutes_plain(minutes)}, {words.plural(plays, 'play')}).")
    elif question.measure == "plays":
        sentence = f"You played {title} {words.times(plays)} {when}, for {words.minutes_plain(minutes)}."
    else:
        sentence = f"You played {title} {words.times(plays)} {when}, for {words.minutes(minutes)}."
        if question.yes_no:
            sentence = "Yes: " + sentence[0].lower() + sentence[1:]
    return _linked(found, Answer(True, _took(found) + sentence, "amount", _period(span),
                                 columns=[*_item_columns(found), "Plays", "Minutes"],
                                 rows=[[*_item_cells(found), plays, minutes]]))


def _linked(found: Found, answer: Answer) -> Answer:
    """Link the name the answer is about, in the sentence and in each row of its table."""
    url = _found_page(found)
    if url:
        answer.links = [{"text": found.title, "url": url}]
        answer.row_links = [url] * len(answer.rows)
    return answer


def _answer_first_last(user: User, question: Question, found: Found) -> Answer:
    if found.kind == "genres":
        raise NotUnderstood("I can tell first and last plays of artists, tracks and albums, not of a genre.")
    span = _spans(question)[0]
    n = _item_numbers(user, found, span)
    title, which = found.title, question.which
    when = "" if span.all_time else f" {span.phrase}"
    if not n["plays"]:
        sentence = f"You didn't play {title}{when}."
    elif which == "first":
        sentence = f"You first played {title}{when} on {words.moment(n['first_played'])}."
    elif which == "last":
        sentence = f"You last played {title}{when} on {words.moment(n['last_played'])}."
    else:
        sentence = (f"You first played {title}{when} on {words.moment(n['first_played'])}, and last on "
                    f"{words.moment(n['last_played'])}.")
    return _linked(found, Answer(
        True, _took(found) + sentence, "first_last", _period(span),
        columns=[*_item_columns(found), "First played", "Last played", "Plays"],
        rows=[[*_item_cells(found), n["first_played"], n["last_played"], n["plays"]]] if n["plays"] else []))


# --- two names compared --------------------------------------------------------------------------------------
def _find_pair(user: User, question: Question) -> tuple[Found, Found]:
    """The first way of cutting the words that names two things exactly, else the first that names two at all."""
    catalog, found, problem = Catalog(user), [], None
    for first, second in question.pairs:
        try:
            pair = (catalog.find(first), catalog.find(second))
        except NotFound as error:
            problem = problem or error.reason
            continue
        if pair[0].ids == pair[1].ids:
            continue
        if pair[0].exact and pair[1].exact:
            return pair
        found.append(pair)
    if found:
        return found[0]
    raise NotFound(problem or "Name the two artists, songs or albums to compare.")


def _answer_versus(user: User, question: Question, found: Found | None) -> Answer:
    pair = _find_pair(user, question)
    span = _spans(question)[0]
    by = question.by
    counted = [(item, _item_numbers(user, item, span)) for item in pair]
    key = "minutes" if by == "minutes" else "plays"
    other = "plays" if by == "minutes" else "minutes"
    counted.sort(key=lambda c: (-c[1][key], -c[1][other], _folded(c[0].title)))
    (a, na), (b, nb) = counted
    when = _when(question, span, all_time="in all your history")

    def said(n):
        return (f"{words.minutes_plain(n['minutes'])} ({words.plural(n['plays'], 'play')})" if by == "minutes" else
                f"{words.plural(n['plays'], 'play')} ({words.minutes_plain(n['minutes'])})")

    if na[key] == nb[key]:
        amount = words.minutes_plain(na["minutes"]) if by == "minutes" else words.plural(na["plays"], "play")
        sentence = (f"{a.title} and {b.title} are tied {when} at {amount} each ({a.title}: {said(na)}; "
                    f"{b.title}: {said(nb)}).")
    elif by == "minutes":
        sentence = f"You spent more time on {a.title} than on {b.title} {when}: {said(na)} against {said(nb)}."
    else:
        sentence = f"You listened to {a.title} more than to {b.title} {when}: {said(na)} against {said(nb)}."
    urls = [_found_page(item) for item, _ in counted]
    return Answer(True, "".join(_took(item) for item in pair) + sentence, "versus", _period(span),
                  columns=["Name", "Plays", "Minutes"],
                  rows=[[item.title, n["plays"], n["minutes"]] for item, n in counted], row_links=urls,
                  links=[{"text": item.title, "url": url} for (item, _), url in zip(counted, urls) if url])


# --- skips ----------------------------------------------------------------------------------------------------
NO_SKIPS = ("Your history doesn't say which plays were skipped {when}: only Spotify's extended streaming history "
            "and a connected account record skips.")


def _answer_skips(user: User, question: Question, found: Found | None) -> Answer:
    span = _spans(question)[0]
    when = _when(question, span)
    counts = selectors.skip_counts(user=user, period=_period(span))
    if not counts["plays"]:
        return Answer(True, f"You didn't play any music {when}.", "skips", _period(span))
    if not counts["known"]:
        return Answer(True, NO_SKIPS.format(when=when), "skips", _period(span))
    if question.which == "count":
        share = round(counts["skips"] * 100 / counts["plays"])
        sentence = (f"You skipped {words.plural(counts['skips'], 'song')} {when}, out of "
                    f"{words.plural(counts['plays'], 'play')} ({share}%).")
        return Answer(True, sentence, "skips", _period(span), columns=["Period", "Skipped", "Plays"],
                      rows=[[span.label, counts["skips"], counts["plays"]]])
    ranked = sorted(selectors.top_skipped(user=user, period=_period(span)),
                    key=lambda row: (-row["skips"], _folded(row["track"].name), _folded(row["track"].artist.name)))
    ranked = ranked[:question.limit]
    if not ranked:
        return Answer(True, f"You didn't skip any songs {when}.", "skips", _period(span))
    names = [f"{row['track'].name} by {row['track'].artist.name}" for row in ranked]
    tied = [name for name, row in zip(names, ranked) if row["skips"] == ranked[0]["skips"]]
    if len(tied) > 1:
        shown = tied[:5] + ([f"{len(tied) - 5} more"] if len(tied) > 5 else [])
        sentence = (f"Your most skipped songs {when}: {words.listing(shown)} are tied, skipped "
                    f"{words.times(ranked[0]['skips'])} each.")
    else:
        sentence = f"Your most skipped song {when} was {names[0]}, skipped {words.times(ranked[0]['skips'])}."
    urls = [_page("tracks", row["track"]) for row in ranked]
    return Answer(True, sentence, "skips", _period(span), columns=["#", "Track", "Artist", "Skips"],
                  rows=[[rank, row["track"].name, row["track"].artist.name, row["skips"]]
                        for rank, row in enumerate(ranked, start=1)],
                  row_links=urls, links=[{"text": name, "url": url} for name, url in zip(names, urls)])


# --- totals --------------------------------------------------------------------------------------------------
TOTAL_COLUMNS = ["Plays", "Minutes", "Artists", "Tracks", "Days"]


def _answer_totals(user: User, question: Question, found: Found | None) -> Answer:
    spans = _spans(question)
    totals = [selectors.totals(user=user, period=_period(span), weekdays=question.weekdays) for span in spans]
    if question.kind in ("podcasts", "audiobooks"):
        return _answer_spoken(question, spans, totals)
    measure = question.measure
    rows = [[t["plays"], t["minutes"], t["artists"], t["tracks"], t["days"]] for t in totals]
    if len(spans) == 2:
        key = "minutes" if measure in (None, "hours") else measure
        first, second = (t[key] for t in totals)
        change, other = "", spans[1].label if spans[1].label[:1].isdigit() else spans[1].label.lower()
        if second:
            percent = round(abs(first - second) * 100 / second)
            fewer = "less" if key == "minutes" else "fewer"
            change = (f", about the same as {other}" if percent == 0 else
                      f", {percent}% {'more' if first > second else fewer} than {other}")
        sentence = (f"{words.cap(_when(question, spans[0]))}: {_total_value(measure, totals[0])}{change}; "
                    f"{_when(question, spans[1])}: {_total_value(measure, totals[1])}.")
        return Answer(True, sentence, "totals_compare", _period(spans[0]), _period(spans[1]),
                      ["Period", *TOTAL_COLUMNS], [[span.label, *row] for span, row in zip(spans, rows)])
    span, t = spans[0], totals[0]
    when = _when(question, span, all_time="in all your history")
    sentence = f"{_total_phrase(measure, t)} {when}"
    if measure == "plays":
        sentence += f" ({words.plural(t['tracks'], 'different track')})"
    elif measure is None:
        sentence += f", {words.plural(t['plays'], 'play')} in all"
    return Answer(True, sentence + ".", "totals", _period(span), columns=TOTAL_COLUMNS, rows=rows)


def _total_value(measure: str | None, t: dict) -> str:
    return {
        "plays": lambda: words.plural(t["plays"], "play"),
        "hours": lambda: f"{words.hours(t['minutes'])} hours of music",
        "artists": lambda: words.plural(t["artists"], "different artist"),
        "tracks": lambda: words.plural(t["tracks"], "different track"),
        "days": lambda: f"music on {words.plural(t['days'], 'day')}",
    }.get(measure, lambda: f"{words.minutes(t['minutes'])} of music")()


def _total_phrase(measure: str | None, t: dict) -> str:
    if measure == "plays":
        return f"You played {words.plural(t['plays'], 'track')}"
    if measure == "hours":
        return f"You listened to {words.hours(t['minutes'])} hours of music"
    if measure == "artists":
        return f"You listened to {words.plural(t['artists'], 'different artist')}"
    if measure == "tracks":
        return f"You played {words.plural(t['tracks'], 'different track')}"
    if measure == "days":
        return f"You listened to music on {words.plural(t['days'], 'day')}"
    return f"You listened to {words.minutes(t['minutes'])} of music"


def _answer_spoken(question: Question, spans: list[Span], totals: list[dict]) -> Answer:
    kind = question.kind[:-1]  # podcast / audiobook
    unit = "podcast episode" if kind == "podcast" else "audiobook chapter"
    rows = [[span.label, t[f"{kind}_plays"], t[f"{kind}_minutes"]] for span, t in zip(spans, totals)]
    parts = []
    for span, t in zip(spans, totals):
        plays, minutes = t[f"{kind}_plays"], t[f"{kind}_minutes"]
        when = _when(question, span, all_time="in all your history")
        if not plays:
            parts.append(f"no {unit}s {when}")
        elif question.measure == "hours":
            parts.append(f"{words.hours(minutes)} hours of {kind}s ({words.plural(plays, unit)}) {when}")
        elif question.measure == "minutes":
            parts.append(f"{words.minutes(minutes)} of {kind}s ({words.plural(plays, unit)}) {when}")
        else:
            parts.append(f"{words.plural(plays, unit)} ({words.minutes_plain(minutes)}) {when}")
    verb = "listened to" if question.measure in ("minutes", "hours") else "played"
    if len(parts) == 1 and parts[0].startswith("no "):
        verb, parts[0] = "didn't play any", parts[0].removeprefix("no ")
    sentence = f"You {verb} {parts[0]}" + (f", and {parts[1]}" if len(parts) == 2 else "") + "."
    return Answer(True, sentence, f"{question.kind}", _period(spans[0]), _period(spans[1]) if len(spans) == 2 else None,
                  ["Period", f"{unit.capitalize()}s", "Minutes"], rows)


# --- streaks and the clock -------------------------------------------------------------------------------------
def _run_text(run: dict) -> str:
    return range_text(run["start"], run["end"])


def _answer_streak(user: User, question: Question, found: Found | None) -> Answer:
    streaks = selectors.streaks(user=user)
    current, longest = streaks["current"], streaks["longest"]
    current_text = (f"your current streak is {words.plural(current['days'], 'day')} in a row ({_run_text(current)})"
                    if current["days"] else "you have no streak going (nothing played today or yesterday)")
    longest_text = (f"your longest was {words.plural(longest['days'], 'day')} ({_run_text(longest)})"
                    if longest["days"] else "you have not listened on any day yet")
    if question.which == "current":
        sentence = current_text[0].upper() + current_text[1:] + "."
    elif question.which == "longest":
        sentence = longest_text.replace("your longest was", "Your longest streak was", 1) + "."
        sentence = sentence[0].upper() + sentence[1:]
    else:
        sentence = current_text[0].upper() + current_text[1:] + f"; {longest_text}."
    rows = [[label, run["days"], run["start"], run["end"]]
            for label, run in (("Current", current), ("Longest", longest))]
    return Answer(True, sentence + " A streak counts days in a row with any listening.", "streak",
                  columns=["Streak", "Days", "From", "To"], rows=rows)


def _answer_clock(user: User, question: Question, found: Found | None) -> Answer:
    span = _spans(question)[0]
    clock = selectors.listening_clock(user=user, period=_period(span))["minutes"]
    by_hour = [sum(day[hour] for day in clock) for hour in range(24)]
    by_day = [sum(day) for day in clock]
    when = _when(question, span, all_time="across all your history")
    zone = f"{user.time_zone} time"
    if not any(by_day):
        return Answer(True, f"You didn't play any music {when}.", "clock", _period(span))
    hours = sorted(range(24), key=lambda hour: (-by_hour[hour], hour))
    days = sorted(range(7), key=lambda day: (-by_day[day], day))
    hour_text = f"{hours[0]:02d}:00–{(hours[0] + 1) % 24:02d}:00"
    busiest_day = WEEKDAY_NAMES[days[0]]
    if question.which == "hour":
        sentence = f"You listen most between {hour_text} ({zone}): {words.minutes(by_hour[hours[0]])} {when}."
        columns, rows = ["#", "Hour", "Minutes"], [[i + 1, f"{h:02d}:00", by_hour[h]] for i, h in enumerate(hours[:5])]
    elif question.which == "day":
        sentence = f"Your busiest listening day is {busiest_day}: {words.minutes(by_day[days[0]])} {when}."
        columns, rows = ["#", "Day", "Minutes"], [[i + 1, WEEKDAY_NAMES[d], by_day[d]] for i, d in enumerate(days)]
    else:
        sentence = f"You listen most on {busiest_day}s and between {hour_text} ({zone}), {when}."
        columns = ["#", "Hour", "Minutes", "Day", "Minutes"]
        rows = [[i + 1, f"{hours[i]:02d}:00", by_hour[hours[i]], WEEKDAY_NAMES[days[i]], by_day[days[i]]]
                for i in range(7)]
    return Answer(True, sentence, "clock", _period(span), columns=columns, rows=rows)


_ANSWERERS = {
    "top": _answer_top,
    "amount": _answer_amount,
    "first_last": _answer_first_last,
    "totals": _answer_totals,
    "streak": _answer_streak,
    "clock": _answer_clock,
    "versus": _answer_versus,
    "skips": _answer_skips,
}
