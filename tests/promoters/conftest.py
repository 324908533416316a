"""Promoter events in every moderation state, and the console's add form as a promoter's browser posts it."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from events.models import Event
from events.venue_time import venue_local


def event_for(promoter, **fields) -> Event:
    """A promoter's event as the console makes it (internal, draft unless said otherwise)."""
    values = {
        "title": "Night at the Paradiso", "venue": "Paradiso", "city": "Amsterdam", "country": "NL",
        "venue_time_zone": "Europe/Amsterdam", "starts_at": timezone.now() + timedelta(days=30),
        "ticket_url": "https://tickets.example/paradiso",
        "moderation": Event.Moderation.DRAFT, **fields,
    }
    return Event.objects.create(source=Event.Source.INTERNAL, promoter=promoter, **values)


def image_upload(name="poster.png", image_format="PNG", size=(40, 30), padding=0) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "purple").save(buffer, format=image_format)
    # Bytes after the image's end are ignored by decoders but count toward the upload's size.
    data = buffer.getvalue() + b"\0" * padding
    return SimpleUploadedFile(name, data, content_type=f"image/{image_format.lower()}")


def event_form(**overrides) -> dict:
    """The console's add/change form, filled in the way the admin's widgets post it: the start on the venue's
    clock."""
    starts = venue_local(timezone.now() + timedelta(days=20), "Europe/Amsterdam")
    data = {
        "title": "Warehouse Sessions", "performer_names": "Nova Lights, The Tides", "genres": "techno",
        "status": "scheduled", "venue": "De School", "address": "Dr. Jan van Breemenstraat 1", "city": "Amsterdam",
        "country": "NL", "starts_at_0": starts.strftime("%Y-%m-%d"), "starts_at_1": starts.strftime("%H:%M:%S"),
        "venue_time_zone": "Europe/Amsterdam", "ticket_url": "https://tickets.example/warehouse",
        "price_min": "25", "price_max": "40.50", "currency": "EUR",
        "target_genres": "", "target_countries": "", "target_age_min": "", "target_age_max": "",
        "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def rejected_event(promoter):
    return event_for(promoter, title="Too Loud Festival", moderation=Event.Moderation.REJECTED,
                     rejection_reason="The poster shows a different date than the listing.")
