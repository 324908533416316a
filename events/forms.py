from django import forms
from django_countries import countries

from events.selectors import EventFilters


class EventSearchForm(forms.Form):
    """The events page's filters; every one given must match."""

    q = forms.CharField(label="Keyword", max_length=200, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Artist, show or venue"}))
    country = forms.ChoiceField(label="Country", choices=[("", "Any country"), *countries], required=False)
    city = forms.CharField(label="City", max_length=120, required=False)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    genre = forms.CharField(label="Genre", max_length=60, required=False)
    sort = forms.ChoiceField(label="Sort by", choices=[("date", "Date"), ("relevance", "Relevance")], required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date is before the start date.")
        # Relevance is the natural order of a keyword search; without a keyword there is nothing to rank by.
        has_keyword = bool(data.get("q", "").strip())
        data["sort"] = (data.get("sort") or ("relevance" if has_keyword else "date")) if has_keyword else "date"
        return data

    def filters(self) -> EventFilters:
        data = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        return EventFilters(**data)
