"""Large request bodies sent to a real server over a socket the way clients send them (declared or chunked,
the answer read while the body is still going out), and a watch on a server process's memory meanwhile."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from django.conf import settings

PIECE = 1024 * 1024
BOUNDARY = "rewrapped-upload-boundary"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the first byte of the request to the whole answer
    sent: int  # body bytes the server took before answering or closing

    def json(self) -> dict:
        return json.loads(self.body)


def multipart_upload(file_bytes: int, *, filename: str = "my_spotify_data.zip") -> tuple[bytes, int, bytes]:
    """The head and tail of a multipart form with one `export` file of `file_bytes` bytes, and its size."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"export\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head, file_bytes, tail


def post(address: str, path: str, *, file_bytes: int, chunked: bool = False, headers: dict | None = None,
         filename: str = "my_spotify_data.zip", timeout: float = 120) -> Answer:
    """POST a multipart upload of a `file_bytes`-byte file (zeros) to `address` ("host:port")."""
    host, port = address.rsplit(":", 1)
    head, size, tail = multipart_upload(file_bytes, filename=filename)
    lines = [f"POST {path} HTTP/1.1", f"Host: {address}",
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
             "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(head) + size + len(tail)}",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    connection = socket.create_connection((host, int(port)), timeout=timeout)
    started = time.monotonic()
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answered = threading.Event()
    sent = 0

    def pieces():
        yield head
        left = size
        zeros = bytes(PIECE)
        while left > 0:
            yield zeros[: min(PIECE, left)]
            left -= PIECE
        yield tail

    def send_body():
        nonlocal sent
        try:
            for piece in pieces():
                if answered.is_set():
                    return  # a client stops sending once it has its answer
                connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(connection)
        response.begin()
        body = response.read()
        seconds = time.monotonic() - started
    finally:
        answered.set()
        connection.close()
        sender.join(timeout)
    return Answer(response.status, dict(response.getheaders()), body, seconds, sent)


class MemoryWatch:
    """The peak resident memory of a process (and its children) while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.before = self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        processes = [self.process, *self.process.children(recursive=True)]
        return sum(process.memory_info().rss for process in processes)

    def _sample(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 1e6


def pid_listening_on(address: str) -> int:
    """The process serving `address`: of those holding its socket (a master and its workers), the eldest."""
    port = int(address.rsplit(":", 1)[1])
    pids = {connection.pid for connection in psutil.net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid}
    for pid in pids:
        if psutil.Process(pid).ppid() not in pids:
            return pid
    raise LookupError(f"nothing listens on {address}")


def server_start(command: list[str]) -> tuple[subprocess.Popen, str]:
    """Start a server process (`{port}` in `command` is a free port) on this project's databases; returns it
    and its address once it accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
    process = subprocess.Popen([part.format(port=port) for part in command], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{command[2]} did not start")
