import pytest

from events.interactions import PENDING, PROCESSING, TAGGED
from rewrapped.redis import redis_client


@pytest.fixture(autouse=True)
def _no_leftover_interactions():
    """Interactions recorded by an earlier test are not this test's."""
    redis_client().delete(PENDING, PROCESSING, TAGGED)
    yield
    redis_client().delete(PENDING, PROCESSING, TAGGED)
