from django import forms


class ExportFilesInput(forms.FileInput):
    allow_multiple_selected = True


class ExportFilesField(forms.FileField):
    """One or more files, each checked as a FileField checks one (Django's documented way to take several)."""

    widget = ExportFilesInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(ExportFilesField, self).clean(file, initial) for file in files]


class ExportUploadForm(forms.Form):
    export = ExportFilesField(
        label="Your Spotify data export",
        help_text="The my_spotify_data.zip Spotify emailed you, or the Streaming_History JSON files inside it: "
                  "pick several at once if you like.",
        # No `accept`: a listener's files may have been renamed; what they hold is what counts.
        error_messages={"required": "Choose the ZIP Spotify sent you, or one or more of the JSON files in it."},
    )


class PeriodForm(forms.Form):
    """Which stretch of time the dashboard shows: a preset, or custom dates."""

    period = forms.ChoiceField(
        choices=[("4w", "4 weeks"), ("6m", "6 months"), ("1y", "1 year"), ("all", "All time"), ("custom", "Custom")],
        required=False,
    )
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(choices=[("plays", "Plays"), ("minutes", "Minutes")], required=False, label="Rank by")

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            if not data.get("start") or not data.get("end"):
                raise forms.ValidationError("Pick both a start and an end date for a custom period.")
            if data["start"] > data["end"]:
                raise forms.ValidationError("The start date is after the end date.")
        return data


class AskForm(forms.Form):
    """A question about your own listening, for the dashboard's questions box."""

    question = forms.CharField(
        label="Your question",
        max_length=300,
        error_messages={
            "required": "Type a question first, e.g. “top 5 artists last March”.",
            "max_length": "Keep the question to %(limit_value)d characters or fewer (this one has %(show_value)d).",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. top 5 artists last March"}),
    )
