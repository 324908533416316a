"""Queueing Celery tasks from requests: the one way to do it, never waiting on the broker for long."""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a client is told to wait before trying again when the broker is unavailable.
RETRY_AFTER_SECONDS = 30


class BrokerUnavailable(Exception):
    """The broker did not take a task in time (settings.BROKER_TIMEOUT_SECONDS bounds every step): pages and
    the API answer 503 with Retry-After."""

    message = "The site is busy and could not start this just now. Please try again in a minute."


def task_queue(task: Task, /, **kwargs) -> None:
    """Queue `task(**kwargs)`, or raise BrokerUnavailable within a few seconds (never wait forever)."""
    try:
        task.apply_async(kwargs=kwargs)
    except (OperationalError, RedisError, OSError) as error:
        logger.warning("Could not queue %s: %s", task.name, error)
        raise BrokerUnavailable(task.name) from error


def task_queue_on_commit(task: Task, /, **kwargs) -> None:
    """Queue `task(**kwargs)` once the current transaction commits, so a worker never sees a rolled-back row.
    BrokerUnavailable then reaches the request that committed."""
    transaction.on_commit(lambda: task_queue(task, **kwargs))
