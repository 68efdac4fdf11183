"""waitress for ``carekg serve``: cache hits and lookups answered on waitress's loop thread.

Why: waitress reads and parses every request on one loop thread and hands it to a
request thread to run the app. For a cache hit, and for an uncached label lookup
(evaluated in this process in 0.07 ms), that hand-off was most of the work: py-spy
showed ``Condition.notify`` and the thread's wake-up as the largest items (14 % of the
GIL samples under uncached lookups, more under cached ones), carekg's own code a few
per cent. And a request had to wait for a free thread: under load at 100 councils every
thread was seen waiting for a query worker or another request's answer.

How: the task dispatcher's ``add_task`` (called on the loop thread while waitress reads
a request, holding the channel's request lock) looks the request up in the cache as
:class:`carekg.api.caching.CacheHits` does, and on a miss asks the endpoint for an
answer made at once (:meth:`carekg.api.sparql.SparqlEndpoint.at_once`: a lookup, which
cannot run away, of the open snapshot). With an answer it only marks the channel; once
waitress's read handler has returned, the channel is serviced on the loop thread by a
task that sends that entry (:func:`carekg.api.caching.send_entry`: the same headers,
security headers and access-log line as the app's) without calling the app, so nothing
that can block (the store, a worker, a lock held by an evaluation) runs on the loop. A
miss goes to the request threads with the environ the lookup made and past
:class:`CacheHits` (neither is made or asked twice). So does everything else, and an
answer when the connection has more than that one request in hand or output not yet
sent (servicing those can wait on the client, which must never happen on the loop
thread). An answer is written as its headers and then its body, each in one write, onto
an empty output buffer, so waitress's wait for a full buffer to drain (which only the
loop thread could end) is never reached there.

Not used with ``--rate-limit``: request-count limits count every request, hits included,
so there every request goes through the app (:class:`carekg.api.security.RequestLimits`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ThreadedTaskDispatcher, WSGITask

from carekg.api.caching import CacheHits, Entry, send_entry

#: The environ keys that carry the loop thread's lookup to the request's task: the
#: answer (a hit or made at once), that it was a miss (the cache is then not asked
#: twice), and when the loop took the request (the access log's time includes the lookup).
HIT, MISSED, STARTED = "carekg.loop_hit", "carekg.loop_missed", "carekg.loop_started"
#: Whether this thread is inside a channel's read handler (only the loop thread is).
_reading = threading.local()


#: What the loop thread's lookup made of a request: the request, its kept answer (None
#: on a miss) and the environ, which the request's task then uses rather than making it
#: again (on a miss, the request thread's first step).
_Looked = tuple[Any, Entry | None, dict[str, Any]]


class _Task(WSGITask):
    """waitress's task, with the environ the loop thread's lookup already made."""

    def get_environment(self) -> dict[str, Any]:
        channel: Any = self.channel  # a _Channel (waitress's stubs say HTTPChannel)
        looked: _Looked | None = channel.carekg_looked
        if looked is None or looked[0] is not self.request:
            return super().get_environment()
        channel.carekg_looked = None
        _request, entry, environ = looked
        if entry is not None:
            environ[HIT] = entry
        else:
            environ[MISSED] = True
        self.environ = environ
        return environ


class _Channel(HTTPChannel):
    """waitress's channel, serviced on the loop thread when its request is a hit."""

    task_class = _Task
    carekg_looked: _Looked | None = None

    def handle_read(self) -> None:
        _reading.active = True
        try:
            super().handle_read()
        finally:
            _reading.active = False
        if self.carekg_looked is None or self.carekg_looked[1] is None:
            return  # nothing looked up, or a miss already handed to the threads
        if len(self.requests) == 1 and not self.total_outbufs_len:
            self.service()  # sends the entry; a next request goes to the threads
        else:  # more in hand than the hit: the threads take them in order
            self.carekg_looked = None
            dispatcher: Any = self.server.task_dispatcher
            ThreadedTaskDispatcher.add_task(dispatcher, self)  # type: ignore[arg-type]


class _Dispatcher(ThreadedTaskDispatcher):
    """The request threads, asked first whether the loop thread can send a hit."""

    def __init__(self, hits: CacheHits) -> None:
        super().__init__()
        self._hits = hits
        self._at_once = hits.inner.at_once  # the SparqlEndpoint (create_app)

    def add_task(self, task: Any) -> None:
        if getattr(_reading, "active", False) and isinstance(task, _Channel) \
                and len(task.requests) == 1 and not task.requests[0].error:
            request: Any = task.requests[0]
            task.carekg_looked = None
            environ = _Task(task, request).get_environment()
            environ[STARTED] = time.perf_counter()
            entry = self._hits.hit(environ) or self._at_once(environ)
            task.carekg_looked = (request, entry, environ)
            if entry is not None:
                return  # sent on the loop thread once waitress's read handler returns
        super().add_task(task)


class _Front:
    """The WSGI app waitress calls: a hit found on the loop thread is sent, a miss found
    there goes past :class:`CacheHits` (which would only ask the cache again), anything
    else goes to the app."""

    def __init__(self, app: Any, hits: CacheHits) -> None:
        self._app = app
        self._hits = hits

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        entry = environ.pop(HIT, None)
        if entry is not None:
            return send_entry(self._hits.cache, entry, environ, start_response,
                              environ.pop(STARTED, time.perf_counter()))
        if environ.pop(MISSED, False):
            return self._hits.inner(environ, start_response)
        return self._app(environ, start_response)


def server(app: Any, hits: CacheHits, threads: int, **adjustments: Any) -> Any:
    """A waitress server of ``app`` (waitress's ``create_server`` adjustments) whose cache
    hits are sent on the loop thread; ``run()`` serves until interrupted."""
    dispatcher = _Dispatcher(hits)
    dispatcher.set_thread_count(threads)
    sockets: dict[int, Any] = {}
    made = create_server(_Front(app, hits), map=sockets, _dispatcher=dispatcher,
                         threads=threads, **adjustments)
    for listener in sockets.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _Channel
    return made
