"""Billing's own tables. Stripe's objects (customers, subscriptions, prices, invoices, payment methods) live in
dj-stripe's models; here are the free-song ledger and the record of every webhook received."""

from django.conf import settings
from django.db import models

from accounts.models import User


class SongUse(models.Model):
    """One recommended song a listener played, as the feature that played it reported it (once per play)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="song_uses")
    play_key = models.CharField(max_length=100, help_text="The reporting feature's id for the play.")
    premium = models.BooleanField(help_text="Played while Premium: not counted against the free songs.")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "play_key"], name="song_use_once_per_play")]
        indexes = [models.Index(fields=["user", "premium"])]

    def __str__(self):
        return f"{self.user_id} {self.play_key}"


class WebhookReceipt(models.Model):
    """A Stripe event we accepted (its signature was good), once per event id, and what came of it."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (a type we do not handle)"
        STALE = "stale", "Stale (newer state already known)"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    api_version = models.CharField(max_length=64, blank=True)
    livemode = models.BooleanField(default=False)
    object_id = models.CharField(max_length=255, blank=True, help_text="The Stripe object the event is about.")
    customer_id = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    deliveries = models.PositiveIntegerField(default=1, help_text="How many times Stripe sent it.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["object_id", "-created"])]

    def __str__(self):
        return f"{self.event_id} {self.type}"


class ListenerBilling(User):
    """A listener seen from billing: what staff read in the admin (their plan, Stripe customer, invoices)."""

    class Meta:
        proxy = True
        verbose_name = "listener's billing"
        verbose_name_plural = "listeners' billing"
