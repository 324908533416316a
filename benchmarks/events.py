"""Event search over 100,000 events, a promoter's analytics page for an event with 1,000,000 interactions, the
rate at which interactions are recorded, and storing a provider's page of listings among those events.

    DEBUG=1 RW_VAR_DIR=var/bench_events LOG_LEVEL=WARNING .venv/bin/python benchmarks/events.py [--runs 20]

Run it against a var dir of its own: the first run adds 100,000 events (30 countries, 300 cities, 80 genres,
dates over the coming year, a tenth of them sponsored) and one promoter event with 1,000,000 interactions over
90 days, with set-based SQL, and marks the data set built; later runs reuse it.

Prints p50/p95 over --runs runs (after one warm-up) of:
  `event_search` with combined filters, as the events page calls it (first page of 20);
  GET of the promoter console's analytics page for the big event (Django's test client, in process);
  interactions recorded through `events.interactions` one call at a time, then flushed into the
  database: writes/s of each and end to end, and whether every one arrived;
  and `events_ingest` of a page of 100 JamBase listings of performers and venues already holding ten shows
  each (half within the hour of one of them, so joining it; half six hours off, so new shows), then the
  same page again (every listing known), each in a transaction rolled back after.
Targets (issue 4): search <= 100 ms p95; analytics page <= 200 ms p95; >= 2,000 interaction writes/s.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from events.ingest import events_ingest  # noqa: E402
from events.interactions import interaction_record, interactions_flush  # noqa: E402
from events.metrics import event_metrics_aggregate  # noqa: E402
from events.models import Event, EventInteraction  # noqa: E402
from events.providers import Performer, ProviderEvent  # noqa: E402
from events.selectors import EventFilters, event_search  # noqa: E402

EVENTS = 100_000
INTERACTIONS = 1_000_000
RECORDED = 20_000
WORDS = ("night", "live", "tour", "festival", "sessions", "acoustic", "orchestra", "club", "open air", "unplugged",
         "jazz", "summer", "winter", "reunion", "farewell", "album", "release", "party", "showcase", "dream")
COUNTRIES = ("NL", "DE", "GB", "FR", "ES", "IT", "US", "CA", "BE", "SE", "NO", "DK", "PL", "PT", "IE", "AT",
             "CH", "CZ", "FI", "AU", "NZ", "JP", "BR", "MX", "AR", "ZA", "IN", "KR", "HU", "GR")


def dedupe_key_sql(n: str) -> str:
    """The dedupe key of bench event number `n` ("Artist 12" at "Venue 12"), as events.ingest computes it."""
    return f"'artist ' || ({n} %% 5000) || '|venue ' || ({n} %% 2000)"


def build() -> Event:
    """The data set, once; returns the promoter event with a million interactions."""
    call_command("migrate", verbosity=0)
    big = Event.objects.filter(source="internal", title="Benchmark: a million interactions").first()
    if big is not None and Event.objects.count() >= EVENTS:
        with connection.cursor() as cursor:  # a data set built before its events had dedupe keys
            cursor.execute(f"UPDATE events_event SET dedupe_key = {dedupe_key_sql('substr(external_id, 7)::int')} "
                           "WHERE dedupe_key = '' AND external_id LIKE 'bench-%%'", [])
        return big
    print("building the data set (once) …", flush=True)
    promoter, _ = User.objects.get_or_create(
        username="bench-promoter", defaults={"email": "bench-promoter@example.com", "role": "promoter"})
    listener, _ = User.objects.get_or_create(
        username="bench-listener", defaults={"email": "bench-listener@example.com", "country": "NL"})
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO events_event (public_id, source, external_id, title, performer_names, venue, address, city,
                   country, starts_at, venue_time_zone, dedupe_key, ticket_url, image_url, image, genres, status,
                   sponsored, moderation, rejection_reason, target_genres, target_countries, currency, created_at,
                   updated_at)
               SELECT gen_random_uuid(), 'ticketmaster', 'bench-' || n,
                      initcap((%(words)s)[1 + n %% 20] || ' ' || (%(words)s)[1 + (n / 20) %% 20]) || ' with Artist ' || (n %% 5000),
                      ARRAY['Artist ' || (n %% 5000)], 'Venue ' || (n %% 2000), '', 'City ' || (n %% 300),
                      (%(countries)s)[1 + (n %% 300) %% 30], now() + (n %% 365) * interval '1 day' + (n %% 24) * interval '1 hour',
                      'UTC', """ + dedupe_key_sql("n") + """, 'https://tickets.example.com/' || n, '', '',
                      ARRAY['Genre ' || (n %% 80), 'Genre ' || ((n / 7) %% 80)], 'scheduled', n %% 10 = 0, 'approved', '',
                      '{}', '{}', '', now(), now()
               FROM generate_series(1, %(events)s) AS n""",
            {"words": list(WORDS), "countries": list(COUNTRIES), "events": EVENTS},
        )
    big = Event.objects.create(
        source="internal", promoter=promoter, title="Benchmark: a million interactions", venue="Paradiso",
        city="Amsterdam", country="NL", starts_at=date.today() + timedelta(days=30), moderation="approved",
        sponsored=True, ticket_url="https://tickets.example.com/big",
    )
    kinds = ["impression"] * 85 + ["view"] * 10 + ["save"] * 3 + ["ticket_click"] * 2
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO events_eventinteraction (event_id, user_id, kind, targeted, at)
               SELECT %(event)s, %(user)s, (%(kinds)s)[1 + n %% 100], n %% 3 <> 0,
                      now() - (n %% 90) * interval '1 day' - (n %% 86400) * interval '1 second'
               FROM generate_series(1, %(n)s) AS n""",
            {"event": big.pk, "user": listener.pk, "kinds": kinds, "n": INTERACTIONS},
        )
        cursor.execute("ANALYZE events_event; ANALYZE events_eventinteraction")
    started = time.perf_counter()
    event_metrics_aggregate()
    print(f"aggregated {INTERACTIONS:,} interactions into daily metrics in {time.perf_counter() - started:.1f} s")
    return big


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms"


def timed(function, runs: int) -> list[float]:
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    big = build()
    listener = User.objects.get(username="bench-listener")
    soon, later = date.today() + timedelta(days=30), date.today() + timedelta(days=120)
    searches = {
        "country": EventFilters(country="DE"),
        "country + dates": EventFilters(country="DE", start=soon, end=later),
        "keyword + country": EventFilters(q="festival", country="NL"),
        "keyword + country + genre + dates": EventFilters(q="tour", country="GB", genre="Genre 22",
                                                          start=soon, end=later),
        "city + genre": EventFilters(city="City 42", genre="Genre 22"),
        "genre (the words of a tag)": EventFilters(genre="genre-22"),
        "keyword, by relevance": EventFilters(q="acoustic night", sort="relevance"),
        "keyword + country, by relevance": EventFilters(q="live", country="FR", sort="relevance"),
        "common word (1 in 10), by relevance": EventFilters(q="live", sort="relevance"),
    }
    print(f"\nsearch over {Event.objects.count():,} events (first page of 20; target <= 100 ms p95)")
    for name, filters in searches.items():
        samples = timed(lambda f=filters: event_search(filters=f, user=listener), args.runs)
        found = len(event_search(filters=filters, user=listener))
        print(f"  {name:36s} {percentiles(samples)}   ({found} on the page)")

    promoter = big.promoter
    client = Client(HTTP_HOST="localhost")
    client.force_login(promoter)
    url = reverse("promoter_console:events_event_analytics", args=[big.pk])
    assert client.get(url).status_code == 200
    interactions = EventInteraction.objects.filter(event=big).count()
    print(f"\npromoter analytics page, one event with {interactions:,} interactions (target <= 200 ms p95)")
    print(f"  GET {url:28s} {percentiles(timed(lambda: client.get(url), args.runs))}")

    interactions_flush()
    before = EventInteraction.objects.count()
    kinds = ("impression", "view", "save", "ticket_click")
    plain = Event.objects.filter(sponsored=False).first()
    started = time.perf_counter()
    for n in range(RECORDED):
        interaction_record(event=plain, user=listener, kind=kinds[n % 4])
    recorded = time.perf_counter() - started
    started = time.perf_counter()
    flushed = interactions_flush()
    flushing = time.perf_counter() - started
    arrived = EventInteraction.objects.count() - before
    print(f"\ninteractions, {RECORDED:,} recorded one call at a time (target >= 2,000 writes/s)")
    print(f"  recording: {RECORDED / recorded:,.0f} writes/s; flushing into the database: "
          f"{flushed / flushing:,.0f} rows/s; end to end {RECORDED / (recorded + flushing):,.0f} writes/s")
    print(f"  arrived in the database: {arrived:,} of {RECORDED:,}" + (" (none lost)" if arrived == RECORDED else ""))
    EventInteraction.objects.filter(event=plain, id__gt=0, user=listener).delete()

    shows = list(Event.objects.filter(external_id__startswith="bench-").order_by("?")[:100])
    page = [
        ProviderEvent(source="jambase", external_id=f"bench-jb-{show.pk}", title=show.title,
                      url=f"https://www.jambase.com/show/{show.pk}", venue_time_zone=show.venue_time_zone,
                      starts_at=show.starts_at + timedelta(minutes=30 if n % 2 else 360),
                      venue=show.venue, city=show.city, country=str(show.country),
                      performers=(Performer(show.performer_names[0]),), genres=tuple(show.genres))
        for n, show in enumerate(shows)
    ]

    def stored(again: bool) -> tuple[float, object]:
        """Milliseconds to store the page (the second time, with `again`), and what storing it did."""
        with transaction.atomic():
            if again:
                events_ingest(events=page)
            started = time.perf_counter()
            result = events_ingest(events=page)
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        return elapsed, result

    print(f"\nstoring a page of {len(page)} listings among {Event.objects.count():,} events (rolled back after)")
    for again in (False, True):
        runs = [stored(again) for _ in range(args.runs + 1)][1:]
        result = runs[0][1]
        print(f"  {'the same page again' if again else 'new listings':20s} {percentiles([ms for ms, _ in runs])}   "
              f"({len(result.created)} new shows, {result.linked} joined to one we had)")


if __name__ == "__main__":
    main()
