"""HTTP caching of read-only answers, keyed by the published snapshot: ETags, 304, an
in-process LRU of serialised bodies, and gzip.

Why here and like this: every answer of the read-only areas (SPARQL queries, saved
queries, linked-data pages) is a pure function of the published snapshot and of the
request (path, parameters, negotiated format). So

* the **ETag** is a hash of the snapshot id, the request's effective query (path, the
  parameters other than ``format``, the body of a POSTed query) and the negotiated
  Content-Type: stable while a snapshot is served, different as soon as a new one is
  published, different per format;
* the **cache** maps (snapshot id, request) to the body the view produced. The snapshot
  id is asked of the store at most every ``id_check_interval`` (10 ms for a store
  directory; :meth:`carekg.api.app.SnapshotHolder.current_id`), so a hit touches neither the store
  nor the query worker pool; the whole cache is dropped the first time a request sees a
  new snapshot. Each server process (``carekg serve --processes``) has its own cache.
  The key holds the raw Accept header (the format is only known once the view has run);
  two Accept headers that negotiate the same format are two entries with the same ETag.
  A saved query's default answers are made once per snapshot for every process
  (:mod:`carekg.api.precompute`, keyed by the negotiated type): a miss of one is filled
  from there, without a query worker;
* a hit is answered in front of Flask (:class:`CacheHits`; ``/sparql`` by its own
  endpoint, :mod:`carekg.api.sparql`), behind the request-count limits, with the
  security headers and access-log line the app's hooks give (:func:`send_entry`); the
  app's ``before_request`` lookup answers the rest (a HEAD);
* a request that misses while the same request is being answered waits for that answer
  (:meth:`ResponseCache.get_or_lead`) rather than queueing for a query worker itself:
  many clients opening one new page at once cost one evaluation per server process;
* **gzip** applies to compressible bodies of at least :data:`GZIP_MIN_BYTES` when the
  client accepts it; the gzipped body is kept in the cache entry beside the plain one.
  Streamed answers (large SPARQL results) are compressed chunk by chunk with a sync flush,
  so gzip never buffers a whole answer; a streamed answer is cached only if it ends
  within :meth:`ResponseCache.max_entry` bytes.

POST queries of ``/sparql`` are cached in-process (keyed by their body) but get no ETag or
304: a conditional POST is a different protocol (412), and no client revalidates a POST.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from flask import Request as FlaskRequest
from werkzeug.wrappers import Request

from carekg.api.security import send
from carekg.config import Settings

#: Views whose 200 answers depend only on the snapshot and the request.
CACHEABLE_ENDPOINTS = frozenset({
    "pages.thing", "pages.named_graph", "pages.ontology",
    "saved.run", "saved.index",
})
#: Smaller bodies are sent as they are: gzip's header and a round trip cost more.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6
#: Public data, replaced when a snapshot is published (rarely): caches may keep an answer
#: a minute, then revalidate it with If-None-Match, which costs the server one lookup.
CACHE_CONTROL = "public, max-age=60"
#: Content types worth compressing (the RDF, results, HTML and JSON the API writes).
COMPRESSIBLE = ("text/", "application/sparql-results", "application/ld+json",
                "application/json", "application/rdf+xml", "application/n-triples",
                "application/n-quads", "application/trig", "application/xml",
                "application/javascript", "application/yaml")
#: Headers of a view's answer that are not part of the stored representation.
_NOT_STORED = frozenset({"content-length", "content-encoding", "etag", "cache-control",
                         "set-cookie", "date"})
#: Per-entry bookkeeping, counted against the byte bound with the bodies.
_ENTRY_OVERHEAD = 512


@dataclass
class Entry:
    """One cached answer: what the view produced, ready to be sent again."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    etag: str  # the quoted strong ETag of the plain body
    log: dict[str, Any] = field(default_factory=dict)  # what the access log records
    gzipped: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + _ENTRY_OVERHEAD + sum(
            len(k) + len(v) for k, v in self.headers)


