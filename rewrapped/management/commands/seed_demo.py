"""Demo data for `make run`: a listener with a year of plays and their artists' genres, a promoter with events
near the listener and their metrics, a staff user. Works offline: the genres are the demo's own (Spotify and
MusicBrainz add more when configured), and pictures no one has fetched show generated covers."""

from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.interactions import interaction_record
from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction, EventMetricsDaily
from events.selectors import promoter_events
from events.services import event_create
from events.venue_time import venue_instant
from listening.imports import parse_member
from listening.models import Artist, ArtistGenre, Genre, Play
from listening.names import name_key
from listening.services import artist_genres_add, period_totals_rebuild, plays_add

DEMO_PASSWORD = "listen-to-this-2026"
LISTENER, PROMOTER, STAFF = "listener@demo.rewrapped", "promoter@demo.rewrapped", "staff@demo.rewrapped"
DEMO_USERS = {
    LISTENER: {"display_name": "Demo Listener", "role": User.Role.REGULAR, "country": "US", "city": "New York",
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
    {"title": "Alan Walker — Walkerworld Tour", "venue": "Terminal 5", "city": "New York", "country": "US",
     "venue_time_zone": "America/New_York", "days_ahead": 20, "genres": ["edm", "electro house"],
     "price": (5500, 9500), "currency": "USD", "performer_names": ["Alan Walker"]},
    {"title": "Pop Piano Night: Ruth B. & JVKE", "venue": "Music Hall of Williamsburg", "city": "New York",
     "country": "US", "venue_time_zone": "America/New_York", "days_ahead": 60, "genres": ["pop", "indie pop"],
     "price": (3000, 4500), "currency": "USD", "sponsored": True, "performer_names": ["Ruth B.", "JVKE"]},
]
# Genres of the demo history's most-played artists, as Spotify lists them: the demo shows top genres and the
# genres streamgraph even offline.
DEMO_GENRES = {
    "Ruth B.": ["pop", "canadian pop", "indie pop"], "Alan Walker": ["edm", "electro house", "pop dance"],
    "JVKE": ["pop", "indie pop"], "Panic! At The Disco": ["pop rock", "emo", "baroque pop"],
    "Imagine Dragons": ["pop rock", "modern rock", "rock"], "David Guetta": ["edm", "pop dance", "big room"],
    "Timebelle": ["pop", "swiss pop"], "The Chainsmokers": ["edm", "pop dance", "electropop"],
    "Dove Cameron": ["pop", "post-teen pop"], "MitiS": ["melodic dubstep", "edm"],
    "Jaymes Young": ["indie pop", "electropop"], "ENHYPEN": ["k-pop", "pop"], "Superfruit": ["pop", "a cappella"],
    "Walk off the Earth": ["pop rock", "indie pop"], "Miles Away": ["edm", "melodic dubstep"],
    "Taylor Swift": ["pop", "country pop"], "TheFatRat": ["edm", "electro house"],
    "Labrinth": ["r&b", "electropop", "soundtrack"], "Conan Gray": ["pop", "indie pop", "bedroom pop"],
    "Elley Duhé": ["electropop", "r&b"], "Shakira": ["latin pop", "pop", "dance pop"],
    "Indila": ["french pop", "chanson"], "Sia": ["pop", "electropop", "dance pop"],
    "Axel Johansson": ["edm", "melodic dubstep"],
}
# How many times the demo listener saw, opened, saved and clicked through each of the promoter's events.
DEMO_INTERACTIONS = {EventInteraction.Kind.IMPRESSION: 12, EventInteraction.Kind.VIEW: 4,
                     EventInteraction.Kind.SAVE: 1, EventInteraction.Kind.TICKET_CLICK: 2}


class Command(BaseCommand):
    help = "Load demo users, a year of plays and promoter events; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print for the site.")

    def handle(self, *args, url, **options):
        users = {email: self._user(email, spec) for email, spec in DEMO_USERS.items()}
        added = self._history(users[LISTENER])
        genres = self._genres()
        if added or genres:
            period_totals_rebuild(user=users[LISTENER])  # the dashboard's figures, built once now
        created = self._events(users[PROMOTER])
        self._metrics(users[PROMOTER], users[LISTENER])
        self.stdout.write(f"Demo data: {added} new plays for the listener, {genres} new artist genres, "
                          f"{created} new promoter events.")
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

    def _genres(self) -> int:
        artists = dict(Artist.objects.filter(name_key__in=[name_key(name) for name in DEMO_GENRES])
                       .values_list("name_key", "id"))
        names = {genre for genres in DEMO_GENRES.values() for genre in genres}
        Genre.objects.bulk_create([Genre(name=name) for name in names], ignore_conflicts=True)
        genre_ids = dict(Genre.objects.filter(name__in=names).values_list("name", "id"))
        pairs = [(artists[name_key(artist)], genre_ids[genre]) for artist, genres in DEMO_GENRES.items()
                 if name_key(artist) in artists for genre in genres]
        return artist_genres_add(pairs=pairs, source=ArtistGenre.Source.SPOTIFY)

    def _metrics(self, promoter: User, listener: User) -> None:
        events = promoter_events(promoter=promoter).filter(moderation=Event.Moderation.APPROVED)
        if EventMetricsDaily.objects.filter(event__in=events).exists():
            return
        for event in events:
            for kind, times in DEMO_INTERACTIONS.items():
                for _ in range(times):
                    interaction_record(event=event, user=listener, kind=kind)
        event_metrics_aggregate()

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
