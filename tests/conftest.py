"""Personas, the fake outside services (Spotify, MusicBrainz, ReccoBeats, Ticketmaster, JamBase, Stripe), and real
daphne / Celery processes for the tests that need them."""

import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings as django_settings
from django.test import Client
from whitenoise.base import WhiteNoise

from rewrapped.redis import redis_client
from tests.factories import PASSWORD, GuestFactory, UserFactory
from tests.fakes.jambase import FakeJamBase
from tests.fakes.musicbrainz import FakeMusicBrainz
from tests.fakes.reccobeats import FakeReccoBeats
from tests.fakes.spotify import FakeSpotify
from tests.fakes.stripe import FakeStripe
from tests.fakes.ticketmaster import FakeTicketmaster

ROOT = Path(__file__).resolve().parent.parent


# --- personas ---------------------------------------------------------------------------
@pytest.fixture
def anonymous(client):
    return client


@pytest.fixture
def listener(db):
    return UserFactory(email="listener@example.com", display_name="Lena Listener")


@pytest.fixture
def other_listener(db):
    return UserFactory(email="other@example.com", display_name="Otto Other")


@pytest.fixture
def guest(db):
    return GuestFactory(display_name="Gus Guest")


@pytest.fixture
def promoter(db):
    return UserFactory(email="promoter@example.com", display_name="Pia Promoter", role="promoter")


@pytest.fixture
def other_promoter(db):
    return UserFactory(email="promoter2@example.com", display_name="Pete Promoter", role="promoter")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", display_name="Stef Staff", is_staff=True, is_superuser=True)


@pytest.fixture
def password():
    return PASSWORD


def client_for(client, user):
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def session_key_for(user) -> str:
    """A signed-in session for `user`, for clients that are not Django's test client (sockets, browsers)."""
    return client_for(Client(), user).cookies[django_settings.SESSION_COOKIE_NAME].value