#: Refusals of the one request making an answer that the requests waiting for the same
#: answer get too (:meth:`ResponseCache.get_or_lead`): the query ran past the timeout
#: (504), or no query worker was free within the queue wait (503). Not a per-client
#: refusal (429: another client's budget), nor one of the request itself (4xx).
SHARED_FAILURES = frozenset({503, 504})


@dataclass
class _Flight:
    """An answer being made: set once it is stored or given up, with the refusal the
    waiting requests get if it was stopped."""

    landed: threading.Event = field(default_factory=threading.Event)
    failure: Entry | None = None


def failure_of(status: int, headers: Iterable[tuple[str, str]], body: bytes,
               log: dict[str, Any]) -> Entry | None:
    """The refusal to hand to the requests waiting for the same answer, if it is one of
    :data:`SHARED_FAILURES` (no ETag: it is never cached or revalidated)."""
    if status not in SHARED_FAILURES:
        return None
    kept = [(k, v) for k, v in headers if k.lower() not in _NOT_STORED]
    return Entry(status, kept, body, "", dict(log))


class ResponseCache:
    """A byte-bounded LRU of answers for one snapshot at a time (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._snapshot: str | None = None
        self._flights: dict[tuple[Any, ...], _Flight] = {}
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        #: Requests waiting now for the same request's answer (what a test waits for).
        self.waiting = 0

    @property
    def max_entry(self) -> int:
        """The largest answer worth keeping: one eighth of the cache, so that one huge
        answer cannot evict everything else."""
        return self.max_bytes // 8

    def __len__(self) -> int:
        return len(self._entries)

    def _follow(self, snapshot_id: str | None) -> None:
        """Drop everything when the snapshot changed (called under the lock)."""
        if snapshot_id != self._snapshot:
            self._entries.clear()
            self.bytes = 0
            self._snapshot = snapshot_id

    def get(self, snapshot_id: str | None, key: tuple[Any, ...]) -> Entry | None:
        entry = self.peek(snapshot_id, key)
        if entry is None:
            with self._lock:
                self.misses += 1
        return entry

    def peek(self, snapshot_id: str | None, key: tuple[Any, ...]) -> Entry | None:
        """:meth:`get` that leaves a miss uncounted (:class:`CacheHits` hands the request
        on to the app, which asks again)."""
        with self._lock:
            self._follow(snapshot_id)
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def get_or_lead(self, snapshot_id: str | None, key: tuple[Any, ...], wait: float
                    ) -> tuple[Entry | None, bool]:
        """The cached answer, or whether this request is to make it: ``(None, True)``,
        and the caller calls :meth:`land` once it is stored or given up. A request that
        finds the same one being made waits up to ``wait`` seconds for it and takes it
        from the cache (``(None, False)`` if it was not kept: it makes its own). So a
        burst of one new request, as many clients opening the same page at once, is one
        evaluation, not one per client queued for the query workers.

        When the one making it was stopped (:data:`SHARED_FAILURES`: its query ran past
        the timeout, or no worker was free within the queue wait), every request waiting
        for it gets that same refusal at once, not cached: the same query on the same
        snapshot would only be stopped again, and each waiting request making it in turn
        held a thread for a queue wait and a timeout apiece (at 100 councils, 64 clients
        on a cold cache, cheap requests then waited 11-14 s and failed). An answer not
        kept for another reason (too large) is made by the next waiting request while the
        others go on waiting."""
        until = time.monotonic() + wait
        entry = self.get(snapshot_id, key)
        while entry is None:
            with self._lock:
                flight = self._flights.get((snapshot_id, *key))
                if flight is None:
                    self._flights[(snapshot_id, *key)] = _Flight()
                    return None, True
                self.waiting += 1
            try:
                landed = flight.landed.wait(max(0.0, until - time.monotonic()))
            finally:
                with self._lock:
                    self.waiting -= 1
            entry = self.peek(snapshot_id, key)
            if entry is None and flight.failure is not None:
                return flight.failure, False
            if not landed:
                break
        return entry, False

    def land(self, snapshot_id: str | None, key: tuple[Any, ...],
             failure: Entry | None = None) -> None:
        """The answer of a request that :meth:`get_or_lead` let make it is stored, or
        will not be (``failure``: the refusal the requests waiting for it are to get,
        from :func:`failure_of`): wake the requests waiting for it."""
        with self._lock:
            flight = self._flights.pop((snapshot_id, *key), None)
        if flight is not None:
            flight.failure = failure
            flight.landed.set()

    def put(self, snapshot_id: str | None, key: tuple[Any, ...], entry: Entry) -> None:
        if self.max_bytes <= 0 or entry.size > self.max_entry:
            return
        with self._lock:
            if snapshot_id != self._snapshot:
                # Made from a snapshot that is no longer (or not yet seen as) current.
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size

    def add_gzip(self, entry: Entry, gzipped: bytes) -> None:
        """Keep the gzipped body beside the plain one (computed on first demand)."""
        with self._lock:
            if entry.gzipped is None:
                entry.gzipped = gzipped
                if any(e is entry for e in self._entries.values()):
                    self.bytes += len(gzipped)


# -- requests ------------------------------------------------------------------------


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (a q=0 refuses it)."""
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _zero(q[2:]))
    return False


