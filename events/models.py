import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_countries.fields import CountryField


class Event(models.Model):
    """A concert or show, from Ticketmaster, JamBase or a promoter on Re-Wrapped."""

    class Source(models.TextChoices):
        TICKETMASTER = "ticketmaster", "Ticketmaster"
        JAMBASE = "jambase", "JamBase"
        INTERNAL = "internal", "Re-Wrapped promoter"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        POSTPONED = "postponed", "Postponed"
        CANCELLED = "cancelled", "Cancelled"

    class Moderation(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=16, choices=Source.choices)
    external_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300)
    performers = models.ManyToManyField("listening.Artist", related_name="events", blank=True)
    venue = models.CharField(max_length=300)
    city = models.CharField(max_length=120)
    country = CountryField()
    starts_at = models.DateTimeField()
    venue_time_zone = models.CharField(max_length=64, default="UTC")
    ticket_url = models.URLField(max_length=1000, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    price_min_cents = models.PositiveIntegerField(null=True, blank=True)
    price_max_cents = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    genres = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    sponsored = models.BooleanField(default=False)
    promoter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="promoted_events"
    )
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.APPROVED)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["country", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""), name="event_unique_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(source="internal", promoter__isnull=False) | ~models.Q(source="internal"),
                name="event_internal_has_promoter",
            ),
            models.CheckConstraint(
                condition=models.Q(price_min_cents__isnull=True)
                | models.Q(price_max_cents__isnull=True)
                | models.Q(price_min_cents__lte=models.F("price_max_cents")),
                name="event_price_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.city} {self.starts_at:%Y-%m-%d}"
