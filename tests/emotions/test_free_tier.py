"""The free tier's gate on recommended songs (emotions.services.recommended_play_record, through billing's ledger):
five free songs per listener whatever the way in (the API, the mood socket, a second tab, a new sign-in, two
requests at once), none counted while Premium, and the plays recorded before billing counted once by migration."""

import asyncio
import json
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

import pytest
import requests
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from djstripe.models import Customer, Subscription
from rest_framework.test import APIClient

from billing.models import SongUse
from billing.selectors import RENEWAL_GRACE
from emotions.consumers import CLOSE_INVALID
from emotions.models import RecommendedPlay
from listening.models import Artist, Track
from tests.conftest import client_for
from tests.emotions.test_api import history
from tests.emotions.test_consumer import close_code, connect, next_of, session_cookie
from tests.factories import PASSWORD
from tests.fakes import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)

PLAYS = "/api/v1/emotions/plays/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def catalog(count: int = 8) -> list[Track]:
    artist = Artist.objects.create(name="Nils Frahm", name_key="nils frahm")
    return [Track.objects.create(artist=artist, name=f"Song {n}", name_key=f"song {n}") for n in range(count)]


def play(client, song: Track):
    return client.post(PLAYS, {"track": str(song.public_id), "mood": "calm", "strategy": "match",
                               "reason": "You played this a lot when calm"}, format="json")


def counted(user) -> tuple[int, int, int]:
    """What is stored: recommended plays, free songs used, songs played while Premium."""
    return (RecommendedPlay.objects.filter(user=user).count(), SongUse.objects.filter(user=user, premium=False).count(),
            SongUse.objects.filter(user=user, premium=True).count())


# --- Premium, as Stripe's webhooks leave it in dj-stripe's tables ---------------------------------------------
@cache
def _stripe_mock() -> dict:
    return json.loads((FIXTURES / "stripe" / "stripe-mock__fixtures3.json").read_text())["resources"]


def premium_start(user) -> Subscription:
    """The listener's customer and an active monthly subscription, in Stripe's current shapes (stripe-mock's
    fixtures: the period on the subscription's item), as dj-stripe stores them when the webhooks come in."""
    now = int(timezone.now().timestamp())
    customer_data = {**_stripe_mock()["customer"], "id": f"cus_{user.pk}", "created": now,
                     "metadata": {"djstripe_subscriber": str(user.pk)}}
    customer = Customer.objects.create(id=customer_data["id"], subscriber=user, livemode=False,
                                       stripe_data=customer_data)
    template = _stripe_mock()["subscription"]
    item = {**template["items"]["data"][0], "current_period_start": now, "current_period_end": now + 30 * 86400}
    data = {**template, "id": f"sub_{user.pk}", "customer": customer.id, "status": "active", "created": now,
            "start_date": now, "cancel_at": None, "canceled_at": None, "ended_at": None,
            "cancel_at_period_end": False, "items": {**template["items"], "data": [item]}}
    return Subscription.objects.create(id=data["id"], customer=customer, livemode=False, stripe_data=data,
                                       created=timezone.now())


def premium_end(subscription: Subscription) -> None:
    """customer.subscription.deleted: Stripe ended it (cancelled, or unpaid after the retries)."""
    now = int(timezone.now().timestamp())
    subscription.stripe_data = {**subscription.stripe_data, "status": "canceled", "canceled_at": now,
                                "ended_at": now}
    subscription.save()


# --- the API ------------------------------------------------------------------------------------------------
def test_a_free_listener_plays_five_recommended_songs_and_the_sixth_asks_for_premium(listener):
    songs = catalog()
    client = api(listener)

    answers = [play(client, song) for song in songs[:5]]
    sixth = play(client, songs[5])

    assert [a.status_code for a in answers] == [201] * 5
    assert [a.json()["free_songs_remaining"] for a in answers] == [4, 3, 2, 1, 0]
    assert answers[0].json()["track"]["name"] == "Song 0"
    assert sixth.status_code == 402
    error = sixth.json()["error"]
    assert error["code"] == "premium_required"
    assert "5 free recommended songs" in error["message"] and "Premium" in error["message"]
    assert error["upgrade_url"].endswith("/billing/upgrade/") and error["fields"] == {}
    # The refused song left nothing behind: not in the list of plays, not in the ledger.
    assert counted(listener) == (5, 5, 0)
    assert [p["track"]["name"] for p in client.get(PLAYS).json()["results"]] == [f"Song {n}" for n in range(4, -1, -1)]