def _zero(value: str) -> bool:
    try:
        return float(value) == 0.0
    except ValueError:
        return True


def environ_key(environ: dict[str, Any], body: bytes = b"", mimetype: str = ""
                ) -> tuple[Any, ...]:
    """What distinguishes one cacheable request from another, cheaply: the raw strings
    of its WSGI environment (the same for :class:`CacheHits` and the app's hooks)."""
    method = environ.get("REQUEST_METHOD", "GET")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    return ("GET" if method in ("GET", "HEAD") else method, environ.get("wsgi.url_scheme"),
            host, environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""), mimetype, body, environ.get("HTTP_ACCEPT", ""))


def effective_query(req: Request) -> bytes:
    """The request's query as the answer depends on it: the URL without its query string
    (the SPARQL endpoint resolves relative IRIs against it), the parameters without
    ``format`` (which the negotiated Content-Type stands for), in a canonical order. (Only
    GET answers have an ETag.)"""
    params = [(k, v) for k, v in req.args.items(multi=True) if k != "format"]
    text = req.base_url + "\x00" + "\x00".join(f"{k}={v}" for k, v in sorted(params))
    return text.encode("utf-8", "surrogatepass")


def make_etag(snapshot_id: str | None, req: Request, content_type: str) -> str:
    """The strong ETag of an answer (quoted)."""
    digest = hashlib.sha256()
    for part in ((snapshot_id or "").encode(), effective_query(req),
                 content_type.encode()):
        digest.update(part)
        digest.update(b"\x00")
    return f'"{digest.hexdigest()[:32]}"'


#: ETags made, by (snapshot id, :func:`environ_key`, Content-Type): the key holds every
#: part of the request the effective query is read from, so a repeated request (a client
#: asking again with ``no-cache``) is not parsed and hashed again. Only keys of at most
#: :data:`_ETAG_KEY_CHARS` are kept, and at most :data:`_ETAGS_KEPT` of them (then all
#: are forgotten at once), which bounds the memory held.
_ETAGS: dict[tuple[Any, ...], str] = {}
_ETAGS_KEPT = 4096
_ETAG_KEY_CHARS = 4096


def etag_of(snapshot_id: str | None, key: tuple[Any, ...], req: Request,
            content_type: str) -> str:
    """:func:`make_etag`, remembered by the request's ``key``."""
    kept = sum(len(part) for part in key if isinstance(part, str | bytes)) <= _ETAG_KEY_CHARS
    memo = (snapshot_id, key, content_type)
    etag = _ETAGS.get(memo) if kept else None
    if etag is None:
        etag = make_etag(snapshot_id, req, content_type)
        if kept:
            if len(_ETAGS) >= _ETAGS_KEPT:
                _ETAGS.clear()
            _ETAGS[memo] = etag
    return etag


