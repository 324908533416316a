"""The mood socket on a real daphne with the Redis channel layer, spoken to by a real WebSocket client."""

import asyncio
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from django.utils import timezone
from PIL import Image

from emotions.consumers import (
    CLOSE_INVALID,
    CLOSE_TOO_FAST,
    CLOSE_TOO_LARGE,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNREADABLE,
    FRAMES_PER_SECOND,
)
from emotions.models import MoodReading
from tests.conftest import session_key_for
from tests.factories import GuestFactory, UserFactory, plays_add_for

pytestmark = pytest.mark.django_db(transaction=True)

FACES = Path(__file__).resolve().parent / "faces"
# A message over daphne's own cap (1 MiB, `--websocket_max_message_size`) never reaches us: autobahn drops the
# connection without a closing handshake, which the client reads as an abnormal closure.
CLOSE_ABNORMAL = 1006


def session_cookie(user) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}"


def connect(address: str, cookie: str | None = None, **kwargs):
    headers = {"Cookie": cookie} if cookie else {}
    return websockets.connect(f"ws://{address}/ws/mood/", additional_headers=headers, origin=f"http://{address}",
                              max_size=None, **kwargs)


async def next_of(socket, kind: str, timeout: float = 20) -> dict:
    """The next message of type `kind`, passing over others (moods and lists arrive as they are ready)."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


async def close_code(socket, timeout: float = 20) -> int:
    async with asyncio.timeout(timeout):
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await socket.recv()
    return closed.value.rcvd.code if closed.value.rcvd else CLOSE_ABNORMAL


async def opened(socket) -> dict:
    """The first list, once the socket is ready."""
    assert (await next_of(socket, "ready"))["strategy"] == "match"
    return await next_of(socket, "recommendations")


async def stored(socket) -> None:
    """Everything sent before has been handled (messages are handled in order, each with its writes)."""
    await socket.send(json.dumps({"type": "ping"}))
    await next_of(socket, "pong")


def jpeg(size=(320, 240), color=(90, 120, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def webcam_frame(name: str) -> bytes:
    """A photo as the page sends it: a JPEG of at most 640×480."""
    picture = Image.open(FACES / name).convert("RGB")
    picture.thumbnail((640, 480))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def with_history(user):
    now = timezone.now()
    plays_add_for(user, *[
        (artist, track, now - timedelta(days=day, hours=hour), 3.5)
        for day in range(1, 15) for hour, (artist, track) in enumerate([
            ("Nils Frahm", "Says"), ("Ólafur Arnalds", "Saman"), ("Bonobo", "Kerala"),
            ("Phoebe Bridgers", "Motion Sickness"), ("Khruangbin", "Time (You and I)"),
        ][: 1 + day % 5])
    ])
    return user


@pytest.fixture
def listener(db):
    return with_history(UserFactory(email="listener@example.com"))


@pytest.fixture
def other_listener(db):
    return with_history(UserFactory(email="other@example.com"))


async def still_served(socket) -> None:
    """A bystander's socket, open through someone else's abuse, still reads their mood and pushes their songs."""
    await socket.send(json.dumps({"type": "pick", "mood": "happy"}))
    mood = await next_of(socket, "mood")
    songs = await next_of(socket, "recommendations")
    assert (mood["source"], mood["current"]["mood"]) == ("manual", "happy")
    assert songs["mood"] == "happy" and songs["items"]


# --- who may open it ----------------------------------------------------------------------
def test_an_anonymous_socket_is_closed_with_4401(daphne_server):
    async def scenario():
        async with connect(daphne_server) as socket:
            return await close_code(socket)

    assert asyncio.run(scenario()) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("role", ["guest", "listener", "promoter", "staff"])
def test_every_signed_in_role_gets_its_own_mood_socket(role, daphne_server):
    user = {"guest": GuestFactory, "listener": UserFactory,
            "promoter": lambda: UserFactory(role="promoter"),
            "staff": lambda: UserFactory(is_staff=True, is_superuser=True)}[role]()
    cookie = session_cookie(user)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            return await next_of(socket, "ready"), await next_of(socket, "recommendations")

    ready, songs = asyncio.run(scenario())

    assert ready == {"type": "ready", "strategy": "match", "mood": None}
    assert (songs["mood"], songs["strategy"], type(songs["items"])) == (None, "match", list)


def test_a_listeners_mood_reaches_only_their_own_sockets(daphne_server, listener, other_listener):
    mine, theirs = session_cookie(listener), session_cookie(other_listener)

    async def scenario():
        async with (connect(daphne_server, mine) as first_tab, connect(daphne_server, mine) as second_tab,
                    connect(daphne_server, theirs) as other):
            for socket in (first_tab, second_tab, other):
                await opened(socket)
            await first_tab.send(json.dumps({"type": "pick", "mood": "sad"}))
            await next_of(first_tab, "recommendations")
            heard = []
            for socket in (second_tab, other):
                await socket.send(json.dumps({"type": "ping"}))
                heard.append(json.loads(await asyncio.wait_for(socket.recv(), 20))["type"])
            return heard

    # Each socket is its own page's mood: another tab of the same listener keeps its own, nobody else hears it.
    assert asyncio.run(scenario()) == ["pong", "pong"]


# --- abuse: closed with a code, the server unharmed -----------------------------------------
ABUSES = {
    "a frame over 200 KB": (jpeg()[:2] + b"\0" * (200 * 1024), CLOSE_TOO_LARGE),
    "a malformed JPEG": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x13\x37" * 500, CLOSE_UNREADABLE),
    "bytes that are no image": (b"GIF? no, just bytes" * 20, CLOSE_UNREADABLE),
    "a 1 MB text message": ("x" * 1_000_000, CLOSE_TOO_LARGE),
    "a 1 MB JSON message": (json.dumps({"type": "text", "text": "sad " * 250_000}), CLOSE_TOO_LARGE),
    "a 2 MB text message": ("x" * 2_000_000, CLOSE_ABNORMAL),
    "words over 1,000 characters": (json.dumps({"type": "text", "text": "I am sad. " * 101}), CLOSE_TOO_LARGE),
    "text that is not JSON": ("I feel so sad", CLOSE_UNREADABLE),
    "JSON that is not an object": ('["text", "sad"]', CLOSE_UNREADABLE),
    "an unknown type": (json.dumps({"type": "dance"}), CLOSE_INVALID),
    "a message without a type": (json.dumps({"text": "sad"}), CLOSE_INVALID),
    "an unknown mood": (json.dumps({"type": "pick", "mood": "hangry"}), CLOSE_INVALID),
    "an unknown strategy": (json.dumps({"type": "strategy", "strategy": "shuffle"}), CLOSE_INVALID),
    "text without words": (json.dumps({"type": "text", "text": 42}), CLOSE_INVALID),
}


@pytest.mark.parametrize("abuse", ABUSES)
def test_an_abusive_message_closes_only_its_socket_with_a_code(abuse, daphne_server, listener, other_listener):
    mine = session_cookie(listener)
    theirs = session_cookie(other_listener)
    message, code = ABUSES[abuse]

    async def scenario():
        async with connect(daphne_server, theirs) as bystander, connect(daphne_server, mine) as abuser:
            await opened(bystander)
            await opened(abuser)
            await abuser.send(message)
            closed = await close_code(abuser)
            await still_served(bystander)
            return closed

    assert asyncio.run(scenario()) == code
    assert not MoodReading.objects.filter(user=listener).exists()


def test_two_sockets_of_one_listener_share_five_frames_a_second(daphne_server, listener, other_listener):
    mine = session_cookie(listener)
    theirs = session_cookie(other_listener)
    frame = jpeg()

    async def scenario():
        async with (connect(daphne_server, theirs) as bystander, connect(daphne_server, mine) as first,
                    connect(daphne_server, mine) as second):
            for socket in (bystander, first, second):
                await opened(socket)
            for _ in range(FRAMES_PER_SECOND):
                await first.send(frame)
            await stored(first)  # all five counted
            await second.send(frame)  # the sixth within the second, from another tab
            closed = await close_code(second)
            await stored(first)  # the first tab stays open, its frames are not refused for the other's
            await still_served(bystander)
            return closed

    assert asyncio.run(scenario()) == CLOSE_TOO_FAST


# --- words, picks and strategy ---------------------------------------------------------------
def test_sad_words_push_a_sad_mood_and_songs_for_it_and_keep_a_reading(daphne_server, listener):
    mine = session_cookie(listener)
    async def scenario():
        async with connect(daphne_server, mine) as socket:
            await opened(socket)
            await socket.send(json.dumps({"type": "text", "text": "I feel so sad"}))
            mood = await next_of(socket, "mood")
            songs = await next_of(socket, "recommendations")
            await stored(socket)
            return mood, songs

    mood, songs = asyncio.run(scenario())

    assert (mood["source"], mood["changed"], mood["current"]["mood"]) == ("text", True, "sad")
    assert mood["current"]["valence"] < 0
    assert "faces" not in mood
    assert (songs["mood"], songs["strategy"]) == ("sad", "match")
    assert {"id", "name", "artist", "reason", "score", "valence", "energy"} <= set(songs["items"][0])
    reading = MoodReading.objects.get(user=listener)
    assert (reading.source, reading.mood) == ("text", "sad")
    assert 0 < reading.confidence <= 1 and reading.valence < 0


def test_words_that_say_no_clear_mood_leave_the_mood_as_it_was(daphne_server, listener):
    mine = session_cookie(listener)
    async def scenario():
        async with connect(daphne_server, mine) as socket:
            await opened(socket)
            await socket.send(json.dumps({"type": "pick", "mood": "calm"}))
            await next_of(socket, "recommendations")
            await socket.send(json.dumps({"type": "text", "text": "The meeting moved to Thursday at three."}))
            unsure = json.loads(await asyncio.wait_for(socket.recv(), 20))
            await stored(socket)
            return unsure

    unsure = asyncio.run(scenario())

    assert unsure["type"] == "unsure" and unsure["message"]
    assert list(MoodReading.objects.filter(user=listener).values_list("source", "mood")) == [("manual", "calm")]


def test_a_picked_mood_gets_songs_for_it_and_lift_my_mood_a_fresh_list(daphne_server, listener):
    mine = session_cookie(listener)
    async def scenario():
        async with connect(daphne_server, mine) as socket:
            await opened(socket)
            await socket.send(json.dumps({"type": "pick", "mood": "calm"}))
            mood = await next_of(socket, "mood")
            calm = await next_of(socket, "recommendations")
            await socket.send(json.dumps({"type": "strategy", "strategy": "lift"}))
            lifted = await next_of(socket, "recommendations")
            await stored(socket)
            return mood, calm, lifted

    mood, calm, lifted = asyncio.run(scenario())

    assert mood["current"] == {"mood": "calm", "confidence": 1.0, "valence": 0.5, "arousal": -0.5,
                               "probabilities": {"calm": 1.0}}
    assert (calm["mood"], calm["strategy"]) == ("calm", "match") and calm["items"]
    assert (lifted["mood"], lifted["strategy"]) == ("calm", "lift") and lifted["items"]
    assert list(MoodReading.objects.filter(user=listener).values_list("source", "mood")) == [("manual", "calm")]


# --- the camera ---------------------------------------------------------------------------------
def test_a_face_on_camera_becomes_the_mood_and_its_songs_and_the_frames_are_nowhere(daphne_server, listener):
    mine = session_cookie(listener)
    frame = webcam_frame("astronaut.jpg")
    log = Path(settings.VAR_DIR) / "logs" / "daphne.log"
    logged_before = log.stat().st_size

    async def scenario():
        async with connect(daphne_server, mine) as socket:
            await opened(socket)
            readings = []
            while not readings or readings[-1]["current"] is None:  # smoothing holds a first mood a moment
                await socket.send(frame)
                readings.append(await next_of(socket, "mood"))
                await asyncio.sleep(0.5)  # the page's pace
            songs = await next_of(socket, "recommendations")
            await stored(socket)
            return readings, songs

    readings, songs = asyncio.run(scenario())

    assert {(reading["source"], reading["faces"]) for reading in readings} == {("face", 1)}
    assert readings[-1]["changed"] is True and readings[-1]["current"]["mood"] == "happy"
    assert songs["mood"] == "happy" and songs["items"]
    assert list(MoodReading.objects.filter(user=listener).values_list("source", "mood")) == [("face", "happy")]
    with log.open("rb") as written:
        written.seek(logged_before)
        logged = written.read()
    assert frame[:64] not in logged and repr(frame[:16])[2:-1].encode() not in logged


def test_a_steady_face_is_stored_at_most_once_every_ten_seconds(daphne_server, listener):
    mine = session_cookie(listener)
    frame = webcam_frame("astronaut.jpg")

    async def scenario():
        async with connect(daphne_server, mine) as socket:
            await opened(socket)
            started = asyncio.get_running_loop().time()
            moods = 0
            while asyncio.get_running_loop().time() - started < 15:
                await socket.send(frame)
                await next_of(socket, "mood")
                moods += 1
                await asyncio.sleep(0.5)
            await stored(socket)
            return moods

    moods = asyncio.run(scenario())

    readings = list(MoodReading.objects.filter(user=listener).order_by("at"))
    assert moods > 12
    assert [reading.source for reading in readings] == ["face", "face"]
    assert readings[1].at - readings[0].at >= timedelta(seconds=10)
