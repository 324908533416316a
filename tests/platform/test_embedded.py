"""The embedded PostgreSQL and Redis (rewrapped/embedded.py) when processes start them on their own, as a test run
or a management command does: each holds them, and the last live holder stops them."""

import signal


def test_the_servers_stay_up_while_another_process_still_holds_them(embedded):
    first, second = embedded.start_holder("first"), embedded.start_holder("second")
    embedded.pid_of("first"), embedded.pid_of("second")
    servers = embedded.servers()

    first.send_signal(signal.SIGINT)
    first.wait(timeout=60)

    assert embedded.answering(servers) == {"postgres": True, "redis": True}

    second.send_signal(signal.SIGINT)
    second.wait(timeout=60)

    embedded.wait_stopped(servers)


def test_the_last_live_holder_stops_the_servers_though_another_holder_was_killed(embedded):
    killed, last = embedded.start_holder("killed"), embedded.start_holder("last")
    embedded.pid_of("killed"), embedded.pid_of("last")
    servers = embedded.servers()

    killed.kill()  # SIGKILL: it never gets to let go of the servers
    killed.wait(timeout=60)
    last.send_signal(signal.SIGINT)
    last.wait(timeout=60)

    embedded.wait_stopped(servers)