def _gzip_etag(etag: str) -> str:
    """The gzipped body is another representation: a strong ETag of its own."""
    return etag[:-1] + '-gz"'


def matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this answer (weak comparison, as RFC 9110
    says)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in wanted or _gzip_etag(etag) in wanted


def has_header(response: Response, name: str) -> bool:
    """Whether ``response`` has the header. (Not ``name in response.headers``: Werkzeug
    answers that by raising and catching an exception when it is absent, as it mostly
    is, several times an answer.)"""
    wanted = name.lower()
    return any(key.lower() == wanted for key in response.headers.keys())


def add_vary(response: Response, *names: str) -> None:
    """Name request headers in the answer's Vary, each once, as ``response.vary.add``
    does, without parsing and writing the header again when they are already there."""
    current = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    have = {v.lower() for v in current}
    missing = [n for n in names if n.lower() not in have]
    if missing:
        response.headers["Vary"] = ", ".join([*current, *missing])


def compressible(response: Response) -> bool:
    return (response.status_code == 200 and not has_header(response, "Content-Encoding")
            and not response.direct_passthrough and compressible_type(response.mimetype))


def compressible_type(content_type: str | None) -> bool:
    """Whether a body of this type is worth gzipping (text, results, RDF, JSON)."""
    return (content_type or "").startswith(COMPRESSIBLE)


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip container
    return compressor.compress(data) + compressor.flush()


def gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Compress a streamed body chunk by chunk; each chunk is flushed (Z_SYNC_FLUSH), so
    the client gets data as it comes and nothing is buffered beyond one chunk."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    try:
        for chunk in chunks:
            out = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
            if out:
                yield out
        yield compressor.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


class Tee:
    """A streamed body that is also kept, and cached when it ends complete and small."""

    def __init__(self, body: Iterable[bytes], limit: int, done: Any,
                 ended: Callable[[], None]) -> None:
        self._body = body
        self._limit = limit
        self._done = done
        self._ended: Callable[[], None] | None = ended
        self._kept: list[bytes] | None = []
        self._size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            if self._kept is not None:
                self._size += len(chunk)
                if self._size > self._limit:
                    self._kept = None
                else:
                    self._kept.append(chunk)
            yield chunk
        if self._kept is not None:
            self._done(b"".join(self._kept))
            self._kept = None
        self._end()

    def _end(self) -> None:
        ended, self._ended = self._ended, None
        if ended is not None:
            ended()

    def close(self) -> None:
        self._kept = None
        self._end()
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


# -- hooks ---------------------------------------------------------------------------


def cache() -> ResponseCache:
    return current_app.extensions["carekg.cache"]


def _request() -> FlaskRequest:
    """This request itself, not the proxy ``request``: a hook reading it a dozen times
    pays the proxy's lookup once."""
    return request._get_current_object()  # type: ignore[attr-defined]


