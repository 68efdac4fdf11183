"""Running a SPARQL query under the endpoint's limits, its answer read from a worker.

pyoxigraph cannot be interrupted from another thread, so a runaway query in the server
process would burn a core until it ended by itself. Each query therefore runs in a worker
process that opens the published (immutable) snapshot read-only, and is killed when the
query outlives ``Settings.query_timeout`` (504; a new worker replaces it on a later
query). The pool has ``max_concurrent_queries`` workers, the number of queries evaluated
at once; a query that finds none free within ``queue_wait`` seconds is refused with 503
rather than queued without bound.

The format is negotiated before the query runs (the query form says the kind of answer),
so one message asks the worker for everything: it evaluates, cuts the answer at
``max_result_rows`` and writes it in that format with pyoxigraph's serialisers. Its first
message says how many rows there are and whether some were cut off (while the response
headers can still say so) and carries the first chunk; an answer that fits in it is one
message, sent with a Content-Length. A larger one is read from the worker's socket chunk
by chunk as the client takes it, in the request's own thread: a slow client stalls the
worker (the socket fills), and a client that goes away closes the body, which kills it.

Messages on a worker's socket (server -> worker, worker -> server), each a tuple pickled
with :mod:`pickle` itself (:func:`send_message`, :func:`read_message`) rather than by
``Connection.send``, which builds a ``ForkingPickler`` (copying its dispatch table) for
every message, a measurable share of a cheap query's time::

    <- ("ready",)                                   once, when it has started
    -> ("query", snapshot_dir, sparql, kwargs, max_rows, media_type)
    <- ("head", rows, truncated, first_chunk, complete)  |  ("error", status, message)
    <- chunk bytes ... b""                          (raw, only when not complete)
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import math
import os
import pickle
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from carekg.api import negotiation as neg
from carekg.api.errors import HttpError

if TYPE_CHECKING:
    from carekg.graph.backend import Snapshot

#: Bytes per message from a worker (the streaming chunk size of the endpoint).
CHUNK_SIZE = 64 * 1024
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None
_TSV = ox.QueryResultsFormat.TSV
_FORMATS = {f.media_type: f for f in (*neg.RESULT_FORMATS, *neg.GRAPH_FORMATS)}


@dataclass
class QueryLimits:
    timeout: float
    max_rows: int
    queue_wait: float


# -- serialising an answer (in the worker, or for a remote store in the request) -----


class _RowsFullError(Exception):
    """Raised through pyoxigraph's serialiser to stop it once the row cap is passed."""


