"""Settings that production depends on: deploy checks, Celery wiring, the channel layer."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT, wait_until

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "rewrapped.example",
    "CSRF_TRUSTED_ORIGINS": "https://rewrapped.example",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_channel_layer_outlasts_its_blocking_pop_and_has_room_for_bursts():
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]

    # channels_redis blocks 5 s per receive; a socket timeout at or under that kills idle consumers.
    assert host["socket_timeout"] > 5
    assert host["max_connections"] >= 1000
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


@pytest.mark.django_db(transaction=True)
def test_beat_keeps_its_schedule_in_the_database(stack_env):
    from django_celery_beat.models import PeriodicTask

    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "rewrapped", "beat", "--loglevel", "WARNING",
         "--schedule", str(settings.VAR_DIR / "beat-test-schedule")],
        cwd=ROOT, env=stack_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # Every entry, not a few: a SIGTERM landing while beat still writes its schedule is swallowed by
        # django-celery-beat's per-entry error handling, and beat keeps running.
        wanted = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        wait_until(lambda: wanted <= set(PeriodicTask.objects.values_list("task", flat=True)), "beat schedule")
    finally:
        beat.terminate()
        beat.wait(timeout=15)

    refresh = PeriodicTask.objects.get(task="accounts.tasks.spotify_tokens_refresh")
    assert (refresh.interval.every, refresh.interval.period) == (300, "seconds")


def test_celery_speaks_json_only_with_time_limits_and_routes_by_queue():
    from rewrapped.celery import app

    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.amqp.router.route({}, "accounts.tasks.spotify_tokens_refresh")["queue"].name == "sync"
    assert app.amqp.router.route({}, "accounts.tasks.user_notify")["queue"].name == "default"


def test_the_database_and_redis_are_the_real_servers(db):
    from django.db import connection

    from rewrapped.redis import redis_client

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 15
    assert redis_client().info("server")["redis_version"]


@pytest.mark.parametrize(("dsn", "active"), [("", "False"), ("http://public@127.0.0.1:9/1", "True")])
def test_sentry_reports_only_when_a_dsn_is_set(dsn, active):
    check = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    result = run_manage("shell", "-c", check, env={"DEBUG": "1", "SENTRY_DSN": dsn})

    assert result.stdout.strip().splitlines()[-1] == active, result.stderr


def test_logs_are_one_json_object_per_line_with_extra_fields():
    import json
    import logging

    from rewrapped.logging import JsonFormatter

    record = logging.LogRecord("accounts.services", logging.WARNING, __file__, 1, "refresh failed %s", ("x",), None)
    record.user_id = 42

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "WARNING" and line["logger"] == "accounts.services"
    assert line["message"] == "refresh failed x" and line["user_id"] == 42
