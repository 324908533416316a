"""The mood socket: camera frames and words in, the listener's mood and songs for it out (the protocol is in
README.md, "The mood socket")."""

import asyncio
import json
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache

import redis.asyncio
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http import Http404
from django.utils import timezone

from billing import selectors as billing
from billing.services import FreeSongsUsedUp
from emotions.detection import FaceReading, UnreadableImage, detect_face, detection_warm
from emotions.moods import Mood, MoodEstimate, Strategy, mood_picked
from emotions.selectors import recommendations_for
from emotions.serializers import MoodOutput, RecommendedPlayInput, RecommendedPlayOutput, SongRecommendationOutput
from emotions.services import mood_record, recommended_play_record
from emotions.state import MoodState, MoodUpdate
from emotions.text import NOT_SURE, mood_from_text, text_warm
from rewrapped.throttling import SLIDING_WINDOW

FRAME_MAX_BYTES = 200 * 1024
FRAMES_PER_SECOND = 5  # per listener, over all their sockets
TEXT_MAX_CHARACTERS = 1000
# A JSON message larger than any the protocol has is refused before it is parsed.
MESSAGE_MAX_BYTES = 64 * 1024
# Words, picks and pings are typed and clicked, never streamed: far above any person, far below a flood of rows.
MESSAGES_PER_SECOND = 20

# Close codes mirror HTTP's in the 4000-4999 range an application may send.
CLOSE_INVALID = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_LARGE = 4413
CLOSE_UNREADABLE = 4415
CLOSE_TOO_FAST = 4429


def _warm() -> None:
    # Each thread loads its own landmarker before its first frame; the text lexicons are loaded once.
    detection_warm()
    text_warm()


class DetectionPool:
    """Reads camera frames on at most `threads` threads, off the event loop (the face model releases the GIL), and
    shares them fairly between sockets without ever building a backlog.

    Each socket has at most one frame waiting for a thread, the newest: a frame that comes while its socket's
    previous one still waits takes its place, and the older one is dropped. Threads take the sockets in the order
    they began to wait. So under any load a socket waits for a thread at most as long as the sockets ahead of it
    take (a frame each), reads a frame no older than the page's last, and the waiting frames are at most one per
    open socket, never more."""

    def __init__(self, threads: int):
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mood-detection",
                                           initializer=_warm)
        self.loop = asyncio.get_running_loop()
        # Touched only on the event loop: free threads, and each waiting socket's newest frame and the future its
        # reading resolves, in the order the sockets began to wait (a dict keeps the first insertion's place).
        self.idle = threads
        self.waiting: dict[object, tuple[bytes, asyncio.Future]] = {}
        for _ in range(threads):  # start every thread now, so no listener's first frame waits for a model
            self._run(int, None, self.loop.create_future())

    def read(self, socket, frame: bytes) -> asyncio.Future:
        """The face reading of `frame` (or of a newer frame of the same socket that replaced it meanwhile)."""
        reading = self.loop.create_future()
        self.waiting[socket] = (frame, reading)
        self._next()
        return reading

    def replace(self, socket, frame: bytes) -> bool:
        """Put `frame` in place of the socket's frame still waiting for a thread; False when none waits."""
        if socket not in self.waiting:
            return False
        self.waiting[socket] = (frame, self.waiting[socket][1])
        return True

    def forget(self, socket) -> None:
        self.waiting.pop(socket, None)

    def _next(self) -> None:
        while self.idle and self.waiting:
            socket = next(iter(self.waiting))
            frame, reading = self.waiting.pop(socket)
            if not reading.cancelled():
                self._run(detect_face, frame, reading)

    def _run(self, function, frame: bytes | None, reading: asyncio.Future) -> None:
        self.idle -= 1
        done = self.executor.submit(function, *([frame] if frame is not None else []))
        # The thread is freed when it is done, not when the socket waiting on it goes away.
        done.add_done_callback(lambda _: self.loop.call_soon_threadsafe(self._finished, done, reading))

    def _finished(self, done: Future, reading: asyncio.Future) -> None:
        self.idle += 1
        if not reading.cancelled():
            if done.exception() is not None:
                reading.set_exception(done.exception())
            else:
                reading.set_result(done.result())
        self._next()


@cache
def detection_pool() -> DetectionPool:
    """The process's one pool (daphne serves every socket on one event loop)."""
    return DetectionPool(settings.MOOD_DETECTION_THREADS)


