"""``carekg serve``: the application on waitress, a production WSGI server.

With ``--processes`` above 1 (by default, one per core) the app runs in several server
processes on the one port (:mod:`carekg.api.processes`); with 1, in this process.

With no store yet, the bundled corpus is built first, so that the README's first command
gives a new user a working endpoint. The dumps of the current snapshot are written
before the first request, so the first download does not wait for them, and so are the
saved queries' default answers (:mod:`carekg.api.precompute`), shared by the server
processes, so that the first clients do not queue for their evaluation.

Under load waitress warns "Task queue depth is N" on *every* request that finds no idle
thread, which floods stderr with thousands of identical lines and buries anything else;
:class:`AtMostEvery` lets one through a minute, saying how many it held back and the
deepest queue among them. Only the ``waitress.queue`` logger is filtered: errors of
waitress, of the application and the access log are untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from carekg.config import Settings
from carekg.graph.backend import is_remote
from carekg.graph.store import local, open_store

log = logging.getLogger(__name__)

#: waitress's logger of "Task queue depth is N" (waitress.utilities.queue_logger).
QUEUE_LOGGER = "waitress.queue"
QUEUE_WARNING_INTERVAL = 60.0


class AtMostEvery(logging.Filter):
    """Let one record through per ``interval`` seconds; the next one let through says how
    many were held back since, and the largest number among their arguments (for the
    queue warnings, the deepest queue)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self.held = 0
        self._largest: int | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                self.held += 1
                numbers = [a for a in (record.args if isinstance(record.args, tuple) else ())
                           if isinstance(a, int)]
                if numbers:
                    self._largest = max(numbers + [self._largest or 0])
                return False
            if self.held:
                largest = f", largest {self._largest}" if self._largest is not None else ""
                record.msg = (f"{record.getMessage()} ({self.held} like it held back in the "
                              f"last {now - self._last:.0f} s{largest})")  # type: ignore[operator]
                record.args = ()
            self._last, self.held, self._largest = now, 0, None
            return True


def quiet_queue_warnings(interval: float = QUEUE_WARNING_INTERVAL) -> AtMostEvery:
    """Put an :class:`AtMostEvery` on waitress's queue logger (once; returns it)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    for existing in logger.filters:
        if isinstance(existing, AtMostEvery):
            return existing
    limiter = AtMostEvery(interval)
    logger.addFilter(limiter)
    return limiter


def serves_loopback_only(host: str) -> bool:
    """Whether a server bound to ``host`` can only be reached from this machine."""
    from carekg.api.security import is_loopback

    return host == "localhost" or is_loopback(host.strip("[]"))


def ensure_store(settings: Settings, say: Callable[[str], None] = log.info) -> bool:
    """Build the bundled corpus into the store if none is published; True if built."""
    if open_store(settings).exists():
        return False
    if is_remote(settings.store):
        from carekg.errors import StoreError

        # The front over a remote server is read-only: building is an explicit act.
        raise StoreError(f"no carekg store at {settings.store}: run 'carekg build --store "
                         f"{settings.store}' first")
    from carekg.graph.build import build
    from carekg.resources import corpus_dir

    say(f"no store at {settings.store}: building the bundled corpus first")
    report = build(corpus_dir(), settings)
    say(f"built snapshot {report.snapshot}: {report.documents} documents, "
        f"{report.facts} facts, {report.triples} triples")
    return True


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8080,
    say: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted. Raises StoreError when the store cannot be opened."""
    from carekg.api.dumps import write_all
    from carekg.api.processes import become_supervisor, listening_socket, process_count

    if settings.rate_limit_exempt_loopback is None:  # exempt when every client is local
        settings = replace(settings, rate_limit_exempt_loopback=serves_loopback_only(host))
    ensure_store(settings, say)
    if not is_remote(settings.store):  # dumps are files of a local snapshot
        snapshot = open_store(settings).open()
        write_all(settings, local(snapshot))
        del snapshot
        _precompute(settings, say)
    processes = process_count(settings)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    ready = (f"carekg: query UI at http://{shown}:{port}/ and SPARQL endpoint at "
             f"http://{shown}:{port}/sparql")
    if processes > 1:
        sock = listening_socket(host, port)  # bound before the ready line: no refusals
        say(f"{ready} ({processes} server processes; Ctrl-C to stop)")
        become_supervisor(sock, settings, processes)
    run_app(settings, lambda: say(f"{ready} (Ctrl-C to stop)"), host=host, port=port)


