"""How answers say numbers, durations and moments."""

from datetime import datetime

from listening.ask.times import day_text

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def n(value: int) -> str:
    return f"{value:,}"


def minutes_plain(value: int) -> str:
    return f"{n(value)} minute{'s' if value != 1 else ''}"


def minutes(value: int) -> str:
    """"95 minutes", or "610 minutes (about 10.2 hours)" once hours say more."""
    text = minutes_plain(value)
    return f"{text} (about {hours(value)} hours)" if value >= 120 else text


def hours(minutes: int) -> str:
    return f"{minutes / 60:,.1f}"


def times(value: int) -> str:
    return "once" if value == 1 else "twice" if value == 2 else f"{n(value)} times"


def plural(value: int, word: str) -> str:
    return f"{n(value)} {word}{'' if value == 1 else 's'}"


def listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def moment(value: datetime) -> str:
    return f"{WEEKDAY_NAMES[value.weekday()]} {day_text(value.date())} at {value:%H:%M}"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