# --- static files, described once a run ---------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _static_files_described_once():
    """Each Django test client builds the middleware afresh, and WhiteNoise's then stats and describes every
    collected static file: a tenth of a second of CPU a client, most of what a one-request test costs. The files
    do not change during a run, so a description is kept for the next client built with the same settings."""
    described = {}
    describe = WhiteNoise.update_files_dictionary

    def update_files_dictionary(self, root, prefix):
        names = ["DEBUG", "STATIC_URL", "STORAGES", *(name for name in dir(django_settings) if "WHITENOISE" in name)]
        key = (type(self), root, prefix, repr([getattr(django_settings, name, None) for name in names]))
        if key not in described:
            earlier, self.files = self.files, {}
            describe(self, root, prefix)
            described[key], self.files = self.files, earlier
        self.files.update(described[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoise, "update_files_dictionary", update_files_dictionary)
        yield


# --- Redis hygiene ----------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_cache():
    """Drop cached values (not the broker's or channel layer's keys) so tests do not leak state."""
    client = redis_client()
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    # outbound:* holds rate-limit buckets, a 429's pause and cached answers of outside APIs; throttle:* the API's.
    # listening:* and accounts:* hold cached stats and users, under versions of their own; emotions:* the
    # co-listening model and listeners' kept recommendations.
    for pattern in (f"{prefix}:*", "lock:*", "outbound:*", "throttle:*", "listening:*", "accounts:*", "emotions:*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)
    yield


# --- a broker that stopped answering ---------------------------------------------------
class StalledBroker:
    """A port that accepts connections and never answers, as a hung broker does (a refused connection fails
    at once; this is the case only our timeouts end). `down()` sends this process's task publishes there,
    `up()` back to the real broker."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"

    def down(self) -> None:
        self._publish_to(self.url)

    def up(self) -> None:
        self._publish_to(None)

    @staticmethod
    def _publish_to(url: str | None) -> None:
        from rewrapped.celery import app as celery_app

        celery_app.conf.broker_write_url = url  # None: the broker URL again
        # Celery keeps its connection and producer pools for the app's life: drop them so the next publish
        # takes kombu's pools for `url` (kombu keeps one per URL, so the real broker's is found again).
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """The broker stops answering this process's publishes (until the test calls `.up()`)."""
    broker = StalledBroker()
    broker.down()
    yield broker
    broker.up()
    broker.socket.close()


# --- the fake Spotify -------------------------------------------------------------------
@pytest.fixture(scope="session")
def _spotify_server():
    fake = FakeSpotify().start()
    yield fake
    fake.stop()


@pytest.fixture
def spotify(_spotify_server, settings, db):
    """The fake Spotify, with settings and a SocialApp pointing our code at it."""
    fake = _spotify_server
    fake.reset()
    settings.SPOTIFY_ACCOUNTS_BASE = fake.url
    settings.SPOTIFY_API_BASE = fake.url
    settings.SPOTIFY_CLIENT_ID = fake.client_id
    settings.SPOTIFY_CLIENT_SECRET = fake.client_secret
    settings.SPOTIFY_REDIRECT_URI = "http://127.0.0.1/accounts/spotify/login/callback/"
    # The CSP lets forms (and their redirects) go to Spotify's accounts host; here that is the fake.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": [*policy["DIRECTIVES"]["form-action"], fake.url]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    SocialApp.objects.create(provider="spotify", name="Spotify", client_id=fake.client_id, secret=fake.client_secret)
    return fake


# --- the fake MusicBrainz ---------------------------------------------------------------
@pytest.fixture(scope="session")
def _musicbrainz_server():
    fake = FakeMusicBrainz().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def musicbrainz(_musicbrainz_server, settings):
    """The fake MusicBrainz, for every test: a sync asks it about artists Spotify gave no genres, and no test
    may reach the real one. Its one-request-a-second bucket is widened so tests do not wait their turn."""
    fake = _musicbrainz_server
    fake.reset()
    settings.MUSICBRAINZ_API_BASE = fake.url
    settings.MUSICBRAINZ_RATE_PER_SECOND = 1000
    return fake


# --- the fake audio-features provider (ReccoBeats) ---------------------------------------
@pytest.fixture(scope="session")
def _reccobeats_server():
    fake = FakeReccoBeats().start()
    yield fake
    fake.stop()


@pytest.fixture
def reccobeats(_reccobeats_server, settings):
    """The fake ReccoBeats, configured as the audio-features provider (unconfigured otherwise: song moods are
    estimated), its bucket widened so tests do not wait their turn."""
    fake = _reccobeats_server
    fake.reset()
    settings.AUDIO_FEATURES_API_BASE = fake.url
    settings.AUDIO_FEATURES_RATE_PER_SECOND = 1000
    return fake


# --- the fake concert providers -------------------------------------------------------
@pytest.fixture(scope="session")
def _ticketmaster_server():
    fake = FakeTicketmaster().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def _jambase_server():
    fake = FakeJamBase().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def ticketmaster(_ticketmaster_server, settings):
    """The fake Ticketmaster, for every test, so none can reach the real one; its per-second bucket is widened
    so tests do not wait their turn (the daily quota stays real)."""
    fake = _ticketmaster_server
    fake.reset()
    settings.TICKETMASTER_API_BASE = fake.url
    settings.TICKETMASTER_API_KEY = fake.api_key
    settings.TICKETMASTER_RATE_PER_SECOND = 1000
    return fake


@pytest.fixture(autouse=True)
def jambase(_jambase_server, settings):
    """The fake JamBase, for every test, like the fake Ticketmaster."""
    fake = _jambase_server
    fake.reset()
    settings.JAMBASE_API_BASE = fake.url
    settings.JAMBASE_API_KEY = fake.api_key
    settings.JAMBASE_RATE_PER_SECOND = 1000
    return fake


# --- the fake Stripe -------------------------------------------------------------------
@pytest.fixture(scope="session")
def _stripe_server():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(_stripe_server, settings):
    """The fake Stripe, seeded with Premium's product and prices, our settings pointing at it. Its events are
    kept, and sent only once the test sets `stripe_fake.webhook_url`."""
    fake = _stripe_server
    fake.reset()
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_TEST_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    # The CSP lets forms (and their redirects) go to Stripe's hosted Checkout and Portal; here that is the fake.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": [*policy["DIRECTIVES"]["form-action"], fake.url]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    yield fake
    fake.reset()  # events still on their way arrive before the test's data is gone


# --- real processes: daphne and a Celery worker against the test database ---------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready after {seconds} s")


@pytest.fixture(scope="session")
def stack_env(django_db_setup, django_db_blocker, _spotify_server, _musicbrainz_server, _ticketmaster_server,
              _jambase_server, _stripe_server):
    """Environment for child processes: the test database, the same Redis, and the fake outside services."""
    from django.db import connection

    parts = urlsplit(django_settings.DATABASE_URL)
    database_url = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    fakes = {
        "SPOTIFY_ACCOUNTS_BASE": _spotify_server.url, "SPOTIFY_API_BASE": _spotify_server.url,
        "SPOTIFY_CLIENT_ID": _spotify_server.client_id, "SPOTIFY_CLIENT_SECRET": _spotify_server.client_secret,
        "SPOTIFY_RATE_PER_SECOND": "1000",
        "MUSICBRAINZ_API_BASE": _musicbrainz_server.url, "MUSICBRAINZ_RATE_PER_SECOND": "1000",
        "TICKETMASTER_API_BASE": _ticketmaster_server.url, "TICKETMASTER_API_KEY": _ticketmaster_server.api_key,
        "TICKETMASTER_RATE_PER_SECOND": "1000",
        "JAMBASE_API_BASE": _jambase_server.url, "JAMBASE_API_KEY": _jambase_server.api_key,
        "JAMBASE_RATE_PER_SECOND": "1000", "EVENT_FETCH_SPREAD_SECONDS": "0",
        "STRIPE_API_BASE": _stripe_server.url, "STRIPE_TEST_SECRET_KEY": _stripe_server.api_key,
        "STRIPE_WEBHOOK_SECRET": _stripe_server.webhook_secret,
    }
    # What a worker or daphne sends by email lands in files a test can read (see `worker_mail`).
    mail = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(_worker_mail_dir())}
    yield {**inherited, **fakes, **mail, "DATABASE_URL": database_url, "REDIS_URL": django_settings.REDIS_URL,
           "DEBUG": "1"}
    # Child processes are gone by now, but a killed one's connection can outlive it for a moment,
    # and the test database cannot be dropped while anyone is connected.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _worker_mail_dir() -> Path:
    return Path(django_settings.VAR_DIR) / "worker-mail"


@pytest.fixture
def worker_mail():
    """The emails child processes (the Celery worker) sent during this test, as parsed messages."""
    directory = _worker_mail_dir()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)

    def sent(*to: str) -> list[email.message.EmailMessage]:
        """The messages sent to any of `to`: the worker serves the whole session, so a late email from an
        earlier test's task can land here too."""
        # The file backend writes each message followed by a line of 79 dashes, one file per connection.
        messages = []
        for path in sorted(directory.iterdir()):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return [message for message in messages if message["To"] in to]

    return sent


