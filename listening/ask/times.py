"""Time expressions in questions ("last March", "this summer", "the last 7 days", "since 2022") as local-day spans.

Everything is worked out from `today` in the listener's own time zone. Seasons are the meteorological ones of
the northern hemisphere (spring is March–May, summer June–August, autumn September–November, winter
December–February), and answers say so.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTHS = {
    name: number for number, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
        ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
        ("december", "dec"),
    ], start=1) for name in names
}
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "a couple of": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "a hundred": 100,
}
# Start month of each season; winter starts in December and runs into the next year.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
SEASON_NOTE = "northern-hemisphere seasons"
RECENT_DAYS = 28

_FULL_MONTH = "(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_ANY_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_NUMBER = "(?:" + "|".join([r"\d{1,3}"] + sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + ")"
_WEEKDAY = "(?:" + "|".join(WEEKDAYS) + ")"
_YEAR = r"(?:19\d\d|20\d\d)"
_ORDINAL = r"(?:st|nd|rd|th)?"
_IN = r"(?:(?:in|during|over|for|of|throughout|across) )?"


@dataclass(frozen=True)
class Span:
    """Local days from start to end (both included; None is unbounded). `phrase` is how a sentence says it
    ("in March 2026", "last week (9–15 November 2026)"), `label` the short name a table header uses."""

    start: date | None
    end: date | None
    phrase: str
    label: str
    problem: str | None = None  # why no answer can come from it (in the future, not a real date)

    @property
    def all_time(self) -> bool:
        return self.start is None and self.end is None


ALL_TIME = Span(None, None, "", "All time")


@dataclass(frozen=True)
class TimeMatch:
    start: int
    end: int
    text: str
    span: Span


# --- formatting -------------------------------------------------------------------------------------------
def day_text(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def range_text(start: date, end: date) -> str:
    if start == end:
        return day_text(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTH_NAMES[end.month]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTH_NAMES[start.month]} – {day_text(end)}"
    return f"{day_text(start)} – {day_text(end)}"


# --- calendar arithmetic ----------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def season_span(season: str, year: int) -> tuple[date, date]:
    """The season starting in `year` (winter 2025 is December 2025 – February 2026)."""
    first = date(year, SEASONS[season], 1)
    return first, add_months(first, 3) - timedelta(days=1)


def _number(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def clipped(span: Span, today: date) -> Span:
    """A span that runs past today ends today; one that starts after today cannot be answered."""
    if span.problem:
        return span
    if span.start and span.start > today:
        return replace(span, problem=f"{span.label} is still to come, so there is no listening to look at yet.")
    if span.end and span.end > today:
        phrase = span.phrase if span.phrase.startswith("this ") else f"{span.phrase} so far"
        return replace(span, end=today, phrase=phrase)
    return span


def _problem(label: str, problem: str) -> Span:
    return Span(None, None, label, label, problem)


# --- one rule per kind of expression ---------------------------------------------------------------------
def _all_time(match, today):
    return ALL_TIME


def _today(match, today):
    return Span(today, today, f"today ({day_text(today)})", "Today")


def _yesterday(match, today):
    day = today - timedelta(days=1)
    return Span(day, day, f"yesterday ({day_text(day)})", "Yesterday")


def _day_before_yesterday(match, today):
    day = today - timedelta(days=2)
    return Span(day, day, f"the day before yesterday ({day_text(day)})", day_text(day))


def _future(match, today):
    text = match.group(0)
    return _problem(text, f"“{text}” is still to come, so there is no listening to look at yet.")


def _rolling(match, today):
    count = _number(match.group("n")) if match.group("n") else 1
    unit = match.group("unit").rstrip("s")
    if count < 1 or count > 100 * (365 if unit == "day" else 1):
        return _problem(match.group(0), f"I can't look back over “{match.group(0)}”.")
    if unit == "day":
        start = today - timedelta(days=count - 1)
    elif unit == "week":
        start = today - timedelta(days=7 * count - 1)
    else:
        start = add_months(today, -count * (12 if unit == "year" else 1)) + timedelta(days=1)
    words = f"{count} {unit}s" if count > 1 else unit
    return Span(start, today, f"in the last {words} ({range_text(start, today)})", f"Last {words}")


def _calendar(match, today):
    which, unit = match.group("rel"), match.group("unit")
    this = which in ("this", "current")
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        if this:
            return Span(monday, today, f"this week (since Monday {day_text(monday)})", "This week")
        start, end = monday - timedelta(days=7), monday - timedelta(days=1)
        return Span(start, end, f"last week ({range_text(start, end)})", "Last week")
    if unit == "month":
        if this:
            start = today.replace(day=1)
            return Span(start, today, f"this month (since {day_text(start)})", "This month")
        previous = add_months(today.replace(day=1), -1)
        start, end = month_span(previous.year, previous.month)
        return Span(start, end, f"last month ({MONTH_NAMES[start.month]} {start.year})", "Last month")
    if this:
        start = date(today.year, 1, 1)
        return Span(start, today, f"this year (since {day_text(start)})", "This year")
    year = today.year - 1
    return Span(date(year, 1, 1), date(year, 12, 31), f"last year ({year})", "Last year")


def _ago(match, today):
    count = _number(match.group("n"))
    unit = match.group("unit").rstrip("s")
    if unit == "day":
        day = today - timedelta(days=count)
        return Span(day, day, f"on {day_text(day)}", day_text(day))
    if unit == "week":
        start = today - timedelta(days=today.weekday() + 7 * count)
        end = start + timedelta(days=6)
        return Span(start, end, f"in the week of {range_text(start, end)}", f"Week of {day_text(start)}")
    if unit == "month":
        first = add_months(today.replace(day=1), -count)
        start, end = month_span(first.year, first.month)
        name = f"{MONTH_NAMES[start.month]} {start.year}"
        return Span(start, end, f"in {name}", name)
    return _year_span(today.year - count)


def _year_span(year: int) -> Span:
    return Span(date(year, 1, 1), date(year, 12, 31), f"in {year}", str(year))


def _year(match, today):
    return _year_span(int(match.group("year")))


def _decade(match, today):
    digits = match.group("decade")
    decade = int(digits) if len(digits) == 4 else (1900 if int(digits) >= 30 else 2000) + int(digits)
    return Span(date(decade, 1, 1), date(decade + 9, 12, 31), f"in the {decade}s", f"{decade}s")


def _month_of_year(match, today):
    """"March 2024", and the short forms people type: "3/2024", "2024-03", "Mar '24"."""
    groups = match.groupdict()
    month = MONTHS[groups["month"]] if groups.get("month") else int(groups["number"])
    year = int(groups["year"]) if groups.get("year") else 2000 + int(groups["short_year"])
    if not 1 <= month <= 12:
        return _problem(match.group(0), f"“{match.group(0)}” is not a month I know.")
    start, end = month_span(year, month)
    return Span(start, end, f"in {MONTH_NAMES[month]} {year}", f"{MONTH_NAMES[month]} {year}")


def _months_of_year(match, today):
    """"from January to March 2024": both months in the year named (December to February crosses into it)."""
    first, last, year = MONTHS[match.group("first")], MONTHS[match.group("month")], int(match.group("year"))
    start = month_span(year if first <= last else year - 1, first)[0]
    end = month_span(year, last)[1]
    if start.year == year:
        label = f"{MONTH_NAMES[first]} – {MONTH_NAMES[last]} {year}"
    else:
        label = f"{MONTH_NAMES[first]} {start.year} – {MONTH_NAMES[last]} {year}"
    return Span(start, end, f"from {label.replace(' – ', ' to ', 1)}", label)


def _month(match, today):
    """"this March" is this year's; "last March" the latest March before this month; "in March" the latest March
    that has begun."""
    month, which = MONTHS[match.group("month")], match.group("rel")
    if which == "this":
        year = today.year
    elif which in ("last", "past", "previous"):
        year = today.year if month < today.month else today.year - 1
    else:
        year = today.year if month <= today.month else today.year - 1
    start, end = month_span(year, month)
    return Span(start, end, f"in {MONTH_NAMES[month]} {year}", f"{MONTH_NAMES[month]} {year}")


def _season_year_containing(season: str, day: date) -> int | None:
    for year in (day.year, day.year - 1):
        start, end = season_span(season, year)
        if start <= day <= end:
            return year
    return None


def _season(match, today):
    season, which, year = match.group("season"), match.group("rel"), match.group("year")
    if year:
        year = int(year)
    else:
        ongoing = _season_year_containing(season, today)
        # The latest one to have finished: step back from this year's until it ends before today.
        finished = today.year
        while season_span(season, finished)[1] >= today:
            finished -= 1
        if which in ("last", "past", "previous"):
            year = finished
        elif ongoing is not None:
            year = ongoing
        elif which == "this":
            # Not under way: this calendar year's one if it has been (for winter: the one that ended this year).
            year = finished if season_span(season, finished)[1].year == today.year else today.year
        else:
            year = finished
    start, end = season_span(season, year)
    name = "autumn" if season == "fall" else season
    label = f"{name.capitalize()} {year}" if season != "winter" else f"Winter {year}–{str(year + 1)[2:]}"
    months = (f"{MONTH_NAMES[start.month]}–{MONTH_NAMES[end.month]} {end.year}" if start.year == end.year
              else f"{MONTH_NAMES[start.month]} {start.year} – {MONTH_NAMES[end.month]} {end.year}")
    return Span(start, end, f"in {label.lower()} ({months}, {SEASON_NOTE})", label)


def _weekend(match, today):
    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    if match.group("rel") in ("last", "past", "previous") and saturday + timedelta(days=1) >= today:
        saturday -= timedelta(days=7)
    sunday = saturday + timedelta(days=1)
    return Span(saturday, sunday, f"{match.group('rel')} weekend ({range_text(saturday, sunday)})",
                f"Weekend of {day_text(saturday)}")


def _weekday(match, today):
    weekday = WEEKDAYS.index(match.group("day"))
    back = (today.weekday() - weekday) % 7
    if match.group("rel") and back == 0:
        back = 7
    day = today - timedelta(days=back)
    return Span(day, day, f"on {match.group('day').capitalize()} {day_text(day)}", day_text(day))


def _date(match, today):
    groups = match.groupdict()
    if groups.get("iso"):
        year, month, day = (int(part) for part in groups["iso"].split("-"))
    else:
        month, day = MONTHS[groups["month"]], int(groups["day"])
        year = int(groups["year"]) if groups.get("year") else None
    try:
        if year is None:
            year = today.year if date(today.year, month, day) <= today else today.year - 1
        value = date(year, month, day)
    except ValueError:
        return _problem(match.group(0), f"“{match.group(0)}” is not a date I know.")
    return Span(value, value, f"on {day_text(value)}", day_text(value))


def _recently(match, today):
    start = today - timedelta(days=RECENT_DAYS - 1)
    return Span(start, today, f"recently (the last 4 weeks, {range_text(start, today)})", "Last 4 weeks")


_SEASON = "(?P<season>summer|winter|spring|autumn|fall)"
_OF_YEAR = r"(?:,? (?:of )?(?P<year>" + _YEAR + "))"
# A bare "may" is a month only right after a word that introduces a time.
_AFTER_TIME_WORD = "(?:" + "|".join(f"(?<={word} )" for word in (
    "since", "from", "until", "till", "before", "after", "between", "and", "to", "vs", "versus", "with")) + ")"

RULES: list[tuple[str, Callable]] = [
    ((r"(?:(?:of|in|for|over) )?(?:all[ -]?time|ever|my (?:whole |entire )?(?:life|history)|"
      r"since (?:forever|i started|the (?:very )?(?:start|beginning)))"), _all_time),
    (r"(?:so far )?(?:today|tonight|this (?:morning|afternoon|evening))(?: so far)?", _today),
    (r"(?:yesterday|last night)", _yesterday),
    (r"the day before yesterday", _day_before_yesterday),
    (r"(?:tomorrow|next (?:week|month|year|weekend|summer|winter|spring|autumn|fall|" + _WEEKDAY + "|" + _FULL_MONTH
     + r")|in the future)", _future),
    (_IN + r"(?:the )?(?:past|last|previous) (?P<n>" + _NUMBER + r") (?P<unit>days?|weeks?|months?|years?)", _rolling),
    (_IN + r"the (?:past|last) (?P<n>)(?P<unit>day|week|month|year)", _rolling),
    (_IN + r"past (?P<n>)(?P<unit>week|month|year)", _rolling),
    (r"(?:so far )?" + _IN + r"(?P<rel>this|current|last|previous) (?P<unit>week|month|year)(?: so far)?", _calendar),
    (r"(?P<n>" + _NUMBER + r") (?P<unit>days?|weeks?|months?|years?) ago", _ago),
    (_IN + r"the (?P<decade>(?:19|20)?\d0)'?s", _decade),
    (r"(?:on )?(?:the )?(?P<day>\d{1,2})" + _ORDINAL + r" (?:of )?(?P<month>" + _ANY_MONTH + ")" + _OF_YEAR + "?",
     _date),
    (r"(?:on )?(?P<month>" + _ANY_MONTH + r") (?:the )?(?P<day>\d{1,2})" + _ORDINAL + _OF_YEAR + "?", _date),
    (r"(?:on )?(?P<iso>" + _YEAR + r"-\d\d-\d\d)", _date),
    (r"(?:(?:from|between) )?(?P<first>" + _FULL_MONTH + r") (?:to|and|until|till|through|-) (?P<month>" + _ANY_MONTH
     + ")" + _OF_YEAR, _months_of_year),
    (_IN + r"(?P<month>" + _ANY_MONTH + ")" + _OF_YEAR, _month_of_year),
    (_IN + r"(?P<month>" + _ANY_MONTH + r") '(?P<short_year>\d\d)", _month_of_year),
    (_IN + r"(?P<number>\d{1,2})/(?P<year>" + _YEAR + ")", _month_of_year),
    (_IN + r"(?P<year>" + _YEAR + r")-(?P<number>\d\d)(?!-\d)", _month_of_year),
    (_IN + r"(?P<rel>this|last|past|previous) (?P<month>" + _FULL_MONTH + ")", _month),
    (r"(?:in|during) (?P<rel>)(?P<month>" + _FULL_MONTH + ")", _month),
    (_AFTER_TIME_WORD + r"(?P<rel>)(?P<month>may)", _month),
    (r"(?P<rel>)(?P<month>(?!may)" + _FULL_MONTH + ")", _month),
    (_IN + r"(?:the )?(?P<rel>this|last|past|previous) " + _SEASON + _OF_YEAR + "?", _season),
    (_IN + r"(?:the )?(?P<rel>)" + _SEASON + _OF_YEAR, _season),
    (r"(?:in|during|over) (?:the )?(?P<rel>)" + _SEASON + "(?P<year>)", _season),
    (r"(?P<rel>this|last|past|previous) weekend", _weekend),
    (r"(?:on )?(?P<rel>last |this past )?(?P<day>" + _WEEKDAY + ")", _weekday),
    (_IN + r"(?:the year )?(?P<year>" + _YEAR + ")", _year),
    (r"(?:recently|lately|these days|of late)", _recently),
]
_COMPILED = [(re.compile(rf"(?<![\w']){pattern}(?![\w'])"), build) for pattern, build in RULES]


def find_times(text: str, today: date) -> list[TimeMatch]:
    """Every time expression in a normalized question, longest first where they overlap, left to right."""
    found = []
    for pattern, build in _COMPILED:
        for match in pattern.finditer(text):
            found.append((match.start(), -(match.end() - match.start()), match, build))
    found.sort(key=lambda item: (item[0], item[1]))
    chosen, reached = [], -1
    for start, _, match, build in found:
        if start >= reached:
            chosen.append(TimeMatch(match.start(), match.end(), match.group(0), clipped(build(match, today), today)))
            reached = match.end()
    return chosen


# --- expressions built from two ("between March and May", "since 2022", "this year vs last year") ----------
def span_between(first: Span, second: Span, today: date) -> Span:
    start, end = first.start, second.end if second.end else today
    if first.problem or second.problem:
        return first if first.problem else second
    if start and end and start > end:
        return _problem("", "The first date comes after the second one.")
    label = f"{day_text(start)} – {day_text(end)}" if start else f"Until {day_text(end)}"
    phrase = f"between {day_text(start)} and {day_text(end)}" if start else f"until {day_text(end)}"
    return Span(start, end, phrase, label)


def span_since(span: Span, today: date) -> Span:
    if span.problem or span.start is None:
        return span
    return Span(span.start, today, f"since {day_text(span.start)}", f"Since {day_text(span.start)}")


def span_until(span: Span, *, before: bool) -> Span:
    if span.problem or span.start is None:
        return span
    end = span.start - timedelta(days=1) if before else span.end
    return Span(None, end, f"up to {day_text(end)}", f"Until {day_text(end)}")


def span_after(span: Span, today: date) -> Span:
    if span.problem or span.end is None:
        return span
    start = span.end + timedelta(days=1)
    if start > today:
        return _problem("", f"After {day_text(span.end)} is still to come.")
    return Span(start, today, f"since {day_text(start)}", f"Since {day_text(start)}")
