"""A show's start as its venue keeps it.

An Event stores the instant (UTC in the database) and the venue's IANA zone. Whoever types a start types the
venue's wall clock, which `venue_instant` turns into the instant; wherever a start is shown (pages, consoles,
emails, the API, CSV) it is the venue's wall clock with its zone, so a listener in Auckland, a promoter in
Amsterdam and staff in New York all read "Fri 6 Nov 2026, 20:00 EST" for a show in New York.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import cache
from importlib import resources

from django.utils import dateformat

from accounts.models import TIME_ZONES


class NonexistentTime(ValueError):
    """A wall-clock time the venue's clocks skip (the spring-forward gap)."""


def zone_choices() -> list[tuple[str, str]]:
    """The zones a venue may be in: every zone Python knows, aliases included (a provider may send
    "US/Eastern"). A callable, so a new tzdata release needs no migration."""
    return [(zone, zone.replace("_", " ")) for zone in TIME_ZONES]


@cache
def country_zones() -> dict[str, tuple[str, ...]]:
    """Each ISO 3166 country's zones, from the IANA zone table that ships with tzdata."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _, zone, *_ = line.split("\t")
            zones.setdefault(country, []).append(zone)
    return {country: tuple(names) for country, names in zones.items()}


def zone_for_country(country: str) -> str | None:
    """The venue's zone when its country has only one (the Netherlands, India); None for the United States,
    New Zealand and the other countries with several."""
    zones = country_zones().get(str(country or "").upper(), ())
    return zones[0] if len(zones) == 1 else None


def venue_instant(wall_clock: datetime, zone: str) -> datetime:
    """The instant (UTC) at which the venue's clocks show `wall_clock` (naive).

    A time the clocks skip raises NonexistentTime. A time they show twice (the autumn fold) is its first
    occurrence, still on summer time: a promoter cannot say which one they mean with a wall clock alone, and
    the earlier one never lists a show as starting after its doors opened."""
    tz = zoneinfo.ZoneInfo(zone)
    aware = wall_clock.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall_clock.replace(tzinfo=None):
        raise NonexistentTime(f"{wall_clock:%H:%M} does not exist on {wall_clock:%-d %B %Y} in {zone}: the clocks "
                              "go forward then. Give another time.")
    return aware.astimezone(UTC)


def venue_local(starts_at: datetime, zone: str) -> datetime:
    """The instant as the venue's clocks show it (aware, in the venue's zone)."""
    return starts_at.astimezone(zoneinfo.ZoneInfo(zone))


def venue_time_label(event, *, long: bool = False) -> str:
    """"Fri 6 Nov 2026, 20:00 EST" (long: "Friday 6 November 2026, 20:00 EST"): the start on the venue's
    clock with its zone's abbreviation, or only the day while the time is to be announced."""
    local = venue_local(event.starts_at, event.venue_time_zone)
    day = dateformat.format(local, "l j F Y" if long else "D j M Y")
    if not event.time_announced:
        return f"{day}, time to be announced"
    # tzname() rather than the date format's "T", which is blank for a time the autumn fold shows twice.
    return f"{day}, {local:%H:%M} {local.tzname()}"


def venue_time_iso(starts_at: datetime, zone: str) -> str:
    """ISO 8601 with the venue's UTC offset at that instant: "2026-11-06T20:00:00-05:00"."""
    return venue_local(starts_at, zone).isoformat()
