"""The promoter console: who may enter, each promoter sees only their own events, and events are checked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event, EventInteraction, SavedEvent
from events.venue_time import venue_local
from listening.models import Artist
from tests.conftest import client_for
from tests.promoters.conftest import event_for, event_form, image_upload

CONSOLE = "/promoter/"
EVENTS = "/promoter/events/event/"
ADD = f"{EVENTS}add/"


# --- who enters -------------------------------------------------------------------------
def test_visitors_are_sent_to_the_site_sign_in(client):
    response = client.get(EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/promoter/")


@pytest.mark.parametrize("persona", ["listener", "guest", "staff"])
def test_everyone_signed_in_but_promoters_is_refused(client, request, persona):
    client_for(client, request.getfixturevalue(persona))
    assert client.get(CONSOLE).status_code == 403
    assert client.get(EVENTS).status_code == 403
    assert client.get(f"{CONSOLE}login/").status_code == 403


def test_a_promoter_enters_from_the_site_menu(client, promoter):
    client_for(client, promoter)
    home = client.get("/").content.decode()
    assert 'href="/promoters/console/"' in home
    response = client.get("/promoters/console/", follow=True)
    assert response.status_code == 200
    assert "Re-Wrapped promoter console" in response.content.decode()


# --- scoped to the promoter's own events ------------------------------------------------
@pytest.fixture
def theirs(other_promoter):
    return event_for(other_promoter, title="Somebody Else's Gig")


@pytest.fixture
def mine(promoter):
    return event_for(promoter, title="My Own Gig")


def test_the_list_shows_only_my_events(client, promoter, mine, theirs):
    client_for(client, promoter)
    page = client.get(EVENTS).content.decode()
    assert "My Own Gig" in page and "Somebody Else" not in page


@pytest.mark.parametrize("suffix", ["change/", "delete/", "history/", "analytics/", "export.csv"])
def test_another_promoters_event_is_not_found(client, promoter, mine, theirs, suffix):
    client_for(client, promoter)
    assert client.get(f"{EVENTS}{mine.pk}/{suffix}").status_code == 200
    assert client.get(f"{EVENTS}{theirs.pk}/{suffix}").status_code == 404


def test_another_promoters_event_cannot_be_changed_or_deleted_by_post(client, promoter, theirs):
    client_for(client, promoter)
    assert client.post(f"{EVENTS}{theirs.pk}/change/", event_form(title="Hijacked")).status_code == 404
    assert client.post(f"{EVENTS}{theirs.pk}/delete/", {"post": "yes"}).status_code == 404
    client.post(EVENTS, {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"})
    client.post(EVENTS, {"action": "submit_for_review", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.title == "Somebody Else's Gig" and theirs.moderation == Event.Moderation.DRAFT


def test_i_delete_my_own_event_with_its_saves_and_interactions(client, promoter, mine, listener):
    SavedEvent.objects.create(user=listener, event=mine)
    EventInteraction.objects.create(event=mine, user=listener, kind="view", at=timezone.now())
    client_for(client, promoter)
    confirm = client.get(f"{EVENTS}{mine.pk}/delete/").content.decode()
    assert "My Own Gig" in confirm and "permission" not in confirm
    client.post(f"{EVENTS}{mine.pk}/delete/", {"post": "yes"})
    assert not Event.objects.filter(pk=mine.pk).exists()
    assert not EventInteraction.objects.exists() and not SavedEvent.objects.exists()


def test_external_events_are_not_in_the_console(client, promoter):
    external = Event.objects.create(source=Event.Source.TICKETMASTER, external_id="tm-1", title="Arena Show",
                                    venue="Ziggo Dome", city="Amsterdam", country="NL",
                                    starts_at=timezone.now() + timedelta(days=3))
    client_for(client, promoter)
    assert "Arena Show" not in client.get(EVENTS).content.decode()
    assert client.get(f"{EVENTS}{external.pk}/change/").status_code == 404


# --- creating and submitting ------------------------------------------------------------
def test_a_new_event_is_a_draft_of_mine(client, promoter):
    client_for(client, promoter)
    response = client.post(ADD, event_form(image=image_upload()), follow=True)
    assert response.status_code == 200
    event = Event.objects.get(title="Warehouse Sessions")
    assert event.promoter == promoter and event.source == Event.Source.INTERNAL
    assert event.moderation == Event.Moderation.DRAFT
    assert event.performer_names == ["Nova Lights", "The Tides"]
    assert event.image.name.endswith(".png")


@pytest.mark.parametrize(("currency", "low", "high", "cents", "shown"), [
    ("EUR", "25", "40.5", (2500, 4050), ("25.00", "40.50")),
    ("JPY", "3000", "12000", (3000, 12000), ("3000", "12000")),
    ("KWD", "7.125", "", (7125, None), ("7.125", "")),
])
def test_prices_are_typed_and_shown_in_the_currencys_units_and_kept_in_its_smallest(
    client, promoter, currency, low, high, cents, shown
):
    client_for(client, promoter)
    client.post(ADD, event_form(price_min=low, price_max=high, currency=currency))
    event = Event.objects.get(title="Warehouse Sessions")
    assert (event.price_min_cents, event.price_max_cents, event.currency) == (*cents, currency)

    form = client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f'name="price_min" value="{shown[0]}"' in form
    assert (f'name="price_max" value="{shown[1]}"' in form) if shown[1] else 'name="price_max" value=' not in form
    assert f'<option value="{currency}" selected>{currency} — ' in form
    assert '<option value="NL" selected>Netherlands</option>' in form
    assert '<option value="Europe/Amsterdam" selected>' in form


def test_venue_zones_are_canonical_names_and_an_old_alias_is_read_as_its_zone(client, promoter):
    client_for(client, promoter)
    blank = client.get(ADD).content.decode()
    assert '<option value="America/New_York">' in blank
    assert 'value="US/Eastern"' not in blank and 'value="Asia/Calcutta"' not in blank

    client.post(ADD, event_form(venue_time_zone="US/Eastern", country="US"))

    event = Event.objects.get(title="Warehouse Sessions")
    assert event.venue_time_zone == "America/New_York"
    # One a provider stored under an alias shows selected as the zone it names.
    Event.objects.filter(pk=event.pk).update(venue_time_zone="Asia/Calcutta")
    assert '<option value="Asia/Kolkata" selected>' in client.get(f"{EVENTS}{event.pk}/change/").content.decode()


def test_the_artists_i_target_are_kept_with_my_event_and_changed_with_it(client, promoter):
    robyn, bjork = (Artist.objects.create(name=name, name_key=name.lower()) for name in ("Robyn", "Björk"))
    client_for(client, promoter)

    client.post(ADD, event_form(sponsored="on", target_artists=[robyn.pk, bjork.pk]))
    event = Event.objects.get(title="Warehouse Sessions")
    assert set(event.target_artists.values_list("name", flat=True)) == {"Robyn", "Björk"}

    client.post(f"{EVENTS}{event.pk}/change/", event_form(sponsored="on", target_artists=[bjork.pk]))
    assert list(event.target_artists.values_list("name", flat=True)) == ["Björk"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"starts_at_0": (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d")},
         "The event must start in the future."),
        ({"genres": "rock, Other"}, "“Other” is not a genre: name the music, or leave it out."),
        ({"venue_time_zone": "", "country": "US"},
         "United States of America has several time zones: choose the venue&#x27;s."),
        ({"ticket_url": "http://tickets.example/warehouse"}, "The ticket link must start with https://."),
        ({"venue": ""}, "This field is required."),
        ({"country": ""}, "This field is required."),
        ({"city": ""}, "This field is required."),
        ({"venue_time_zone": "Mars/Olympus"}, "Give the venue&#x27;s time zone, such as Europe/Amsterdam."),
        ({"ticket_url": "ftp://tickets.example/warehouse"}, "The ticket link must start with https://."),
        ({"ticket_url": "tickets at the door"}, "Enter a valid URL."),
        ({"image": image_upload("poster.gif", "GIF")}, "Upload a PNG, JPEG or WebP image."),
        ({"price_min": "50"}, "The highest price must not be below the lowest."),
        ({"price_min": "25.505"}, "EUR prices are at most 2 decimal places, such as 25.50."),
        ({"price_min": "2500.5", "price_max": "", "currency": "JPY"}, "JPY prices are whole numbers, such as 25."),
        ({"price_min": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"price_min": "twenty"}, "Enter a number."),
        ({"currency": ""}, "Choose the currency of the prices."),
        ({"currency": "Euro"}, "Choose a currency from the list."),
        ({"country": "XX"}, "Choose a country from the list."),
        ({"target_countries": "N1"}, "Use two-letter country codes, not N1."),
        ({"target_age_min": "40", "target_age_max": "20"}, "The oldest age must not be below the youngest."),
    ],
)
def test_bad_events_are_refused_with_the_reason(client, promoter, overrides, error):
    client_for(client, promoter)
    response = client.post(ADD, event_form(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Event.objects.exists()


def test_an_event_under_way_can_still_be_marked_cancelled_but_not_moved_into_the_past(client, promoter):
    started = venue_local(timezone.now() - timedelta(hours=1), "Europe/Amsterdam").replace(microsecond=0)
    event = event_for(promoter, starts_at=started, moderation=Event.Moderation.APPROVED)
    client_for(client, promoter)
    unchanged = {"starts_at_0": started.strftime("%Y-%m-%d"), "starts_at_1": started.strftime("%H:%M:%S")}

    client.post(f"/promoter/events/event/{event.pk}/change/", event_form(**unchanged, status="cancelled"))

    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    earlier = started - timedelta(days=1)
    response = client.post(f"/promoter/events/event/{event.pk}/change/", event_form(
        starts_at_0=earlier.strftime("%Y-%m-%d"), starts_at_1=earlier.strftime("%H:%M:%S")))
    assert "The event must start in the future." in response.content.decode()


def test_a_file_that_is_no_image_is_refused(client, promoter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_for(client, promoter)
    fake = SimpleUploadedFile("poster.png", b"not an image at all", content_type="image/png")
    response = client.post(ADD, event_form(image=fake))
    assert "Upload a valid image." in response.content.decode()
    assert not Event.objects.exists()


def test_an_image_over_the_limit_is_refused(client, promoter, settings):
    settings.PROMOTER_EVENT_IMAGE_MAX_BYTES = 2 * 1024 * 1024
    client_for(client, promoter)
    response = client.post(ADD, event_form(image=image_upload("big.jpg", "JPEG", padding=2 * 1024 * 1024)))
    assert "The image is larger than 2 MB." in response.content.decode()
    assert not Event.objects.exists()
    client.post(ADD, event_form(image=image_upload("small.webp", "WEBP")))
    assert Event.objects.get().image.name.endswith(".webp")


def test_a_png_named_poster_pdf_is_stored_and_served_as_the_png_it_is(client, promoter, listener):
    client_for(client, promoter)
    client.post(ADD, event_form(image=image_upload("poster.pdf", "PNG")))
    event = Event.objects.get()
    assert event.image.name.startswith("events/poster") and event.image.name.endswith(".png")
    Event.objects.filter(pk=event.pk).update(moderation=Event.Moderation.APPROVED)

    client_for(client, listener)
    picture = client.get(f"/events/{event.public_id}/image/")

    assert picture["Content-Type"] == "image/png" and picture["X-Content-Type-Options"] == "nosniff"
    assert picture["Content-Disposition"] == f'inline; filename="event-{event.public_id}.png"'


def test_a_picture_stored_under_a_name_that_lies_is_served_as_what_its_bytes_are(client, listener, promoter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lying = event_for(promoter, moderation=Event.Moderation.APPROVED, image=image_upload("poster.pdf", "JPEG"))
    not_a_picture = event_for(promoter, moderation=Event.Moderation.APPROVED,
                              image=SimpleUploadedFile("poster.png", b"%PDF-1.7 not a picture"))
    client_for(client, listener)

    picture = client.get(f"/events/{lying.public_id}/image/")

    assert lying.image.name.endswith(".pdf")  # stored before uploads were named by what they are
    assert picture["Content-Type"] == "image/jpeg" and picture["X-Content-Type-Options"] == "nosniff"
    assert b"".join(picture.streaming_content).startswith(b"\xff\xd8")
    assert client.get(f"/events/{not_a_picture.public_id}/image/").status_code == 404


def huge_png(side: int, name: str = "poster.png"):
    """A one-bit PNG of side × side pixels: a few hundred kilobytes that would decode to hundreds of megabytes."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize(("side", "error"), [
    (12_000, "The picture is 12,000 × 12,000 pixels: the most is 25 megapixels, such as 6,000 × 4,000."),
    # Past twice Pillow's warning limit it will not even open the file.
    (14_000, "The picture has too many pixels: the most is 25 megapixels, such as 6,000 × 4,000."),
])
def test_a_decompression_bomb_is_refused_with_the_reason(client, promoter, side, error):
    client_for(client, promoter)

    response = client.post(ADD, event_form(image=huge_png(side)))

    assert error in response.content.decode()
    assert not Event.objects.exists()