class _RowCap:
    """The binary file pyoxigraph writes TSV into, keeping the header and ``max_rows``
    rows. TSV is one line per row (newlines in terms are escaped), so counting lines
    counts rows exactly, in C, whatever the terms hold."""

    def __init__(self, max_rows: int) -> None:
        self.left = max_rows + 1  # lines still kept: the header, then the rows
        self.kept = max_rows + 1
        self.parts: list[bytes] = []
        self.truncated = False

    def write(self, data: bytes) -> int:
        lines = data.count(b"\n")
        if lines < self.left:
            self.parts.append(data)
            self.left -= lines
            return len(data)
        end = -1
        for _ in range(self.left):
            end = data.index(b"\n", end + 1)
        self.parts.append(data[:end + 1])
        self.left = 0
        if end + 1 < len(data):
            self.truncated = True
            raise _RowsFullError
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here."""

    @property
    def rows(self) -> int:
        return self.kept - self.left - 1


def serialise(result: Any, media_type: str, max_rows: int) -> tuple[bytes, int, bool]:
    """An answer in ``media_type``, cut at ``max_rows``: (bytes, rows, truncated).

    Solutions are written as TSV first, which counts and cuts them without a Python
    object per row, then, for another format, parsed back and written by pyoxigraph
    (byte for byte what serialising the whole answer directly gives)."""
    fmt = _FORMATS[media_type]
    if isinstance(result, ox.QueryTriples):
        triples = list(islice(result, max_rows + 1))
        kept = triples[:max_rows]
        return ox.serialize(kept, format=fmt.rdf) or b"", len(kept), len(triples) > max_rows
    if not isinstance(fmt.writer, ox.QueryResultsFormat):
        raise TypeError(f"{media_type} is not a format of query results")
    if isinstance(result, ox.QueryBoolean):
        return result.serialize(format=fmt.writer) or b"", 1, False
    cap = _RowCap(max_rows)
    try:
        result.serialize(cap, _TSV)
    except _RowsFullError:
        pass
    tsv = b"".join(cap.parts)
    if fmt.writer != _TSV:
        tsv = ox.parse_query_results(tsv, _TSV).serialize(format=fmt.writer) or b""
    return tsv, cap.rows, cap.truncated


def _kwargs(plain: dict[str, Any]) -> dict[str, Any]:
    """``Store.query`` arguments from the plain data a request carries: graph IRIs
    become pyoxigraph terms. (Saved queries arrive with their parameters already written
    into the text as a VALUES block: carekg.graph.saved_queries.bound_text.)"""
    kwargs = dict(plain)
    for name in ("default_graph", "named_graphs"):
        if name in kwargs:
            kwargs[name] = [ox.NamedNode(iri) for iri in kwargs[name]]
    return kwargs


def _evaluated(run: Callable[[], Any], media_type: str, max_rows: int
               ) -> tuple[bytes, int, bool]:
    """Evaluate and serialise; the engine's refusals as 400 (evaluation is lazy, so a
    query can fail while its answer is being written)."""
    try:
        return serialise(run(), media_type, max_rows)
    except SyntaxError as exc:
        raise HttpError(400, f"malformed SPARQL query: {exc}") from exc
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        raise HttpError(400, f"the query could not be evaluated: {exc}") from exc


#: The most rows of an answer evaluated in the server process (:func:`evaluate_here`).
LOOKUP_ROWS = 1000


def evaluate_here(store: ox.Store, sparql: str, kwargs: dict[str, Any], media_type: str,
                  max_rows: int) -> Answer | None:
    """A lookup's answer (:func:`carekg.graph.sparql_text.is_lookup`: it cannot run away)
    evaluated in this process: a worker's round trip, the two processes' messages and
    their wake-ups, cost a label lookup several times its evaluation. None when it has
    more than :data:`LOOKUP_ROWS` rows (its reading stops there): a worker then evaluates
    it under the timeout, as any other query."""
    cap = min(max_rows, LOOKUP_ROWS)
    data, rows, truncated = _evaluated(lambda: store.query(sparql, **_kwargs(kwargs)),
                                       media_type, cap)
    return None if truncated and cap < max_rows else Answer(data, rows, truncated)


# -- the worker process --------------------------------------------------------------


def send_message(conn: Connection, message: tuple[Any, ...]) -> None:
    """One message on a worker's socket (see the module's docstring)."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def read_message(conn: Connection) -> Any:
    """The next message :func:`send_message` sent on ``conn``."""
    return pickle.loads(conn.recv_bytes())


def _answer(conn: Connection, stores: dict[str, Any], request: tuple[Any, ...]) -> None:
    _, path, sparql, plain, max_rows, media_type = request
    if path not in stores:
        stores.clear()  # a new snapshot was published: the old one is not read again
        stores[path] = ox.Store.read_only(f"{path}/oxigraph")
    try:
        data, rows, truncated = _evaluated(
            lambda: stores[path].query(sparql, **_kwargs(plain)), media_type, max_rows)
    except HttpError as exc:
        send_message(conn, ("error", exc.status, exc.message))
        return
    view = memoryview(data)
    complete = len(data) <= CHUNK_SIZE
    send_message(conn, ("head", rows, truncated, bytes(view[:CHUNK_SIZE]), complete))
    if not complete:
        for start in range(CHUNK_SIZE, len(data), CHUNK_SIZE):
            conn.send_bytes(view[start:start + CHUNK_SIZE])
        conn.send_bytes(b"")
        del view, data
        _give_back_memory()