@cache
def _window():
    # A message waits its turn for a connection: redis-py's plain pool refuses one over its cap, and hundreds of
    # sockets' frames arrive together.
    pool = redis.asyncio.BlockingConnectionPool.from_url(settings.REDIS_URL, max_connections=32, timeout=10,
                                                         socket_timeout=10, health_check_interval=30)
    return redis.asyncio.Redis(connection_pool=pool).register_script(SLIDING_WINDOW)


async def within_rate(key: str, per_second: int) -> bool:
    """Whether one more message under `key` fits `per_second` (counted in Redis, so every socket and every daphne
    of a listener shares it)."""
    return await _window()(keys=[key], args=[per_second, 1000, uuid.uuid4().hex]) == 0


def _mood(estimate: MoodEstimate | None) -> dict | None:
    return MoodOutput(estimate).data if estimate is not None else None


def _recommendations(user, estimate: MoodEstimate | None, strategy: str) -> dict:
    songs, remaining = recommendations_for(user=user, mood=estimate, strategy=strategy)
    return {"items": SongRecommendationOutput(songs, many=True).data, "free_songs_remaining": remaining}


def _play(user, data: dict) -> dict:
    """Count a recommended song played (as the API's POST plays/ does) and say what the listener has left."""
    play = recommended_play_record(user=user, track_public_id=data["track"], at=timezone.now(), mood=data["mood"],
                                   strategy=data["strategy"], reason=data["reason"])
    return {"play": RecommendedPlayOutput(play).data,
            "free_songs_remaining": billing.entitlement(user).free_songs_remaining}


