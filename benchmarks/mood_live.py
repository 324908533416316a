"""Live mood on one daphne (the Redis channel layer, the face model, the recommender): how soon a frame becomes
pushed songs, and how many camera sockets one daphne keeps answering. Run by benchmarks/mood.py.

1. Latency, one socket of a listener with a real history (the shared extended export, imported once): frame →
   mood pushed, for every frame; a frame that changes the mood → its recommendations pushed (a smiling and a
   straight face in turn, at the page's 2 frames a second); words that change the mood → recommendations pushed.
2. Capacity: N camera sockets, one listener each (a listener's sockets share 5 frames a second), each a mood page
   for --seconds: a face frame every 500 ms once the last was answered (or after 2 s without an answer). Per
   step: frames sent, processed (a mood came back) and dropped (never answered); frame → mood p50/p95 counted
   from the latest frame sent, and p95 from the first sent since the socket's previous reply (the two differ
   only when an unanswered frame was followed by another); p95 over the first and the last third of the step
   (a backlog would grow it); the fewest replies any one socket got a second; daphne's resident memory after
   each step; opening → first list of songs; sockets the server closed, by code.

Runs against the embedded servers under var/ (or DATABASE_URL / REDIS_URL); the client shares the machine.
"""

import asyncio
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

from accounts.models import User  # noqa: E402
from listening.models import Play  # noqa: E402
from listening.services import import_job_create, import_job_run  # noqa: E402
from tests.fakes import FIXTURES  # noqa: E402
from tests.uploads import server_start  # noqa: E402

FACES = ROOT / "tests" / "emotions" / "faces"
EXPORT = FIXTURES / "spotify_export" / "extended" / "Streaming_History_Audio_2023.json"
# The mood page's pace: a frame every 500 ms, once the last was answered or 2 s have passed (a dropped frame is
# never answered).
FRAME_EVERY = 0.5
ANSWER_WAIT = 2.0


