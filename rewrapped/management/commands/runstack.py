"""`make run`'s last step: the Procfile's processes (daphne, worker, beat) under the one process that owns the
embedded servers."""

import os
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.environ import expand_processes, parse_procfile
from honcho.manager import KILL_WAIT, Manager
from honcho.printer import Printer


class Supervisor(Manager):
    """honcho's manager: on Ctrl-C, SIGTERM or the end of any process it sends SIGTERM to every process group,
    then SIGKILL to those still running."""

    def terminate(self):
        super().terminate()
        # honcho counts down to SIGKILL only once some process has stopped: were all of them to ignore SIGTERM,
        # it would wait for ever. Count from SIGTERM instead.
        timer = threading.Timer(KILL_WAIT, self.kill)
        timer.daemon = True
        timer.start()


class Command(BaseCommand):
    help = ("Run the Procfile's processes until Ctrl-C or until one of them stops; then stop them all, and the "
            "embedded servers after them.")

    def add_arguments(self, parser):
        parser.add_argument("--procfile", type=Path, default=settings.BASE_DIR / "Procfile")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help="PORT of the first process, web (default: $PORT or 8000)")

    def handle(self, *, procfile: Path, port: int, **options):
        # Loading settings started (or joined) the embedded servers here. The processes get their URLs and so
        # hold none themselves: a process killed outright cannot keep the servers running, and they stop when
        # this one exits, after every process is gone (rewrapped/embedded.py).
        os.environ["DATABASE_URL"] = settings.DATABASE_URL
        os.environ["REDIS_URL"] = settings.REDIS_URL
        supervisor = Supervisor(Printer(sys.stdout))
        for process in expand_processes(parse_procfile(procfile.read_text()).processes, port=port):
            supervisor.add_process(process.name, process.cmd, quiet=process.quiet, env={**os.environ, **process.env})
        supervisor.loop()
        sys.exit(supervisor.returncode)