def test_save_and_submit_sends_the_event_for_review(client, promoter):
    client_for(client, promoter)
    response = client.post(ADD, event_form(_save=None, _submit_for_review="Save and submit for review"), follow=True)
    assert "is saved and waiting for review" in response.content.decode()
    event = Event.objects.get()
    assert event.moderation == Event.Moderation.PENDING and event.submitted_at is not None


def test_the_submit_action_sends_drafts_and_leaves_the_rest(client, promoter, mine):
    approved = event_for(promoter, title="Already Live", moderation=Event.Moderation.APPROVED)
    client_for(client, promoter)
    response = client.post(EVENTS, {"action": "submit_for_review", "_selected_action": [mine.pk, approved.pk]},
                           follow=True)
    page = response.content.decode()
    assert "1 event sent for review." in page and "is waiting for review already" not in page
    assert "“Already Live” is approved already." in page
    mine.refresh_from_db()
    approved.refresh_from_db()
    assert mine.moderation == Event.Moderation.PENDING and approved.moderation == Event.Moderation.APPROVED


def test_i_see_why_my_event_was_rejected_and_submit_it_again(client, promoter, rejected_event):
    client_for(client, promoter)
    assert "The poster shows a different date than the listing." in client.get(EVENTS).content.decode()
    change = client.get(f"{EVENTS}{rejected_event.pk}/change/").content.decode()
    assert "The poster shows a different date than the listing." in change
    assert "Save and submit for review" in change
    client.post(f"{EVENTS}{rejected_event.pk}/change/",
                event_form(title="Too Loud Festival", _save=None, _submit_for_review="1"))
    rejected_event.refresh_from_db()
    assert rejected_event.moderation == Event.Moderation.PENDING


def test_changing_an_approved_event_sends_it_back_for_review(client, promoter):
    event = event_for(promoter, title="Approved Show", moderation=Event.Moderation.APPROVED)
    client_for(client, promoter)
    client.post(f"{EVENTS}{event.pk}/change/", event_form(title="Approved Show, now with a new headliner"))
    event.refresh_from_db()
    assert event.title == "Approved Show, now with a new headliner"
    assert event.moderation == Event.Moderation.PENDING
