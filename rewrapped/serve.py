"""daphne as this project runs it: `python -m rewrapped.serve [daphne's options] rewrapped.asgi:application`.

Twisted receives a request's whole body before daphne hands the request to the application, so no ASGI
middleware can refuse a body before it is read; and daphne then queues all of it in memory for the
application at once. Here a request is held to rewrapped.bodies when its headers arrive (refused at once by its
Content-Length), a chunked body counted as it arrives, and an accepted body stays in the file Twisted spools it
to until the application reads it.
"""

from __future__ import annotations

import asyncio
import os
from functools import partial

from daphne import server as daphne_server  # first: it installs the asyncio reactor everything below uses
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory as DaphneHTTPFactory
from daphne.http_protocol import WebRequest
from twisted.internet import reactor

from rewrapped.bodies import BodyLimit

# After refusing, what the client still sends is read and dropped for this long before the connection is
# cut: closing with unread data resets it, and most clients then lose the answer they were sent.
LINGER_SECONDS = 10


class Request(WebRequest):
    """daphne's HTTP request, held to rewrapped.bodies before its body is read."""

    def __init__(self, *args, **kwargs):
        # Twisted would parse a multipart upload into memory (several copies of it) for request.args, which
        # daphne never reads: Django parses the upload from the body, streaming it to disk.
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)
        self.limit, self.declared, self.received, self.refused, self.linger = None, False, 0, False, None

    def gotLength(self, length):
        """All headers are in and no body yet."""
        super().gotLength(length)
        headers = self.requestHeaders
        self.limit = BodyLimit.for_headers(
            cookies={name.decode("latin-1") for name in self.received_cookies},
            authorization=headers.hasHeader(b"authorization"),
            accept=b",".join(headers.getRawHeaders(b"accept", [])).decode("latin-1"),
        )
        self.declared = length is not None
        if self.declared:
            self.check(length)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.received += len(data)
        if self.check(self.received):
            super().handleContentChunk(data)

    def check(self, size: int) -> bool:
        if refusal := self.limit.refusal(size, declared=self.declared):
            self.refuse(refusal.http_response())
            return False
        return True

    def refuse(self, response: bytes) -> None:
        self.refused = True
        # The answer is final: no "100 Continue" after it for a client that asked for one.
        self.requestHeaders.removeHeader(b"expect")
        transport = self.channel.transport
        transport.write(response)
        transport.loseWriteConnection()
        self.linger = reactor.callLater(LINGER_SECONDS, transport.abortConnection)

    def process(self):
        if not self.refused:
            return super().process()

    def connectionLost(self, reason):
        if self.linger is not None and self.linger.active():
            self.linger.cancel()
        super().connectionLost(reason)


class HTTPFactory(DaphneHTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = Request
        return protocol


class BodyFromFile(asyncio.Queue):
    """An application's input queue that keeps an HTTP body on disk: daphne puts the body in chunk by chunk
    as soon as it has it all, and each chunk is read back from Twisted's spool file only when the
    application takes it."""

    def __init__(self, spool):
        super().__init__()
        # Our own descriptor: Twisted closes its file when the response is done, and its number may by then
        # belong to another request's file.
        self.spool = os.fdopen(os.dup(spool.fileno()), "rb", buffering=0)
        self.offset = 0

    def put_nowait(self, message):
        if message.get("type") == "http.request" and message.get("body"):
            size = len(message["body"])
            message = {**message, "body": (self.offset, size)}
            self.offset += size
        super().put_nowait(message)

    def get_nowait(self):
        message = super().get_nowait()
        if isinstance(message.get("body"), tuple):
            offset, size = message["body"]
            message = {**message, "body": os.pread(self.spool.fileno(), size, offset)}
            if not message.get("more_body"):
                self.spool.close()
        return message


class Server(daphne_server.Server):
    def run(self):
        # daphne's run() builds its HTTP factory by this module-level name and takes no class for it.
        daphne_server.HTTPFactory = HTTPFactory
        super().run()

    def create_application(self, protocol, scope):
        """daphne's, with a queue that keeps an HTTP body spooled to disk (small bodies stay in memory)."""
        spool = getattr(protocol, "content", None)
        if scope["type"] != "http" or not _has_fileno(spool):
            return super().create_application(protocol, scope)
        assert "application_instance" not in self.connections[protocol]
        input_queue = BodyFromFile(spool)
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol))
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            instance, loop=asyncio.get_event_loop()
        )
        return input_queue


def _has_fileno(spool) -> bool:
    try:
        spool.fileno()
    except (AttributeError, OSError, ValueError):  # BytesIO has none; a closed file neither
        return False
    return True


class Serve(CommandLineInterface):
    server_class = Server


if __name__ == "__main__":
    Serve.entrypoint()
