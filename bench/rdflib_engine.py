"""rdflib's in-memory SPARQL engine as the naive baseline, in a child process that can be
stopped.

Why a child process: rdflib evaluates SPARQL in pure Python and some saved queries run
for many minutes on it; a thread cannot be interrupted, so the query runs in a process
of its own that is killed when it passes the cap (the query is stopped at 120 s and
recorded as such). The child loads the N-Quads once into a :class:`rdflib.Dataset` whose
default graph is the union of the named graphs (what carekg's store does with
``use_default_graph_as_union``); after a kill a fresh child reloads them before the next
query, and the reload is not counted in any query's time.

Parameters are bound with ``initBindings``, rdflib's own way of pre-binding variables,
the counterpart of pyoxigraph's ``substitutions``. The time measured is the query and
the iteration over its rows, in the child, as ``list(run_saved(...))`` is on pyoxigraph.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

TIMEOUT = "timeout"


def _serve(conn: Connection, nquads: str) -> None:
    """The child: load once, then answer (query, bindings) requests until told to stop."""
    from rdflib import Dataset
    from rdflib.util import from_n3

    began = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    conn.send(("loaded", time.perf_counter() - began, len(dataset)))
    while True:
        request = conn.recv()
        if request is None:
            return
        text, bindings = request
        try:
            bound: dict[str, Any] = {name: from_n3(term) for name, term in bindings.items()}
            began = time.perf_counter()
            rows = len(list(dataset.query(text, initBindings=bound)))
            conn.send(("ok", (time.perf_counter() - began) * 1000, rows))
        except Exception as exc:  # any failure of the baseline is recorded
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300], None))


class RdflibEngine:
    """The parent's handle on the child: run one query with a cap, restart after a kill."""

    def __init__(self, nquads: Path, load_timeout_s: float = 3600) -> None:
        self.nquads = nquads
        self.load_timeout_s = load_timeout_s
        self.context = multiprocessing.get_context("spawn")
        self.process: Any = None
        self.conn: Connection | None = None
        self.load_s: list[float] = []
        self.quads = 0
        self.kills = 0

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, str(self.nquads)),
                                            daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        if not parent.poll(self.load_timeout_s):
            self._kill()
            raise RuntimeError(f"rdflib did not load {self.nquads} within "
                               f"{self.load_timeout_s:.0f} s")
        _tag, seconds, quads = parent.recv()
        self.load_s.append(seconds)
        self.quads = quads

    def _kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join(30)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def run(self, text: str, bindings: dict[str, str], cap_s: float) -> tuple[Any, Any]:
        """``(milliseconds, rows)``, ``("timeout", None)`` past the cap (the child is
        killed), or ``("error", message)``. ``bindings`` map variable names to N3 terms."""
        if self.process is None:
            self._start()
        assert self.conn is not None
        self.conn.send((text, bindings))
        if not self.conn.poll(cap_s):
            self._kill()
            self.kills += 1
            return TIMEOUT, None
        status, value, rows = self.conn.recv()
        if status == "ok":
            return value, rows
        return "error", value

    def close(self) -> None:
        if self.conn is not None and self.process is not None and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(10)
            except (OSError, BrokenPipeError):
                pass
        self._kill()

    def __enter__(self) -> RdflibEngine:
        self._start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