def _give_back_memory() -> None:
    """Return the freed heap of a large answer to the system. glibc keeps what a large
    answer freed (its TSV, the parsed results, the negotiated bytes) mapped in the worker
    for ever: 14 MB a worker at 100 councils; and in the server process that relayed it
    (its chunks, the cached copy's parts, the gzip): 7-10 MB each at 100 councils after
    the saved queries. Only after answers of more than a chunk, so a cheap query pays
    nothing."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


#: mallopt's parameter for the most arenas (glibc's malloc.h).
_M_ARENA_MAX = -8


def share_arenas(count: int = 2) -> None:
    """Let this process's threads share at most ``count`` malloc arenas (before they
    start). glibc gives a thread that finds the arenas busy one of its own, up to eight a
    core, and keeps each arena's freed memory apart: a server process's request threads,
    which take the GIL in turn and so seldom allocate at once, held 5-10 MB more at 100
    councils with their own."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, count)


def worker_main(conn: Connection) -> None:
    """A worker process: say it is ready, then answer queries until its socket closes."""
    stores: dict[str, Any] = {}
    try:
        send_message(conn, ("ready",))
    except OSError:
        return
    while True:
        try:
            request = read_message(conn)
        except (EOFError, OSError):
            return
        try:
            _answer(conn, stores, request)
        except (EOFError, OSError):
            return
        except Exception as exc:  # reported without a traceback; the worker lives on
            try:
                send_message(conn, ("error", 500,
                                    f"the query engine failed ({type(exc).__name__})"))
            except OSError:
                return


def worker_from_fd(fd: int, parent: int | None = None) -> None:
    """Entry point of a worker started by :class:`Worker` (``python -c``)."""
    if parent is not None:
        exit_when_orphaned(parent)
    worker_main(Connection(fd))


def exit_when_orphaned(parent: int, interval: float = 1.0) -> None:
    """End this process once ``parent`` has gone (it is re-parented), even in the middle
    of a query: a server killed with SIGKILL runs no exit handlers, and a worker left
    behind would go on evaluating a runaway query for nobody. pyoxigraph releases the GIL
    while it evaluates, so this thread runs during a query."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


class Worker:
    """One worker process and the server's end of its socket pair.

    Started with subprocess rather than multiprocessing: a spawned multiprocessing child
    re-imports the parent's ``__main__``, which a script that creates the app without a
    main guard does not survive, and fork is unsafe in a threaded server."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        code = ("from carekg.api.execution import worker_from_fd; "
                f"worker_from_fd({child.fileno()}, {os.getpid()})")
        self.process = subprocess.Popen([sys.executable, "-c", code],
                                        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                                        close_fds=True)
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False
        self._poller = select.poll()
        self._poller.register(self.conn.fileno(), select.POLLIN)

    def readable(self, seconds: float) -> bool:
        """Whether the worker's next message (or its end) arrives within ``seconds``: one
        poll(2) on a poller made once, where ``Connection.poll`` builds a selector on every
        call. (A Connection buffers nothing, so a readable socket is a message waiting.)"""
        return bool(self._poller.poll(math.ceil(max(0.0, seconds) * 1000)))

    def wait_ready(self, seconds: float = 60) -> None:
        """Wait for a new worker's first message: its start-up (a few tenths of a second,
        more on a loaded machine) is not part of any query's time."""
        if self.ready:
            return
        try:
            if self.conn.poll(seconds) and read_message(self.conn) == ("ready",):
                self.ready = True
                return
        except (EOFError, OSError):
            pass
        raise HttpError(503, "a query worker did not start; retry")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class _Streamed:
    """The rest of a large answer, read from its worker as the response is sent.

    ``close`` (called by the WSGI server when the response ends: sent, or the client
    gone) hands the worker back if the answer was read to its end, else kills it."""

    def __init__(self, pool: WorkerPool, worker: Worker, first: bytes, deadline: float,
                 done: Callable[[], None]) -> None:
        self._pool = pool
        self._worker: Worker | None = worker
        self._first = first
        self._deadline = deadline
        self._done = done
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        yield self._first
        while self._worker is not None:
            chunk = self._pool.receive(self._worker, self._deadline, Connection.recv_bytes)
            if not chunk:
                self._complete = True
                self.close()
                return
            yield chunk

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            self._pool.release(worker, healthy=self._complete)
            self._done()
            _give_back_memory()  # what relaying it freed here: 7-10 MB a server process

    def __del__(self) -> None:
        # A response dropped unsent (never given to a server) still frees its worker.
        self.close()


