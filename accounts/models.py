import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django_countries.fields import CountryField

MIN_AGE, MAX_AGE = 13, 100
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value not in TIME_ZONES:
        raise ValidationError("Choose a time zone from the list, such as Europe/Amsterdam.")


class User(AbstractUser):
    """A person who uses Re-Wrapped: listener, promoter, staff, or a Spotify-only guest."""

    class Role(models.TextChoices):
        GUEST = "guest", "Guest (Spotify only)"
        REGULAR = "regular", "Regular"
        PROMOTER = "promoter", "Promoter"

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non_binary", "Non-binary"
        SELF_DESCRIBED = "other", "Another gender"
        PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"

    class Occupation(models.TextChoices):
        STUDENT = "student", "Student"
        EMPLOYED = "employed", "Employed"
        SELF_EMPLOYED = "self_employed", "Self-employed"
        MUSIC_INDUSTRY = "music_industry", "Works in music"
        CREATIVE = "creative", "Creative / arts"
        UNEMPLOYED = "unemployed", "Not working"
        RETIRED = "retired", "Retired"
        OTHER = "other", "Other"
        PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REGULAR)
    display_name = models.CharField(max_length=100, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    interests = ArrayField(models.CharField(max_length=40), default=list, blank=True, size=30)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=24, choices=Gender.choices, blank=True)
    country = CountryField(blank=True)
    city = models.CharField(max_length=120, blank=True, help_text="Where you go to concerts: shows there come first.")
    occupation = models.CharField(max_length=24, choices=Occupation.choices, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    public_profile = models.BooleanField(
        default=False, help_text="Others may see this listener's taste match and find them among listeners like them."
    )
    spotify_broken_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when Spotify refused our refresh token; the user must reconnect."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age__isnull=True) | models.Q(age__gte=MIN_AGE, age__lte=MAX_AGE),
                name="user_age_in_range",
            ),
            models.UniqueConstraint(
                models.functions.Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.username

    def get_short_name(self) -> str:
        """What a page greets the user by: a full email address reads as a form field, not a name."""
        return self.display_name or self.email.partition("@")[0] or self.username

    @property
    def is_guest(self) -> bool:
        return self.role == self.Role.GUEST

    @property
    def is_promoter(self) -> bool:
        return self.role == self.Role.PROMOTER

    @property
    def needs_spotify_reconnect(self) -> bool:
        return self.spotify_broken_at is not None


class Impersonation(models.Model):
    """One stretch of time a staff member spent acting as another user."""

    staff = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="impersonations_made")
    staff_email = models.EmailField(blank=True, help_text="Kept even if the staff account is later deleted.")
    target = models.ForeignKey(User, on_delete=models.CASCADE, related_name="impersonations_received")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True, help_text="Page where it started.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["staff", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.staff} as {self.target} at {self.started_at:%Y-%m-%d %H:%M}"
