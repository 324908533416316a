"""Who may reach what: every URL in the project, for each persona.

Read MATRIX as a table. A cell is the status the persona gets, or where it is sent:

    LOGIN    302 to the site's sign-in page
    ADMIN    302 to the admin's sign-in page
    DENIED   401 with the API's {"error": {"code", "message", "fields"}} body

`{user}` in a URL is another listener's id, `{entry}` a logged impersonation of them.
A new URL fails test_every_url_has_a_row_in_the_matrix until it gets a row here (or,
rarely, a reasoned line in UNLISTED).
"""

import asyncio
import json
import re
import uuid
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import websockets
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, get_resolver, resolve
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Impersonation, User
from billing.models import WebhookReceipt
from emotions.moods import mood_picked
from emotions.services import mood_record, recommended_play_record
from events.models import Event, EventInteraction, EventMetricsCursor, EventMetricsDaily, EventNotice, SavedEvent
from listening.models import Artist, ImportJob, Play, Playlist, SpotifySync, Track
from promoters.models import PromoterApplication
from rewrapped.models import ApiCallLog
from rewrapped.routing import websocket_urlpatterns
from tests.conftest import client_for, session_key_for
from tests.factories import PASSWORD, plays_add_for

PERSONAS = ("anonymous", "guest", "listener", "promoter", "staff")

LOGIN = "302 → /accounts/login/"
ADMIN = "302 → /admin/login/"
ADMIN_HOME = "302 → /admin/"
HOME = "302 → /"
PROFILE = "302 → /profile/"
PW_SET = "302 → /accounts/password/set/"
USER_PAGE = "302 → /admin/accounts/user/{user}/change/"
ENTRY_PAGE = "302 → /admin/accounts/impersonation/{entry}/change/"
PICKS = "302 → /listening/library/picks/"
LIBRARY = "302 → /listening/library/"
TASTE = "302 → /listening/taste/"
DENIED = "401 + error body"
NOT_FOUND = "404 + error body"
FORBIDDEN = "403 + error body"
TICKETS = "302 → /buy/1"
EVENT = "302 → /events/{event}/"
CONSOLE = "302 → /promoter/"
CONSOLE_IN = LOGIN  # the console signs people in on the site's own page
CONSOLE_OTHER = "302 → /promoter/events/event/{other_event_pk}/change/"  # which is then not found

