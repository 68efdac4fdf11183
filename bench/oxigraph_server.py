"""Oxigraph's own SPARQL server (the ``oxigraph`` package on PyPI) as a benchmark peer.

Why this peer: carekg's store *is* Oxigraph (pyoxigraph in process), so Oxigraph's own
HTTP server on the same N-Quads shows what carekg's serving layer (Flask, waitress, the
worker pool, the views) costs over the bare engine behind an HTTP socket; Virtuoso shows
how another engine does.

The server is started read-only with ``--union-default-graph`` (carekg's default graph
is the union of its named graphs), on a loopback port chosen free, in a session of its
own so that only it is ever stopped (by its process group, see ``served.stop_group``),
and its database directory lives under the caller's temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from carekg.bench.served import free_port, stop_group, wait_until_answers

PROBE = "/query?query=ASK%7B%7D"


def binary() -> str | None:
    """The ``oxigraph`` command: on PATH, or beside this interpreter (a virtualenv's
    ``bin/`` is not on PATH when its ``carekg`` is run by its full path)."""
    beside = Path(sys.executable).parent / "oxigraph"
    return shutil.which("oxigraph") or (str(beside) if beside.exists() else None)


def version(command: str) -> str:
    done = subprocess.run([command, "--version"], capture_output=True, text=True)
    return (done.stdout.split() or ["?", "?"])[-1]


class OxigraphServer:
    """``oxigraph serve-read-only`` over a database loaded from one N-Quads file."""

    def __init__(self, root: Path, command: str) -> None:
        self.root = root
        self.command = command
        self.location = root / "db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.load_s = 0.0

    @property
    def endpoint(self) -> str:
        return f"{self.url}/query"

    def load(self, nquads: Path) -> float:
        """``oxigraph load`` into a fresh database; the seconds it took."""
        self.root.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        subprocess.run([self.command, "load", "--location", str(self.location),
                        "--file", str(nquads)], check=True, capture_output=True)
        self.load_s = time.perf_counter() - began
        return self.load_s

    def start(self, wait_s: float = 120) -> float:
        """Serve the loaded database; the seconds until it answers a query."""
        log = self.root / "server.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [self.command, "serve-read-only", "--location", str(self.location),
                 "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return wait_until_answers(self.url, self.process, wait_s, PROBE, log)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)


@contextmanager
def running_oxigraph(root: Path, command: str, nquads: Path) -> Iterator[OxigraphServer]:
    """A loaded, answering Oxigraph server for the block; stopped however it ends."""
    server = OxigraphServer(root, command)
    try:
        server.load(nquads)
        server.start()
        yield server
    finally:
        server.stop()
