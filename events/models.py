import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django_countries.fields import CountryField

from events.venue_time import venue_local, zone_choices


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
        # Every provider that listed it now answers "not found" for it: perhaps cancelled, perhaps moved.
        UNLISTED = "unlisted", "No longer listed"

    # Shows that will not go ahead as listed: no tickets offered, not recommended, not looked up again.
    OFF_SALE = (Status.CANCELLED, Status.UNLISTED)

    class Moderation(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The provider that first told us of the show; every provider listing it is an EventListing.
    source = models.CharField(max_length=16, choices=Source.choices)
    external_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300)
    # Names as the provider gave them; those matching our catalog are also linked as performers.
    performer_names = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    performers = models.ManyToManyField("listening.Artist", related_name="events", blank=True)
    venue = models.CharField(max_length=300)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120)
    country = CountryField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # The instant; shown everywhere on the venue's clock (events/venue_time.py).
    starts_at = models.DateTimeField()
    venue_time_zone = models.CharField(max_length=64, default="UTC", choices=zone_choices)
    # False while only the day is known: starts_at is then the venue's local midnight of that day.
    time_announced = models.BooleanField(default=True, db_default=True)
    # First performer + venue as name keys: two providers' listings under one key are one show when their
    # starts agree too (events/ingest.py).
    dedupe_key = models.CharField(max_length=700, blank=True, db_index=True)
    ticket_url = models.URLField(max_length=1000, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    image = models.ImageField(upload_to="events/", blank=True)
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
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Targeting of a sponsored event; an empty criterion matches everyone.
    target_genres = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    target_countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    target_age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    target_age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    target_artists = models.ManyToManyField("listening.Artist", related_name="targeted_events", blank=True)
    # What the keyword search matches and ranks, kept by PostgreSQL itself (migration 0003's function), so
    # ranking every match reads a stored vector instead of rebuilding each one.
    search_document = models.GeneratedField(
        expression=models.Func(models.F("title"), models.F("performer_names"), models.F("venue"), models.F("city"),
                               models.F("genres"), function="events_document", output_field=SearchVectorField()),
        output_field=SearchVectorField(), db_persist=True,
    )
    # What the genre filter matches (migration 0011): the words of the genres' tags, and the tags as one text.
    genre_words = models.GeneratedField(
        expression=models.Func(models.F("genres"), function="events_genre_words",
                               output_field=ArrayField(models.TextField())),
        output_field=ArrayField(models.TextField()), db_persist=True,
    )
    genre_text = models.GeneratedField(
        expression=models.Func(models.F("genres"), function="events_genre_text", output_field=models.TextField()),
        output_field=models.TextField(), db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["country", "starts_at"]),
                   GinIndex(fields=["search_document"], name="event_search_vector"),
                   GinIndex(fields=["genre_words"], name="event_genre_words")]
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
        return f"{self.title} — {self.city} {venue_local(self.starts_at, self.venue_time_zone):%Y-%m-%d}"

    @property
    def on_sale(self) -> bool:
        """Whether the show may still go ahead, so its tickets are worth offering."""
        return self.status not in self.OFF_SALE

    @property
    def cover_url(self) -> str:
        """The event's picture: the promoter's upload (served by us), or the provider's from a host the content
        security policy allows; empty when there is none."""
        if self.image:
            return reverse("events:image", args=[self.public_id])
        if any(self.image_url.startswith(f"{host}/") for host in settings.EVENT_IMAGE_HOSTS):
            return self.image_url
        return ""


class EventListing(models.Model):
    """One provider's listing of an event: two providers listing the same show point at one Event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="listings")
    source = models.CharField(max_length=16, choices=Event.Source.choices)
    external_id = models.CharField(max_length=100)
    url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=12, choices=Event.Status.choices, default=Event.Status.SCHEDULED)
    # When the provider last listed it (in a search or looked up by id).
    fetched_at = models.DateTimeField()
    # When the provider, asked for it by id, answered that it no longer knows it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="listing_unique_per_source")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class SavedEvent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_events")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="saved_event_once")]


class EventNotice(models.Model):
    """A notification a listener was sent about an event, so each is sent once."""

    class Kind(models.TextChoices):
        RESCHEDULED = "rescheduled", "A saved event changed date"
        CANCELLED = "cancelled", "A saved event was cancelled"
        POSTPONED = "postponed", "A saved event was postponed"
        ANNOUNCED = "announced", "An artist you play a lot announced a show near you"
        UNLISTED = "unlisted", "A saved event is no longer listed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_notices")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What the notice said changed (a new start time, say), so a second change is a second notice.
    detail = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "kind", "detail"], name="event_notice_once")
        ]


class EventInteraction(models.Model):
    """One listener's impression, detail view, save or ticket click on an event: the raw analytics."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", "Shown in a list"
        VIEW = "view", "Detail view"
        SAVE = "save", "Saved"
        TICKET_CLICK = "ticket_click", "Ticket click"

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="interactions", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Whether the listener matched the event's targeting when it happened (null: not a sponsored event).
    targeted = models.BooleanField(null=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["event", "at"], name="interaction_event_time")]


class EventMetricsDaily(models.Model):
    """The Event Metrics Log: interactions per event, day (UTC) and audience, aggregated by a beat task."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="daily_metrics")
    day = models.DateField()
    targeted = models.BooleanField(null=True)
    impressions = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    saves = models.PositiveIntegerField(default=0)
    ticket_clicks = models.PositiveIntegerField(default=0)
    listeners = models.PositiveIntegerField(default=0, help_text="Distinct listeners who interacted that day.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "day", "targeted"], nulls_distinct=False, name="event_metrics_once_per_day"
            )
        ]
        verbose_name = verbose_name_plural = "daily event metrics"


class EventMetricsCursor(models.Model):
    """The last raw interaction (by id) folded into the Event Metrics Log; one row, so runs are incremental."""

    last_interaction_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Interactions up to #{self.last_interaction_id}"
