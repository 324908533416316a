"""The time zones a listener chooses from: IANA's canonical names, none of the deprecated aliases.

IANA's zone.tab lists, country by country, the zones people choose from, each under its canonical name (so
Europe/Amsterdam and Asia/Kolkata, never US/Eastern or Asia/Calcutta); zone1970.tab would be shorter but drops
zones merged since 1970 under another country's city, which a listener would not recognise as theirs. Aliases
(tzdata's links) are still understood, as what a browser may report, and read as the canonical zone they name.
"""

from functools import cache
from importlib import resources

from django import forms


def _tzdata(name: str) -> list[str]:
    return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8").splitlines()


@cache
def time_zone_names() -> list[str]:
    """Every canonical zone a listener can pick, UTC first, then by name."""
    zones = {line.split("\t")[2] for line in _tzdata("zone.tab") if line and not line.startswith("#")}
    return ["UTC", *sorted(zones)]


@cache
def time_zone_aliases() -> dict[str, str]:
    """Each deprecated or linked name that leads to a zone of time_zone_names, and that zone."""
    canonical = set(time_zone_names())
    links = dict(reversed(line.split()[1:3]) for line in _tzdata("tzdata.zi") if line.startswith("L "))
    aliases = {}
    for alias in links:
        target, seen = alias, set()
        while target not in canonical and target in links and target not in seen:
            seen.add(target)
            target = links[target]
        if target in canonical and alias not in canonical:
            aliases[alias] = target
    return aliases


def time_zone_canonical(name: str) -> str | None:
    """The zone of time_zone_names that `name` is or stands for; None when it is neither."""
    if name in set(time_zone_names()):
        return name
    return time_zone_aliases().get(name)


class TimeZoneField(forms.ChoiceField):
    """A zone from time_zone_names, after `blank` for none chosen when given; an alias (what some browsers and
    providers send) is read as the zone it names."""

    def __init__(self, *, blank: str | None = None, **kwargs):
        kwargs.setdefault("error_messages", {
            "invalid_choice": "Choose a time zone from the list, such as Europe/Amsterdam.",
        })
        zones = [(zone, zone.replace("_", " ")) for zone in time_zone_names()]
        super().__init__(choices=[("", blank), *zones] if blank is not None else zones, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return time_zone_canonical(value) or value
