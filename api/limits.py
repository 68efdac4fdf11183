"""SPARQL queries in a pool of worker processes that can be killed: real timeouts.

pyoxigraph cannot be interrupted from another thread, so a runaway query in the server
process would burn a core until it ends by itself. Each query therefore runs in a worker
process that opens the published (immutable) snapshot read-only; the server keeps one
thread per query that relays the answer and watches the clock, and kills the worker
when the query outlives ``Settings.query_timeout``. A killed worker is replaced on the
next query. The pool has ``max_concurrent_queries`` workers, which is also the number
of queries evaluated at once; a query that finds none free within ``queue_wait`` seconds
is refused with 503 rather than queued without bound.

The worker counts the rows of an answer before serialising it, so that truncation at
``max_result_rows`` is known while the response headers can still say so.

Messages on a worker's pipe (parent -> worker, worker -> parent)::

    <- ("ready",)                                 once, when it has started
    -> ("query", snapshot_dir, sparql, kwargs, max_rows)
    <- ("kind", kind, truncated, rows)  |  ("error", status, message)
    -> ("format", media_type)  |  ("skip",)
    <- ("chunk", bytes)* ("end", bytes)  |  ("error", status, message)
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carekg.graph.backend import Snapshot


log = logging.getLogger(__name__)

#: Bytes per message from a worker (the streaming chunk size of the endpoint).
CHUNK_SIZE = 64 * 1024


class LimitError(Exception):
    """A query stopped by a limit, with the HTTP status and message the client gets."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


# -- worker process ------------------------------------------------------------------


