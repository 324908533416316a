"""Countries as people pick them: one list (django-countries' ISO 3166 names) for every form that asks."""

from django import forms
from django_countries import countries


def country_choices(blank: str) -> list[tuple[str, str]]:
    """Every country by name, sorted, after `blank` for none chosen."""
    return [("", blank), *countries]


class CountryChoiceField(forms.ChoiceField):
    """A country picked from the list, by name; its two-letter code is what is stored."""

    def __init__(self, *, blank: str = "Choose a country", **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": "Choose a country from the list."})
        super().__init__(choices=lambda: country_choices(blank), **kwargs)
