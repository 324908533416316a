"""A process the stack tests start, alone or from a Procfile: it loads settings (joining or finding the embedded
servers), proves PostgreSQL and Redis answer, writes its pid to $STACK_REPORT_DIR/<name>.json, then waits.

    stack_child.py NAME [--wedged]

SIGTERM and SIGINT end it normally (its exit hooks run), as daphne and Celery end; --wedged ignores SIGTERM, like
a process stuck in a call, so only SIGKILL (or SIGINT) ends it.
"""

import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from rewrapped.redis import redis_client  # noqa: E402

name = sys.argv[1]
signal.signal(signal.SIGTERM, signal.SIG_IGN if "--wedged" in sys.argv else lambda *_: sys.exit(0))
# A test run started in the background (as CI may be) passes SIGINT on ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
connection.ensure_connection()
redis_client().ping()

report = Path(os.environ["STACK_REPORT_DIR"]) / f"{name}.json"
report.with_suffix(".tmp").write_text(json.dumps({"pid": os.getpid()}))
report.with_suffix(".tmp").replace(report)
try:
    while True:
        signal.pause()
except KeyboardInterrupt:
    pass