# fmt: off
MATRIX = [
    # request                                              anonymous   guest       listener    promoter    staff
    # --- the site ----
    ("GET /",                                              200,        200,        200,        200,        200),
    ("GET /welcome/",                                      LOGIN,      200,        200,        200,        200),
    ("POST /welcome/",                                     LOGIN,      200,        200,        200,        200),
    ("GET /profile/",                                      LOGIN,      200,        200,        200,        200),
    ("POST /profile/",                                     LOGIN,      200,        200,        200,        200),
    ("GET /profile/upgrade/",                              LOGIN,      200,        PROFILE,    PROFILE,    PROFILE),
    ("POST /profile/upgrade/",                             LOGIN,      200,        PROFILE,    PROFILE,    PROFILE),
    ("GET /profile/export/",                               LOGIN,      200,        200,        200,        200),
    ("GET /profile/delete/",                               LOGIN,      200,        200,        200,        200),
    ("POST /profile/delete/",                              LOGIN,      200,        200,        200,        200),
    ("GET /healthz",                                       200,        200,        200,        200,        200),
    ("GET /listening/import/",                             LOGIN,      200,        200,        200,        200),
    ("POST /listening/import/",                            LOGIN,      200,        200,        200,        200),
    # {job} is the other listener's import: nobody else may see, cancel or undo it, staff included.
    ("POST /listening/import/{job}/cancel/",               LOGIN,      404,        404,        404,        404),
    ("GET /listening/import/{job}/undo/",                  LOGIN,      404,        404,        404,        404),
    ("POST /listening/import/{job}/undo/",                 LOGIN,      404,        404,        404,        404),
    # Stats pages show the caller's own history only; {track} was played by the other listener.
    ("GET /listening/",                                    LOGIN,      200,        200,        200,        200),
    ("GET /listening/top/tracks/",                         LOGIN,      200,        200,        200,        200),
    # The next page of history needs the cursor of the last play shown.
    ("GET /listening/recent/",                             LOGIN,      400,        400,        400,        400),
    ("GET /listening/tracks/{track}/",                     LOGIN,      200,        200,        200,        200),
    # Libraries are personal: {playlist} is the other listener's, so it is not found for anyone else,
    # staff included. {track} is any song.
    ("GET /listening/library/",                             LOGIN,      200,        200,        200,        200),
    ("POST /listening/library/",                            LOGIN,      200,        200,        200,        200),
    ("GET /listening/library/picks/",                       LOGIN,      200,        200,        200,        200),
    ("POST /listening/library/picks/",                      LOGIN,      PICKS,      PICKS,      PICKS,      PICKS),
    ("POST /listening/library/picks/{track}/remove/",       LOGIN,      PICKS,      PICKS,      PICKS,      PICKS),
    ("POST /listening/library/tracks/{track}/favourite/",   LOGIN,      LIBRARY,    LIBRARY,    LIBRARY,    LIBRARY),
    ("POST /listening/library/tracks/{track}/rating/",      LOGIN,      LIBRARY,    LIBRARY,    LIBRARY,    LIBRARY),
    ("GET /listening/library/playlists/{playlist}/",        LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/rename/",LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/delete/",LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/export/",LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/tracks/",LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/tracks/{track}/move/",LOGIN,      404,        404,        404,        404),
    ("POST /listening/library/playlists/{playlist}/tracks/{track}/remove/",LOGIN,      404,        404,        404,        404),
    # {listener} does not share their taste: a match with them is not found, as if they did not exist.
    ("GET /listening/taste/",                               LOGIN,      200,        200,        200,        200),
    ("POST /listening/taste/sharing/",                      LOGIN,      TASTE,      TASTE,      TASTE,      TASTE),
    ("GET /listening/taste/{listener}/",                    LOGIN,      404,        404,        404,        404),
    # The matrix asks with an empty body: a question is required.
    ("POST /listening/ask/",                                LOGIN,      400,        400,        400,        400),
    # --- mood ----
    # Each listener's own moods only: no URL names another's reading or play.
    ("GET /mood/",                                         LOGIN,      200,        200,        200,        200),
    ("GET /mood/history/",                                 LOGIN,      200,        200,        200,        200),
    # --- billing ----
    # Each listener's own plan only: no URL names another's customer, subscription, invoice or portal session, so
    # nobody can reach them. Nobody in the matrix has a Stripe customer: the portal, cancel and resume are refused
    # (409), and an empty upgrade or cancel form is a form error.
    ("GET /billing/",                                      LOGIN,      200,        200,        200,        200),
    ("GET /billing/upgrade/",                              LOGIN,      200,        200,        200,        200),
    ("POST /billing/upgrade/",                             LOGIN,      400,        400,        400,        400),
    ("GET /billing/checkout/success/",                     LOGIN,      200,        200,        200,        200),
    ("GET /billing/checkout/cancel/",                      LOGIN,      200,        200,        200,        200),
    ("POST /billing/portal/",                              LOGIN,      409,        409,        409,        409),
    ("POST /billing/cancel/",                              LOGIN,      400,        400,        400,        400),
    ("POST /billing/resume/",                              LOGIN,      409,        409,        409,        409),
    # --- events ----
    # Anyone may browse events; saving them is for signed-in listeners (a visitor's Save signs them in first).
    # {event} is an approved show; {hidden} another promoter's event still waiting for review: not found for
    # listeners and other promoters, previewed by staff (who moderate it).
    ("GET /events/",                                       200,        200,        200,        200,        200),
    # The next page of results needs the offset of the last one shown.
    ("GET /events/more/",                                  400,        400,        400,        400,        400),
    ("GET /events/saved/",                                 LOGIN,      200,        200,        200,        200),
    ("GET /events/{event}/",                               200,        200,        200,        200,        200),
    ("GET /events/{hidden}/",                              404,        404,        404,        404,        200),
    ("GET /events/{event}/tickets/",                       TICKETS,    TICKETS,    TICKETS,    TICKETS,    TICKETS),
    ("GET /events/{hidden}/tickets/",                      404,        404,        404,        404,        404),
    # {event} came from a provider: no picture of its own to serve (a provider's is linked, not served).
    ("GET /events/{event}/image/",                         404,        404,        404,        404,        404),
    ("POST /events/{event}/save/",                         LOGIN,      EVENT,      EVENT,      EVENT,      EVENT),
    ("POST /events/{hidden}/save/",                        404,        404,        404,        404,        404),
    ("POST /events/{event}/unsave/",                       LOGIN,      EVENT,      EVENT,      EVENT,      EVENT),
    # Where sign-in brings back a visitor who pressed Save; with no save waiting, it only shows the event.
    ("GET /events/{event}/save/pending/",                  LOGIN,      EVENT,      EVENT,      EVENT,      EVENT),
    ("GET /events/{hidden}/save/pending/",                 LOGIN,      404,        404,        404,        404),
    # --- promoters ----
    # Applying is for listeners with an account of their own: the page tells a Spotify-only guest and a
    # promoter why they cannot (their filled-in application is refused with 403: tests/promoters). The
    # matrix posts an empty form, which is a form error for everyone.
    ("GET /promoters/apply/",                              LOGIN,      200,        200,        200,        200),
    ("POST /promoters/apply/",                             LOGIN,      400,        400,        400,        400),
    ("GET /promoters/console/",                            CONSOLE,    CONSOLE,    CONSOLE,    CONSOLE,    CONSOLE),
    # The console is for promoters only; {other_event_pk} is another promoter's event: not found.
    ("GET /promoter/",                                     CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/login/",                               LOGIN,      403,        403,        CONSOLE,    403),
    ("POST /promoter/logout/",                             CONSOLE_IN, 403,        403,        HOME,       403),
    ("GET /promoter/password_change/",                     CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/password_change/done/",                CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/jsi18n/",                              CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/autocomplete/",                        CONSOLE_IN, 403,        403,        403,        403),
    ("GET /promoter/events/",                              CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/no-such-page/",                        CONSOLE_IN, 403,        403,        404,        403),
    ("GET /promoter/events/event/",                        CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/events/event/add/",                    CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/events/event/analytics/",              CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/events/event/export.csv",              CONSOLE_IN, 403,        403,        200,        403),
    ("GET /promoter/events/event/{other_event_pk}/",       CONSOLE_IN, 403,        403,        CONSOLE_OTHER, 403),
    ("GET /promoter/events/event/{other_event_pk}/change/", CONSOLE_IN, 403,       403,        404,        403),
    ("GET /promoter/events/event/{other_event_pk}/delete/", CONSOLE_IN, 403,       403,        404,        403),
    ("GET /promoter/events/event/{other_event_pk}/history/", CONSOLE_IN, 403,      403,        404,        403),
    ("GET /promoter/events/event/{other_event_pk}/analytics/", CONSOLE_IN, 403,    403,        404,        403),
    ("GET /promoter/events/event/{other_event_pk}/export.csv", CONSOLE_IN, 403,    403,        404,        403),
    ("GET /promoter/r/{event_type}/{other_event_pk}/",     CONSOLE_IN, 403,        403,        404,        403),
    # --- allauth ----
    ("GET /accounts/login/",                               200,        HOME,       HOME,       HOME,       HOME),
    ("GET /accounts/login/code/confirm/",                  LOGIN,      HOME,       HOME,       HOME,       HOME),
    ("GET /accounts/signup/",                              200,        HOME,       HOME,       HOME,       HOME),
    ("GET /accounts/logout/",                              HOME,       200,        200,        200,        200),
    ("POST /accounts/logout/",                             HOME,       HOME,       HOME,       HOME,       HOME),
    ("GET /accounts/inactive/",                            200,        200,        200,        200,        200),
    # Reauthenticating means typing your password again; a Spotify-only guest has none.
    ("GET /accounts/reauthenticate/",                      LOGIN,      403,        200,        200,        200),
    ("GET /accounts/email/",                               LOGIN,      200,        200,        200,        200),
    ("GET /accounts/confirm-email/",                       200,        200,        200,        200,        200),
    ("GET /accounts/confirm-email/not-a-key/",             200,        200,        200,        200,        200),
    ("GET /accounts/password/change/",                     LOGIN,      PW_SET,     200,        200,        200),
    # A guest setting a password is upgrading, so this is the upgrade page.
    ("GET /accounts/password/set/",                        LOGIN,      200,        PROFILE,    PROFILE,    PROFILE),
    ("GET /accounts/password/reset/",                      200,        200,        200,        200,        200),
    ("GET /accounts/password/reset/done/",                 200,        200,        200,        200,        200),
    ("GET /accounts/password/reset/key/1-not-a-key/",      200,        200,        200,        200,        200),
    ("GET /accounts/password/reset/key/done/",             200,        200,        200,        200,        200),
    ("GET /accounts/3rdparty/",                            LOGIN,      200,        200,        200,        200),
    ("GET /accounts/3rdparty/signup/",                     LOGIN,      LOGIN,      LOGIN,      LOGIN,      LOGIN),
    ("GET /accounts/3rdparty/login/cancelled/",            200,        200,        200,        200,        200),
    # allauth answers a failed third-party sign-in with its error page and a 401, whoever asks.
    ("GET /accounts/3rdparty/login/error/",                401,        401,        401,        401,        401),
    # --- impersonation ----
    ("POST /hijack/acquire/",                              LOGIN,      403,        403,        403,        HOME),
    ("POST /hijack/release/",                              403,        403,        403,        403,        403),
    # --- admin ----
    ("GET /admin/",                                        ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/login/",                                  200,        200,        200,        200,        ADMIN_HOME),
    ("POST /admin/logout/",                                ADMIN_HOME, ADMIN_HOME, ADMIN_HOME, ADMIN_HOME, HOME),
    ("GET /admin/password_change/",                        ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/password_change/done/",                   ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/jsi18n/",                                 ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/autocomplete/",                           ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/accounts/",                               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/no-such-page/",                           ADMIN,      ADMIN,      ADMIN,      ADMIN,      404),
    ("GET /admin/accounts/user/",                          ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/user/add/",                      ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/user/{user}/",                   ADMIN,      ADMIN,      ADMIN,      ADMIN,      USER_PAGE),
    ("GET /admin/accounts/user/{user}/change/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/user/{user}/password/",          ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/user/{user}/history/",           ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/user/{user}/delete/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    # The impersonation log is evidence: staff may read it, nobody may write or remove it.
    ("GET /admin/accounts/impersonation/",                 ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/impersonation/add/",             ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/accounts/impersonation/{entry}/",         ADMIN,      ADMIN,      ADMIN,      ADMIN,      ENTRY_PAGE),
    ("GET /admin/accounts/impersonation/{entry}/change/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/impersonation/{entry}/history/", ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/accounts/impersonation/{entry}/delete/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    # Sync state, the catalog and plays are for ops; plays and the call log are records: read-only.
    ("GET /admin/listening/",                               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/spotifysync/",                   ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/spotifysync/add/",               ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/listening/spotifysync/{sync}/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/listening/spotifysync/{sync}/change/"),
    ("GET /admin/listening/spotifysync/{sync}/change/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/spotifysync/{sync}/history/",    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/spotifysync/{sync}/delete/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/artist/",                        ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/artist/add/",                    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/artist/{artist_pk}/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/listening/artist/{artist_pk}/change/"),
    ("GET /admin/listening/artist/{artist_pk}/change/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/artist/{artist_pk}/history/",    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/artist/{artist_pk}/delete/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/track/",                         ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/track/add/",                     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/track/{track_pk}/",              ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/listening/track/{track_pk}/change/"),
    ("GET /admin/listening/track/{track_pk}/change/",       ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/track/{track_pk}/history/",      ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/track/{track_pk}/delete/",       ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/play/",                          ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/play/add/",                      ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/listening/play/{play_pk}/",                ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/listening/play/{play_pk}/change/"),
    ("GET /admin/listening/play/{play_pk}/change/",         ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/play/{play_pk}/history/",        ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/listening/play/{play_pk}/delete/",         ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/rewrapped/",                               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/rewrapped/apicalllog/",                    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/rewrapped/apicalllog/add/",                ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/rewrapped/apicalllog/{call}/",             ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/rewrapped/apicalllog/{call}/change/"),
    ("GET /admin/rewrapped/apicalllog/{call}/change/",      ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/rewrapped/apicalllog/{call}/history/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/rewrapped/apicalllog/{call}/delete/",      ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    # Events: staff edit and moderate them; saves, notices, interactions and the metrics are records: read-only.
    ("GET /admin/events/",                                 ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/event/",                           ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/event/add/",                       ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/event/{other_event_pk}/",          ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/event/{other_event_pk}/change/"),
    ("GET /admin/events/event/{other_event_pk}/change/",   ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/event/{other_event_pk}/history/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/event/{other_event_pk}/delete/",   ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/savedevent/",                      ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/savedevent/add/",                  ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/savedevent/{saved}/",              ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/savedevent/{saved}/change/"),
    ("GET /admin/events/savedevent/{saved}/change/",       ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/savedevent/{saved}/history/",      ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/savedevent/{saved}/delete/",       ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventnotice/",                     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventnotice/add/",                 ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventnotice/{notice}/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/eventnotice/{notice}/change/"),
    ("GET /admin/events/eventnotice/{notice}/change/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventnotice/{notice}/history/",    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventnotice/{notice}/delete/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventinteraction/",                ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventinteraction/add/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventinteraction/{interaction}/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/eventinteraction/{interaction}/change/"),
    ("GET /admin/events/eventinteraction/{interaction}/change/", ADMIN, ADMIN,     ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventinteraction/{interaction}/history/", ADMIN, ADMIN,    ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventinteraction/{interaction}/delete/", ADMIN, ADMIN,     ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventmetricsdaily/",               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricsdaily/add/",           ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventmetricsdaily/{metrics}/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/eventmetricsdaily/{metrics}/change/"),
    ("GET /admin/events/eventmetricsdaily/{metrics}/change/", ADMIN,   ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricsdaily/{metrics}/history/", ADMIN,  ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricsdaily/{metrics}/delete/", ADMIN,   ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventmetricscursor/",              ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricscursor/add/",          ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/events/eventmetricscursor/1/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/events/eventmetricscursor/1/change/"),
    ("GET /admin/events/eventmetricscursor/1/change/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricscursor/1/history/",    ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/events/eventmetricscursor/1/delete/",     ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    # Moods and recommended plays are records of what the listener did: staff read them, nobody writes them.
    ("GET /admin/emotions/",                               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/moodreading/",                   ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/moodreading/add/",               ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/emotions/moodreading/{reading}/",         ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/emotions/moodreading/{reading}/change/"),
    ("GET /admin/emotions/moodreading/{reading}/change/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/moodreading/{reading}/history/", ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/moodreading/{reading}/delete/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/emotions/recommendedplay/",               ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/recommendedplay/add/",           ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/emotions/recommendedplay/{recommended}/", ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/emotions/recommendedplay/{recommended}/change/"),
    ("GET /admin/emotions/recommendedplay/{recommended}/change/", ADMIN, ADMIN,    ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/recommendedplay/{recommended}/history/", ADMIN, ADMIN,   ADMIN,      ADMIN,      200),
    ("GET /admin/emotions/recommendedplay/{recommended}/delete/", ADMIN, ADMIN,    ADMIN,      ADMIN,      403),
    # Applications are decided by staff (approve / reject actions), never written on someone's behalf.
    ("GET /admin/promoters/",                              ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/promoters/promoterapplication/",          ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/promoters/promoterapplication/add/",      ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/promoters/promoterapplication/{application}/", ADMIN, ADMIN,      ADMIN,      ADMIN,      "302 → /admin/promoters/promoterapplication/{application}/change/"),
    ("GET /admin/promoters/promoterapplication/{application}/change/", ADMIN, ADMIN, ADMIN,    ADMIN,      200),
    ("GET /admin/promoters/promoterapplication/{application}/history/", ADMIN, ADMIN, ADMIN,   ADMIN,      200),
    ("GET /admin/promoters/promoterapplication/{application}/delete/", ADMIN, ADMIN, ADMIN,    ADMIN,      200),
    # Billing: the webhooks received and any listener's billing are records to read; billing changes on Stripe.
    ("GET /admin/billing/",                                ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/webhookreceipt/",                 ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/webhookreceipt/add/",             ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/billing/webhookreceipt/{receipt}/",       ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/billing/webhookreceipt/{receipt}/change/"),
    ("GET /admin/billing/webhookreceipt/{receipt}/change/", ADMIN,     ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/webhookreceipt/{receipt}/history/", ADMIN,    ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/webhookreceipt/{receipt}/delete/", ADMIN,     ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/billing/listenerbilling/",                ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/listenerbilling/add/",            ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    ("GET /admin/billing/listenerbilling/{user}/",         ADMIN,      ADMIN,      ADMIN,      ADMIN,      "302 → /admin/billing/listenerbilling/{user}/change/"),
    ("GET /admin/billing/listenerbilling/{user}/change/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/listenerbilling/{user}/history/", ADMIN,      ADMIN,      ADMIN,      ADMIN,      200),
    ("GET /admin/billing/listenerbilling/{user}/delete/",  ADMIN,      ADMIN,      ADMIN,      ADMIN,      403),
    # --- billing: Stripe's webhook ----
    # Stripe signs its events rather than signing in: anyone may POST, and without Stripe's signature every
    # persona is refused (tests/billing/test_webhooks.py sends signed ones).
    ("POST /billing/webhook/",                             "400 + error body", "400 + error body", "400 + error body", "400 + error body", "400 + error body"),
    # --- API ----
    ("GET /api/v1/me/",                                    DENIED,     200,        200,        200,        200),
    ("PATCH /api/v1/me/",                                  DENIED,     200,        200,        200,        200),
    ("GET /api/v1/me/export/",                             DENIED,     200,        200,        200,        200),
    # Each persona offers its own email and password; a Spotify-only guest has no password to offer.
    ("POST /api/v1/auth/token/",                           DENIED,     DENIED,     200,        200,        200),
    ("POST /api/v1/auth/token/refresh/",                   DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/imports/",                     DENIED,     200,        200,        200,        200),
    # The matrix posts JSON; uploads are multipart, so a signed-in caller is told 415.
    ("POST /api/v1/listening/imports/",                    DENIED,     "415 + error body", "415 + error body", "415 + error body", "415 + error body"),
    ("GET /api/v1/listening/imports/{job}/",               DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("POST /api/v1/listening/imports/{job}/cancel/",       DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("POST /api/v1/listening/imports/{job}/undo/",         DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("GET /api/v1/listening/totals/",                      DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/top/artists/",                 DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/history/",                     DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/clock/",                       DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/streaks/",                     DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/sessions/",                    DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/genres/",                      DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/tracks/{track}/",              DENIED,     200,        200,        200,        200),
    ("POST /api/v1/listening/ask/",                         DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("GET /api/v1/listening/library/search/",               DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("GET /api/v1/listening/library/playlists/",            DENIED,     200,        200,        200,        200),
    ("POST /api/v1/listening/library/playlists/",           DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("GET /api/v1/listening/library/playlists/{playlist}/", DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("PATCH /api/v1/listening/library/playlists/{playlist}/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("DELETE /api/v1/listening/library/playlists/{playlist}/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("POST /api/v1/listening/library/playlists/{playlist}/tracks/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("DELETE /api/v1/listening/library/playlists/{playlist}/tracks/{track}/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("PUT /api/v1/listening/library/playlists/{playlist}/order/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("POST /api/v1/listening/library/playlists/{playlist}/export/",DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    ("GET /api/v1/listening/library/favourites/",           DENIED,     200,        200,        200,        200),
    ("PUT /api/v1/listening/library/favourites/{track}/",   DENIED,     200,        200,        200,        200),
    ("DELETE /api/v1/listening/library/favourites/{track}/",DENIED,     204,        204,        204,        204),
    ("GET /api/v1/listening/library/ratings/",              DENIED,     200,        200,        200,        200),
    ("PUT /api/v1/listening/library/ratings/{track}/",      DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("DELETE /api/v1/listening/library/ratings/{track}/",   DENIED,     204,        204,        204,        204),
    ("GET /api/v1/listening/library/picks/",                DENIED,     200,        200,        200,        200),
    ("POST /api/v1/listening/library/picks/",               DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("DELETE /api/v1/listening/library/picks/{track}/",     DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/taste/sharing/",                DENIED,     200,        200,        200,        200),
    ("PUT /api/v1/listening/taste/sharing/",                DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("GET /api/v1/listening/taste/listeners/",              DENIED,     200,        200,        200,        200),
    ("GET /api/v1/listening/taste/matches/{listener}/",     DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND),
    # The matrix posts empty bodies: a mood, or the song played, is required.
    ("GET /api/v1/emotions/recommendations/",              DENIED,     200,        200,        200,        200),
    ("GET /api/v1/emotions/moods/",                        DENIED,     200,        200,        200,        200),
    ("POST /api/v1/emotions/moods/",                       DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("GET /api/v1/emotions/moods/summary/",                DENIED,     200,        200,        200,        200),
    ("GET /api/v1/emotions/plays/",                        DENIED,     200,        200,        200,        200),
    ("POST /api/v1/emotions/plays/",                       DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    # The caller's own billing; the same refusals as the pages, in the error shape.
    ("GET /api/v1/billing/",                               DENIED,     200,        200,        200,        200),
    ("GET /api/v1/billing/invoices/",                      DENIED,     200,        200,        200,        200),
    ("POST /api/v1/billing/checkout/",                     DENIED,     "400 + error body","400 + error body","400 + error body","400 + error body"),
    ("POST /api/v1/billing/portal/",                       DENIED,     "409 + error body","409 + error body","409 + error body","409 + error body"),
    ("POST /api/v1/billing/cancel/",                       DENIED,     "409 + error body","409 + error body","409 + error body","409 + error body"),
    ("POST /api/v1/billing/resume/",                       DENIED,     "409 + error body","409 + error body","409 + error body","409 + error body"),
    ("GET /api/v1/events/",                                200,        200,        200,        200,        200),
    ("GET /api/v1/events/{event}/",                        200,        200,        200,        200,        200),
    ("GET /api/v1/events/{hidden}/",                       NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  200),
    ("PUT /api/v1/events/{event}/save/",                   DENIED,     200,        200,        200,        200),
    ("DELETE /api/v1/events/{event}/save/",                DENIED,     204,        204,        204,        204),
    # Staff may preview an unlisted event but not save it: it is not on the listeners' side yet.
    ("PUT /api/v1/events/{hidden}/save/",                  DENIED,     NOT_FOUND,  NOT_FOUND,  NOT_FOUND,  "400 + error body"),
    ("GET /api/v1/events/saved/",                          DENIED,     200,        200,        200,        200),
    ("GET /api/v1/events/recommended/",                    DENIED,     200,        200,        200,        200),
    # A promoter's own events and their figures; {hidden} is another promoter's.
    ("GET /api/v1/promoters/events/",                      DENIED,     FORBIDDEN,  FORBIDDEN,  200,        FORBIDDEN),
    ("GET /api/v1/promoters/events/{hidden}/metrics/",     DENIED,     FORBIDDEN,  FORBIDDEN,  NOT_FOUND,  FORBIDDEN),
    ("GET /api/schema/",                                   200,        200,        200,        200,        200),
    ("GET /api/docs/",                                     200,        200,        200,        200,        200),
]
# fmt: on

# Cells where the product does not yet do what the matrix says it should; each is reported.
# strict: when the product is fixed, the xfail turns into a failure and the line comes out.
KNOWN_WRONG = {
}

# URL patterns with no row, and why. Keep this short: a row is almost always the better answer.
UNLISTED = {
    r"^accounts/spotify/login/":
        "Spotify sign-in and its callback; tests/accounts/test_spotify_signin.py drives them against the fake Spotify",
    r"^accounts/social/":
        "allauth's old addresses, which only 301 to the same pages under accounts/3rdparty/",
    r"^admin/(auth|account|socialaccount|django_celery_beat|axes)/":
        "other packages' ModelAdmins, behind the same AdminSite.admin_view guard our own ModelAdmins' rows pin down",
    r"^admin/djstripe/":
        "dj-stripe's ModelAdmins, made read-only by billing/admin.py (tests/billing/test_admin.py), behind the same "
        "AdminSite.admin_view guard",
    r"^admin/r/":
        "the admin's view-on-site redirect; none of our models has a get_absolute_url",
}


def _cells():
    for request, *statuses in MATRIX:
        method, url = request.split(" ")
        for persona, expected in zip(PERSONAS, statuses, strict=True):
            marks = []
            if reason := KNOWN_WRONG.get((request, persona)):
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            yield pytest.param(method, url, persona, expected, id=f"{request} as {persona}", marks=marks)


def _body(method: str, url: str, user: User | None, other: User) -> dict | None:
    """What the persona sends: its own credentials and tokens, or an attempt on the other listener."""
    if (method, url) == ("POST", "/hijack/acquire/"):
        return {"user_pk": other.pk}
    if (method, url) == ("POST", "/api/v1/auth/token/"):
        if user is None:
            return {"email": other.email, "password": "a guess at the password"}
        return {"email": user.email or "guest-without-email@example.com", "password": PASSWORD}
    if (method, url) == ("POST", "/api/v1/auth/token/refresh/"):
        return {"refresh": str(RefreshToken.for_user(user)) if user else "not-a-token"}
    if (method, url) == ("PATCH", "/api/v1/me/"):
        return {"display_name": "Renamed"}
    return None if method == "GET" else {}


def _send(client, method: str, url: str, body: dict | None):
    send = getattr(client, method.lower())
    if body is None:
        return send(url)
    if url.startswith("/api/"):
        return send(url, body, content_type="application/json")
    return send(url, body)


def _outcome(response) -> str:
    """The status as a matrix cell: where a redirect goes, and whether an API error has the agreed shape."""
    status = response.status_code
    if status in (301, 302):
        return f"{status} → {urlsplit(response['Location']).path}"
    if status >= 400 and response.get("Content-Type") == "application/json":
        error = response.json().get("error", {})
        if set(error) == {"code", "message", "fields"}:
            return f"{status} + error body"
    return str(status)


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # PBKDF2 takes ~0.4 s a user here and the matrix makes two users for each of its cells.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def logged_impersonation(staff, other_listener):
    return Impersonation.objects.create(staff=staff, target=other_listener, path="/hijack/acquire/")


@pytest.mark.parametrize(("method", "url", "persona", "expected"), list(_cells()))
def test_who_may_reach_what(method, url, persona, expected, request, client, spotify, other_listener):
    # `spotify` configures the Spotify app, as in every deployment where guests exist at all.
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    ids = {"user": other_listener.pk}
    if "{entry}" in url:
        ids["entry"] = request.getfixturevalue("logged_impersonation").pk
    if "{job}" in url:
        ids["job"] = ImportJob.objects.create(
            user=other_listener, upload="imports/theirs.zip", filename="theirs.zip", size_bytes=1
        ).public_id
    if re.search(r"\{(track|track_pk|artist_pk|play_pk|playlist)\}", url):
        track = Track.objects.create(artist=Artist.objects.create(name="Theirs", name_key="theirs"),
                                     name="Their song", name_key="their song")
        ids.update(track=track.public_id, track_pk=track.pk, artist_pk=track.artist_id)
        ids["playlist"] = Playlist.objects.create(user=other_listener, name="Theirs").public_id
        plays_add_for(other_listener, ("Theirs", "Their song", timezone.now(), 3))
        ids["play_pk"] = Play.objects.get(user=other_listener).pk
    if re.search(r"\{(reading|recommended)\}", url):
        ids.update(_moods_of_another(other_listener))
    if "{listener}" in url:
        ids["listener"] = other_listener.public_id
    if "{sync}" in url:
        ids["sync"] = SpotifySync.objects.create(user=other_listener).pk
    if "{call}" in url:
        ids["call"] = ApiCallLog.objects.create(service="spotify", method="GET", endpoint="/v1/me", status=200).pk
    if re.search(r"\{(event|hidden|other_event_pk|event_type|saved|notice|interaction|metrics)\}", url):
        ids.update(_events_of_others(request.getfixturevalue("other_promoter"), other_listener))
    if "{receipt}" in url:
        ids["receipt"] = WebhookReceipt.objects.create(event_id="evt_theirs", type="invoice.paid", outcome="processed",
                                                       created=timezone.now()).pk
    if "{application}" in url:
        ids["application"] = PromoterApplication.objects.create(
            user=other_listener, organisation="Theirs", website="https://theirs.example.com", reason="To promote"
        ).pk
    if url.startswith("/admin/events/eventmetricscursor/1/"):
        EventMetricsCursor.objects.get_or_create(pk=1)
    if url == "/healthz":
        request.getfixturevalue("celery_worker")  # a healthy stack has a worker answering

    response = _send(client_for(client, user), method, url.format(**ids), _body(method, url, user, other_listener))

    assert _outcome(response) == str(expected).format(**ids)


def _events_of_others(other_promoter: User, other_listener: User) -> dict:
    """An approved show on sale (saved by the other listener, who was told of it and looked at it), and
    another promoter's event still waiting for review."""
    shown = Event.objects.create(
        source="ticketmaster", external_id="theirs-1", title="Their show", venue="Paradiso", city="Amsterdam",
        country="NL", starts_at=timezone.now() + timedelta(days=30), ticket_url="https://tickets.example.com/buy/1",
    )
    hidden = Event.objects.create(
        source="internal", promoter=other_promoter, title="Their draft", venue="Melkweg", city="Amsterdam",
        country="NL", starts_at=timezone.now() + timedelta(days=40), moderation="pending",
    )
    saved = SavedEvent.objects.create(user=other_listener, event=shown)
    notice = EventNotice.objects.create(user=other_listener, event=shown, kind="cancelled")
    interaction = EventInteraction.objects.create(event=hidden, user=other_listener, kind="view", at=timezone.now())
    metrics = EventMetricsDaily.objects.create(event=hidden, day=timezone.now().date(), views=1)
    return {"event": shown.public_id, "hidden": hidden.public_id, "other_event_pk": hidden.pk,
            "event_type": ContentType.objects.get_for_model(Event).pk, "saved": saved.pk, "notice": notice.pk,
            "interaction": interaction.pk, "metrics": metrics.pk}


def _moods_of_another(other_listener: User) -> dict:
    """The other listener's mood reading and a recommended song they played."""
    reading = mood_record(user=other_listener, estimate=mood_picked("sad"), source="manual", at=timezone.now())
    track = Track.objects.create(artist=Artist.objects.create(name="Theirs", name_key="theirs"),
                                 name="Their sad song", name_key="their sad song")
    played = recommended_play_record(user=other_listener, track_public_id=track.public_id, at=timezone.now(),
                                     mood="sad", reason="Theirs")
    return {"reading": reading.pk, "recommended": played.pk}


# --- every URL has a row ------------------------------------------------------------------
def _routes(patterns, prefix=""):
    """Every route in the resolver, spelled the way ResolverMatch.route spells it."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^" if prefix else "")
        if isinstance(pattern, URLPattern):
            yield route
        else:
            yield from _routes(pattern.url_patterns, route)


def test_every_url_has_a_row_in_the_matrix():
    routes = set(_routes(get_resolver().url_patterns))
    any_id = defaultdict(uuid.uuid4)
    covered = {resolve(request.split(" ")[1].format_map(any_id)).route for request, *_ in MATRIX}
    unlisted = {route for route in routes if any(re.match(pattern, route) for pattern in UNLISTED)}

    missing = routes - covered - unlisted

    assert not missing, f"URLs without a row in MATRIX (add one, or a reasoned line in UNLISTED): {sorted(missing)}"
    assert not covered & unlisted, "a URL in MATRIX is also in UNLISTED; drop it from UNLISTED"


# --- sockets ---------------------------------------------------------------------------------
# Who may open each socket: a signed-out visitor is closed with 4401; every signed-in role hears "ready" on a
# socket of its own (nothing in a socket's path names another listener).
SOCKETS = ("/ws/notifications/", "/ws/mood/")


def test_every_socket_has_a_row():
    assert {f"/{pattern.pattern}" for pattern in websocket_urlpatterns} == set(SOCKETS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", SOCKETS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_which_socket(path, persona, request, daphne_server):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}"} if user else {}

    async def first_word():
        async with websockets.connect(f"ws://{daphne_server}{path}", additional_headers=headers,
                                      origin=f"http://{daphne_server}") as socket:
            try:
                async with asyncio.timeout(20):
                    return json.loads(await socket.recv())["type"]
            except websockets.ConnectionClosed as closed:
                return f"closed {closed.rcvd.code}"

    assert asyncio.run(first_word()) == ("closed 4401" if user is None else "ready")


# --- the API only ever touches the caller -------------------------------------------------
def test_patching_me_changes_only_the_caller_whatever_the_body_claims(client, listener, other_listener):
    client_for(client, listener)

    response = client.patch(
        f"/api/v1/me/?user={other_listener.pk}",
        {
            "display_name": "Lena Renamed",
            "id": str(other_listener.public_id),
            "email": "taken-over@example.com",
            "role": "promoter",
            "is_staff": True,
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["id"] == str(listener.public_id)
    assert response.json()["display_name"] == "Lena Renamed"
    listener.refresh_from_db()
    other_listener.refresh_from_db()
    assert (listener.email, listener.role, listener.is_staff) == ("listener@example.com", "regular", False)
    assert other_listener.display_name == "Otto Other"


def test_a_bearer_token_patches_its_owner_and_nobody_else(client, listener, other_listener):
    tokens = client.post("/api/v1/auth/token/", {"email": listener.email, "password": PASSWORD}).json()
    mobile = Client(headers={"Authorization": f"Bearer {tokens['access']}"})

    response = mobile.patch("/api/v1/me/", {"display_name": "From my phone"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == str(listener.public_id)
    assert User.objects.get(pk=listener.pk).display_name == "From my phone"
    assert User.objects.get(pk=other_listener.pk).display_name == "Otto Other"


def test_an_anonymous_api_call_is_asked_for_a_bearer_token(client):
    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_cross_site_patch_riding_the_session_cookie_is_refused(listener):
    browser = client_for(Client(enforce_csrf_checks=True), listener)

    response = browser.patch("/api/v1/me/", {"display_name": "Forged"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert User.objects.get(pk=listener.pk).display_name == "Lena Listener"


# --- moods are personal ---------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["guest", "listener", "promoter", "staff"])
def test_nobody_reads_another_listeners_moods_or_recommended_plays(persona, request, client, other_listener):
    _moods_of_another(other_listener)
    client_for(client, request.getfixturevalue(persona))

    pages = [client.get(url).content.decode() for url in ("/mood/history/", "/mood/history/?by=week")]
    answers = [client.get(f"/api/v1/emotions/{path}").json()
               for path in ("moods/", "moods/summary/", "moods/summary/?by=week", "plays/", "recommendations/")]

    assert not any("Their sad song" in page or "Theirs" in page for page in pages)
    assert "No moods read in the last 30 days." in pages[0]
    assert answers[0]["count"] == answers[3]["count"] == 0
    assert not any(period["shares"] for answer in answers[1:3] for period in answer["periods"])
    assert answers[4]["mood"] is None


# --- impersonation ------------------------------------------------------------------------
def test_staff_impersonation_shows_a_banner_and_is_logged_from_start_to_end(client, staff, listener):
    client_for(client, staff)

    acquired = client.post("/hijack/acquire/", {"user_pk": listener.pk, "next": "/profile/"})

    assert acquired.status_code == 302
    assert acquired["Location"] == "/profile/"
    page = client.get("/profile/")
    assert page.status_code == 200
    assert "Staff view: you are acting as" in page.content.decode()
    assert "Lena Listener" in page.content.decode()
    entry = Impersonation.objects.get()
    assert (entry.staff, entry.target, entry.path, entry.ended_at) == (staff, listener, "/hijack/acquire/", None)
    # Acting as a listener means having a listener's rights, not staff's.
    assert client.get("/admin/").status_code == 302

    released = client.post("/hijack/release/")

    assert released.status_code == 302
    entry.refresh_from_db()
    assert entry.ended_at is not None and entry.ended_at >= entry.started_at
    assert "Staff view: you are acting as" not in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("persona", ["guest", "listener", "promoter"])
def test_nobody_but_staff_can_act_as_someone_else(persona, request, client, staff):
    user = request.getfixturevalue(persona)
    client_for(client, user)

    response = client.post("/hijack/acquire/", {"user_pk": staff.pk})

    assert response.status_code == 403
    assert client.get("/api/v1/me/").json()["id"] == str(user.public_id)
    assert not Impersonation.objects.exists()


@pytest.mark.parametrize("user_pk", ["abc", "", "1.5", "99999999", "99999999999999999999999"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_acquiring_a_user_pk_that_names_nobody_is_a_bad_request(persona, user_pk, request, client, db):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client_for(client, user)

    response = client.post("/hijack/acquire/", {"user_pk": user_pk})

    assert _outcome(response) == (LOGIN if user is None else "400")
    assert not Impersonation.objects.exists()
    if user is not None:
        assert client.get("/api/v1/me/").json()["id"] == str(user.public_id)
