"""`carekg serve --processes 2` for real: two server processes answer the SPARQL protocol
on one port, a killed one is replaced, and SIGTERM or Ctrl-C leaves no process behind."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from carekg.bench.served import process_tree, running, serving
from carekg.config import Settings
from carekg.graph.store import open_store

COUNT = ("PREFIX cc: <https://w3id.org/carekg/def#> "
         "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cc:Council }")


@contextmanager
def serve(settings: Settings, log: Path, processes: int = 2
          ) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    with serving(settings.store, "--processes", str(processes), "--workers", "2",
                 "--no-rate-limit", log=log) as server:
        yield server.process, server.port


def server_processes(parent: int) -> set[int]:
    """The parent's children: the server processes (the parent has no query workers)."""
    return {int(c) for task in Path(f"/proc/{parent}/task").glob("*")
            for c in (task / "children").read_text().split()}


def _owner(children: set[int], server_port: int, client_port: int) -> int | None:
    """The server process holding the server end of the connection from ``client_port``
    (its socket inode, found in /proc/net/tcp, among the processes' open files)."""
    inodes: dict[str, int] = {}
    for pid in children:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port and inode in inodes):
                return inodes[inode]
    return None


def count_and_owner(port: int, children: set[int]) -> tuple[int, int | None]:
    """Ask the council count over one keep-alive connection; the answer and who gave it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": COUNT}),
                           headers={"Accept": "application/sparql-results+json",
                                    "Cache-Control": "no-cache"})
        response = connection.getresponse()
        assert response.status == 200
        count = int(json.load(response)["results"]["bindings"][0]["n"]["value"])
        assert connection.sock is not None
        return count, _owner(children, port, connection.sock.getsockname()[1])
    finally:
        connection.close()


def expected_count(settings: Settings) -> int:
    snapshot = open_store(settings).open()
    try:
        return int(next(iter(snapshot.query(COUNT)))["n"].value)
    finally:
        snapshot.close()


def answered_by(port: int, children: set[int], expected: int, until) -> set[int]:  # type: ignore[no-untyped-def]
    """Connect until every server process has answered one (right) count."""
    seen: set[int] = set()

    def ask() -> bool:
        count, owner = count_and_owner(port, children)
        assert count == expected
        if owner is not None:
            seen.add(owner)
        return seen == children

    until(ask, f"each of the server processes {sorted(children)} has answered", seconds=60)
    return seen


def gone(pids: list[int]) -> bool:
    return not any(running(pid) for pid in pids)


def test_two_processes_answer_and_a_killed_one_is_replaced(built_settings: Settings,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path, until) -> None:
    expected = expected_count(built_settings)
    with serve(built_settings, tmp_path / "serve.log") as (process, port):
        children = server_processes(process.pid)
        assert len(children) == 2, children
        assert answered_by(port, children, expected, until) == children
        victim = min(children)
        its_workers = process_tree(victim)[1:]
        assert its_workers, "the server process has no query worker"
        os.kill(victim, signal.SIGKILL)
        until(lambda: len(server_processes(process.pid) - {victim}) == 2,
              "the parent has started a server process in place of the killed one")
        until(lambda: gone(its_workers), "the killed process's workers have ended")
        children = server_processes(process.pid)
        assert victim not in children
        assert answered_by(port, children, expected, until) == children


@pytest.mark.parametrize(("processes", "how"), [
    (2, "SIGTERM to the parent"), (2, "Ctrl-C to the process group"),
    (1, "SIGTERM to the parent")])
def test_stopping_leaves_no_process(built_settings: Settings, tmp_path: Path, until,  # type: ignore[no-untyped-def]
                                    processes: int, how: str) -> None:
    with serve(built_settings, tmp_path / "serve.log", processes) as (process, _port):
        # the parent, and two servers with a worker each, or the one server and its worker
        # (a server starts one worker ahead, the others when queries first overlap; one
        # server process may answer before the other has started its worker)
        until(lambda: len(process_tree(process.pid)) >= (5 if processes > 1 else 2),
              "every server process has started its first query worker")
        tree = process_tree(process.pid)
        if how.startswith("SIGTERM"):
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) == 0
        until(lambda: gone(tree), "every process of the server has ended", seconds=10)
