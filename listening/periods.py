"""The stretch of time a stats page or question is about, in the user's own days."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from rewrapped.api import ApplicationError

PRESETS = {
    "4w": ("Last 4 weeks", 28), "6m": ("Last 6 months", 182), "1y": ("Last 12 months", 365), "all": ("All time", None),
}


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included; None means unbounded on that side."""

    key: str
    label: str
    start: date | None
    end: date | None

    def day_filter(self, field: str = "day") -> dict:
        bounds = {}
        if self.start:
            bounds[f"{field}__gte"] = self.start
        if self.end:
            bounds[f"{field}__lte"] = self.end
        return bounds

    def utc_bounds(self, time_zone: str) -> tuple[datetime | None, datetime | None]:
        """[from, until) as aware datetimes, for queries on the raw plays."""
        zone = zoneinfo.ZoneInfo(time_zone)
        start = datetime.combine(self.start, time.min, zone) if self.start else None
        until = datetime.combine(self.end + timedelta(days=1), time.min, zone) if self.end else None
        return start, until


def user_today(user: User) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(user.time_zone)).date()


def period_parse(
    *, user: User, key: str | None, start: str | date | None = None, end: str | date | None = None
) -> Period:
    """A preset ("4w", "6m", "1y", "all") or "custom" with from/to dates; a clear error otherwise."""
    key = key or "4w"
    today = user_today(user)
    if key in PRESETS:
        label, days = PRESETS[key]
        return Period(key, label, today - timedelta(days=days - 1) if days else None, None if days is None else today)
    if key != "custom":
        raise ApplicationError(
            f"Unknown period {key!r}: use 4w, 6m, 1y, all or custom.", code="bad_period",
            fields={"period": ["Unknown period."]},
        )
    start_day, end_day = _date(start, "start"), _date(end, "end")
    if start_day > end_day:
        raise ApplicationError(
            "The start date is after the end date.", code="bad_period", fields={"start": ["After the end date."]}
        )
    return Period("custom", f"{start_day:%-d %b %Y} – {end_day:%-d %b %Y}", start_day, end_day)


def period_of(start: date | None, end: date | None, label: str) -> Period:
    """A period for dates already known (the questions box makes its own)."""
    return Period("custom", label, start, end)


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ApplicationError(
            f"Give the custom period's {field!r} date as YYYY-MM-DD.", code="bad_period",
            fields={field: ["Use YYYY-MM-DD."]},
        ) from None
