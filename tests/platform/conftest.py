import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from tests.conftest import ROOT, wait_until

CHILD = Path(__file__).with_name("stack_child.py")


class EmbeddedServers:
    """Embedded servers under a var dir apart from the test session's, seen from outside: the processes that
    start them, their pids, and whether anything still answers where they listened."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.reports = var_dir / "reports"
        self.logs = var_dir / "logs"
        self.started: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict:
        """No DATABASE_URL / REDIS_URL, so settings start (or join) the servers under this var dir."""
        inherited = {key: value for key, value in os.environ.items()
                     if key not in ("DATABASE_URL", "REDIS_URL", "XDG_RUNTIME_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE")}
        return {**inherited, "RW_VAR_DIR": str(self.var_dir), "STACK_REPORT_DIR": str(self.reports),
                "DEBUG": "1", **extra}

    def start(self, command: list[str], log_name: str, **env: str) -> subprocess.Popen:
        """Starts `command` in a process group of its own, as a shell starts a foreground job."""
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / log_name, "wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append(process)
        return process

    @staticmethod
    def ctrl_c(process: subprocess.Popen) -> None:
        """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
        os.killpg(process.pid, signal.SIGINT)

    def start_holder(self, name: str) -> subprocess.Popen:
        """A process that starts or joins the servers itself, as a test run or a management command does."""
        return self.start([sys.executable, str(CHILD), name], f"{name}.log")

    def child_command(self, name: str, *flags: str) -> str:
        return " ".join([sys.executable, str(CHILD), name, *flags])

    def pid_of(self, name: str) -> int:
        """The pid a child reported once PostgreSQL and Redis answered it."""
        report = self.reports / f"{name}.json"
        wait_until(report.exists, f"{name} to report", seconds=90)
        return json.loads(report.read_text())["pid"]

    def servers(self) -> dict:
        """Pids and addresses of the running servers, read from the files they write."""
        postmaster = (self.var_dir / "postgres" / "postmaster.pid").read_text().splitlines()
        return {
            "postgres_pid": int(postmaster[0]),
            "postgres_socket": str(Path(postmaster[4]) / f".s.PGSQL.{postmaster[3]}"),
            "redis_pid": int((self.var_dir / "redis" / "redis.pid").read_text()),
            "redis_port": json.loads((self.var_dir / "redis" / "server.json").read_text())["port"],
        }

    def answering(self, servers: dict) -> dict:
        """Which of the servers still run or accept connections."""
        postgres = process_running(servers["postgres_pid"]) or _accepts(socket.AF_UNIX, servers["postgres_socket"])
        redis = process_running(servers["redis_pid"]) or _accepts(socket.AF_INET, ("127.0.0.1", servers["redis_port"]))
        return {"postgres": postgres, "redis": redis}

    def wait_stopped(self, servers: dict) -> None:
        """Wait (with a deadline) for both servers to stop; fails naming the ones still up."""
        try:
            wait_until(lambda: not any(self.answering(servers).values()), "the embedded servers to stop", seconds=60)
        except RuntimeError:
            still = [name for name, up in self.answering(servers).items() if up]
            pytest.fail(f"still running: {', '.join(still)}")

    def clean_up(self) -> None:
        for process in self.started:
            _kill_tree(process.pid)
        # What a failed test left running: PostgreSQL gets a fast shutdown, so the next test finds clean data.
        for pid_file, sig in ((self.var_dir / "postgres" / "postmaster.pid", signal.SIGINT),
                              (self.var_dir / "redis" / "redis.pid", signal.SIGKILL)):
            try:
                pid = int(pid_file.read_text().split()[0])
            except (FileNotFoundError, IndexError, ValueError):
                continue
            if process_running(pid):
                os.kill(pid, sig)
                wait_until(lambda pid=pid: not process_running(pid), f"leftover {pid_file.parent.name}", seconds=60)


def process_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _accepts(family: int, address) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(address)
        except OSError:
            return False
    return True


def _kill_tree(pid: int) -> None:
    """SIGKILL to the process groups of `pid` and everything under it: a Procfile process whose shell died of
    SIGTERM has left the tree, but not its group."""
    try:
        tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    groups = set()
    for process in tree:
        try:
            groups.add(os.getpgid(process.pid))
        except ProcessLookupError:
            pass
    for group in groups - {os.getpgrp()}:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def embedded():
    """Embedded servers of this test's own (reusing one data directory across tests, so initdb runs once)."""
    servers = EmbeddedServers(Path(settings.VAR_DIR) / "embedded-test")
    servers.reports.mkdir(parents=True, exist_ok=True)
    for report in servers.reports.iterdir():
        report.unlink()
    yield servers
    servers.clean_up()
