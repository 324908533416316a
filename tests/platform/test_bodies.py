"""Request bodies are held to rewrapped/bodies.py before they are read, on a real daphne (rewrapped/serve.py, as
`make run` serves HTTP) and a real gunicorn (rewrapped/wsgi.py, as production does), with the server's memory
watched while a 501 MB upload goes out."""

import socket
import sys

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from listening.models import ImportJob, Play
from tests.accounts.test_notifications import session_cookie
from tests.conftest import _free_port, _start, _stop, wait_until
from tests.fakes.exports import extended_export_zip
from tests.uploads import MemoryWatch, post, pid_listening_on

pytestmark = pytest.mark.django_db(transaction=True)

IMPORTS = "/api/v1/listening/imports/"
OVER_THE_LIMIT = 501_000_000  # the file; the body around it is a little more
# What a server may grow by while a body it does not keep goes by (allocator noise, a request's objects).
FLAT_MB = 32


@pytest.fixture(scope="module")
def gunicorn_server(stack_env):
    """A real gunicorn serving rewrapped.wsgi with one worker; yields its host:port."""
    port = _free_port()
    process = _start([sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "-b", f"127.0.0.1:{port}",
                      "--workers", "1"], stack_env, "gunicorn.log")

    def listening() -> bool:
        assert process.poll() is None, "gunicorn exited; see var/test/logs/gunicorn.log"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, "gunicorn")
        yield f"127.0.0.1:{port}"
    finally:
        _stop(process)  # also when it never came up


@pytest.fixture(params=["daphne", "gunicorn"])
def server(request):
    """Each server's address and the process whose memory counts (gunicorn's master and its worker)."""
    address = request.getfixturevalue(f"{request.param}_server")
    return request.param, address, pid_listening_on(address)


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def upload(address, pid, *, file_bytes, headers=None, **kwargs):
    """POST an upload to the imports API, after a small one so the application is loaded before memory is
    watched; the answer and how much the server grew meanwhile."""
    post(address, IMPORTS, file_bytes=1000, headers=headers, **kwargs)
    with MemoryWatch(pid) as memory:
        answer = post(address, IMPORTS, file_bytes=file_bytes, headers=headers, **kwargs)
    return answer, memory.growth_mb


@pytest.mark.parametrize("chunked", [False, True], ids=["with length", "chunked"])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(server, chunked):
    _, address, pid = server

    answer, growth_mb = upload(address, pid, file_bytes=OVER_THE_LIMIT, chunked=chunked)

    assert answer.status == 401
    assert answer.json()["error"]["code"] == "not_authenticated"
    assert answer.sent < OVER_THE_LIMIT  # answered while the body was still going out
    assert growth_mb < FLAT_MB


@pytest.mark.parametrize("credential", ["session", "token"])
def test_a_signed_in_upload_over_the_limit_is_refused_by_its_length(server, listener, credential):
    _, address, pid = server
    headers = {"Cookie": session_cookie(listener)} if credential == "session" else bearer(listener)

    answer, growth_mb = upload(address, pid, file_bytes=OVER_THE_LIMIT, headers=headers)

    assert answer.status == 413
    assert answer.json()["error"] == {
        "code": "too_large", "message": "The upload is larger than 500 MB, the most we accept.", "fields": {},
    }
    assert answer.sent < OVER_THE_LIMIT
    assert growth_mb < FLAT_MB
    assert not ImportJob.objects.exists()


def test_a_browser_is_told_in_plain_text(daphne_server, gunicorn_server):
    for address in (daphne_server, gunicorn_server):
        answer = post(address, "/listening/import/", file_bytes=OVER_THE_LIMIT, headers={"Accept": "text/html"})

        assert answer.status == 401
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert answer.body == b"Sign in first: only signed-in accounts can upload.\n"


def test_a_chunked_upload_is_counted_as_it_arrives(server, listener):
    name, address, pid = server

    answer, growth_mb = upload(address, pid, file_bytes=OVER_THE_LIMIT, chunked=True, headers=bearer(listener))

    if name == "daphne":  # refused once more than a form's worth has arrived
        assert answer.status == 413
        assert answer.json()["error"]["message"] == "Send the upload with its Content-Length, as browsers do."
    else:  # Django reads a WSGI body only up to its Content-Length: none of this one is read
        assert answer.status == 400
        assert answer.json()["error"]["fields"] == {"export": ["No file was submitted."]}
    assert answer.sent < OVER_THE_LIMIT
    assert growth_mb < FLAT_MB


def test_an_accepted_upload_goes_to_disk_not_memory(server, listener):
    _, address, pid = server

    # Read and parsed whole (the import then refuses it for its name), so the body went all the way in.
    answer, growth_mb = upload(address, pid, file_bytes=150_000_000, headers=bearer(listener), filename="notes.txt")

    assert answer.status == 400
    assert answer.json()["error"]["code"] == "bad_export"
    assert answer.sent > 150_000_000
    assert growth_mb < FLAT_MB


def test_an_upload_through_daphne_arrives_whole_and_is_imported(daphne_server, celery_worker, listener):
    export = extended_export_zip(20_000)  # spooled to disk by twisted, read back by the application

    response = requests.post(f"http://{daphne_server}{IMPORTS}", headers=bearer(listener),
                             files={"export": ("my_spotify_data.zip", export)}, timeout=60)

    assert response.status_code == 202, response.text
    job = ImportJob.objects.get(public_id=response.json()["id"])
    assert job.size_bytes == len(export)
    wait_until(lambda: not ImportJob.objects.get(pk=job.pk).is_active, "the import", seconds=120)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    assert Play.objects.filter(user=listener).count() == 20_000
