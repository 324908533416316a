"""What listeners hear about shows (events/notices.py): a saved show's new date, cancellation or postponement,
and a show announced in their country by an artist they play a lot. Each arrives once, on the notifications
socket's group and by email, only after the fetch that found it has committed."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from events.ingest import events_fetch
from events.models import Event, EventNotice, SavedEvent
from events.notices import notice_text
from events.providers import EventQuery
from listening.services import period_totals_rebuild
from rewrapped.realtime import user_group
from tests.conftest import session_key_for
from tests.events.factories import EventFactory
from tests.factories import UserFactory, plays_add_for
from tests.fakes.jambase import jb_event
from tests.fakes.ticketmaster import tm_event

pytestmark = pytest.mark.django_db


class OpenPage:
    """A listener's open page, as the notifications consumer sees it: a channel in the user's group."""

    def __init__(self, user):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group(user.pk), self.channel)

    def messages(self) -> list[dict]:
        received = []
        while True:
            try:
                received.append(async_to_sync(self._receive)())
            except TimeoutError:
                return received

    async def _receive(self):
        return await asyncio.wait_for(self.layer.receive(self.channel), 0.5)


def saved_show(ticketmaster, fetch, *savers, **show):
    ticketmaster.add(tm_event(**{"id": "tm1", "name": "Fontaines D.C.", "performers": ["Fontaines D.C."],
                                 "local": "2030-03-10T20:00", "venue": "Paradiso", **show}))
    fetch()
    event = Event.objects.get(external_id=show.get("id", "tm1"))
    for user in savers:
        SavedEvent.objects.create(user=user, event=event)
    return event


def test_a_cancelled_show_is_told_once_to_everyone_who_saved_it(ticketmaster, fetch, listener, other_listener,
                                                                 mailoutbox):
    bystander = UserFactory()
    saved_show(ticketmaster, fetch, listener, other_listener)
    page, elsewhere = OpenPage(listener), OpenPage(bystander)

    ticketmaster.change("tm1", status="cancelled")
    fetch()
    fetch()  # the same news again

    [message] = page.messages()
    assert message["type"] == "notify" and message["payload"]["kind"] == "event.cancelled"
    assert message["payload"]["message"] == "Fontaines D.C. at Paradiso, Amsterdam has been cancelled."
    assert elsewhere.messages() == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([listener.email, other_listener.email])
    assert mailoutbox[0].subject == "Cancelled: Fontaines D.C."
    assert EventNotice.objects.filter(kind="cancelled").count() == 2


def test_a_new_date_is_told_in_the_venues_time_and_each_new_date_again(ticketmaster, fetch, listener, mailoutbox):
    saved_show(ticketmaster, fetch, listener)

    ticketmaster.change("tm1", local="2030-04-02T21:00", status="rescheduled")
    fetch()
    ticketmaster.change("tm1", local="2030-05-20T19:30")
    fetch()

    assert [mail.subject for mail in mailoutbox] == ["New date: Fontaines D.C."] * 2
    assert "has a new date: Tue 2 Apr 2030, 21:00 CEST." in mailoutbox[0].body
    assert "Mon 20 May 2030, 19:30 CEST" in mailoutbox[1].body
    assert list(EventNotice.objects.filter(user=listener).values_list("kind", "detail").order_by("pk")) == [
        ("rescheduled", "2030-04-02T19:00Z"), ("rescheduled", "2030-05-20T17:30Z")]


def test_a_postponed_show_is_told_and_nothing_is_sent_when_nothing_changed(ticketmaster, fetch, listener,
                                                                           mailoutbox):
    saved_show(ticketmaster, fetch, listener)
    fetch()
    assert mailoutbox == []

    ticketmaster.change("tm1", status="postponed")
    fetch()

    assert [mail.subject for mail in mailoutbox] == ["Postponed: Fontaines D.C."]
    assert Event.objects.get().status == "postponed"


def test_a_second_provider_disagreeing_on_the_time_sends_nothing(ticketmaster, jambase, fetch, listener,
                                                                  mailoutbox):
    saved_show(ticketmaster, fetch, listener)
    jambase.add(jb_event(id="5", name="Fontaines D.C. at Paradiso", performers=["Fontaines D.C."],
                         local="2030-03-10T20:30:00", venue="Paradiso", status="postponed"))

    fetch("jambase")

    assert mailoutbox == [] and not EventNotice.objects.exists()


# --- announcements ---------------------------------------------------------------------------------------------
def fan_of(artist, *, country, plays=30, others=None):
    """A listener in `country` who has played `artist` a lot (and each of `others` so many times), with their
    period totals built."""
    user = UserFactory(country=country)
    start = datetime.now(UTC) - timedelta(days=60)
    rows = [(artist, f"Song {n}", start + timedelta(hours=n), 4) for n in range(plays)]
    rows += [(other, f"Song {n}", start + timedelta(days=2, minutes=10 * len(rows) + 5 * n), 3)
             for other, times in (others or {}).items() for n in range(times)]
    plays_add_for(user, *rows)
    period_totals_rebuild(user=user)
    return user


def test_a_show_by_an_artist_a_listener_plays_a_lot_is_announced_to_them_in_their_country_once(
    ticketmaster, jambase, fetch, mailoutbox
):
    fan = fan_of("Arctic Monkeys", country="NL")
    abroad = fan_of("Arctic Monkeys", country="DE")
    # Arctic Monkeys once, among 25 bands played more: not in this listener's top 20.
    casual = fan_of("Taylor Swift", country="NL", plays=50,
                    others={**{f"Band {n}": 2 for n in range(25)}, "Arctic Monkeys": 1})
    page = OpenPage(fan)
    ticketmaster.add(tm_event(id="am", name="Arctic Monkeys", performers=["Arctic Monkeys"],
                              local="2030-06-14T20:30", country="NL"))

    fetch()
    fetch()
    jambase.add(jb_event(id="am", name="Arctic Monkeys at Ziggo Dome", performers=["Arctic Monkeys"],
                         local="2030-06-14T20:30:00", country="NL"))
    fetch("jambase")

    [notice] = EventNotice.objects.all()
    assert (notice.user, notice.kind) == (fan, "announced")
    [message] = page.messages()
    assert message["payload"]["kind"] == "event.announced"
    assert message["payload"]["message"] == "Arctic Monkeys plays Ziggo Dome, Amsterdam on Fri 14 Jun 2030, 20:30 CEST."
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        ([fan.email], "Arctic Monkeys announced a show near you")]
    assert not EventNotice.objects.filter(user__in=[abroad, casual]).exists()


def test_a_show_already_over_is_not_announced(ticketmaster, fetch, mailoutbox):
    fan_of("Arctic Monkeys", country="NL")
    ticketmaster.add(tm_event(id="old", name="Arctic Monkeys", performers=["Arctic Monkeys"],
                              local="2020-06-14T20:30", country="NL"))

    fetch()

    assert Event.objects.count() == 1 and mailoutbox == [] and not EventNotice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_listener_with_the_page_open_sees_the_cancellation_on_the_notifications_socket(
    ticketmaster, daphne_server
):
    listener = UserFactory()
    ticketmaster.add(tm_event(id="tm1", name="Fontaines D.C.", performers=["Fontaines D.C."],
                              local="2030-03-10T20:00", venue="Paradiso"))
    events_fetch(source="ticketmaster", query=EventQuery())
    event = Event.objects.get()
    SavedEvent.objects.create(user=listener, event=event)
    ticketmaster.change("tm1", status="cancelled")
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key_for(listener)}"

    async def scenario():
        address = f"ws://{daphne_server}/ws/notifications/"
        async with websockets.connect(address, additional_headers={"Cookie": cookie},
                                      origin=f"http://{daphne_server}") as socket:
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "ready"
            await asyncio.to_thread(events_fetch, source="ticketmaster", query=EventQuery())
            return json.loads(await asyncio.wait_for(socket.recv(), 10))

    message = asyncio.run(scenario())

    assert message["type"] == "notify" and message["kind"] == "event.cancelled"
    assert message["message"] == "Fontaines D.C. at Paradiso, Amsterdam has been cancelled."
    assert message["url"].endswith(f"/events/{event.public_id}/")


@pytest.mark.django_db
def test_a_show_by_two_artists_is_announced_in_a_sentence_that_agrees():
    event = EventFactory(performer_names=["Arctic Monkeys", "Royal Blood"], venue="Ziggo Dome")

    subject, message = notice_text(EventNotice(event=event, kind=EventNotice.Kind.ANNOUNCED))

    assert subject == "Arctic Monkeys and Royal Blood announced a show near you"
    assert message.startswith("Arctic Monkeys and Royal Blood play Ziggo Dome, Amsterdam on ")