def test_the_same_song_played_again_is_another_free_song(listener):
    song = catalog(1)[0]
    client = api(listener)

    answers = [play(client, song).status_code for _ in range(6)]

    assert answers == [201] * 5 + [402]
    assert counted(listener) == (5, 5, 0)


def test_songs_for_a_mood_say_how_many_free_songs_are_left(listener):
    songs = catalog()
    client = api(listener)
    assert client.get("/api/v1/emotions/recommendations/").json()["free_songs_remaining"] == 5

    play(client, songs[0])
    play(client, songs[1])

    assert client.get("/api/v1/emotions/recommendations/?mood=sad").json()["free_songs_remaining"] == 3
    told = client.post("/api/v1/emotions/moods/", {"mood": "happy"}, format="json").json()
    assert told["recommendations"]["free_songs_remaining"] == 3
    premium_start(listener)
    assert client.get("/api/v1/emotions/recommendations/").json()["free_songs_remaining"] is None


def test_each_listener_has_their_own_five(listener, other_listener):
    songs = catalog()
    for song in songs[:5]:
        play(api(listener), song)

    theirs = play(api(other_listener), songs[0])

    assert theirs.status_code == 201 and theirs.json()["free_songs_remaining"] == 4
    assert play(api(listener), songs[0]).status_code == 402


def test_signing_out_and_in_again_or_a_token_does_not_reset_the_count(listener):
    songs = catalog()
    browser = client_for(Client(), listener)
    for song in songs[:3]:
        assert browser.post(PLAYS, {"track": str(song.public_id)}, content_type="application/json").status_code == 201
    browser.logout()
    assert browser.post(PLAYS, {"track": str(songs[3].public_id)},
                        content_type="application/json").status_code in (401, 403)

    client_for(browser, listener)
    fourth = browser.post(PLAYS, {"track": str(songs[3].public_id)}, content_type="application/json")
    token = APIClient().post("/api/v1/auth/token/", {"email": listener.email, "password": PASSWORD},
                             format="json").json()["access"]
    phone = APIClient()
    phone.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    fifth, sixth = play(phone, songs[4]), play(phone, songs[5])

    assert (fourth.json()["free_songs_remaining"], fifth.json()["free_songs_remaining"]) == (1, 0)
    assert sixth.status_code == 402
    assert counted(listener) == (5, 5, 0)


# --- at once ------------------------------------------------------------------------------------------------
# billing.services.song_use_record queues one listener's plays on this advisory lock (the first of its two keys;
# the second is the listener's id).
SONG_LOCK = 7_140_001


@contextmanager
def song_lock_held(user):
    """Billing's lock on the listener's free songs, held by a connection of its own until the block ends."""
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SONG_LOCK, user.pk])
        yield
    finally:
        holder.rollback()
        holder.close()


def waiting_on_song_lock(user) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND objsubid = 2 AND NOT granted", [SONG_LOCK, user.pk])
        return cursor.fetchone()[0]


def at_once(url: str, user, songs: list[Track]) -> tuple[list[int], int]:
    """POST a play of each song, each from its own thread and connection, while the listener's free songs are
    locked: the plays are let go together once every one of them waits for the lock (or no more can come). Answers
    the statuses, and how many plays were waiting at once."""
    token = token_for(user)
    statuses = [None] * len(songs)

    def post(n: int) -> None:
        statuses[n] = requests.post(f"{url}{PLAYS}", json={"track": str(songs[n].public_id)}, timeout=60,
                                    headers={"Authorization": f"Bearer {token}"}).status_code

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(songs))]
    with song_lock_held(user):
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while (waiting_on_song_lock(user) < len(songs) and any(thread.is_alive() for thread in threads)
               and time.monotonic() < deadline):
            time.sleep(0.01)
        waiting = waiting_on_song_lock(user)
    for thread in threads:
        thread.join()
    return statuses, waiting


def token_for(user) -> str:
    return APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD},
                            format="json").json()["access"]


def test_two_requests_at_once_for_the_sixth_song_count_it_once(live_server, listener):
    songs = catalog()
    for song in songs[:4]:
        play(api(listener), song)

    statuses, waiting = at_once(live_server.url, listener, songs[4:6])

    assert waiting == 2  # both were in flight together, each with its play written, neither counted yet
    assert sorted(statuses) == [201, 402]
    assert counted(listener) == (5, 5, 0)


def test_eight_requests_at_once_never_overrun_the_five_free_songs(live_server, listener):
    songs = catalog(8)

    statuses, waiting = at_once(live_server.url, listener, songs)

    assert waiting == 8
    assert sorted(statuses) == [201] * 5 + [402] * 3
    assert counted(listener) == (5, 5, 0)