@dataclass
class Answer:
    """A query's answer in its negotiated format: all of it (bytes) or a stream."""

    body: bytes | _Streamed
    rows: int
    truncated: bool


# -- pools: the worker processes, or a remote store's slots -------------------------


class _Slots:
    """``size`` queries at once; one more waits ``queue_wait`` for a slot, then is refused
    with 503 rather than queued without bound."""

    def __init__(self, size: int, queue_wait: float, what: str) -> None:
        self._semaphore = threading.BoundedSemaphore(size)
        self._queue_wait = queue_wait
        self._busy = f"the server is busy: all {size} {what} are in use; retry shortly"
        #: Queries refused so far for want of a slot (what a test counts).
        self.refused = 0

    def take(self) -> None:
        if not self._semaphore.acquire(timeout=self._queue_wait):
            self.refused += 1
            raise HttpError(503, self._busy, {"Retry-After": "5"})

    def give(self) -> None:
        self._semaphore.release()


class WorkerPool:
    """At most ``size`` worker processes; each runs one query at a time."""

    def __init__(self, size: int, limits: QueryLimits) -> None:
        self.size = size
        self.limits = limits
        self._slots = _Slots(size, limits.queue_wait, "query workers")
        self._idle: list[Worker] = []
        # Reentrant: a dropped stream's __del__ may hand its worker back from any frame.
        self._lock = threading.RLock()
        self.killed = 0
        #: Queries holding a worker now (what a test waits for instead of sleeping).
        self.in_use = 0
        #: Queries given to a worker so far (what a test counts).
        self.runs = 0
        atexit.register(self.close)

    @property
    def refused(self) -> int:
        """Queries refused with 503 because no worker was free within the queue wait."""
        return self._slots.refused

    def _acquire(self) -> Worker:
        self._slots.take()
        with self._lock:
            self.in_use += 1
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
        try:
            return Worker()
        except BaseException:
            self._free_slot()
            raise

    def _free_slot(self) -> None:
        with self._lock:
            self.in_use -= 1
        self._slots.give()

    def release(self, worker: Worker, healthy: bool) -> None:
        if healthy and worker.alive():
            with self._lock:
                self._idle.append(worker)
        else:
            worker.kill()
        self._free_slot()

    def receive(self, worker: Worker, deadline: float,
                read: Callable[[Connection], Any] = read_message) -> Any:
        """The worker's next message, or 504 (and the worker killed) at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.readable(remaining):
            self.killed += 1
            raise HttpError(504, f"the query took longer than {self.limits.timeout:g} s "
                                 "and was stopped; make it more selective or add a LIMIT")
        try:
            return read(worker.conn)
        except (EOFError, OSError) as exc:
            raise HttpError(503, "the query worker stopped unexpectedly; retry") from exc

    def run(self, path: str, sparql: str, kwargs: dict[str, Any], media_type: str,
            done: Callable[[float], None] = lambda seconds: None) -> Answer:
        """Evaluate in a worker; ``done(seconds)`` is called once the worker is free
        again, with the seconds it was given to this query."""
        worker: Worker | None = self._acquire()
        self.runs += 1
        complete = False
        started = time.monotonic()
        try:
            assert worker is not None
            worker.wait_ready()
            started = time.monotonic()
            deadline = started + self.limits.timeout
            send_message(worker.conn, ("query", path, sparql, kwargs, self.limits.max_rows,
                               media_type))
            message = self.receive(worker, deadline)
            if message[0] == "error":
                complete = True
                raise HttpError(message[1], message[2])
            _, rows, truncated, first, complete = message
            if complete:
                return Answer(first, rows, truncated)
            body = _Streamed(self, worker, first, deadline,
                             lambda: done(time.monotonic() - started))
            worker = None  # the stream hands it back
            return Answer(body, rows, truncated)
        finally:
            if worker is not None:
                self.release(worker, healthy=complete)
                done(time.monotonic() - started)

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


class RemoteStorePool:
    """The pool's interface for a remote SPARQL server (``--store sparql+http://...``).

    No worker processes: the remote server evaluates, and the HTTP request to it carries
    the timeout, so a runaway query costs this process one waiting thread, not a core.
    The same limits hold: ``size`` queries at once, ``queue_wait``, ``max_rows``."""

    def __init__(self, size: int, limits: QueryLimits,
                 snapshot: Callable[[], Snapshot]) -> None:
        self.size = size
        self.limits = limits
        self.snapshot = snapshot
        self._slots = _Slots(size, limits.queue_wait, "query slots")
        self.killed = 0

    def warm(self, count: int = 1) -> None:
        """Nothing to start ahead."""

    def close(self) -> None:
        """Nothing to stop."""

    def run(self, _path: str, sparql: str, kwargs: dict[str, Any], media_type: str,
            done: Callable[[float], None] = lambda seconds: None) -> Answer:
        from carekg.errors import CarekgError

        self._slots.take()
        began = time.monotonic()
        try:
            snapshot = self.snapshot()
            data, rows, truncated = _evaluated(
                lambda: snapshot.query(sparql, timeout=self.limits.timeout,
                                       **_kwargs(kwargs)), media_type, self.limits.max_rows)
            return Answer(data, rows, truncated)
        except CarekgError as exc:
            if time.monotonic() - began >= self.limits.timeout:
                self.killed += 1
                raise HttpError(504, f"the query took longer than {self.limits.timeout:g} s"
                                     " and was stopped") from exc
            raise HttpError(400 if "refused" in str(exc) else 502, str(exc)) from exc
        finally:
            self._slots.give()
            done(time.monotonic() - began)


# -- the per-client budget of query time ---------------------------------------------


class QueryTimeBudget:
    """Seconds of query evaluation each client may use per minute, as the large public
    endpoints limit their clients: a query is refused (429) while its client's budget is
    spent, and each query's evaluation time is charged when it ends. A token bucket:
    ``seconds`` of credit, refilled at ``seconds`` per minute, that a long query can
    overdraw; the client then waits until it is paid back. Cache hits never get here, so
    cheap repeated lookups are never refused while heavy queries are. Each server process
    keeps its own (docs/security.md)."""

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
        """Raise a 429 :class:`HttpError` while ``client`` has no credit left."""
        with self._lock:
            credit = self._now(client)
        if credit <= 0:
            wait = max(1, int(-credit / self.rate) + 1)
            raise HttpError(429, f"this client has used its {self.seconds:g} s of query "
                                 f"evaluation per minute; retry in {wait} s (cached answers "
                                 "are not counted)", {"Retry-After": str(wait)})

    def charge(self, client: str, seconds: float) -> None:
        with self._lock:
            self._credit[client] = (self._now(client) - seconds, self.clock())
            if len(self._credit) > 100_000:  # forget the clients that are paid back
                full = [c for c in self._credit if self._now(c) >= self.seconds]
                for gone in full:
                    del self._credit[gone]