class MoodConsumer(AsyncJsonWebsocketConsumer):
    """One listener's mood page: each frame or sentence becomes their mood, and a changed mood a fresh list of
    songs.

    No backlog can build: the handler never awaits the face model, so the socket's inbox never fills behind it; a
    frame that comes while the socket's previous one is being read is dropped; and while every detection thread
    is busy the socket keeps only its newest frame waiting for one (DetectionPool). Frames are never stored or
    logged."""

    async def connect(self):
        self.user = self.scope["user"]
        self.closing = False
        if not self.user.is_authenticated:
            # Accept first: closing before the handshake would surface as a bare HTTP 403.
            await self.accept()
            await self.refuse(CLOSE_UNAUTHENTICATED, "Sign in to share your mood")
            return
        self.state = MoodState()
        self.current: MoodEstimate | None = None
        self.strategy = Strategy.MATCH.value
        self.reading: asyncio.Task | None = None
        self.recommending: asyncio.Task | None = None
        self.recommendations_stale = False
        detection_pool()  # started (and the model loaded) with the first socket, not the first frame
        await self.accept()
        await self.send_json({"type": "ready", "strategy": self.strategy, "mood": None})
        self.recommendations_want()

    async def disconnect(self, code):
        self.closing = True
        for task in (getattr(self, "reading", None), getattr(self, "recommending", None)):
            if task is not None:
                task.cancel()
        if hasattr(self, "reading"):
            detection_pool().forget(self)

    async def refuse(self, code: int, reason: str) -> None:
        if self.closing:  # a frame read meanwhile found another fault
            return
        self.closing = True
        # Channels passes the reason on; daphne (4.2) sends the code alone (django/daphne#374).
        await self.close(code=code, reason=reason)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closing:  # what the client sent before it heard the close
            return
        if bytes_data is not None:
            await self.frame_receive(bytes_data)
        else:
            await self.message_receive(text_data)

    # --- frames -----------------------------------------------------------------------------
    async def frame_receive(self, frame: bytes) -> None:
        if len(frame) > FRAME_MAX_BYTES:
            return await self.refuse(CLOSE_TOO_LARGE, f"A frame is at most {FRAME_MAX_BYTES // 1024} KB")
        if not await within_rate(f"mood:frames:{self.user.pk}", FRAMES_PER_SECOND):
            return await self.refuse(CLOSE_TOO_FAST, f"At most {FRAMES_PER_SECOND} frames a second")
        if self.reading is None:
            self.reading = asyncio.create_task(self.frame_read(detection_pool().read(self, frame)))
        elif not detection_pool().replace(self, frame):
            return  # dropped: this socket's previous frame is being read

    async def frame_read(self, detecting: asyncio.Future) -> None:
        try:
            try:
                face: FaceReading = await detecting
            except UnreadableImage:
                return await self.refuse(CLOSE_UNREADABLE, "A frame must be a JPEG image")
            update = self.state.observe(face.estimate, source="face", at=timezone.now())
            await self.mood_send(update, faces=face.faces)
        finally:
            self.reading = None

    # --- words, picks, strategy -------------------------------------------------------------
    async def message_receive(self, text: str) -> None:
        # Characters, not bytes, are at hand: a message of more than 64 K characters is more than 64 KB.
        if len(text) > MESSAGE_MAX_BYTES or len(text.encode()) > MESSAGE_MAX_BYTES:
            return await self.refuse(CLOSE_TOO_LARGE, f"A message is at most {MESSAGE_MAX_BYTES // 1024} KB")
        if not await within_rate(f"mood:messages:{self.user.pk}", MESSAGES_PER_SECOND):
            return await self.refuse(CLOSE_TOO_FAST, f"At most {MESSAGES_PER_SECOND} messages a second")
        try:
            content = json.loads(text)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            return await self.refuse(CLOSE_UNREADABLE, "A message must be a JSON object")
        handler = {"text": self.text_receive, "pick": self.pick_receive, "strategy": self.strategy_receive,
                   "ping": self.ping_receive, "play": self.play_receive}.get(content.get("type"))
        if handler is None:
            return await self.refuse(CLOSE_INVALID, "Unknown message type")
        await handler(content)

    async def text_receive(self, content: dict) -> None:
        words = content.get("text")
        if not isinstance(words, str) or not words.strip():
            return await self.refuse(CLOSE_INVALID, "A text message needs some words")
        if len(words) > TEXT_MAX_CHARACTERS:
            return await self.refuse(CLOSE_TOO_LARGE, f"Words are at most {TEXT_MAX_CHARACTERS} characters")
        estimate = await sync_to_async(mood_from_text, thread_sensitive=False)(words)
        if estimate.label is None:
            return await self.send_json({"type": "unsure", "message": NOT_SURE})
        await self.mood_send(self.state.observe(estimate, source="text", at=timezone.now()))

    async def pick_receive(self, content: dict) -> None:
        if content.get("mood") not in Mood.values:
            return await self.refuse(CLOSE_INVALID, "Unknown mood")
        estimate = mood_picked(content["mood"])
        await self.mood_send(self.state.observe(estimate, source="manual", at=timezone.now()))

    async def strategy_receive(self, content: dict) -> None:
        if content.get("strategy") not in Strategy.values:
            return await self.refuse(CLOSE_INVALID, "Unknown strategy")
        if content["strategy"] != self.strategy:
            self.strategy = content["strategy"]
            self.recommendations_want()

    async def ping_receive(self, content: dict) -> None:
        await self.send_json({"type": "pong"})

    async def play_receive(self, content: dict) -> None:
        played = RecommendedPlayInput(data={key: value for key, value in content.items() if key != "type"})
        if not played.is_valid():
            return await self.refuse(CLOSE_INVALID, "A play needs a song's id, and a known mood and strategy")
        try:
            answer = await database_sync_to_async(_play)(self.user, played.validated_data)
        except Http404:
            return await self.refuse(CLOSE_INVALID, "Unknown song")
        except FreeSongsUsedUp as refused:
            # Not the client's fault: the socket stays open, and the client offers Premium.
            return await self.send_json({"type": "upgrade.required", "code": refused.code,
                                         "message": refused.message, **refused.links})
        await self.send_json({"type": "play.recorded", **answer})

    # --- what goes back ---------------------------------------------------------------------
    async def mood_send(self, update: MoodUpdate, **face) -> None:
        if self.closing:
            return
        self.current = update.current
        await self.send_json({"type": "mood", "source": update.source, **face, "changed": update.changed,
                              "current": _mood(update.current)})
        if update.changed:
            self.recommendations_want()
        if update.store and update.current is not None and update.current.label is not None:
            await database_sync_to_async(mood_record)(user=self.user, estimate=update.current,
                                                      source=update.source, at=timezone.now())

    def recommendations_want(self) -> None:
        """Push a fresh list for the mood and strategy now. At most one is computed at a time per socket; one
        asked for meanwhile is computed after it, for whatever the mood is by then."""
        self.recommendations_stale = True
        if self.recommending is None or self.recommending.done():
            self.recommending = asyncio.create_task(self.recommendations_push())

    async def recommendations_push(self) -> None:
        while self.recommendations_stale and not self.closing:
            self.recommendations_stale = False
            estimate, strategy = self.current, self.strategy
            songs = await database_sync_to_async(_recommendations)(self.user, estimate, strategy)
            if self.recommendations_stale or self.closing:
                continue  # the mood or strategy moved on while this list was made: make the next one instead
            await self.send_json({"type": "recommendations", "mood": estimate.label if estimate else None,
                                  "strategy": strategy, **songs})
