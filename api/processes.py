"""Several server processes on one port, and the parent that keeps them running.

A Python process answers on one core at a time (the GIL), and carekg's answers are pure
functions of a read-only snapshot, so ``carekg serve --processes N`` binds the socket once
in a parent and starts N server processes that each run waitress on the inherited socket
(the kernel hands each new connection to one of them), each with its own app: threads,
response cache, per-client budget and its share of the query workers. The parent serves
nothing; it restarts a server process that dies, and on SIGINT or SIGTERM stops them all
(each stops its workers) before it exits. A server process whose parent has gone, even
killed with SIGKILL, exits within a second, and its workers follow it.

Server processes are started with subprocess rather than fork, as the query workers are:
the parent has opened the store (to write the dumps) and fork of a process holding
RocksDB's threads is unsafe. The settings reach a child pickled on its stdin.

Once the socket is bound and the dumps written, the parent replaces itself (same pid, so
signals, the ready line and the children's orphan check are unchanged) with a fresh
interpreter that imports this module only (:func:`become_supervisor`): what building or
opening the store and writing the dumps left in its heap (130 MB at 100 councils) would
otherwise be held for as long as the server runs, by a process that only waits.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from types import FrameType
from typing import NoReturn

from carekg.config import Settings

log = logging.getLogger(__name__)

#: A server process that dies this soon after its start, this many times running, is not
#: restarted again: it cannot start (a port, a store, a bug), and restarting it for ever
#: would hide that.
QUICK_DEATH_SECONDS = 5.0
QUICK_DEATHS = 5
STOP_GRACE = 15.0


def process_count(settings: Settings) -> int:
    return settings.processes or os.cpu_count() or 1


def shares(workers: int, processes: int) -> list[int]:
    """The query workers of each server process: ``workers`` shared out, at least one."""
    return [max(1, workers // processes + (i < workers % processes))
            for i in range(processes)]


def listening_socket(host: str, port: int) -> socket.socket:
    """The one listening socket the server processes share (IPv6 when ``host`` is)."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    sock = socket.create_server((bare, port), family=family, backlog=1024)
    sock.set_inheritable(True)
    return sock


class ServerProcess:
    """One ``carekg serve`` child: waitress with its own app on the shared socket."""

    def __init__(self, sock: socket.socket, settings: Settings) -> None:
        code = "from carekg.api.serve import child_main; child_main()"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(sock.fileno()), str(os.getpid())],
            pass_fds=[sock.fileno()], stdin=subprocess.PIPE)
        assert self.process.stdin is not None
        self.process.stdin.write(pickle.dumps(settings))
        self.process.stdin.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, seconds: float) -> None:
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def supervise(sock: socket.socket, settings: Settings, processes: int) -> None:
    """Run ``processes`` server processes on ``sock`` until SIGINT or SIGTERM."""
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    settings_of = [replace(settings, max_concurrent_queries=n, processes=1)
                   for n in shares(settings.max_concurrent_queries, processes)]
    children = [ServerProcess(sock, s) for s in settings_of]
    quick_deaths = 0
    try:
        while not stopping:
            for i, child in enumerate(children):
                code = child.process.poll()
                if code is None or stopping:
                    continue
                quick = time.monotonic() - child.started < QUICK_DEATH_SECONDS
                quick_deaths = quick_deaths + 1 if quick else 0
                if quick_deaths >= QUICK_DEATHS:
                    raise SystemExit(f"carekg: a server process exited {QUICK_DEATHS} times "
                                     f"in a row just after starting (last status {code}); "
                                     "stopping")
                log.warning("server process %d exited (status %s); starting another",
                            child.process.pid, code)
                children[i] = ServerProcess(sock, settings_of[i])
            time.sleep(0.2)
    finally:
        for child in children:
            child.stop()
        for child in children:
            child.wait(STOP_GRACE)
        sock.close()


def become_supervisor(sock: socket.socket, settings: Settings, processes: int) -> NoReturn:
    """Replace this process with a lean one that runs :func:`supervise` on ``sock``; the
    settings go through an inherited pipe (a few hundred bytes: within its buffer)."""
    read, write = os.pipe()
    os.write(write, pickle.dumps(settings))
    os.close(write)
    os.set_inheritable(read, True)
    sys.stdout.flush()
    sys.stderr.flush()
    code = "from carekg.api.processes import supervisor_main; supervisor_main()"
    os.execv(sys.executable, [sys.executable, "-c", code, str(sock.fileno()), str(read),
                              str(processes)])


def supervisor_main() -> None:
    """The process :func:`become_supervisor` starts."""
    fd, read, processes = (int(arg) for arg in sys.argv[1:4])
    with os.fdopen(read, "rb") as pipe:
        settings: Settings = pickle.loads(pipe.read())
    supervise(socket.socket(fileno=fd), settings, processes)
