"""The API keeps to its own OpenAPI schema: schemathesis makes up requests for every operation in /api/schema/,
valid ones and ones the schema forbids, and sends each of them as a listener and as a promoter. No answer may be a
server error, and every answer, errors included, must have the content type and shape the schema documents for its
status."""

from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction
from listening.models import ImportJob, Track
from listening.services import library as library_services
from listening.services import taste_sharing_set
from tests.factories import UserFactory, plays_add_for

# Examples per operation and mode, each sent as both personas: about a minute on two cores.
EXAMPLES = 10
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def known_ids(listener, promoter):
    """What the API has to show: a listener with a history, a library, an import and someone whose taste is like
    theirs; a promoter with a show the listener saw. Path parameters are drawn from these ids as well as made up,
    so the operations on one thing answer with it, not only with 404."""
    start = timezone.now() - timedelta(days=20)
    alike = UserFactory(display_name="Lou Alike")  # no avatar, like most listeners
    for user in (listener, alike):
        plays_add_for(user, *[
            (artist, f"{artist} song {n}", start + timedelta(minutes=5 * (index * 10 + n)), 3)
            for index, artist in enumerate(["Björk", "Röyksopp", "Sigur Rós"]) for n in range(6)
        ])
        taste_sharing_set(user=user, public=True)
    tracks = list(Track.objects.select_related("artist")[:3])
    playlist = library_services.playlist_create(user=listener, name="Nordic")
    library_services.playlist_tracks_add(playlist=playlist, tracks=tracks)
    library_services.favourite_add(user=listener, track=tracks[0])
    library_services.rating_set(user=listener, track=tracks[1], stars=4)
    library_services.starter_pick_add(user=listener, track=tracks[2])
    job = ImportJob.objects.create(user=listener, upload="imports/mine.zip", filename="mine.zip", size_bytes=1)
    show = Event.objects.create(
        source=Event.Source.INTERNAL, promoter=promoter, title="Northern Lights", venue="Paradiso",
        city="Amsterdam", country="NL", starts_at=timezone.now() + timedelta(days=30),
        ticket_url="https://tickets.example.com/northern", moderation=Event.Moderation.APPROVED, sponsored=True,
    )
    EventInteraction.objects.create(event=show, user=listener, kind="impression", targeted=True, at=timezone.now())
    event_metrics_aggregate()
    public_ids = [show.public_id, playlist.public_id, job.public_id, alike.public_id, tracks[0].public_id,
                  tracks[0].artist.public_id]
    return {"public_id": [str(public_id) for public_id in public_ids],
            "track_id": [str(track.public_id) for track in tracks]}


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # The made-up sign-ins would each spend ~0.4 s on PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_operation_answers_as_its_schema_documents(listener, promoter, live_server, known_ids, monkeypatch,
                                                         settings, stripe_fake):  # checkout and portal reach it
    settings.DEBUG = False  # as deployed: Django's debug pages are HTML
    # Throttles would turn most of the run into 429s; tests/platform/test_throttles.py tests them.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES,
                                                                            "1000000/min"))
    # One walk serves both personas: making up the requests costs more than sending them.
    bearers = {persona: {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
               for persona, user in (("listener", listener), ("promoter", promoter))}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")

    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        ours = {p.name: st.sampled_from(known_ids[p.name]) for p in operation.path_parameters if p.name in known_ids}
        for mode in GenerationMode:
            cases = operation.as_strategy(mode)
            if ours:
                cases |= st.fixed_dictionaries(ours).flatmap(
                    lambda ids, mode=mode: operation.as_strategy(mode, path_parameters=ids)
                )

            @hypothesis.given(case=cases)
            @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                                 suppress_health_check=list(hypothesis.HealthCheck))
            def answers_as_documented(case):
                for persona, bearer in bearers.items():
                    try:
                        case.call_and_validate(headers=bearer, checks=CHECKS)
                    except (Exception, FailureGroup) as failure:
                        failure.add_note(f"Sent as the {persona}.")
                        raise

            try:
                answers_as_documented()
            except (Exception, FailureGroup) as failure:
                notes = getattr(failure, "__notes__", [])
                failures.append("\n".join([f"{operation.label} ({mode}): {failure}", *notes]))

    assert not failures, "\n\n".join(failures)
