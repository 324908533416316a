"""Shows are told apart by their start, not their day (events/ingest.py).

- dedupe keys lose their date: "performer|venue|2030-06-14" becomes "performer|venue";
- a provider show stored at the venue's local midnight was one the provider gave only the day of: its time
  is marked not announced (the next fetch of its listing says for sure);
- an event holding two live listings from one provider was two shows merged by their day (a matinee and the
  evening show). Each extra listing gets a show of its own, a copy of the merged one, and is marked unseen
  for days, so the listing recheck looks it up by id (or the next fetch finds it) and its own start, title and
  prices replace the copied ones. The saves, notices and analytics stay with the listing that owned the
  merged show: nothing says which of the two shows a listener meant.
"""

import uuid
import zoneinfo
from datetime import UTC, datetime, time

from django.db import migrations
from django.db.models import Count

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
NOT_COPIED = {"id", "public_id", "source", "external_id", "status", "search_document", "created_at", "updated_at"}


KEYS_WITHOUT_DATES = (
    r"UPDATE events_event SET dedupe_key = regexp_replace(dedupe_key, '\|\d{4}-\d{2}-\d{2}$', '') "
    r"WHERE dedupe_key ~ '\|\d{4}-\d{2}-\d{2}$'"
)


def _day_only_shows(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    day_only = []
    for pk, starts_at, zone in Event.objects.exclude(source="internal").values_list(
            "pk", "starts_at", "venue_time_zone").iterator(chunk_size=5000):
        if starts_at.astimezone(zoneinfo.ZoneInfo(zone)).time() == time.min:
            day_only.append(pk)
    for start in range(0, len(day_only), 5000):
        Event.objects.filter(pk__in=day_only[start:start + 5000]).update(time_announced=False)


def _merged_shows_split(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    EventListing = apps.get_model("events", "EventListing")
    merged = (EventListing.objects.filter(removed_at__isnull=True).values("event_id", "source")
              .annotate(listings=Count("pk")).filter(listings__gt=1))
    fields = [field.attname for field in Event._meta.concrete_fields if field.name not in NOT_COPIED]
    for row in merged:
        event = Event.objects.get(pk=row["event_id"])
        listings = list(EventListing.objects.filter(event_id=event.pk, source=row["source"], removed_at__isnull=True)
                        .order_by("pk"))
        owner = next((listing for listing in listings if listing.external_id == event.external_id
                      and listing.source == event.source), listings[0])
        for listing in listings:
            if listing.pk == owner.pk:
                continue
            show = Event.objects.filter(source=listing.source, external_id=listing.external_id).first()
            if show is None:
                show = Event.objects.create(
                    public_id=uuid.uuid4(), source=listing.source, external_id=listing.external_id,
                    status=listing.status, **{name: getattr(event, name) for name in fields},
                )
                show.performers.set(event.performers.all())
            listing.event = show
            listing.fetched_at = LONG_AGO
            listing.save(update_fields=["event", "fetched_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_venue_time_announced"),
    ]

    operations = [
        migrations.RunSQL(KEYS_WITHOUT_DATES, migrations.RunSQL.noop),
        migrations.RunPython(_day_only_shows, migrations.RunPython.noop),
        migrations.RunPython(_merged_shows_split, migrations.RunPython.noop),
    ]