def _term_json(term: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _solutions_json(variables: list[str], rows: list[Any]) -> bytes:
    """SPARQL JSON of some solutions, which pyoxigraph parses back into QuerySolutions:
    the only way to serialise a prefix of an answer in every results format."""
    bindings = []
    for row in rows:
        bindings.append({name: _term_json(row[name]) for name in variables
                         if row[name] is not None})
    return json.dumps({"head": {"vars": variables},
                       "results": {"bindings": bindings}}).encode("utf-8")


class _Counted:
    """An answer with at most ``max_rows`` rows, and whether rows were cut off."""

    def __init__(self, result: Any, max_rows: int) -> None:
        import pyoxigraph as ox

        self.result = result
        self.truncated = False
        self.rows = 0
        self.kind: str | None = None
        self.writing = False
        self.kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
        if isinstance(result, ox.QueryBoolean):
            self.rows = 1
            return
        taken: list[Any] = []
        for item in result:
            if len(taken) == max_rows:
                self.truncated = True
                break
            taken.append(item)
        self.rows = len(taken)
        if isinstance(result, ox.QuerySolutions):
            self.variables = [v.value for v in result.variables]
        self.taken = taken

    def write(self, fmt: Any, out: Any) -> None:
        import pyoxigraph as ox

        if isinstance(self.result, ox.QueryBoolean):
            self.result.serialize(out, fmt.writer)
        elif isinstance(self.result, ox.QuerySolutions):
            prefix = ox.parse_query_results(_solutions_json(self.variables, self.taken),
                                            ox.QueryResultsFormat.JSON)
            prefix.serialize(out, fmt.writer)
        else:
            out.write(ox.serialize(self.taken, format=fmt.writer) or b"")


def _kwargs(plain: dict[str, Any]) -> dict[str, Any]:
    """``Store.query`` arguments from the plain data a request carries: graph IRIs
    become pyoxigraph terms. (Saved queries arrive with their parameters already written
    into the text as a VALUES block: carekg.graph.saved_queries.bound_text.)"""
    import pyoxigraph as ox

    kwargs = dict(plain)
    for name in ("default_graph", "named_graphs"):
        if name in kwargs:
            kwargs[name] = [ox.NamedNode(iri) for iri in kwargs[name]]
    return kwargs


def _format(kind: str, media_type: str) -> Any:
    from carekg.api import negotiation as neg

    formats = neg.RESULT_FORMATS if kind == "results" else neg.GRAPH_FORMATS
    return next(f for f in formats if f.media_type == media_type)


def _answer(conn: Connection, stores: dict[str, Any], request: tuple[Any, ...]) -> None:
    import pyoxigraph as ox

    _, path, sparql, plain, max_rows = request
    if path not in stores:
        stores.clear()  # a new snapshot was published: the old one is not read again
        stores[path] = ox.Store.read_only(f"{path}/oxigraph")
    try:
        counted = _Counted(stores[path].query(sparql, **_kwargs(plain)), max_rows)
    except SyntaxError as exc:
        conn.send(("error", 400, f"malformed SPARQL query: {exc}"))
        return
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        conn.send(("error", 400, f"the query could not be evaluated: {exc}"))
        return
    conn.send(("kind", counted.kind, counted.truncated, counted.rows))
    decision = conn.recv()
    if decision[0] != "format":
        return
    out = io.BytesIO()
    counted.write(_format(counted.kind or "results", decision[1]), out)
    data = out.getvalue()
    chunks = [data[i:i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)] or [b""]
    for chunk in chunks[:-1]:
        conn.send(("chunk", chunk))
    conn.send(("end", chunks[-1]))


def worker_main(conn: Connection) -> None:
    """A worker process: say it is ready, then answer queries from the pipe until it
    closes."""
    stores: dict[str, Any] = {}
    try:
        conn.send(("ready",))
    except OSError:
        return
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            _answer(conn, stores, request)
        except (EOFError, OSError, BrokenPipeError):
            return
        except Exception as exc:  # reported without a traceback; the worker lives on
            try:
                conn.send(("error", 500, f"the query engine failed ({type(exc).__name__})"))
            except OSError:
                return


# -- server side ---------------------------------------------------------------------


def worker_from_fd(fd: int, parent: int | None = None) -> None:
    """Entry point of a worker started by :class:`Worker` (``python -c``)."""
    if parent is not None:
        _exit_when_orphaned(parent)
    worker_main(Connection(fd))


def _exit_when_orphaned(parent: int, interval: float = 1.0) -> None:
    """End this worker once its server has gone (it is re-parented), even in the middle of
    a query: a server killed with SIGTERM runs no exit handlers, and a worker left behind
    would go on evaluating a runaway query for nobody. pyoxigraph releases the GIL while it
    evaluates, so this thread runs during a query."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


class Worker:
    """One worker process and the parent's end of its socket pair.

    Started with subprocess rather than multiprocessing: a spawned multiprocessing child
    re-imports the parent's ``__main__``, which a script that creates the app without a
    main guard does not survive, and fork is unsafe in a threaded server."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        code = ("from carekg.api.limits import worker_from_fd; "
                f"worker_from_fd({child.fileno()}, {os.getpid()})")
        self.process = subprocess.Popen([sys.executable, "-c", code],
                                        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                                        close_fds=True)
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def wait_ready(self, seconds: float = 60) -> None:
        """Wait for a new worker's first message: its start-up (a few tenths of a second,
        more on a loaded machine) is not part of any query's time."""
        if self.ready:
            return
        if not self.conn.poll(seconds) or self.conn.recv() != ("ready",):
            raise LimitError(503, "a query worker did not start; retry")
        self.ready = True

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class QueryTimeBudget:
    """Seconds of query evaluation each client may use per minute, as the large public
    endpoints limit their clients: a query is refused (429) while its client's budget is
    spent, and each query's evaluation time is charged when it ends. A token bucket:
    ``seconds`` of credit, refilled at ``seconds`` per minute, that a long query can
    overdraw; the client then waits until it is paid back. Cache hits never get here, so
    cheap repeated lookups are never refused while heavy queries are."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic,
                 window: float = 60.0) -> None:
        self.seconds = seconds
        self.rate = seconds / window
        self.clock = clock
        self._credit: dict[str, tuple[float, float]] = {}  # client -> (credit, at)
        self._lock = threading.Lock()

    def _now(self, client: str) -> float:
        credit, at = self._credit.get(client, (self.seconds, self.clock()))
        return min(self.seconds, credit + (self.clock() - at) * self.rate)

    def check(self, client: str) -> None:
        """Raise a 429 :class:`LimitError` while ``client`` has no credit left."""
        with self._lock:
            credit = self._now(client)
        if credit <= 0:
            wait = max(1, int(-credit / self.rate) + 1)
            raise LimitError(429, f"this client has used its {self.seconds:g} s of query "
                                  f"evaluation per minute; retry in {wait} s (cached answers "
                                  "are not counted)", {"Retry-After": str(wait)})

    def charge(self, client: str, seconds: float) -> None:
        with self._lock:
            self._credit[client] = (self._now(client) - seconds, self.clock())
            if len(self._credit) > 100_000:  # forget the clients that are paid back
                full = [c for c in self._credit if self._now(c) >= self.seconds]
                for gone in full:
                    del self._credit[gone]


@dataclass
class QueryLimits:
    timeout: float
    max_rows: int
    queue_wait: float


class QueryPool:
    """At most ``size`` worker processes; each runs one query at a time."""

    def __init__(self, size: int, limits: QueryLimits) -> None:
        self.size = size
        self.limits = limits
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self.killed = 0
        #: Queries holding a worker now (what a test waits for instead of sleeping).
        self.in_use = 0
        atexit.register(self.close)

    def acquire(self) -> Worker:
        if not self._slots.acquire(timeout=self.limits.queue_wait):
            raise LimitError(503, f"the server is busy: all {self.size} query workers are "
                                  "in use; retry shortly", {"Retry-After": "5"})
        with self._lock:
            self.in_use += 1
        try:
            with self._lock:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        return worker
            return Worker()
        except BaseException:
            self._release_slot()
            raise

    def _release_slot(self) -> None:
        with self._lock:
            self.in_use -= 1
        self._slots.release()

    def release(self, worker: Worker, healthy: bool) -> None:
        if healthy and worker.alive():
            with self._lock:
                self._idle.append(worker)
        else:
            worker.kill()
        self._release_slot()

    def warm(self, count: int = 1) -> None:
        """Start workers ahead of the first query (a worker takes ~0.3 s to start)."""
        with self._lock:
            while len(self._idle) < min(count, self.size):
                self._idle.append(Worker())

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.kill()
            self._idle.clear()

    def submit(self, path: str, sparql: str, kwargs: dict[str, Any]) -> RemoteQuery:
        return RemoteQuery(self, path, sparql, kwargs)


class RemoteQuery:
    """One query's exchange with its worker, driven from a QueryJob thread.

    ``run``, ``kind_of`` and ``write`` have the shape :class:`QueryJob` expects, and
    ``close`` (called when the job ends, whatever happened) hands the worker back, or
    kills it if the exchange did not finish (timeout, client gone, error)."""

    def __init__(self, pool: QueryPool, path: str, sparql: str,
                 kwargs: dict[str, Any]) -> None:
        self.pool = pool
        self.request = ("query", path, sparql, kwargs, pool.limits.max_rows)
        self.deadline = 0.0
        #: When the query got its worker: what the query-time budget charges from.
        self.started: float | None = None
        self.worker: Worker | None = None
        self.finished = False
        self.truncated = False
        self.rows = 0
        self.kind: str | None = None
        self.writing = False

    def _recv(self) -> tuple[Any, ...]:
        assert self.worker is not None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not self.worker.conn.poll(remaining):
            self.pool.killed += 1
            raise LimitError(504, f"the query took longer than {self.pool.limits.timeout:g} s "
                                  "and was stopped; make it more selective or add a LIMIT")
        try:
            message = self.worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise LimitError(503, "the query worker stopped unexpectedly; retry") from exc
        if message[0] == "error":
            self.finished = True
            raise LimitError(message[1], message[2])
        return message

    def run(self) -> RemoteQuery:
        self.worker = self.pool.acquire()
        try:
            self.worker.wait_ready()
        except (EOFError, OSError) as exc:
            raise LimitError(503, "a query worker did not start; retry") from exc
        self.started = time.monotonic()
        self.deadline = self.started + self.pool.limits.timeout
        self.worker.conn.send(self.request)
        _, kind, self.truncated, self.rows = self._recv()
        self.kind = kind
        return self

    @staticmethod
    def kind_of(remote: RemoteQuery) -> str:
        assert remote.kind is not None, "kind_of is asked after run"
        return remote.kind

    @staticmethod
    def write(remote: RemoteQuery, fmt: Any, out: Any) -> None:
        assert remote.worker is not None
        remote.writing = True
        remote.worker.conn.send(("format", fmt.media_type))
        while True:
            tag, data = remote._recv()
            out.write(data)
            if tag == "end":
                remote.finished = True
                return

    def close(self) -> None:
        if self.worker is None:
            return
        if not self.finished and self.kind is not None and not self.writing:
            # The worker waits for a format that will not come (e.g. 406): release it.
            self.worker.conn.send(("skip",))
            self.finished = True
        self.pool.release(self.worker, healthy=self.finished)
        self.worker = None


# -- a remote store: queries over HTTP ------------------------------------------------


class HttpQueryPool:
    """The pool's interface for a remote SPARQL server (``--store sparql+http://...``).

    No worker processes: the remote server evaluates, and the HTTP request to it carries
    the timeout, so a runaway query costs this process one waiting thread, not a core.
    The same limits hold: ``size`` queries at once, ``queue_wait``, ``max_rows``."""

    def __init__(self, size: int, limits: QueryLimits,
                 snapshot: Callable[[], Snapshot]) -> None:
        self.size = size
        self.limits = limits
        self.snapshot = snapshot
        self._slots = threading.BoundedSemaphore(size)
        self.killed = 0

    def warm(self, count: int = 1) -> None:
        """Nothing to start ahead."""

    def close(self) -> None:
        """Nothing to stop."""

    def submit(self, _path: str, sparql: str, kwargs: dict[str, Any]) -> HttpQuery:
        return HttpQuery(self, sparql, kwargs)


def _plain(counted: _Counted) -> bytes:
    """An answer as bytes: SPARQL JSON for solutions and booleans, N-Triples for graphs."""
    import pyoxigraph as ox

    if isinstance(counted.result, ox.QueryBoolean):
        return json.dumps({"head": {}, "boolean": bool(counted.result)}).encode("utf-8")
    if counted.kind == "graph":
        return ox.serialize(counted.taken, format=ox.RdfFormat.N_TRIPLES) or b""
    return _solutions_json(counted.variables, counted.taken)


class HttpQuery:
    """One query sent to the remote server; the shape :class:`QueryJob` expects."""

    def __init__(self, pool: HttpQueryPool, sparql: str, kwargs: dict[str, Any]) -> None:
        self.pool = pool
        self.sparql = sparql
        self.kwargs = kwargs
        self.answer = b""
        self.truncated = False
        self.rows = 0
        self.kind: str | None = None
        self.writing = False
        self.started: float | None = None
        self._held = False

    def run(self) -> HttpQuery:
        from carekg.errors import CarekgError

        if not self.pool._slots.acquire(timeout=self.pool.limits.queue_wait):
            raise LimitError(503, f"the server is busy: all {self.pool.size} query slots are "
                                  "in use; retry shortly", {"Retry-After": "5"})
        self._held = True
        snapshot = self.pool.snapshot()
        began = self.started = time.monotonic()
        try:
            result = snapshot.query(self.sparql, timeout=self.pool.limits.timeout,
                                    **_kwargs(self.kwargs))
            counted = _Counted(result, self.pool.limits.max_rows)
            self.kind, self.truncated, self.rows = counted.kind, counted.truncated, counted.rows
            self.answer = _plain(counted)
            # pyoxigraph's results are bound to the thread that made them: only plain
            # bytes leave this one, and write() parses them again in its own.
            del result, counted
        except CarekgError as exc:
            if time.monotonic() - began >= self.pool.limits.timeout:
                self.pool.killed += 1
                raise LimitError(504, f"the query took longer than "
                                      f"{self.pool.limits.timeout:g} s and was stopped") from exc
            raise LimitError(400 if "refused" in str(exc) else 502, str(exc)) from exc
        return self

    @staticmethod
    def kind_of(query: HttpQuery) -> str | None:
        return query.kind

    @staticmethod
    def write(query: HttpQuery, fmt: Any, out: Any) -> None:
        import pyoxigraph as ox

        query.writing = True
        if query.kind == "graph":
            triples = list(ox.parse(query.answer, format=ox.RdfFormat.N_TRIPLES))
            out.write(ox.serialize(triples, format=fmt.writer) or b"")
        else:
            parsed = ox.parse_query_results(query.answer, ox.QueryResultsFormat.JSON)
            parsed.serialize(out, fmt.writer)

    def close(self) -> None:
        if self._held:
            self._held = False
            self.pool._slots.release()
