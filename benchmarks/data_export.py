"""Download a 1,000,000-play listener's "download my data" ZIP through a real gunicorn (as production serves HTTP)
and a real daphne (as `make run` does), and print how long it took, how fast it came, and how much the server grew.

    DEBUG=0 SECRET_KEY=bench HTTPS=0 RW_VAR_DIR=var/bench_export LOG_LEVEL=WARNING \
        .venv/bin/python benchmarks/data_export.py [PLAYS]

The listener's history is a generated extended export imported through the real import path (as
benchmarks/import_export.py builds it), kept between runs. Each download is read off the socket as it comes and
then checked: a valid ZIP whose plays.csv has a row for every play. Target (issue 12): the server's peak RSS does
not grow with the history (the ZIP is streamed, never held), and the download runs at tens of MB/s.
"""

import http.client
import os
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import User  # noqa: E402
from listening.models import ImportJob, Play  # noqa: E402
from listening.services import import_job_create, import_job_run, rollups_rebuild  # noqa: E402
from tests.fakes.exports import extended_export_zip  # noqa: E402
from tests.uploads import MemoryWatch, server_start  # noqa: E402

# gunicorn's sync workers (docker-compose.yml's `web`) are killed by its arbiter after --timeout (30 s) in one
# request, a long download included; a gthread worker's main thread keeps answering the arbiter meanwhile.
SERVERS = {
    "gunicorn": [sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "-b", "127.0.0.1:{port}",
                 "--workers", "1"],
    "gunicorn gthread": [sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "-b", "127.0.0.1:{port}",
                         "--workers", "1", "--worker-class", "gthread", "--threads", "4"],
    "daphne": [sys.executable, "-m", "rewrapped.serve", "-b", "127.0.0.1", "-p", "{port}",
               "rewrapped.asgi:application"],
}
EXPORT = "/api/v1/me/export/"
PIECE = 1024 * 1024


def listener_with(plays: int) -> User:
    user, _ = User.objects.get_or_create(username="benchmark-export", defaults={"email": "bench-export@example.com"})
    if Play.objects.filter(user=user).count() != plays:
        Play.objects.filter(user=user).delete()
        ImportJob.objects.filter(user=user).delete()
        rollups_rebuild(user=user)
        with tempfile.TemporaryDirectory() as folder:
            export = Path(folder) / "my_spotify_data.zip"
            export.write_bytes(extended_export_zip(plays, start=datetime(2008, 10, 7, tzinfo=UTC)))
            with open(export, "rb") as handle:
                job = import_job_create(user=user, upload=File(handle, name="my_spotify_data.zip"))
            job = import_job_run(job_id=job.pk)
        assert job.status == "done", job.error
        print(f"imported {job.summary['added']:,} plays for the benchmark listener")
    return user




def download(address: str, path: str, token: str, into: Path) -> tuple[int, float]:
    """GET `path`, writing the body to `into` as it arrives; returns the status and the seconds it took."""
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=300)
    started = time.monotonic()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}", "Host": address})
    response = connection.getresponse()
    with open(into, "wb") as body:
        try:
            while piece := response.read(PIECE):
                body.write(piece)
        except http.client.IncompleteRead as cut:  # the server ended the connection mid-body
            body.write(cut.partial)
    seconds = time.monotonic() - started
    connection.close()
    return response.status, seconds


def main() -> None:
    plays = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0)
    user = listener_with(plays)
    token = str(RefreshToken.for_user(user).access_token)
    for name, command in SERVERS.items():
        process, address = server_start(command)
        try:
            with tempfile.TemporaryDirectory() as folder:
                into = Path(folder) / "export.zip"
                download(address, "/api/v1/me/", token, into)  # the application loaded before measuring
                with MemoryWatch(process.pid) as memory:
                    status, seconds = download(address, EXPORT, token, into)
                size = into.stat().st_size
                if not zipfile.is_zipfile(into):
                    print(f"{name:16} {plays:,} plays: {status}, cut off after {seconds:.1f} s and {size / 1e6:.1f} MB")
                    continue
                with zipfile.ZipFile(into) as archive:
                    with archive.open("listening/plays.csv") as csv:
                        rows = sum(1 for _ in csv) - 1
                    expanded = sum(info.file_size for info in archive.infolist())
            assert status == 200 and rows == plays, (status, rows)
            print(f"{name:16} {plays:,} plays: {size / 1e6:6.1f} MB ZIP ({expanded / 1e6:,.0f} MB of files) in "
                  f"{seconds:5.1f} s = {size / 1e6 / seconds:5.1f} MB/s ({plays / seconds:,.0f} plays/s), "
                  f"server's peak RSS grew {memory.growth_mb:5.1f} MB")
        finally:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    main()