def webcam_frame(name: str) -> bytes:
    """A face photo as the mood page sends a camera frame: 320 wide, JPEG quality 70."""
    picture = Image.open(FACES / name).convert("RGB")
    picture.thumbnail((320, 320 * picture.height // picture.width))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def listener_with_history() -> User:
    user, _ = User.objects.get_or_create(username="benchmark-mood", defaults={"email": "bench-mood@example.com"})
    if not Play.objects.filter(user=user).exists():
        with open(EXPORT, "rb") as handle:
            job = import_job_create(user=user, upload=File(handle, name=EXPORT.name))
        job = import_job_run(job_id=job.pk)
        assert job.status == "done", job.error
        print(f"imported {job.summary['added']:,} plays for the benchmark listener")
    return user


def cookie_for(user: User) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def connect(address: str, cookie: str):
    return websockets.connect(f"ws://{address}/ws/mood/", additional_headers={"Cookie": cookie},
                              origin=f"http://{address}", open_timeout=120, ping_interval=None, max_size=None)


async def next_of(socket, kind: str, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def ms(samples: list[float]) -> str:
    if not samples:
        return "none"
    return f"p50 {percentile(samples, 0.5) * 1000:.0f} ms, p95 {percentile(samples, 0.95) * 1000:.0f} ms " \
           f"(n={len(samples)})"


async def first_reply(socket, frame: bytes) -> None:
    """Frames until one is read: the first socket's daphne loads a face model per detection thread, and frames
    that find them all loading are dropped."""
    while True:
        await socket.send(frame)
        try:
            return await next_of(socket, "mood", timeout=FRAME_EVERY)
        except TimeoutError:
            pass


# --- 1. latency -------------------------------------------------------------------------------
async def latency(address: str, cookie: str, frames: dict[str, bytes], changes: int) -> dict:
    to_mood, to_songs, words_to_songs = [], [], []
    async with connect(address, cookie) as socket:
        await next_of(socket, "recommendations")
        await first_reply(socket, frames["happy"])
        wanted = "happy"
        while len(to_songs) < changes:
            sent = time.perf_counter()
            await socket.send(frames[wanted])
            mood = await next_of(socket, "mood")
            to_mood.append(time.perf_counter() - sent)
            current = (mood["current"] or {}).get("mood")
            if mood["changed"] and current == wanted:
                await next_of(socket, "recommendations")
                to_songs.append(time.perf_counter() - sent)
                wanted = "neutral" if wanted == "happy" else "happy"
            await asyncio.sleep(max(0.0, FRAME_EVERY - (time.perf_counter() - sent)))
        for words in ["I feel so sad and lonely tonight", "I'm so happy, what a great day!"] * 15:
            sent = time.perf_counter()
            await socket.send(json.dumps({"type": "text", "text": words}))
            mood = await next_of(socket, "mood")
            if mood["changed"]:
                await next_of(socket, "recommendations")
                words_to_songs.append(time.perf_counter() - sent)
            await asyncio.sleep(max(0.0, FRAME_EVERY - (time.perf_counter() - sent)))
    return {"to_mood": to_mood, "to_songs": to_songs, "words_to_songs": words_to_songs}


# --- 2. capacity ------------------------------------------------------------------------------
class Camera:
    """One page sending a frame every 500 ms and reading what comes back."""

    def __init__(self):
        self.sent = self.processed = 0
        self.unanswered: list[float] = []  # when each frame since the last reply was sent
        # (when, seconds): from the latest frame sent (exact while frames take under 500 ms), and from the first
        # sent since the last reply (an upper bound once frames are dropped).
        self.latest: list[tuple[float, float]] = []
        self.first: list[float] = []
        self.closed: int | None = None  # the code, if the server closed the socket
        self.opened = time.perf_counter()
        self.first_list: float | None = None  # seconds from opening to the first list of songs

    async def run(self, socket, frame: bytes, until: float) -> None:
        reader = asyncio.create_task(self.read(socket))
        await asyncio.sleep(random.uniform(0, FRAME_EVERY))
        due = time.perf_counter()
        try:
            while due < until:
                if not self.unanswered or time.perf_counter() - self.unanswered[-1] >= ANSWER_WAIT:
                    await socket.send(frame)
                    self.sent += 1
                    self.unanswered.append(time.perf_counter())
                # As a page's timer: a late tick is not made up for with a burst.
                due = max(due + FRAME_EVERY, time.perf_counter())
                await asyncio.sleep(due - time.perf_counter())
            await asyncio.sleep(2)  # replies to the last frames still count
        except websockets.ConnectionClosed:
            pass
        reader.cancel()

    async def read(self, socket) -> None:
        try:
            async for raw in socket:
                kind = json.loads(raw)["type"]
                if kind == "recommendations" and self.first_list is None:
                    self.first_list = time.perf_counter() - self.opened
                if kind == "mood":
                    now = time.perf_counter()
                    self.processed += 1
                    if self.unanswered:
                        self.latest.append((now, now - self.unanswered[-1]))
                        self.first.append(now - self.unanswered[0])
                    self.unanswered = []
        except websockets.ConnectionClosed as closed:
            self.closed = closed.rcvd.code if closed.rcvd else 1006


async def capacity(address: str, cookies: list[str], frame: bytes, seconds: float) -> dict:
    cameras = [Camera() for _ in cookies]
    sockets = await asyncio.gather(*(connect(address, cookie) for cookie in cookies))
    await asyncio.gather(*(next_of(socket, "ready", timeout=120) for socket in sockets))
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(camera.run(socket, frame, until) for camera, socket in zip(cameras, sockets)))
    await asyncio.gather(*(socket.close() for socket in sockets))
    samples = [(at - started, seconds_) for camera in cameras for at, seconds_ in camera.latest]
    third = seconds / 3
    return {
        "sent": sum(camera.sent for camera in cameras),
        "processed": sum(camera.processed for camera in cameras),
        "latencies": [value for _, value in samples],
        "upper": [value for camera in cameras for value in camera.first],
        "first_third": [value for at, value in samples if at < third],
        "last_third": [value for at, value in samples if at >= seconds - third],
        "slowest_socket_per_s": min(camera.processed for camera in cameras) / seconds,
        "closed": sorted(camera.closed for camera in cameras if camera.closed is not None),
        "first_list": [camera.first_list for camera in cameras if camera.first_list is not None],
    }


def run(*, steps: list[int], seconds: float, changes: int) -> None:
    call_command("migrate", verbosity=0)
    # A smiling face and a straight one: their moods (happy, neutral) differ by more than the hysteresis margin.
    frames = {"happy": webcam_frame("astronaut.jpg"), "neutral": webcam_frame("grace_hopper.jpg")}
    listener = listener_with_history()
    listener_cookie = cookie_for(listener)
    cameras = [User.objects.get_or_create(username=f"benchmark-mood-{i}",
                                          defaults={"email": f"bench-mood-{i}@example.com"})[0]
               for i in range(max(steps))]
    camera_cookies = [cookie_for(user) for user in cameras]

    daphne, address = server_start([sys.executable, "-m", "rewrapped.serve", "--websocket_connect_timeout", "120",
                                    "-b", "127.0.0.1", "-p", "{port}", "rewrapped.asgi:application"])
    process = psutil.Process(daphne.pid)
    try:
        print(f"one daphne, {settings.MOOD_DETECTION_THREADS} detection threads, {os.cpu_count()} cores shared "
              f"with the client; frames {len(frames['happy']) // 1024} KB and {len(frames['neutral']) // 1024} KB")
        figures = asyncio.run(latency(address, listener_cookie, frames, changes))
        print(f"latency, one socket, a listener with {Play.objects.filter(user=listener).count():,} plays:")
        print(f"  frame → mood pushed:                        {ms(figures['to_mood'])}")
        print(f"  frame that changes the mood → songs pushed: {ms(figures['to_songs'])}")
        print(f"  words that change the mood → songs pushed:  {ms(figures['words_to_songs'])}")
        print(f"  daphne RSS {process.memory_info().rss / 2**20:.0f} MB")

        print(f"capacity, each socket a frame every {FRAME_EVERY * 1000:.0f} ms once answered, "
              f"for {seconds:.0f} s:")
        for count in steps:
            step = asyncio.run(capacity(address, camera_cookies[:count], frames["happy"], seconds))
            dropped = step["sent"] - step["processed"]
            print(f"  {count:4d} sockets: sent {step['sent']:,}, processed {step['processed']:,} "
                  f"({step['processed'] / seconds:.0f}/s), dropped {dropped:,} "
                  f"({dropped / max(step['sent'], 1):.0%}); frame → mood {ms(step['latencies'])}, "
                  f"at most p95 {percentile(step['upper'], 0.95) * 1000:.0f} ms")
            print(f"               p95 first third {percentile(step['first_third'], 0.95) * 1000:.0f} ms, "
                  f"last third {percentile(step['last_third'], 0.95) * 1000:.0f} ms; the slowest socket "
                  f"{step['slowest_socket_per_s']:.2f} replies/s; daphne RSS "
                  f"{process.memory_info().rss / 2**20:.0f} MB")
            closed = {code: step["closed"].count(code) for code in sorted(set(step["closed"]))}
            print(f"               opening → first list of songs {ms(step['first_list'])}; "
                  f"closed by the server: {closed or 'none'}")
    finally:
        daphne.terminate()
        daphne.wait()