# --- Premium --------------------------------------------------------------------------------------------------
def test_a_premium_listener_plays_without_limit_and_those_songs_never_count(listener):
    songs = catalog()
    client = api(listener)
    play(client, songs[0])
    play(client, songs[1])
    subscription = premium_start(listener)

    while_premium = [play(client, song) for song in songs * 2]

    assert {(a.status_code, a.json()["free_songs_remaining"]) for a in while_premium} == {(201, None)}
    assert counted(listener) == (18, 2, 16)

    premium_end(subscription)
    after = [play(client, song) for song in songs[:4]]

    # The gate is back from the next song, with the three free songs left from before Premium.
    assert [a.status_code for a in after] == [201, 201, 201, 402]
    assert [a.json()["free_songs_remaining"] for a in after[:3]] == [2, 1, 0]
    assert counted(listener) == (21, 5, 16)


def test_a_paid_period_that_ran_out_without_renewal_is_free_again_from_the_next_song(listener):
    songs = catalog()
    client = api(listener)
    subscription = premium_start(listener)
    assert play(client, songs[0]).json()["free_songs_remaining"] is None

    # Stripe has not said a word (no renewal, no deletion): the period paid for is over, and so is the grace a
    # late renewal webhook is given.
    data = subscription.stripe_data
    ended = timezone.now() - RENEWAL_GRACE - timedelta(minutes=1)
    item = {**data["items"]["data"][0], "current_period_end": int(ended.timestamp())}
    subscription.stripe_data = {**data, "items": {**data["items"], "data": [item]}}
    subscription.save()
    answer = play(client, songs[1])

    assert (answer.status_code, answer.json()["free_songs_remaining"]) == (201, 4)
    assert counted(listener) == (2, 1, 1)


def test_premium_bought_after_the_free_songs_ran_out_plays_on_at_once(listener):
    songs = catalog()
    client = api(listener)
    for song in songs[:5]:
        play(client, song)
    assert play(client, songs[5]).status_code == 402

    premium_start(listener)

    assert play(client, songs[5]).status_code == 201


# --- the mood socket ------------------------------------------------------------------------------------------
async def play_on(socket, song: Track, **extra) -> dict:
    await socket.send(json.dumps({"type": "play", "track": str(song.public_id), **extra}))
    async with asyncio.timeout(20):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] in ("play.recorded", "upgrade.required"):
                return message


def test_the_socket_plays_songs_and_asks_for_premium_with_a_message_and_stays_open(daphne_server, listener):
    songs = catalog()
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as first_tab, connect(daphne_server, cookie) as second_tab:
            opened = await next_of(first_tab, "recommendations")
            await next_of(second_tab, "recommendations")
            heard = [await play_on(first_tab, songs[0], mood="sad", strategy="lift", reason="Lifts you up")]
            heard.append(await play_on(second_tab, songs[1]))
            heard.append(await play_on(first_tab, songs[2]))
            await asyncio.to_thread(play, api(listener), songs[3])  # the API shares the count
            heard.append(await play_on(second_tab, songs[4]))
            heard.append(await play_on(first_tab, songs[5]))
            heard.append(await play_on(second_tab, songs[6]))
            await first_tab.send(json.dumps({"type": "ping"}))
            return opened, heard, await next_of(first_tab, "pong")

    opened, heard, pong = asyncio.run(scenario())

    assert opened["free_songs_remaining"] == 5
    assert [m["type"] for m in heard] == ["play.recorded"] * 4 + ["upgrade.required"] * 2
    assert [m["free_songs_remaining"] for m in heard[:4]] == [4, 3, 2, 0]
    first = heard[0]["play"]
    assert (first["track"]["id"], first["mood"], first["strategy"], first["reason"]) == (
        str(songs[0].public_id), "sad", "lift", "Lifts you up")
    assert first["id"] == str(RecommendedPlay.objects.get(track=songs[0]).public_id)
    refused = heard[4]
    assert refused["code"] == "premium_required" and "Premium" in refused["message"]
    assert refused["upgrade_url"].endswith("/billing/upgrade/")
    assert pong == {"type": "pong"}  # still open
    assert counted(listener) == (5, 5, 0)


def test_a_premium_listener_hears_no_count_on_the_socket(daphne_server, listener):
    songs = catalog()
    premium_start(listener)
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            opened = await next_of(socket, "recommendations")
            return opened, [await play_on(socket, song) for song in songs[:7]]

    opened, heard = asyncio.run(scenario())

    assert opened["free_songs_remaining"] is None
    assert {(m["type"], m["free_songs_remaining"]) for m in heard} == {("play.recorded", None)}
    assert counted(listener) == (7, 0, 7)


