"""Running a query and streaming its serialisation without holding the answer in memory.

pyoxigraph's result objects may only be touched by the thread that created them, and
their ``serialize`` writes the whole answer in one call. So a query runs in its own
thread from start to end: it reports what kind of answer it has, waits for the request
thread to choose a format, then writes chunks into a small bounded queue that the
response iterates. A slow client therefore stalls the query instead of filling memory,
and a client that goes away cancels it. An answer that fits in the first chunk is
returned as plain bytes, so small answers get a Content-Length and no chunking.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: Bytes gathered before a chunk is handed to the response.
CHUNK_SIZE = 64 * 1024
#: Chunks allowed to wait for a slow client before the query pauses.
QUEUE_CHUNKS = 8

log = logging.getLogger(__name__)

_KIND, _CHUNK, _END, _ERROR = "kind", "chunk", "end", "error"


def _forget_frames(exc: BaseException | None) -> None:
    """Drop the tracebacks of an exception chain before it leaves the worker thread.

    A traceback keeps the worker's frames alive, and with them the pyoxigraph result,
    which must not be released by another thread (pyo3 refuses: "unsendable")."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        _forget_frames(exc.__cause__)
        exc = exc.__context__


class CancelledError(OSError):
    """The response was closed (client gone, or no format chosen); stop writing."""


class _QueueWriter:
    """The binary file object pyoxigraph writes into, cut into chunks on a queue."""

    def __init__(self, job: QueryJob) -> None:
        self._job = job
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK_SIZE:
            self._job.put(_CHUNK, bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes at the end; chunks are cut by size, so nothing to do."""

    def rest(self) -> bytes:
        return bytes(self._buffer)


class QueryJob:
    """One query run in a worker thread; see the module docstring for the protocol.

    ``run`` evaluates the query and returns the pyoxigraph result; ``kind_of`` names its
    kind; ``write(result, choice, out)`` serialises it once the request thread has
    chosen.
    """

    def __init__(
        self,
        run: Callable[[], Any],
        kind_of: Callable[[Any], str],
        write: Callable[[Any, Any, _QueueWriter], None],
        close: Callable[[], None] | None = None,
    ) -> None:
        self._run = run
        self._close = close
        self._kind_of = kind_of
        self._write = write
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._decision: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._work, name="sparql-query", daemon=True)

    # -- worker side -----------------------------------------------------------------

    def put(self, tag: str, payload: Any) -> None:
        while not self._cancelled.is_set():
            try:
                self._events.put((tag, payload), timeout=0.25)
                return
            except queue.Full:
                continue
        raise CancelledError("response closed")

    def _work(self) -> None:
        # ``close`` runs before the last event is handed over, so that what it does (hand
        # the worker back, charge the client's query time) is done when the response is.
        try:
            self._serve()
        except CancelledError:
            self._finish()
        except BaseException as exc:  # handed to the request thread, which decides
            log.debug("query failed in its worker thread", exc_info=exc)
            _forget_frames(exc)
            self._finish()
            try:
                self.put(_ERROR, exc)
            except CancelledError:
                return

    def _finish(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def _serve(self) -> None:
        result = self._run()
        self.put(_KIND, self._kind_of(result))
        choice = self._decision.get()
        if choice is None:
            self._finish()
            return
        out = _QueueWriter(self)
        self._write(result, choice, out)
        self._finish()
        self.put(_END, out.rest())

    # -- request side ----------------------------------------------------------------

    def start(self) -> str:
        """Run the query; return the kind of its answer, or raise what the query raised."""
        self._thread.start()
        tag, payload = self._events.get()
        if tag == _ERROR:
            raise payload
        return payload

    def cancel(self) -> None:
        self._cancelled.set()
        if self._decision.empty():
            self._decision.put(None)

    def body(self, choice: Any) -> bytes | Iterator[bytes]:
        """Serialise in ``choice``; bytes if the answer is small, else a chunk iterator.

        Errors raised before the first chunk is ready are raised here, while the status
        can still say so; later ones end the stream early (the client sees a truncated
        chunked response rather than a wrong complete one)."""
        self._decision.put(choice)
        tag, payload = self._events.get()
        if tag == _ERROR:
            raise payload
        if tag == _END:
            return payload
        return self._stream(payload)

    def _stream(self, first: bytes) -> Iterator[bytes]:
        try:
            yield first
            while True:
                tag, payload = self._events.get()
                if tag == _CHUNK:
                    yield payload
                elif tag == _END:
                    if payload:
                        yield payload
                    return
                else:
                    raise payload
        finally:
            self._cancelled.set()
