"""`manage.py runstack`, what `make run` ends in: the Procfile's processes under the one process that owns the
embedded servers, so Ctrl-C or a process that dies stops them all and then the servers, even when a process had to
be killed."""

import os
import signal
import sys
import urllib.request

import psutil

from tests.conftest import _free_port, wait_until
from tests.platform.conftest import process_running


def run_stack(embedded, tmp_path, **processes: str):
    procfile = tmp_path / "Procfile"
    procfile.write_text("".join(f"{name}: {command}\n" for name, command in processes.items()))
    return embedded.start([sys.executable, "manage.py", "runstack", "--procfile", str(procfile)], "runstack.log")


def test_ctrl_c_stops_every_process_then_the_embedded_servers_though_one_had_to_be_killed(embedded, tmp_path):
    stack = run_stack(embedded, tmp_path, calm=embedded.child_command("calm"),
                      wedged=embedded.child_command("wedged", "--wedged"))
    processes = [embedded.pid_of("calm"), embedded.pid_of("wedged")]
    servers = embedded.servers()

    embedded.ctrl_c(stack)
    stack.wait(timeout=60)

    assert not any(process_running(pid) for pid in processes)
    embedded.wait_stopped(servers)


def test_processes_that_all_ignore_sigterm_are_killed_and_the_servers_stop(embedded, tmp_path):
    stack = run_stack(embedded, tmp_path, stuck=embedded.child_command("stuck", "--wedged"),
                      wedged=embedded.child_command("wedged", "--wedged"))
    processes = [embedded.pid_of("stuck"), embedded.pid_of("wedged")]
    servers = embedded.servers()

    embedded.ctrl_c(stack)
    stack.wait(timeout=60)

    assert not any(process_running(pid) for pid in processes)
    embedded.wait_stopped(servers)


def test_a_process_killed_outright_ends_the_run_and_the_embedded_servers(embedded, tmp_path):
    stack = run_stack(embedded, tmp_path, calm=embedded.child_command("calm"), victim=embedded.child_command("victim"))
    calm, victim = embedded.pid_of("calm"), embedded.pid_of("victim")
    servers = embedded.servers()

    os.kill(victim, signal.SIGKILL)
    stack.wait(timeout=60)

    assert not process_running(calm)
    embedded.wait_stopped(servers)


def test_make_runs_procfile_serves_and_leaves_nothing_behind_when_daphne_is_killed(embedded):
    migrate = embedded.start([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], "migrate.log")
    assert migrate.wait(timeout=300) == 0, (embedded.logs / "migrate.log").read_text()
    port = _free_port()
    stack = embedded.start([sys.executable, "manage.py", "runstack", "--port", str(port)], "runstack.log")

    def healthy() -> bool:
        assert stack.poll() is None, (embedded.logs / "runstack.log").read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return response.status == 200  # the database, Redis and a worker answer
        except OSError:
            return False

    wait_until(healthy, "daphne, the worker and beat", seconds=120)
    servers = embedded.servers()
    processes = psutil.Process(stack.pid).children(recursive=True)
    # daphne itself, not the shell the Procfile line runs in
    daphne = next(process for process in processes
                  if process.name() != "sh" and "rewrapped.asgi:application" in process.cmdline())

    daphne.kill()
    stack.wait(timeout=60)

    assert not [process.cmdline() for process in processes if process.is_running()
                and process.status() != psutil.STATUS_ZOMBIE]
    embedded.wait_stopped(servers)
