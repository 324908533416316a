"""Every page of the site, as the persona it is for, fits a phone (no sideways scroll at 390 px) and passes
axe-core with no serious or critical violations on a desktop and on a phone, in the light and the dark theme."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from emotions.moods import mood_picked
from emotions.services import mood_record, recommended_play_record
from events.models import Event, SavedEvent
from listening.models import Album, Artist, ImportJob, Playlist, Track
from listening.services import playlist_create, playlist_tracks_add, taste_sharing_set
from promoters.models import PromoterApplication
from tests.events.factories import EventFactory
from tests.factories import plays_add_for

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# Each page is checked in both themes, the light one on the desktop and the dark one on the phone: the layout
# does not depend on the theme, nor contrast on the width.
THEMES = {"desktop": "light", "phone": "dark"}

# `{name}` in a path is one of the `site` fixture's ids.
PAGES = [
    ("/", "anonymous"),
    ("/accounts/login/", "anonymous"),
    ("/accounts/signup/", "anonymous"),
    ("/accounts/password/reset/", "anonymous"),
    ("/accounts/3rdparty/login/cancelled/", "anonymous"),
    ("/api/docs/", "anonymous"),
    ("/", "listener"),
    ("/profile/", "listener"),
    ("/profile/delete/", "listener"),
    ("/accounts/password/change/", "listener"),
    ("/accounts/email/", "listener"),
    ("/accounts/3rdparty/", "listener"),
    ("/profile/upgrade/", "guest"),
    ("/listening/", "listener"),
    ("/listening/artists/{artist}/", "listener"),
    ("/listening/albums/{album}/", "listener"),
    ("/listening/tracks/{track}/", "listener"),
    ("/listening/import/", "listener"),
    ("/listening/import/{job}/undo/", "listener"),
    ("/listening/library/", "listener"),
    ("/listening/library/picks/", "listener"),
    ("/listening/library/playlists/{playlist}/", "listener"),
    ("/listening/taste/", "listener"),
    ("/listening/taste/{match}/", "listener"),
    ("/mood/", "listener"),
    ("/mood/history/", "listener"),
    ("/mood/history/?by=week", "listener"),
    ("/events/", "listener"),
    ("/events/?start=2020-13-45", "listener"),
    ("/events/{event}/", "listener"),
    ("/events/saved/", "listener"),
    ("/promoters/apply/", "listener"),
    ("/promoter/", "promoter"),
    ("/promoter/events/event/", "promoter"),
    ("/promoter/events/event/add/", "promoter"),
    ("/promoter/events/event/{own_event_pk}/change/", "promoter"),
    ("/promoter/events/event/analytics/", "promoter"),
    ("/promoter/events/event/{own_event_pk}/analytics/", "promoter"),
    ("/promoter/password_change/", "promoter"),
    ("/admin/", "staff"),
    ("/admin/accounts/user/", "staff"),
    ("/admin/accounts/user/{listener_pk}/change/", "staff"),
    ("/admin/listening/play/", "staff"),
    ("/admin/emotions/moodreading/", "staff"),
    ("/admin/events/event/", "staff"),
    ("/admin/events/event/{own_event_pk}/change/", "staff"),
    ("/admin/promoters/promoterapplication/", "staff"),
]
# Filters that cannot be searched are answered 400, with the page telling what to fix.
BAD_REQUEST = {"/events/?start=2020-13-45": 400}


@pytest.fixture
def site(listener, other_listener, promoter):
    """A listener with a history, a playlist, an import and a saved show; a listener sharing their taste; a
    promoter with an event and an application waiting for staff."""
    start = timezone.now() - timedelta(days=2)
    songs = [("Daft Punk", "One More Time", "Discovery"), ("Daft Punk", "Digital Love", "Discovery"),
             ("Björk", "Hyperballad", "Post"), ("Stromae", "Alors on danse", "Cheese")]
    plays = [(artist, song, album, f"spotify:track:{n:022d}") for n, (artist, song, album) in enumerate(songs)]
    plays_add_for(listener, *[
        (artist, song, start - timedelta(minutes=4 * n), 3, {"album": album, "uri": uri})
        for n, (artist, song, album, uri) in enumerate(plays * 3)
    ])
    plays_add_for(other_listener, ("Björk", "Hyperballad", start, 3, {"album": "Post", "uri": plays[2][3]}))
    taste_sharing_set(user=other_listener, public=True)
    for minutes, mood in ((60, "calm"), (40, "sad"), (20, "happy")):
        mood_record(user=listener, estimate=mood_picked(mood), source="manual", at=start - timedelta(minutes=minutes))
    recommended_play_record(user=listener, track_public_id=Track.objects.get(name="Hyperballad").public_id,
                            at=start, mood="sad", strategy="lift", reason="One of your most played")
    playlist = playlist_create(user=listener, name="Friday night")
    playlist_tracks_add(playlist=playlist, tracks=list(Track.objects.all()))
    job = ImportJob.objects.create(user=listener, upload="imports/mine.zip", filename="my_spotify_data.zip",
                                   size_bytes=1_000, status=ImportJob.Status.DONE, finished_at=timezone.now())
    event = EventFactory(title="Amsterdam Sessions", performers=[Artist.objects.get(name="Daft Punk")])
    SavedEvent.objects.create(user=listener, event=event)
    own_event = EventFactory(source=Event.Source.INTERNAL, external_id="", promoter=promoter,
                             title="Warehouse Sessions", moderation=Event.Moderation.PENDING)
    PromoterApplication.objects.create(user=other_listener, organisation="Club Night", reason="Our shows",
                                       website="https://club.example.com")
    return {
        "artist": Artist.objects.get(name="Daft Punk").public_id, "album": Album.objects.get(name="Post").public_id,
        "track": Track.objects.get(name="Hyperballad").public_id, "job": job.public_id,
        "playlist": playlist.public_id, "match": other_listener.public_id, "event": event.public_id,
        "own_event_pk": own_event.pk, "listener_pk": listener.pk,
    }


def fits_the_width(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("path", "persona"), PAGES)
def test_page_fits_a_phone_and_has_no_serious_accessibility_violations(
    page, sign_in, axe, spotify, site, request, path, persona, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.emulate_media(color_scheme=THEMES[viewport])
    if persona != "anonymous":
        sign_in(request.getfixturevalue(persona))
    url = path.format(**site)

    response = page.goto(url)

    assert response.status == BAD_REQUEST.get(url, 200) and page.url.endswith(url), f"{url} as {persona}: {page.url}"
    if url == "/api/docs/":
        expect(page.get_by_role("heading", name="Re-Wrapped API")).to_be_visible()
    if viewport == "phone":
        assert fits_the_width(page), f"{url} scrolls sideways at 390 px"
    violations = axe()
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['targets']}" for v in violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_question_answered_on_the_dashboard_fits_and_is_accessible(page, sign_in, axe, site, listener, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.emulate_media(color_scheme=THEMES[viewport])
    sign_in(listener)
    page.goto("/listening/")

    page.get_by_label("Your question").fill("my top 10 songs of all time")
    page.get_by_role("button", name="Ask").click()

    expect(page.get_by_role("table")).to_contain_text("Hyperballad")
    assert fits_the_width(page)
    violations = axe()
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['targets']}" for v in violations)
