import pytest

from events.ingest import events_fetch
from events.interactions import PENDING, PROCESSING, TAGGED
from events.providers import EventQuery
from rewrapped.redis import redis_client


@pytest.fixture(autouse=True)
def _no_leftover_interactions():
    """Interactions recorded by an earlier test are not this test's."""
    redis_client().delete(PENDING, PROCESSING, TAGGED)
    yield
    redis_client().delete(PENDING, PROCESSING, TAGGED)


@pytest.fixture
def fetch(django_capture_on_commit_callbacks):
    """Fetch from a provider the way the task does, running what waits for the commit."""
    def run(source="ticketmaster"):
        with django_capture_on_commit_callbacks(execute=True):
            return events_fetch(source=source, query=EventQuery())
    return run
