"""The "download my data" ZIP: every app's files (accounts.hooks.data_export_hooks) with a README.txt saying what
each holds, written as it is sent. Nothing is held whole: a CSV of a million plays goes out as the database
cursor reads it, through a ZIP writer that never seeks back (sizes and checksums follow each file's data)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts import selectors
from accounts.models import User

# How much compressed data gathers before it is sent on.
SEND_BYTES = 256 * 1024

README = """Your data from Re-Wrapped, as it stood at {generated_at}.

Every time is in ISO 8601 with its UTC offset: plays and other moments in UTC, concert starts on the venue's clock.
CSV files are UTF-8 with a header row; a text cell beginning with =, +, - or @ starts with ' so that spreadsheets
show it rather than run it.

{files}
"""


def data_export_response(request) -> StreamingHttpResponse:
    """The signed-in user's data as a ZIP download, for the page and the API alike."""
    user = request.user
    chunks = data_export_zip(user=user)
    # Under ASGI a plain iterator would be read whole into memory before the first byte went out.
    content = _OnRequestThread(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="application/zip")
    stamp = timezone.now().astimezone(ZoneInfo(user.time_zone)).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="rewrapped-data-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


def data_export_zip(*, user: User) -> Iterator[bytes]:
    """The ZIP's bytes, piece by piece. Every file is read in one read-only snapshot of the database, so the
    plays, their sources and the imports that added them agree even while an import or the sync writes."""
    sink = _Sink()
    outermost = not connection.in_atomic_block
    with transaction.atomic(), zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if outermost:  # a transaction already under way keeps its own isolation
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        files = selectors.data_export_files(user=user)
        readme = README.format(
            generated_at=timezone.now().isoformat(timespec="seconds"),
            files="\n".join(f"{file.name}\n    {file.about}\n" for file in files),
        )
        archive.writestr("README.txt", readme)
        for file in files:
            # ZIP64 from the start: a file's size is known only once it is written, and a long history's
            # plays may pass the 4 GB a plain entry can hold.
            with archive.open(file.name, "w", force_zip64=True) as entry:
                for chunk in file.chunks():
                    entry.write(chunk)
                    if sink.size >= SEND_BYTES:
                        yield sink.take()
    yield sink.take()  # the rest, and the ZIP's directory that closing wrote


class _Sink(io.RawIOBase):
    """Where the ZIP writer puts its bytes until they are sent on. It cannot seek, so zipfile writes each
    file's sizes after its data instead of going back for them."""

    def __init__(self):
        super().__init__()
        self.pieces: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pieces.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.pieces)
        self.pieces.clear()
        self.size = 0
        return data


class _OnRequestThread:
    """A sync iterator served by an ASGI server piece by piece, each step on the request's own thread, so its
    database cursor and transaction stay on one connection; closed there too when the response is."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.step = sync_to_async(next)

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.step(self.chunks, None)
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    def close(self) -> None:
        self.chunks.close()
