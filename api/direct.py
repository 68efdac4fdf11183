"""A GET query of ``/sparql`` answered in front of Flask, by the view's own steps.

Why: an uncached lookup cost the server about 1 ms of CPU, most of it in Flask's request
context, routing and the hooks around the view rather than in the view (profiled for
issue 12), and a client asking at 8 connections pays that on every request. So a GET of
``/sparql`` with a query goes through the view's steps here, without Flask:
:func:`carekg.api.protocol.parse_request`, ``check`` (screening), ``negotiate``,
``query_kwargs`` and ``evaluate`` (the worker pool, under its timeout, queue wait, row
cap and the client's query-time budget). Its answer becomes a cache entry, with the
ETag the app would give it, is stored, and is sent as a cache hit is sent
(:func:`carekg.api.caching.send_entry`), so a fresh answer and a repeated one cannot
differ. A streamed answer (larger than a chunk) is sent as the app sends one: kept while
it stays small, gzipped chunk by chunk, logged when it ends, its worker killed if the
client goes away (the stream's ``close``).

What is not that plain case goes on to Flask, which answers it as before: other methods
and paths, a request the protocol refuses (so the refusal is exactly the view's), no
query (the service description), and every request when the request-count limiter is
on, since it counts in Flask (:func:`carekg.api.app.create_app` leaves this out then).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask, Request

from carekg.api import caching, protocol
from carekg.api.caching import Entry, ResponseCache, path_of, send_entry
from carekg.api.errors import HttpError
from carekg.api.execution import Answer
from carekg.api.security import (
    internal_error_text,
    is_loopback,
    log_request,
    logged_stream,
    with_security_headers,
)
from carekg.config import Settings

log = logging.getLogger(__name__)
_PLAIN = "text/plain; charset=utf-8"


class DirectQueries:
    """The WSGI app that answers GET queries of ``/sparql`` and hands the rest to Flask."""

    def __init__(self, app: Flask) -> None:
        self._app = app.wsgi_app
        self._extensions = app.extensions  # read per request: they are the app's own
        self._config = app.config

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
            return self._app(environ, start_response)
        req = Request(environ)
        parsed = _parsed(req)
        if parsed is None:
            return self._app(environ, start_response)
        return self._answer(req, *parsed, start_response)

    def _answer(self, req: Request, op: protocol.Operation, base_url: str,
                start_response: Any) -> Iterable[bytes]:
        """The steps of the view and of the cache's hooks, in their order."""
        started = time.perf_counter()
        environ = req.environ
        store: ResponseCache = self._extensions["carekg.cache"]
        holder = self._extensions["carekg.snapshots"]
        settings: Settings = self._config["CAREKG_SETTINGS"]
        snapshot_id = holder.current_id()
        key = caching.environ_key(environ)
        flight: tuple[Any, ...] | None = None
        if "no-cache" not in environ.get("HTTP_CACHE_CONTROL", ""):
            entry, leads = store.get_or_lead(snapshot_id, key,
                                             settings.queue_wait + settings.query_timeout)
            if entry is not None:
                return send_entry(store, entry, environ, start_response, started)
            if leads:
                flight = (snapshot_id, key)
        streaming = False
        noted: dict[str, Any] = {}
        try:
            assert op.query is not None
            kind, noted["carekg_query_hash"] = protocol.check(op.query, settings)
            fmt = protocol.negotiate(kind, op, environ.get("HTTP_ACCEPT"))
            snap = holder.get()
            client = req.remote_addr or ""
            exempt = self._extensions["carekg.limits_exempt_loopback"] and is_loopback(client)
            budget = None if exempt else self._extensions["carekg.budget"]
            answer = protocol.evaluate(self._extensions["carekg.pool"], budget, client, snap,
                                     op.query, protocol.query_kwargs(op, base_url), fmt)
            noted["carekg_rows"] = answer.rows
            headers = [("Content-Type", fmt.content_type), ("Vary", "Accept, Accept-Encoding")]
            if answer.truncated:
                headers.append(("X-Carekg-Truncated",
                                protocol.truncation(answer, settings.max_result_rows)))
            headers.append(("Access-Control-Allow-Origin", "*"))
            etag = caching.etag_of(snap.id, key, req, fmt.content_type)
            entry = Entry(200, headers, b"", etag, noted)
            kept = snap.id == snapshot_id  # an answer of another snapshot is not stored
            if isinstance(answer.body, bytes):
                entry.body = answer.body
                if kept:
                    store.put(snapshot_id, key, entry)
                return send_entry(store, entry, environ, start_response, started)
            stream = self._stream(req, answer, entry, (snapshot_id, key) if kept else None,
                                  flight, start_response, started)
            streaming = True  # the stream's end wakes the requests waiting for it
            return stream
        except HttpError as error:
            return _refusal(error, req, noted, start_response, started)
        except Exception as exc:  # the view's internal_error, without Flask
            return _failure(exc, req, start_response, started)
        finally:
            if flight is not None and not streaming:
                store.land(*flight)

    def _stream(self, req: Request, answer: Answer, entry: Entry,
                stored_as: tuple[Any, ...] | None, flight: tuple[Any, ...] | None,
                start_response: Any, started: float) -> Iterable[bytes]:
        """A large answer, read from its worker as the client takes it: the app's
        ``finish`` and ``_compress`` for a streamed response. Kept under ``stored_as``
        (snapshot id and key) if it ends within the largest entry."""
        store: ResponseCache = self._extensions["carekg.cache"]

        def keep(body: bytes) -> None:
            if stored_as is not None:
                entry.body = body
                store.put(stored_as[0], stored_as[1], entry)

        def ended() -> None:
            if flight is not None:
                store.land(*flight)

        assert not isinstance(answer.body, bytes)  # the caller sends those itself
        body: Iterable[bytes] = caching.Tee(answer.body, store.max_entry, keep, ended)
        headers = list(entry.headers)
        zipped = caching.accepts_gzip(req.environ.get("HTTP_ACCEPT_ENCODING", ""))
        if zipped:
            body = caching.gzip_stream(body)
            headers.append(("Content-Encoding", "gzip"))
        headers += caching.validators(entry.etag, zipped)
        start_response("200 OK", with_security_headers(headers))
        return logged_stream(body, req.remote_addr, "GET", path_of(req.environ), 200,
                             entry.log, started)


