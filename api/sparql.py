"""The SPARQL 1.1 Protocol endpoint, ``/sparql``: read-only, open to every origin, and one
path for every request to it.

Why a WSGI app in front of Flask and not a Flask view: an uncached lookup cost the server
about 1 ms of CPU, most of it in Flask's request context, routing and the hooks around the
view rather than in the query's own steps (profiled for issue 12), and a client asking at
8 connections pays that on every request. So every request to ``/sparql`` (any method, a
refusal, the service description) is answered here, by the steps of
:mod:`carekg.api.protocol` (parse, check, negotiate, evaluate in a worker process under
its timeout, queue wait, row cap and the client's query-time budget). The answer is a
cache entry of :mod:`carekg.api.caching` (ETag, 304, gzip; a request arriving while the
same one is being answered waits for that answer), sent as a cache hit is sent, so a
fresh answer and a repeated one cannot differ. A large answer is streamed from its
worker: gzipped chunk by chunk, kept while it stays small, logged when it ends, its worker
killed if the client goes away (the stream's ``close``). Every answer has the security
headers, CORS and its access-log line (:mod:`carekg.api.security`). Other paths go on to
Flask.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from carekg.api import caching, protocol
from carekg.api import negotiation as neg
from carekg.api.caching import Entry, send_entry
from carekg.api.errors import PLAIN, HttpError
from carekg.api.execution import Answer
from carekg.api.rdf_templates import render_triples
from carekg.api.security import (
    exempt,
    internal_error_text,
    logged_stream,
    path_of,
    send,
    with_security_headers,
)
from carekg.config import Settings
from carekg.namespaces import SD

log = logging.getLogger(__name__)
CORS = ("Access-Control-Allow-Origin", "*")  # open data: every origin may read it
#: Where an answer is kept in the cache: the snapshot id and the request's key.
Place = tuple[str | None, tuple[Any, ...]]


class SparqlEndpoint:
    """The WSGI app that answers ``/sparql`` and hands every other path to Flask."""

    def __init__(self, app: Flask) -> None:
        self._next = app.wsgi_app
        self._settings: Settings = app.config["CAREKG_SETTINGS"]
        self._cache: caching.ResponseCache = app.extensions["carekg.cache"]
        self._snapshots = app.extensions["carekg.snapshots"]
        self._pool = app.extensions["carekg.pool"]
        self._budget = app.extensions["carekg.budget"]
        self._exempt: bool = app.extensions["carekg.limits_exempt_loopback"]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/sparql":
            return self._next(environ, start_response)
        started = time.perf_counter()
        noted: dict[str, Any] = {}  # what the access log records
        try:
            return self._answer(environ, start_response, started, noted)
        except HTTPException as exc:  # Werkzeug's: a body past max_body_bytes (413)
            error = HttpError.of(exc)
        except HttpError as refused:
            error = refused
        except Exception as exc:  # any other failure: a 500 with a reference to the log
            ref = uuid.uuid4().hex[:12]
            log.error("unhandled error (ref %s) on %s %s", ref, environ.get("REQUEST_METHOD"),
                      path_of(environ), exc_info=exc)
            error = HttpError(500, internal_error_text(ref).rstrip("\n"))
        return send(environ, start_response, *_refusal(error), noted, started)

    def _answer(self, environ: dict[str, Any], start_response: Any, started: float,
                noted: dict[str, Any]) -> Iterable[bytes]:
        """The protocol's steps and the cache's, in their order."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "OPTIONS":
            return send(environ, start_response, 204, _preflight(environ), b"", noted, started)
        req = Request(environ)
        req.max_content_length = self._settings.max_body_bytes
        body = req.get_data(cache=True) if method == "POST" else b""  # read once, kept
        op, base_url = _operation(req)
        if op.query is None and method == "POST":
            raise HttpError(400, "no query: send it as the 'query' parameter")
        if op.query is None and not op.format and neg.prefers_html(environ.get("HTTP_ACCEPT")):
            return send(environ, start_response, 303, [("Location", "/"), CORS], b"", noted,
                        started)  # a browser asking for the endpoint goes to the query UI
        snapshot_id = self._snapshots.current_id()
        key = caching.environ_key(environ, body, req.mimetype if body else "")
        flight: Place | None = None
        if "no-cache" not in environ.get("HTTP_CACHE_CONTROL", ""):
            entry, leads = self._cache.get_or_lead(
                snapshot_id, key, self._settings.queue_wait + self._settings.query_timeout)
            if entry is not None:
                return send_entry(self._cache, entry, environ, start_response, started)
            if leads:
                flight = (snapshot_id, key)
        streaming = False
        failure: Entry | None = None  # what the requests waiting for this answer get
        try:
            snap = self._snapshots.get()
            made = self._description(op, environ.get("HTTP_ACCEPT"), snap, base_url) \
                if op.query is None else self._evaluated(req, op, base_url, snap, noted)
            assert made is not None  # only an answer made at once can be left undone
            fmt, answer = made
            entry = self._entry(req, key, snap, fmt, answer, noted)
            kept = (snapshot_id, key) if snap.id == snapshot_id else None  # not another's
            if isinstance(answer.body, bytes):
                if kept:
                    self._cache.put(*kept, entry)
                return send_entry(self._cache, entry, environ, start_response, started)
            streaming = True  # the stream's end wakes the requests waiting for it
            return self._stream(environ, answer, entry, kept, flight, start_response, started)
        except HttpError as refused:
            failure = caching.failure_of(*_refusal(refused), noted)
            raise
        finally:
            if flight is not None and not streaming:
                self._cache.land(*flight, failure)

    def at_once(self, environ: dict[str, Any]) -> Entry | None:
        """The answer of a GET of a lookup (:func:`protocol.check` says which queries are)
        made from the open snapshot with nothing waited on (no worker, no other request's
        answer, no snapshot opened), for :mod:`carekg.api.loop_hits` to send on the loop
        thread, which must never block. None for anything else, a refusal, and a lookup
        of more rows than this process reads: the request threads answer those."""
        if environ.get("PATH_INFO") != "/sparql" or environ.get("REQUEST_METHOD") != "GET" \
                or (snap := self._snapshots.opened()) is None:
            return None
        req, noted = Request(environ), dict[str, Any]()
        try:
            op, base_url = _operation(req)
            made = op.query and self._evaluated(req, op, base_url, snap, noted, at_once=True)
        except Exception:  # a refusal or a failure: the threads answer it and log it
            return None
        if not made:
            return None
        key = caching.environ_key(environ)
        entry = self._entry(req, key, snap, *made, noted)
        self._cache.put(snap.id, key, entry)
        return entry

    def _evaluated(self, req: Request, op: protocol.Operation, base_url: str, snap: Any,
                   noted: dict[str, Any], at_once: bool = False
                   ) -> tuple[neg.Format, Answer] | None:
        """The query's answer, after the policy's checks: from a worker, or for a lookup
        from this process; ``at_once``, from this process only (None if it cannot be)."""
        assert op.query is not None
        kind, noted["carekg_query_hash"], lookup = protocol.check(op.query, self._settings)
        fmt = protocol.negotiate(kind, op, req.environ.get("HTTP_ACCEPT"))
        client = req.remote_addr or ""
        budget = None if exempt(self._exempt, client) else self._budget
        answer = protocol.evaluate(self._pool, budget, client, snap, op.query,
                                   protocol.query_kwargs(op, base_url), fmt, lookup,
                                   here_only=at_once)
        if answer is None:
            return None
        noted["carekg_rows"] = answer.rows
        return fmt, answer

    def _entry(self, req: Request, key: tuple[Any, ...], snap: Any, fmt: neg.Format,
               answer: Answer, noted: dict[str, Any]) -> Entry:
        """The answer as the cache keeps it (a stream's body is filled in as it ends)."""
        headers = [("Content-Type", fmt.content_type), ("Vary", "Accept"), CORS,
                   *protocol.truncation(answer, self._settings.max_result_rows)]
        # POST has no ETag: a conditional POST is another protocol (412)
        etag = "" if req.method == "POST" else caching.etag_of(snap.id, key, req,
                                                               fmt.content_type)
        body = answer.body if isinstance(answer.body, bytes) else b""
        return Entry(200, headers, body, etag, noted)

    @staticmethod
    def _description(op: protocol.Operation, accept: str | None, snap: Any,
                     endpoint: str) -> tuple[neg.Format, Answer]:
        """GET without a query: the SPARQL Service Description of this endpoint
        (languages, formats, dataset; ``templates/service-description.ttl``)."""
        try:
            fmt = neg.choose(neg.GRAPH, accept, op.format)
        except neg.NotAcceptableError as exc:
            raise HttpError(406, str(exc)) from exc
        formats = [f.w3c for f in (*neg.RESULT_FORMATS, *neg.GRAPH_FORMATS)]
        triples = render_triples("service-description.ttl", endpoint=endpoint,
                                 formats=formats, graphs=snap.graph_names())
        body = ox.serialize(triples, format=fmt.rdf, prefixes={"sd": str(SD)})
        return fmt, Answer(body or b"", len(triples), False)

    def _stream(self, environ: dict[str, Any], answer: Answer, entry: Entry,
                kept: Place | None, flight: Place | None,
                start_response: Any, started: float) -> Iterable[bytes]:
        """A large answer, read from its worker as the client takes it; stored under
        ``kept`` (snapshot id and key) if it ends within the largest entry."""
        cache = self._cache

        def keep(body: bytes) -> None:
            if kept is not None:
                entry.body = body
                cache.put(*kept, entry)

        def ended() -> None:
            if flight is not None:
                cache.land(*flight)

        assert not isinstance(answer.body, bytes)  # the caller sends those itself
        tee = caching.Tee(answer.body, cache.max_entry, keep, ended)
        body: Iterable[bytes] = tee
        headers = list(entry.headers)
        zipped = caching.accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if zipped:
            body = caching.gzip_stream(body)
            headers.append(("Content-Encoding", "gzip"))
        method = environ.get("REQUEST_METHOD", "GET")
        if method != "POST":
            headers += caching.validators(entry.etag, zipped)
        start_response("200 OK", with_security_headers(headers))
        if method == "HEAD":
            tee.close()  # no body: its worker is let go at once
            return []
        return logged_stream(body, environ.get("REMOTE_ADDR"), method, path_of(environ),
                             200, entry.log, started)


