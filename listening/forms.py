from django import forms


class ExportUploadForm(forms.Form):
    export = forms.FileField(
        label="Your Spotify data export",
        help_text="The my_spotify_data.zip Spotify emailed you, or the Streaming_History JSON files inside it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,application/zip,application/json"}),
    )
