import logging
import os

from celery import Celery, bootsteps
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

logger = logging.getLogger(__name__)

app = Celery("rewrapped")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every worker listens to these; a task names its queue in its decorator.
QUEUES = ("default", "sync", "imports", "ml")

# Present while at least one worker is alive: each writes it every WORKER_HEARTBEAT_SECONDS, and it expires
# after three missed beats. /healthz reads it instead of asking workers over the broker from a web thread.
HEARTBEAT_KEY = "worker:heartbeat"


class Heartbeat(bootsteps.StartStopStep):
    """Writes HEARTBEAT_KEY from the worker's event loop, so a worker whose loop is stuck stops beating too."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer):
        from django.conf import settings

        self.hostname = consumer.hostname
        self.beat()
        self.timer = consumer.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self.beat)

    def stop(self, consumer):
        if getattr(self, "timer", None) is not None:
            self.timer.cancel()
            self.timer = None

    shutdown = stop

    def beat(self) -> None:
        from django.conf import settings

        from rewrapped.redis import redis_client

        try:
            redis_client().set(HEARTBEAT_KEY, self.hostname, ex=3 * settings.WORKER_HEARTBEAT_SECONDS)
        except RedisError as error:  # Redis away: /healthz says so; the next beat tries again
            logger.warning("Worker heartbeat not written: %s", error)


app.steps["consumer"].add(Heartbeat)
