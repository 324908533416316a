from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation

from accounts.models import MAX_AGE, MIN_AGE, User
from rewrapped.countries import CountryChoiceField
from rewrapped.time_zones import TimeZoneField, time_zone_canonical


LISTENER_ZONE_HELP = "Your days, streaks and listening clock follow this zone."


class LoginForm(AllauthLoginForm):
    """allauth's, without its "Forgot your password?" under the password: the page offers it once, below."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""


class TimeZoneForm(forms.Form):
    """The one question after sign-up: the listener's time zone, pre-filled from the browser, confirmed."""

    time_zone = TimeZoneField(label="Your time zone", help_text=LISTENER_ZONE_HELP)


class ProfileForm(forms.ModelForm):
    interests = forms.CharField(
        required=False,
        help_text="Genres you love, separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "indie rock, jazz, k-pop"}),
    )
    age = forms.IntegerField(
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "27"}),
        min_value=MIN_AGE,
        max_value=MAX_AGE,
        error_messages={
            "min_value": f"You must be at least {MIN_AGE} to use Re-Wrapped.",
            "max_value": f"Enter an age up to {MAX_AGE}.",
        },
    )
    country = CountryChoiceField(blank="Not saying", required=False,
                                 widget=forms.Select(attrs={"autocomplete": "country"}))
    time_zone = TimeZoneField(help_text=LISTENER_ZONE_HELP)

    class Meta:
        model = User
        fields = ["display_name", "interests", "age", "gender", "country", "city", "occupation", "time_zone", "public_profile"]
        labels = {"public_profile": "Share my music taste"}
        widgets = {
            "display_name": forms.TextInput(attrs={"placeholder": "Lena", "autocomplete": "nickname"}),
            "city": forms.TextInput(attrs={"placeholder": "Rotterdam", "autocomplete": "address-level2"}),
        }
        help_texts = {
            "public_profile": "Lets other listeners see how well their taste matches yours (a score and the artists "
            "you share, never your history) and find you among “listeners like you”. Off by default.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["interests"] = ", ".join(self.instance.interests)
            # A zone saved under an alias shows as the zone it names, not as the list's first.
            self.initial["time_zone"] = time_zone_canonical(self.instance.time_zone) or self.instance.time_zone

    def clean_interests(self) -> list[str]:
        return [tag for tag in self.cleaned_data["interests"].split(",") if tag.strip()]


class GuestUpgradeForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound and user.email:
            self.initial["email"] = user.email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AccountDeleteForm(forms.Form):
    """Confirmed with the password, or for a Spotify-only guest by a fresh Spotify sign-in."""

    password = forms.CharField(
        required=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.CharField(help_text="Type DELETE to confirm.")

    def __init__(self, *args, user: User, recently_signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.recently_signed_in = recently_signed_in
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != "DELETE":
            raise forms.ValidationError("Type DELETE in capitals to confirm.")
        return "DELETE"

    def clean(self):
        cleaned = super().clean()
        if "password" in self.fields:
            if not self.user.check_password(cleaned.get("password") or ""):
                self.add_error("password", "That is not your password.")
        elif not self.recently_signed_in:
            raise forms.ValidationError("For your safety, sign in with Spotify again, then delete your account.")
        return cleaned