def _refusal(error: HttpError) -> tuple[int, list[tuple[str, str]], bytes]:
    """A refusal as it is sent: status, headers (before the security headers), body."""
    return (error.status, [("Content-Type", PLAIN), *error.headers.items(), CORS],
            error.message.encode() + b"\n")


def _preflight(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """CORS preflight: any origin may query; the headers it wants to send are allowed."""
    allowed = ", ".join(protocol.ALLOWED_METHODS)
    return [("Access-Control-Allow-Methods", allowed),
            ("Access-Control-Allow-Headers",
             environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "Accept, Content-Type")),
            ("Access-Control-Max-Age", "86400"), ("Allow", allowed), CORS]


#: Operations read from GET query strings, with the URL queries are resolved against, by
#: what they are read from: a client repeating a lookup sends the same query string, and
#: decoding it was a fifth of this path's time. At most :data:`_KEPT` are kept (then all
#: are forgotten at once), and only of query strings up to :data:`_KEPT_CHARS`.
_OPERATIONS: dict[tuple[Any, ...], tuple[protocol.Operation, str]] = {}
_KEPT = 4096
_KEPT_CHARS = 4096


def _operation(req: Request) -> tuple[protocol.Operation, str]:
    """The request's operation and base URL (a refusal raises, and is not kept)."""
    environ = req.environ
    if req.method == "POST":  # the body is part of it
        return protocol.parse_request(req), req.base_url
    query_string = environ.get("QUERY_STRING", "")
    key = (req.method, query_string, environ.get("CONTENT_TYPE"),
           environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
           environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"))
    found = _OPERATIONS.get(key)
    if found is None:
        found = (protocol.parse_request(req), req.base_url)
        if len(query_string) <= _KEPT_CHARS:
            if len(_OPERATIONS) >= _KEPT:
                _OPERATIONS.clear()
            _OPERATIONS[key] = found
    return found