#: Operations read from query strings, with the URL queries are resolved against, by
#: what they are read from: a client repeating a lookup sends the same query string,
#: and decoding it was a fifth of this path's time. At most :data:`_KEPT` are kept (then
#: all are forgotten at once), and only of query strings up to :data:`_KEPT_CHARS`.
_OPERATIONS: dict[tuple[Any, ...], tuple[protocol.Operation, str]] = {}
_KEPT = 4096
_KEPT_CHARS = 4096


def _parsed(req: Request) -> tuple[protocol.Operation, str] | None:
    """The request's operation and base URL; None when it is not for this path (the
    protocol refuses it, or there is no query: the view answers those)."""
    environ = req.environ
    query_string = environ.get("QUERY_STRING", "")
    key = (query_string, environ.get("CONTENT_TYPE"), environ.get("wsgi.url_scheme"),
           environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
           environ.get("SCRIPT_NAME"))
    found = _OPERATIONS.get(key)
    if found is not None:
        return found
    try:
        op = protocol.parse_request(req)
    except HttpError:
        return None
    if op.query is None:
        return None
    found = (op, req.base_url)
    if len(query_string) <= _KEPT_CHARS:
        if len(_OPERATIONS) >= _KEPT:
            _OPERATIONS.clear()
        _OPERATIONS[key] = found
    return found


def _refusal(error: HttpError, req: Request, noted: dict[str, Any], start_response: Any,
             started: float) -> list[bytes]:
    """A refusal as the view answers it (:meth:`HttpError.response`, CORS, the security
    headers, the access log)."""
    answer = error.response()
    headers = [(n, v) for n, v in answer.headers.items() if n.lower() != "content-length"]
    return _send(error.status, headers, answer.get_data(), req, noted, start_response, started)


def _failure(exc: Exception, req: Request, start_response: Any, started: float
             ) -> list[bytes]:
    """An unexpected failure, as :func:`carekg.api.security.internal_error` answers it."""
    ref = uuid.uuid4().hex[:12]
    log.error("unhandled error (ref %s) on GET %s", ref, path_of(req.environ), exc_info=exc)
    return _send(500, [("Content-Type", _PLAIN)], internal_error_text(ref).encode(), req, {},
                 start_response, started)


def _send(status: int, headers: list[tuple[str, str]], body: bytes, req: Request,
          noted: dict[str, Any], start_response: Any, started: float) -> list[bytes]:
    headers = with_security_headers([*headers, ("Access-Control-Allow-Origin", "*")])
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    log_request(req.remote_addr, "GET", path_of(req.environ), status, noted, len(body),
                started)
    return [body]