def _with_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with a Vary that names Accept and Accept-Encoding (once)."""
    named = [v.strip() for n, v in headers if n.lower() == "vary" for v in v.split(",")]
    vary = ", ".join(dict.fromkeys([*(v for v in named if v), "Accept", "Accept-Encoding"]))
    return [*((n, v) for n, v in headers if n.lower() != "vary"), ("Vary", vary)]


def validators(etag: str, gzipped: bool) -> list[tuple[str, str]]:
    return [("ETag", _gzip_etag(etag) if gzipped else etag), ("Cache-Control", CACHE_CONTROL)]


def _not_modified(etag: str, headers: Iterable[tuple[str, str]], size: int,
                  accept_encoding: str) -> list[tuple[str, str]]:
    """The headers of a 304: the validators of the representation the client would have
    got."""
    kept = [(n, v) for n, v in headers if n.lower() in ("vary", "access-control-allow-origin")]
    gzipped = accepts_gzip(accept_encoding) and size >= GZIP_MIN_BYTES
    return [*_with_vary(kept), *validators(etag, gzipped)]


def answer_of(entry: Entry, store: ResponseCache, get: bool, accept_encoding: str,
              if_none_match: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """A cached answer as it is sent: status, headers (before the security and access-log
    hooks' own) and body. 304 when a GET's If-None-Match names it; gzipped when the
    client accepts it (compressed on the first such request and kept)."""
    get = get and bool(entry.etag)  # a shared refusal has no validators (failure_of)
    if get and matches(if_none_match, entry.etag):
        return 304, _not_modified(entry.etag, entry.headers, len(entry.body),
                                  accept_encoding), b""
    zipped = accepts_gzip(accept_encoding) and len(entry.body) >= GZIP_MIN_BYTES
    if zipped and entry.gzipped is None:
        store.add_gzip(entry, gzip_bytes(entry.body))
    headers = _with_vary(entry.headers)
    if zipped:
        headers.append(("Content-Encoding", "gzip"))
    if get:
        headers += validators(entry.etag, zipped)
    return entry.status, headers, (entry.gzipped or b"") if zipped else entry.body


def _response(status: int, headers: list[tuple[str, str]], body: bytes = b"") -> Response:
    response = Response(body, status=status)
    response.headers.clear()
    response.headers.extend(headers)
    return response


def lookup() -> Response | None:
    """``before_request``: answer from the cache, or remember how to store the answer.
    (A GET is answered by :class:`CacheHits` before the app when it can be.)"""
    req = _request()
    if req.endpoint not in CACHEABLE_ENDPOINTS:
        return None
    if req.method not in ("GET", "HEAD"):
        return None
    holder = current_app.extensions["carekg.snapshots"]
    snapshot_id = holder.current_id()
    key = environ_key(req.environ)
    g.carekg_cache = (snapshot_id, key)
    if "no-cache" in req.headers.get("Cache-Control", ""):
        return None  # the client asks for a fresh answer; it is still stored
    limits: Settings = current_app.config["CAREKG_SETTINGS"]
    entry, leads = cache().get_or_lead(snapshot_id, key,
                                       limits.queue_wait + limits.query_timeout)
    if leads:
        g.carekg_flight = (snapshot_id, key)
        entry = _precomputed(req, snapshot_id, key)
    if entry is None:
        return None
    g.carekg_cache_hit = True
    for name, value in entry.log.items():
        setattr(g, name, value)
    return _response(*answer_of(entry, cache(), True,
                                request.headers.get("Accept-Encoding", ""),
                                request.headers.get("If-None-Match")))


def _precomputed(req: FlaskRequest, snapshot_id: str | None, key: tuple[Any, ...]
                 ) -> Entry | None:
    """A saved query's default answer made once for the snapshot and shared by every
    server process (:mod:`carekg.api.precompute`), kept in this process's cache from now
    on: the request that was to evaluate it sends it instead, and the requests waiting
    for it find it in the cache."""
    if req.endpoint != "saved.run":
        return None
    precomputed = current_app.extensions.get("carekg.precomputed")
    entry = precomputed.entry(req, snapshot_id, key) if precomputed is not None else None
    if entry is not None:
        cache().put(snapshot_id, key, entry)
    return entry


def finish(response: Response) -> Response:
    """``after_request``: give a fresh answer its ETag, store it, gzip it."""
    if g.get("carekg_cache_hit"):
        return response
    state = g.get("carekg_cache")
    log = {name: g.get(name) for name in ("carekg_query_hash", "carekg_rows")}
    if g.get("carekg_flight") and not response.is_streamed:  # for the waiting requests
        g.carekg_failure = failure_of(response.status_code, response.headers.items(),
                                      response.get_data(), log)
    if state is None or response.status_code != 200 or has_header(response, "Set-Cookie"):
        return _compress(response)
    snapshot_id = g.get("carekg_snapshot_id", state[0])
    req = _request()
    etag = etag_of(snapshot_id, state[1], req, response.content_type or "")
    add_vary(response, "Accept", "Accept-Encoding")
    if matches(req.headers.get("If-None-Match"), etag) and not response.is_streamed:
        response.close()
        return _response(304, _not_modified(etag, response.headers.items(),
                                            len(response.get_data()),
                                            request.headers.get("Accept-Encoding", "")))
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_STORED]
    store = cache()
    key = state[1]

    def keep(body: bytes) -> None:
        if snapshot_id == state[0]:
            store.put(snapshot_id, key, Entry(200, headers, body, etag, log))

    if response.is_streamed:
        if not response.direct_passthrough:
            flight, g.carekg_flight = g.get("carekg_flight"), None

            def ended() -> None:
                if flight is not None:
                    store.land(*flight)

            response.response = Tee(_bytes(response), store.max_entry, keep, ended)
    else:
        keep(response.get_data())
    zipped = _compress(response)
    for name, value in validators(etag, zipped.headers.get("Content-Encoding") == "gzip"):
        zipped.headers[name] = value
    return zipped


def land(_exc: BaseException | None) -> None:
    """``teardown_request``: whatever became of this request's answer, the requests
    waiting for it stop waiting (a streamed one's :class:`Tee` does it when it ends)."""
    flight = g.get("carekg_flight")
    if flight is not None:
        snapshot_id, key = flight
        cache().land(snapshot_id, key, g.get("carekg_failure"))


def _compress(response: Response) -> Response:
    if not compressible(response):
        return response
    add_vary(response, "Accept-Encoding")
    if not accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return response
    if response.is_streamed:
        response.response = gzip_stream(_bytes(response))
        response.headers.pop("Content-Length", None)
    else:
        data = response.get_data()
        if len(data) < GZIP_MIN_BYTES:
            return response
        response.set_data(gzip_bytes(data))
    response.headers["Content-Encoding"] = "gzip"
    return response


def _bytes(response: Response) -> Iterable[bytes]:
    """A streamed body's chunks: the views here stream bytes, never text."""
    return cast(Iterable[bytes], response.response)


class CacheHits:
    """The WSGI app in front of the app: a GET whose answer is cached is sent from here,
    with the headers and the access-log line the app's hooks give it, but without Flask's
    request context, routing and hooks. On a cache hit those were most of the time:
    waitress sending one fixed answer does 6,400-8,100 requests/s in one process here,
    the app's hit path 2,500. Anything else goes on to ``app``."""

    def __init__(self, flask: Flask, app: Any) -> None:
        #: The app behind: where a request whose answer is not kept goes.
        self.inner = app
        self.cache: ResponseCache = flask.extensions["carekg.cache"]
        self._snapshots = flask.extensions["carekg.snapshots"]

    def hit(self, environ: dict[str, Any]) -> Entry | None:
        """The kept answer of this request: a GET that does not ask for a fresh one
        (also asked by :mod:`carekg.api.loop_hits` before a request thread is given it)."""
        if environ.get("REQUEST_METHOD") != "GET" \
                or "no-cache" in environ.get("HTTP_CACHE_CONTROL", ""):
            return None
        return self.cache.peek(self._snapshots.current_id(), environ_key(environ))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()
        entry = self.hit(environ)
        if entry is None:
            return self.inner(environ, start_response)
        return send_entry(self.cache, entry, environ, start_response, started)


def send_entry(store: ResponseCache, entry: Entry, environ: dict[str, Any],
               start_response: Any, started: float) -> list[bytes]:
    """Send a cached answer as the app's hooks would have: :func:`answer_of` (a POST's
    without validators), then the security headers, its length and its access-log line."""
    status, headers, body = answer_of(entry, store, environ.get("REQUEST_METHOD") != "POST",
                                      environ.get("HTTP_ACCEPT_ENCODING", ""),
                                      environ.get("HTTP_IF_NONE_MATCH"))
    return send(environ, start_response, status, headers, body, entry.log, started)


def install(app: Flask, settings: Settings) -> None:
    """Wire the cache into ``app``: the store, and the hooks that answer and fill it for
    the views (:class:`CacheHits` goes in front of the app: :func:`carekg.api.app.create_app`)."""
    app.extensions["carekg.cache"] = ResponseCache(settings.cache_bytes)
    app.before_request(lookup)
    app.after_request(finish)
    app.teardown_request(land)