# --- with no free song left, a song reaches Spotify only through its play --------------------------------------
RECOMMENDATIONS = "/api/v1/emotions/recommendations/"


def spotify_ids(songs: dict) -> set:
    assert songs["items"]
    return {item["spotify_id"] for item in songs["items"]}


def test_with_no_free_song_left_the_songs_come_without_spotify_ids(daphne_server, listener):
    songs = history(listener)
    client = api(listener)
    for song in songs + songs[:1]:
        play(client, song)
    one_left = client.get(RECOMMENDATIONS).json()
    fifth = play(client, songs[1])

    used_up = client.get(f"{RECOMMENDATIONS}?mood=sad").json()
    told = client.post("/api/v1/emotions/moods/", {"mood": "happy"}, format="json").json()["recommendations"]

    cookie = session_cookie(listener)

    async def on_the_socket():
        async with connect(daphne_server, cookie) as socket:
            return await next_of(socket, "recommendations")

    heard = asyncio.run(on_the_socket())
    sixth = play(client, songs[2])

    assert (one_left["free_songs_remaining"], spotify_ids(one_left)) == (1, {song.spotify_id for song in songs})
    # The fifth play, the last free one, still names its song on Spotify.
    assert (fifth.status_code, fifth.json()["track"]["spotify_id"]) == (201, songs[1].spotify_id)
    for answer in (used_up, told, heard):
        assert (answer["free_songs_remaining"], spotify_ids(answer)) == (0, {None})
        assert {item["name"] for item in answer["items"]} <= {song.name for song in songs}
    assert (sixth.status_code, sixth.json()["error"]["code"]) == (402, "premium_required")
    assert counted(listener) == (5, 5, 0)

    premium_start(listener)
    premium = client.get(RECOMMENDATIONS).json()
    played = play(client, songs[2])

    assert (premium["free_songs_remaining"], spotify_ids(premium)) == (None, {song.spotify_id for song in songs})
    assert (played.status_code, played.json()["track"]["spotify_id"]) == (201, songs[2].spotify_id)


BAD_PLAYS = {
    "no song": {"type": "play"},
    "a song id that is no id": {"type": "play", "track": "song-1"},
    "a song not in the catalog": {"type": "play", "track": str(uuid.UUID(int=1))},
    "an unknown mood": {"type": "play", "track": "{song}", "mood": "hangry"},
    "an unknown strategy": {"type": "play", "track": "{song}", "strategy": "shuffle"},
    "a reason over 200 characters": {"type": "play", "track": "{song}", "reason": "x" * 201},
}


@pytest.mark.parametrize("bad", BAD_PLAYS)
def test_a_bad_play_closes_the_socket_with_4400_and_counts_nothing(bad, daphne_server, listener):
    song = catalog(1)[0]
    message = json.dumps(BAD_PLAYS[bad]).replace("{song}", str(song.public_id))
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await next_of(socket, "ready")
            await socket.send(message)
            return await close_code(socket)

    assert asyncio.run(scenario()) == CLOSE_INVALID
    assert counted(listener) == (0, 0, 0)


# --- the plays recorded before billing ---------------------------------------------------------------------------
BEFORE_BACKFILL = [("emotions", "0002_track_moods")]


def migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def test_the_plays_recorded_before_billing_are_counted_once(listener, other_listener):
    songs = catalog()
    already = api(listener).post(PLAYS, {"track": str(songs[0].public_id)}, format="json").json()
    migrate(BEFORE_BACKFILL)
    try:
        at = timezone.now() - timedelta(days=30)
        RecommendedPlay.objects.bulk_create(
            [RecommendedPlay(user=listener, track=song, played_at=at + timedelta(minutes=n))
             for n, song in enumerate(songs[1:4])]
            + [RecommendedPlay(user=other_listener, track=song, played_at=at) for song in songs])
    finally:
        migrate()
    migrate(BEFORE_BACKFILL)  # and once more: still counted once
    migrate()

    assert counted(listener) == (4, 4, 0)
    assert counted(other_listener) == (8, 8, 0)
    kept = SongUse.objects.get(play_key=f"recommended-play:{already['id']}")
    oldest = RecommendedPlay.objects.filter(user=listener).order_by("played_at").first()
    assert SongUse.objects.get(play_key=f"recommended-play:{oldest.public_id}").at == oldest.played_at
    assert kept.user == listener
    assert api(listener).get("/api/v1/emotions/recommendations/").json()["free_songs_remaining"] == 1
    assert play(api(other_listener), songs[0]).status_code == 402
