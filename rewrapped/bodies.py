"""How much body a request may send, decided from its headers before any of the body is read.

The servers apply it at their edge: daphne when a request's headers arrive (rewrapped/serve.py), gunicorn
through the WSGI wrapper below. Up to what Django would hold in memory from a form
(DATA_UPLOAD_MAX_MEMORY_SIZE, enough to sign in) anyone may send. More needs a credential (a session cookie or
an Authorization header; whether it is valid is Django's business once the body is in, here it only has to be
there), so an anonymous upload is refused at once, not after the whole body has arrived; and it needs a
declared length: Django reads an upload only up to its Content-Length, while a form sent without one (chunked)
would be read into memory whole. The largest body is REQUEST_MAX_BODY_BYTES, an export upload and its form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings


@dataclass(frozen=True)
class Refusal:
    """The answer to a body that may not be sent: a status and a message, as JSON or plain text."""

    status: HTTPStatus
    code: str
    message: str
    as_json: bool

    @property
    def status_line(self) -> str:
        return f"{self.status.value} {self.status.phrase}"

    @property
    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("Content-Type", "application/json" if self.as_json else "text/plain; charset=utf-8"),
            ("Content-Length", str(len(self.content))),
        ]
        if self.status == HTTPStatus.UNAUTHORIZED:
            headers.append(("WWW-Authenticate", 'Bearer realm="api"'))
        return headers

    @property
    def content(self) -> bytes:
        if self.as_json:
            return json.dumps({"error": {"code": self.code, "message": self.message, "fields": {}}}).encode()
        return self.message.encode() + b"\n"

    def http_response(self) -> bytes:
        """The whole response as it goes on the wire (HTTP/1.1), closing the connection: the rest of the body is
        not read, so it cannot carry another request."""
        head = [f"HTTP/1.1 {self.status_line}", *(f"{name}: {value}" for name, value in self.headers),
                "Connection: close"]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.content


@dataclass(frozen=True)
class BodyLimit:
    """Which bodies one request may send, from its headers."""

    signed_in: bool
    as_json: bool

    @classmethod
    def for_headers(cls, *, cookies: Iterable[str], authorization: bool, accept: str) -> BodyLimit:
        """From the request's cookie names, whether it has an Authorization header, and its Accept header."""
        # Browsers navigating ask for HTML and get the message as text; API clients get the API's error shape.
        return cls(signed_in=authorization or settings.SESSION_COOKIE_NAME in cookies,
                   as_json="text/html" not in accept)

    def refusal(self, size: int, *, declared: bool) -> Refusal | None:
        """Why a body of `size` bytes (its Content-Length, or what has arrived of a chunked one) may not be sent,
        if it may not."""
        if size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return None
        if not self.signed_in:
            return Refusal(HTTPStatus.UNAUTHORIZED, "not_authenticated",
                           "Sign in first: only signed-in accounts can upload.", self.as_json)
        if not declared:
            return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "length_required",
                           "Send the upload with its Content-Length, as browsers do.", self.as_json)
        if size > settings.REQUEST_MAX_BODY_BYTES:
            return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                           f"The upload is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // 1_000_000} MB, "
                           "the most we accept.", self.as_json)
        return None


class BodyLimitMiddleware:
    """WSGI: refuse a body by its Content-Length before the application can read any of it. A chunked body
    needs no count here: Django reads a WSGI body only up to its Content-Length, so one without is never read."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ: Mapping, start_response):
        limit = BodyLimit.for_headers(
            cookies=_cookie_names(environ.get("HTTP_COOKIE", "")),
            authorization=bool(environ.get("HTTP_AUTHORIZATION")),
            accept=environ.get("HTTP_ACCEPT", ""),
        )
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot size
        if refusal := limit.refusal(length, declared=True):
            start_response(refusal.status_line, refusal.headers)
            return [refusal.content]
        return self.application(environ, start_response)


def _cookie_names(header: str) -> set[str]:
    return {part.split("=", 1)[0].strip() for part in header.split(";") if "=" in part}
