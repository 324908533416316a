import pytest

from rewrapped.redis import redis_client


@pytest.fixture(autouse=True)
def _fresh_recommender():
    """Forget the co-listening model and listeners' kept candidates, so no test meets another's."""
    client = redis_client()
    keys = list(client.scan_iter("emotions:*", count=1000))
    if keys:
        client.delete(*keys)
    yield
