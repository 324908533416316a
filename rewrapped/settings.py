"""Re-Wrapped settings: one file, driven by environment variables.

With no DATABASE_URL / REDIS_URL, real embedded PostgreSQL and Redis start under var/
(see rewrapped/embedded.py), so every machine runs the same code path.
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from rewrapped import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
VAR_DIR = Path(env("RW_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := env("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a random key kept per checkout, never a shared default.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.spotify",
    "django_celery_beat",
    "django_countries",
    "django_htmx",
    "axes",
    "csp",
    "hijack",
    "hijack.contrib.admin",
    "djstripe",
    "rewrapped",
    "accounts",
    "listening",
    "emotions",
    "events",
    "promoters",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rewrapped.middleware.append_slash_to_writes",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.user_time_zone",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hijack.middleware.HijackUserMiddleware",
    "rewrapped.middleware.BrokerUnavailableMiddleware",
    # Axes last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rewrapped.urls"
WSGI_APPLICATION = "rewrapped.wsgi.application"
ASGI_APPLICATION = "rewrapped.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "billing.context_processors.payment_failed",
            ],
        },
    },
]

# --- Data stores: PostgreSQL and Redis, always -------------------------------------------
DATABASE_URL = env("DATABASE_URL") or embedded.postgres_url(VAR_DIR)
REDIS_URL = env("REDIS_URL") or embedded.redis_url(VAR_DIR)

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}


def _program() -> str:
    path = Path(sys.argv[0])
    name = path.parent.name if path.stem == "__main__" else path.stem  # `python -m daphne` or `daphne`
    name = "daphne" if name == "serve" else name  # `python -m rewrapped.serve` is our daphne
    return " ".join([name, *(arg for arg in sys.argv[1:] if arg in ("worker", "beat"))][:2])


# pg_stat_activity then shows which kind of process (daphne, gunicorn, celery worker, celery beat, manage) holds
# each connection.
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = f"rewrapped {_program()}"[:63]
# Under ASGI every request would get a thread (and so a database connection) of its own: daphne instead runs
# requests' sync code on at most ASGI_THREADS long-lived threads (rewrapped/asgi.py), one connection each.
# The sum over every process must stay under PostgreSQL's max_connections (README, "Nothing waits forever").
ASGI_THREADS = int(env("ASGI_THREADS", "16"))
# Threads one daphne reads mood sockets' camera frames on (emotions/consumers.py). The face model is CPU-bound
# and releases the GIL: one per core it may use. A frame that finds them all busy is dropped, never queued.
MOOD_DETECTION_THREADS = int(env("MOOD_DETECTION_THREADS", str(os.cpu_count() or 1)))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    # Longer than the layer's 5 s blocking pop, or idle consumers die with
                    # "Timeout reading" (channels_redis#422).
                    "socket_timeout": 15,
                    # The default pool of 100 fails when many sockets open at once.
                    "max_connections": int(env("CHANNEL_LAYER_MAX_CONNECTIONS", "2000")),
                }
            ],
            "prefix": "rw-asgi",
            "capacity": 500,
            "expiry": 60,
        },
    }
}

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
# No request waits on the broker longer than a few of these: taking a pooled connection, connecting and each
# publish attempt are bounded, and a request that cannot queue its task answers 503 (rewrapped/broker.py).
BROKER_TIMEOUT_SECONDS = float(env("BROKER_TIMEOUT_SECONDS", "3"))
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": "rw-celery:",
    "visibility_timeout": 3600,
    # Longer than the worker's 1 s blocking pop; without it a publish to a broker that vanished without closing
    # the connection waits forever.
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Workers write a heartbeat to Redis this often (rewrapped/celery.py); /healthz reads it.
WORKER_HEARTBEAT_SECONDS = int(env("WORKER_HEARTBEAT_SECONDS", "10"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues: default, sync (Spotify), imports (history uploads), ml (mood models, generation).
CELERY_TASK_ROUTES = {
    "accounts.tasks.spotify_tokens_refresh": {"queue": "sync"},
    "listening.tasks.import_run": {"queue": "imports"},
    "listening.tasks.spotify_sync_dispatch": {"queue": "sync"},
    "listening.tasks.spotify_sync_run": {"queue": "sync"},
    "listening.tasks.spotify_catalog_fetch": {"queue": "sync"},
}
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Recently played holds only the last 50 plays, about 2.5 hours of music: sync well inside that.
SPOTIFY_SYNC_EVERY_MINUTES = int(env("SPOTIFY_SYNC_EVERY_MINUTES", "30"))
CELERY_BEAT_SCHEDULE = {
    "refresh-spotify-tokens": {
        "task": "accounts.tasks.spotify_tokens_refresh",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": timedelta(hours=6),
    },
    "flush-expired-refresh-tokens": {
        "task": "accounts.tasks.refresh_tokens_flush_expired",
        "schedule": timedelta(hours=24),
        "options": {"expires": 3600},
    },
    "sync-spotify": {
        "task": "listening.tasks.spotify_sync_dispatch",
        "schedule": timedelta(minutes=SPOTIFY_SYNC_EVERY_MINUTES),
        "options": {"expires": 600},
    },
    "fetch-spotify-catalog": {
        "task": "listening.tasks.spotify_catalog_fetch",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 540},
    },
    "prune-api-call-log": {
        "task": "rewrapped.tasks.api_call_log_prune",
        "schedule": timedelta(hours=24),
        "options": {"expires": 3600},
    },
    "requeue-imports": {
        "task": "listening.tasks.imports_requeue",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 100},
    },
    "rebuild-period-totals": {
        "task": "listening.tasks.period_totals_dispatch",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 600},
    },
    "audit-listening-rollups": {
        "task": "listening.tasks.rollups_audit",
        "schedule": crontab(hour=4, minute=15),
        "options": {"expires": 6 * 3600},
    },
    "fetch-events": {
        "task": "events.tasks.events_fetch_dispatch",
        "schedule": timedelta(hours=6),
        "options": {"expires": 3600},
    },
    "recheck-event-listings": {
        "task": "events.tasks.listings_recheck",
        "schedule": timedelta(hours=6),
        "options": {"expires": 3600},
    },
    "aggregate-event-metrics": {
        "task": "events.tasks.event_metrics_aggregate",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    "refresh-taste-vectors": {
        "task": "listening.tasks.taste_vectors_refresh",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 6 * 3600},
    },
}

# --- Auth, allauth, axes, hijack ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Signing up never says whether an address is taken: its owner is emailed instead (allauth can only do that when
# every new address must be confirmed before it signs in).
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed logins are counted by django-axes alone (one lockout rule, one lockout page).
ACCOUNT_RATE_LIMITS = {"login_failed": None}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# Spotify vouches for who signs in with it and the address is not a login, so it is not held for confirmation.
SOCIALACCOUNT_EMAIL_VERIFICATION = "optional"
SOCIALACCOUNT_STORE_TOKENS = True
SOCIALACCOUNT_LOGIN_ON_GET = False

SPOTIFY_ACCOUNTS_BASE = env("SPOTIFY_ACCOUNTS_BASE", "https://accounts.spotify.com").rstrip("/")
SPOTIFY_API_BASE = env("SPOTIFY_API_BASE", "https://api.spotify.com").rstrip("/")
SPOTIFY_CLIENT_ID = env("SPOTIFY_CLIENT_ID", "")
SPOTIFY_CLIENT_SECRET = env("SPOTIFY_CLIENT_SECRET", "")
# Spotify counts requests per app over a rolling 30 s window and publishes no number; this is our share.
SPOTIFY_RATE_PER_SECOND = float(env("SPOTIFY_RATE_PER_SECOND", "5"))
SPOTIFY_SYNC_RETRY_SECONDS = int(env("SPOTIFY_SYNC_RETRY_SECONDS", "600"))  # after Spotify kept failing
SPOTIFY_SEARCHES_PER_SYNC = int(env("SPOTIFY_SEARCHES_PER_SYNC", "50"))  # name-only songs looked up per run
SPOTIFY_GENRE_BATCHES_PER_SYNC = int(env("SPOTIFY_GENRE_BATCHES_PER_SYNC", "10"))  # 50 artists each
# Songs and artists imports brought, fetched with the app's token after an import and every 10 minutes: this
# many calls of 50 songs, then of 50 artists, a run.
SPOTIFY_CATALOG_BATCHES_PER_RUN = int(env("SPOTIFY_CATALOG_BATCHES_PER_RUN", "20"))
# Where artist genres come from, in order: a later source is asked only about artists the earlier ones left
# without genres (Spotify returns none for many artists to apps created since 2026).
GENRE_SOURCES = env_list("GENRE_SOURCES", "spotify,musicbrainz")
MUSICBRAINZ_API_BASE = env("MUSICBRAINZ_API_BASE", "https://musicbrainz.org").rstrip("/")
# MusicBrainz allows one request a second per application and blocks clients without a descriptive User-Agent.
MUSICBRAINZ_RATE_PER_SECOND = float(env("MUSICBRAINZ_RATE_PER_SECOND", "1"))
MUSICBRAINZ_USER_AGENT = env("MUSICBRAINZ_USER_AGENT", f"Re-Wrapped/1.0 ( {SITE_URL} )")
MUSICBRAINZ_LOOKUPS_PER_SYNC = int(env("MUSICBRAINZ_LOOKUPS_PER_SYNC", "20"))  # one artist a lookup, 1 s each
# Songs' valence and energy for the mood recommender, from a Spotify-compatible audio-features API (ReccoBeats:
# https://api.reccobeats.com, keyless); empty: estimated from genres, artists and the moods songs were played in.
AUDIO_FEATURES_API_BASE = env("AUDIO_FEATURES_API_BASE", "").rstrip("/")
# ReccoBeats publishes no number, only 429 with Retry-After when pressed: a polite share.
AUDIO_FEATURES_RATE_PER_SECOND = float(env("AUDIO_FEATURES_RATE_PER_SECOND", "2"))
# The recommender's slow parts run on the ml queue: co-listening nightly, songs' moods a slice of the catalog at a time.
CELERY_TASK_ROUTES |= {"emotions.tasks.co_listening_rebuild": {"queue": "ml"},
                       "emotions.tasks.track_moods_fill": {"queue": "ml"}}
CELERY_BEAT_SCHEDULE |= {
    "rebuild-co-listening": {"task": "emotions.tasks.co_listening_rebuild", "schedule": crontab(hour=2, minute=45),
                             "options": {"expires": 6 * 3600}},
    "fill-track-moods": {"task": "emotions.tasks.track_moods_dispatch", "schedule": timedelta(minutes=10),
                         "options": {"expires": 540}},
}

# Billing: Stripe through stripe-python and dj-stripe (its objects kept in our database). Premium has a monthly and a
# yearly price, named here by their lookup keys and synced from Stripe (`manage.py billing_sync`). Webhooks come to
# /billing/webhook/ signed with STRIPE_WEBHOOK_SECRET. Free listeners play FREE_RECOMMENDED_SONGS recommended songs.
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
# Where our Upgrade and Manage forms send the browser (CSP's form-action covers redirects): Stripe's Checkout and
# Customer Portal, or a fake's pages, served from its API base.
STRIPE_PAGE_ORIGINS = (["https://checkout.stripe.com", "https://billing.stripe.com"]
                       if STRIPE_API_BASE == "https://api.stripe.com" else [STRIPE_API_BASE])
STRIPE_LIVE_MODE = env("STRIPE_LIVE_MODE", "0") == "1"
STRIPE_TEST_SECRET_KEY = env("STRIPE_TEST_SECRET_KEY", "")
STRIPE_LIVE_SECRET_KEY = env("STRIPE_LIVE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PRICE_MONTHLY = env("STRIPE_PRICE_MONTHLY", "premium_monthly")
STRIPE_PRICE_YEARLY = env("STRIPE_PRICE_YEARLY", "premium_yearly")
STRIPE_TRIAL_DAYS = int(env("STRIPE_TRIAL_DAYS", "0"))
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
# The customer's metadata key naming our user: dj-stripe links Customer.subscriber through it.
DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY = "user_id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
FREE_RECOMMENDED_SONGS = int(env("FREE_RECOMMENDED_SONGS", "5"))

# Concert providers. Ticketmaster allows 5 requests a second and 5,000 a day per key (the daily count is kept
# in Redis per UTC day, so every worker shares it); JamBase's v3 API takes its key as a bearer token.
TICKETMASTER_API_BASE = env("TICKETMASTER_API_BASE", "https://app.ticketmaster.com").rstrip("/")
TICKETMASTER_API_KEY = env("TICKETMASTER_API_KEY", "")
TICKETMASTER_RATE_PER_SECOND = float(env("TICKETMASTER_RATE_PER_SECOND", "5"))
TICKETMASTER_DAILY_LIMIT = int(env("TICKETMASTER_DAILY_LIMIT", "5000"))
JAMBASE_API_BASE = env("JAMBASE_API_BASE", "https://api.data.jambase.com").rstrip("/")
JAMBASE_API_KEY = env("JAMBASE_API_KEY", "")
JAMBASE_RATE_PER_SECOND = float(env("JAMBASE_RATE_PER_SECOND", "2"))
EVENT_PROVIDERS = env_list("EVENT_PROVIDERS", "ticketmaster,jambase")
# Where the providers keep their event pictures: the only outside hosts an event page shows images from.
EVENT_IMAGE_HOSTS = env_list("EVENT_IMAGE_HOSTS", "https://s1.ticketm.net,https://www.jambase.com")
# What the 6-hourly fetch asks for: each country our listeners are in, and the artists they play most,
# over the coming months; the fetches are spread over EVENT_FETCH_SPREAD_SECONDS so no burst hits a provider.
EVENT_FETCH_TOP_ARTISTS = int(env("EVENT_FETCH_TOP_ARTISTS", "50"))
EVENT_FETCH_DAYS_AHEAD = int(env("EVENT_FETCH_DAYS_AHEAD", "180"))
EVENT_FETCH_SPREAD_SECONDS = int(env("EVENT_FETCH_SPREAD_SECONDS", "3600"))
EVENT_FETCH_MAX_PAGES = int(env("EVENT_FETCH_MAX_PAGES", "5"))
# An upcoming show's listing no fetch has seen for this long is looked up by id (up to so many per provider
# and 6-hourly run), so a show a provider dropped is marked "No longer listed" instead of lingering.
EVENT_RECHECK_AFTER_HOURS = int(env("EVENT_RECHECK_AFTER_HOURS", "24"))
EVENT_RECHECK_MAX_PER_RUN = int(env("EVENT_RECHECK_MAX_PER_RUN", "500"))
# The largest image a promoter may upload for an event.
PROMOTER_EVENT_IMAGE_MAX_BYTES = int(env("PROMOTER_EVENT_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))

# Every outside API call (rewrapped/outbound.py): timeouts, retries after 5xx, and the longest wait a
# worker sleeps through (longer ones — a long Retry-After — defer the work instead).
OUTBOUND_TIMEOUT_SECONDS = float(env("OUTBOUND_TIMEOUT_SECONDS", "10"))
OUTBOUND_RETRIES = int(env("OUTBOUND_RETRIES", "3"))
OUTBOUND_BACKOFF_SECONDS = float(env("OUTBOUND_BACKOFF_SECONDS", "1"))
OUTBOUND_MAX_WAIT_SECONDS = float(env("OUTBOUND_MAX_WAIT_SECONDS", "10"))
OUTBOUND_LOG_KEEP_DAYS = int(env("OUTBOUND_LOG_KEEP_DAYS", "30"))

# Spotify refuses `localhost` redirect URIs; development uses http://127.0.0.1.
SPOTIFY_REDIRECT_URI = env("SPOTIFY_REDIRECT_URI", f"{SITE_URL.rstrip('/')}/accounts/spotify/login/callback/")
SPOTIFY_SCOPES = [
    "user-read-private",
    "user-read-email",
    "user-read-recently-played",
    "user-top-read",
    "playlist-modify-private",
    "playlist-modify-public",
]
SOCIALACCOUNT_PROVIDERS = {
    "spotify": {
        "provider_class": "accounts.spotify.provider.SpotifyProvider",
        "SCOPE": SPOTIFY_SCOPES,
        "APPS": [{"client_id": SPOTIFY_CLIENT_ID, "secret": SPOTIFY_CLIENT_SECRET}] if SPOTIFY_CLIENT_ID else [],
    }
}

AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.adapters.login_identifier"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

HIJACK_PERMISSION_CHECK = "hijack.permissions.superusers_and_staff"
HIJACK_INSERT_BEFORE = None  # our base template draws the banner itself

# --- Listening history imports -------------------------------------------------------------
IMPORT_MAX_UPLOAD_BYTES = int(env("IMPORT_MAX_UPLOAD_BYTES", str(500 * 1000 * 1000)))
IMPORT_MAX_EXPANDED_BYTES = int(env("IMPORT_MAX_EXPANDED_BYTES", str(4 * 1000 * 1000 * 1000)))
IMPORT_MAX_ZIP_RATIO = int(env("IMPORT_MAX_ZIP_RATIO", "100"))
# The largest request body anyone may send: an export upload and the form around it. Refused by its
# Content-Length before it is read (rewrapped/bodies.py); a request without a credential may send no more
# than DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB).
REQUEST_MAX_BODY_BYTES = IMPORT_MAX_UPLOAD_BYTES + 64 * 1024

# `manage.py seed_demo` builds the demo listener's history from these real exports.
DEMO_DATA_DIR = Path(env("DEMO_DATA_DIR", str(BASE_DIR.parent / "shared" / "fixtures")))

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first, so an anonymous call is told 401 + WWW-Authenticate rather than 403.
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rewrapped.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rewrapped.throttling.AnonRateThrottle",
        "rewrapped.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", "60/min"),
        "user": env("API_USER_RATE", "600/min"),
        "auth": env("API_AUTH_RATE", "10/min"),
        "listening_ask": env("API_ASK_RATE", "30/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rewrapped.api.exception_handler",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    # A refresh hands out a new refresh token and blacklists the one used: a stolen one works once at most, and
    # not at all once its owner has refreshed.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a fingerprint of the password hash, so a new password ends every token issued before it,
    # however it was set (site, reset, admin, manage.py); accounts.serializers.TokenRefreshInput checks refreshes.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_REFRESH_SERIALIZER": "accounts.serializers.TokenRefreshInput",
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Re-Wrapped API",
    "DESCRIPTION": "Listening history, moods, events and billing for Re-Wrapped's web and mobile clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A deep link makes each operation's path a link inside its expand button, which screen readers cannot reach.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    # Premium's price choice appears as a field of the price shown and of the checkout asked for: one enum.
    "ENUM_NAME_OVERRIDES": {"PremiumPriceChoiceEnum": "billing.forms.CHOICES"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "rewrapped.api.error_responses"],
}

# --- Internationalisation, static files --------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Our wording of the packages' English strings (sentence case), ahead of their own catalogs.
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/pico", BASE_DIR / "node_modules/@picocss/pico/css"),
    ("vendor/d3", BASE_DIR / "node_modules/d3/dist"),
]
# Files browsers ask for at the site's root whatever the page links (the admin's /favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "rewrapped" / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file backend only
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Re-Wrapped <hello@rewrapped.example>")

# --- Security ----------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The health check is polled by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https://i.scdn.co", "https://*.spotifycdn.com", "https://mosaic.scdn.co",
                    *EVENT_IMAGE_HOSTS],
        "connect-src": [SELF, "ws:", "wss:"] if DEBUG else [SELF, "wss:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, SPOTIFY_ACCOUNTS_BASE, *STRIPE_PAGE_ORIGINS],
        "frame-ancestors": [NONE],
    }
}

# --- Observability -----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "rewrapped.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0.05")),
        send_default_pii=False,
    )
