"""Send large upload bodies to a real daphne (as `make run` serves HTTP) and a real gunicorn (as production does),
and print what the client gets, how soon, and how much the server process grew meanwhile.

    DEBUG=1 RW_VAR_DIR=var/bench_bodies LOG_LEVEL=WARNING .venv/bin/python benchmarks/request_bodies.py

Targets (issue 11): a body over the limit, or any large body without a credential, is answered before it has
been sent, and no server grows with the size of a body, refused or accepted.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import User  # noqa: E402
from tests.uploads import MemoryWatch, post, server_start  # noqa: E402

SERVERS = {
    "daphne": [sys.executable, "-m", "rewrapped.serve", "-b", "127.0.0.1", "-p", "{port}",
               "rewrapped.asgi:application"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "-b", "127.0.0.1:{port}",
                 "--workers", "1"],
}
IMPORTS = "/api/v1/listening/imports/"




def main() -> None:
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="benchmark-bodies", defaults={"email": "bench-bodies@example.com"})
    token = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
    cases = [
        ("anonymous, 501 MB with its length", 501_000_000, False, {}, "my_spotify_data.zip"),
        ("anonymous, 501 MB chunked", 501_000_000, True, {}, "my_spotify_data.zip"),
        ("signed in, 501 MB with its length", 501_000_000, False, token, "my_spotify_data.zip"),
        ("signed in, 501 MB chunked", 501_000_000, True, token, "my_spotify_data.zip"),
        ("signed in, 150 MB accepted and parsed", 150_000_000, False, token, "notes.txt"),
    ]
    for name, command in SERVERS.items():
        process, address = server_start(command)
        try:
            post(address, IMPORTS, file_bytes=1000, headers=token)  # the application loaded before measuring
            for label, size, chunked, headers, filename in cases:
                with MemoryWatch(process.pid) as memory:
                    answer = post(address, IMPORTS, file_bytes=size, chunked=chunked, headers=headers,
                                  filename=filename)
                print(f"{name:8} {label:38} {answer.status} after {answer.seconds:6.3f} s, "
                      f"{answer.sent / 1e6:5.0f} MB sent, server grew {memory.growth_mb:5.1f} MB")
        finally:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    main()