def _precompute(settings: Settings, say: Callable[[str], None]) -> None:
    """The saved queries' default answers, made once for the published snapshot before
    any server process starts (:mod:`carekg.api.precompute`), so that no process has to
    evaluate them when the first clients ask."""
    from carekg.api.precompute_make import precompute

    report = precompute(settings)
    if report.made:
        skipped = f"; not precomputed: {', '.join(sorted(report.skipped))}" \
            if report.skipped else ""
        say(f"precomputed {report.written} answers of the saved queries in "
            f"{report.seconds:.1f} s{skipped}")


def run_app(settings: Settings, ready: Callable[[], None], **where: Any) -> None:
    """The app on waitress, its first query worker started first; ``where`` is waitress's
    ``host`` and ``port``, or the ``sockets`` of a server process. SIGTERM ends it as
    Ctrl-C does, so that exit handlers stop the query workers."""
    import signal

    from carekg.api.app import create_app
    from carekg.api.execution import share_arenas

    share_arenas()  # before waitress starts its threads

    def leave(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # waitress's loop ends on it; atexit then stops the workers

    signal.signal(signal.SIGTERM, leave)
    app = create_app(settings)
    precomputed = app.extensions.get("carekg.precomputed")
    if precomputed is not None:  # a snapshot published while serving gets its answers too
        from carekg.api.precompute_make import precompute

        precomputed.maker = lambda: precompute(settings)
    # One worker ahead of the first query, the others when queries first overlap: the
    # lookups are answered in this process and the saved queries' defaults are
    # precomputed, so a worker started and never asked held 26 MB (100 councils) for
    # nothing; one started on demand costs its first query about 0.3 s, once.
    app.extensions["carekg.pool"].warm(1)
    ready()
    quiet_queue_warnings()
    quiet = where.pop("_quiet", False)
    server = make_server(app, settings.threads, **where)
    if not quiet:  # as waitress.serve does
        logging.basicConfig()
        server.print_listen("Serving on http://{}:{}")
    server.run()


def make_server(app: Any, threads: int, **adjustments: Any) -> Any:
    """The waitress server of ``app`` (waitress's adjustments: ``host`` and ``port``, or
    ``sockets``) as ``carekg serve`` runs it; ``run()`` serves until interrupted. Cache
    hits are sent on waitress's loop thread (:mod:`carekg.api.loop_hits`) unless
    request-count limits are in front of the app (they count every request)."""
    from waitress.server import create_server

    from carekg.api import loop_hits
    from carekg.api.caching import CacheHits

    # No proxy is trusted and carekg reads no X-Forwarded-* header, so waitress's pass
    # over every request's environ to delete them (5% of a cached answer's time) is
    # skipped; an operator who adds ProxyFix (docs/security.md) then gets them.
    adjustments = dict(ident="carekg", clear_untrusted_proxy_headers=False, **adjustments)
    front = getattr(app, "wsgi_app", None)
    if isinstance(front, CacheHits):
        return loop_hits.server(app, front, threads, **adjustments)
    return create_server(app, threads=threads, **adjustments)


def child_main() -> None:
    """A server process of :func:`carekg.api.processes.supervise`: the app on the
    inherited socket until SIGTERM or SIGINT, or until its parent has gone."""
    import pickle
    import socket
    import sys

    from carekg.api.execution import exit_when_orphaned

    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    settings: Settings = pickle.loads(sys.stdin.buffer.read())
    exit_when_orphaned(parent)
    try:
        run_app(settings, lambda: None, sockets=[socket.socket(fileno=fd)], _quiet=True)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group
        pass