def _start(command: list[str], env: dict, log_name: str) -> subprocess.Popen:
    log_dir = Path(django_settings.VAR_DIR) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / log_name, "wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def daphne_server(stack_env):
    """A real daphne (as rewrapped.serve runs it) serving rewrapped.asgi on 127.0.0.1; yields its host:port."""
    port = _free_port()
    process = _start(
        [sys.executable, "-m", "rewrapped.serve", "--websocket_connect_timeout", "30", "-b", "127.0.0.1",
         "-p", str(port), "rewrapped.asgi:application"],
        stack_env,
        "daphne.log",
    )

    def listening() -> bool:
        assert process.poll() is None, "daphne exited; see var/test/logs/daphne.log"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    wait_until(listening, "daphne")
    yield f"127.0.0.1:{port}"
    _stop(process)


@pytest.fixture(scope="session")
def celery_worker(stack_env):
    """A real Celery worker consuming every queue, against the test database."""
    from rewrapped.celery import QUEUES
    from rewrapped.celery import app as celery_app

    name = f"test-{os.getpid()}@%h"
    process = _start(
        [sys.executable, "-m", "celery", "-A", "rewrapped", "worker", "-Q", ",".join(QUEUES), "-n", name,
         "--concurrency", "2", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        stack_env,
        "celery.log",
    )

    def answering() -> bool:
        assert process.poll() is None, "celery exited; see var/test/logs/celery.log"
        return bool(celery_app.control.ping(timeout=0.5))

    wait_until(answering, "celery worker", seconds=60)
    _worker_started.append(process)
    yield process
    _stop(process)


_worker_started: list[subprocess.Popen] = []


def _worker_busy() -> bool:
    """Whether a task is waiting in a queue or taken and not yet done (tasks are acknowledged late, so a task
    stays in kombu's `unacked` hash until it has finished, and one it queued is in a queue before that)."""
    from rewrapped.celery import QUEUES

    prefix = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    broker = redis_client()  # the broker's Redis, asked directly: a test may have stalled Celery's own publishes
    return bool(broker.hlen(f"{prefix}unacked")) or any(broker.llen(f"{prefix}{queue}") for queue in QUEUES)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Before a test's database is flushed, the worker finishes what the test queued: a follow-up task (totals
    rebuilt after an import) still running would hold row locks the flush's TRUNCATE waits on, a deadlock."""
    if _worker_started and _worker_started[0].poll() is None:
        wait_until(lambda: not _worker_busy(), "the celery worker to finish the test's tasks", seconds=120)
    yield
