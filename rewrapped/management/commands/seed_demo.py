"""Demo data for `make run`: a listener with a year of plays, a promoter with events, a staff user."""

from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.models import Event
from events.selectors import promoter_events
from events.services import event_create
from events.venue_time import venue_instant
from listening.imports import parse_member
from listening.models import Play
from listening.services import plays_add

DEMO_PASSWORD = "listen-to-this-2026"
LISTENER, PROMOTER, STAFF = "listener@demo.rewrapped", "promoter@demo.rewrapped", "staff@demo.rewrapped"
DEMO_USERS = {
    LISTENER: {"display_name": "Demo Listener", "role": User.Role.REGULAR, "country": "US",
               "time_zone": "America/New_York", "interests": ["indie pop", "r&b", "pop"]},
    PROMOTER: {"display_name": "Demo Promoter", "role": User.Role.PROMOTER, "country": "NL",
               "time_zone": "Europe/Amsterdam"},
    STAFF: {"display_name": "Demo Staff", "role": User.Role.REGULAR, "is_staff": True, "is_superuser": True},
}
DEMO_HISTORY = ("extended/Streaming_History_Audio_2023.json", "extended/Streaming_History_Video_2023.json")
DEMO_EVENTS = [
    {"title": "Labrinth — Euphoria Live", "venue": "Ziggo Dome", "city": "Amsterdam", "country": "NL",
     "venue_time_zone": "Europe/Amsterdam", "days_ahead": 30, "genres": ["electronic", "soundtrack"],
     "price": (4500, 8900), "currency": "EUR"},
    {"title": "Indie Night at Paradiso", "venue": "Paradiso", "city": "Amsterdam", "country": "NL",
     "venue_time_zone": "Europe/Amsterdam", "days_ahead": 12, "genres": ["indie pop"], "price": (2500, 2500),
     "currency": "EUR", "sponsored": True},
    {"title": "R&B Sundays", "venue": "Brooklyn Steel", "city": "New York", "country": "US",
     "venue_time_zone": "America/New_York", "days_ahead": 45, "genres": ["r&b", "soul"], "price": (3900, 6500),
     "currency": "USD"},
]


class Command(BaseCommand):
    help = "Load demo users, a year of plays and promoter events; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print for the site.")

    def handle(self, *args, url, **options):
        users = {email: self._user(email, spec) for email, spec in DEMO_USERS.items()}
        added = self._history(users[LISTENER])
        created = self._events(users[PROMOTER])
        self.stdout.write(f"Demo data: {added} new plays for the listener, {created} new promoter events.")
        self.stdout.write(self.style.SUCCESS(f"\nRe-Wrapped is starting at {url}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, user in users.items():
            self.stdout.write(f"  {user.get_role_display():<9} {'(staff) ' if user.is_staff else ''}{email}")
        self.stdout.write("")

    @transaction.atomic
    def _user(self, email: str, spec: dict) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"username": email.split("@")[0], **spec})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
        return user

    def _history(self, listener: User) -> int:
        if Play.objects.filter(user=listener).exists():
            return 0
        rows = []
        for relative in DEMO_HISTORY:
            path = settings.DEMO_DATA_DIR / "spotify_export" / relative
            if not path.exists():
                raise CommandError(f"Demo history not found at {path} (set DEMO_DATA_DIR).")
            rows += parse_member(path.name, path.read_bytes()).rows
        # Move the year forward in whole weeks, so it ends this week and weekdays stay weekdays.
        weeks = int((timezone.now().timestamp() - max(row.ended_at for row in rows)) // (7 * 86400))
        for row in rows:
            row.ended_at += weeks * 7 * 86400
        return plays_add(user=listener, rows=rows).added

    def _events(self, promoter: User) -> int:
        created = 0
        for spec in DEMO_EVENTS:
            if promoter_events(promoter=promoter).filter(title=spec["title"]).exists():
                continue
            spec = dict(spec)
            days, (low, high) = spec.pop("days_ahead"), spec.pop("price")
            # 19:00 on the venue's clock.
            day = timezone.now().date() + timedelta(days=days)
            starts_at = venue_instant(datetime.combine(day, time(19)), spec["venue_time_zone"])
            event_create(promoter=promoter, moderation=Event.Moderation.APPROVED,
                         event=Event(starts_at=starts_at, price_min_cents=low, price_max_cents=high, **spec))
            created += 1
        return created
