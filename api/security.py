"""What keeps a public endpoint safe: query screening, headers, errors, access log, rate limits.

Screening reads the query's tokens (:mod:`carekg.graph.sparql_text`, after the ``\\u``
escapes SPARQL applies to the whole text) before the engine sees it, and looks for the
``SERVICE`` keyword conservatively: any word that *starts* with "service" outside a
string, IRI, comment or variable counts (so a prefix named ``service:`` is refused too:
a false refusal is cheap, a missed SERVICE is a server-side request forgery hole).
Writes are impossible anyway (worker processes open the snapshot read-only); an Update
is still recognised by its keywords so that the client gets 403 and a clear reason.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
import math
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from carekg.api.errors import PLAIN, HttpError
from carekg.api.execution import QueryTimeBudget
from carekg.config import Settings
from carekg.graph.sparql_text import Token, first_keyword

log = logging.getLogger(__name__)
access_log = logging.getLogger("carekg.access")

UPDATE_VERBS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD",
                          "MOVE", "COPY", "WITH"})

#: Update keywords no query may contain as bare words (WITH alone is not one).
_WRITES = UPDATE_VERBS - {"WITH"}
_SERVICE_START = re.compile(r"service", re.IGNORECASE)


def service_targets(toks: list[Token]) -> tuple[list[str], int]:
    """IRIs named by well-formed ``SERVICE [SILENT] <iri>`` clauses, and how many
    service-like words there are in all (more words than IRIs: something is hidden)."""
    targets: list[str] = []
    suspicious = 0
    for i, tok in enumerate(toks):
        if tok.kind != "name" or not _SERVICE_START.match(tok.text):
            continue
        suspicious += 1
        if tok.text.upper() != "SERVICE":
            continue
        j = i + 1
        if j < len(toks) and toks[j].text.upper() == "SILENT":
            j += 1
        if j < len(toks) and toks[j].kind == "iri":
            targets.append(toks[j].text[1:-1])
    return targets, suspicious


def screen(toks: list[Token], federation_allow: Iterable[str] = ()) -> None:
    """Raise a 403 :class:`HttpError` for an Update or a SERVICE call not allow-listed;
    ``toks`` are the query's tokens (``tokens(unescape(query))``)."""
    first = first_keyword(toks)
    if first in UPDATE_VERBS or any(t.kind == "name" and t.text.upper() in _WRITES
                                    for t in toks):
        raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted "
                             "(download the dumps from /dumps/ to change a copy)")
    targets, suspicious = service_targets(toks)
    if not suspicious:
        return
    allowed = set(federation_allow)
    if suspicious == len(targets) and all(t in allowed for t in targets):
        return
    shown = ", ".join(f"<{t}>" for t in targets if t not in allowed) or "a variable endpoint"
    raise HttpError(403, "federated queries (SERVICE) are not allowed on this endpoint: "
                         f"{shown} is not on the operator's allow-list")


def query_hash(query: str | None) -> str | None:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:16] if query else None


# -- headers -------------------------------------------------------------------------

#: Fitted to the UI: scripts and styles only from this origin (YASGUI and vega are
#: served from /static/vendor); vega compiles its expressions with Function, hence
#: 'unsafe-eval' for scripts; YASGUI and vega set inline styles.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def add_security_headers(response: Response) -> Response:
    """The security headers a view did not set itself. (Not ``Headers.setdefault``: it
    raises and catches a KeyError for each header missing, which is every one, on every
    answer.)"""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    return response


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """:func:`add_security_headers` for a header list (answers sent without Flask)."""
    present = {name.lower() for name, _ in headers}
    return headers + [(n, v) for n, v in SECURITY_HEADERS.items() if n.lower() not in present]


# -- errors --------------------------------------------------------------------------


def http_error(exc: HTTPException) -> Response:
    """Every HTTP error as one plain line: no HTML from Werkzeug, no internals."""
    return HttpError.of(exc).response()


def internal_error_text(ref: str) -> str:
    """What a client is told of an unexpected failure: only a reference to the log."""
    return f"500 Internal Server Error: something went wrong on our side (reference {ref})\n"


def internal_error(exc: Exception) -> Response:
    """An unexpected failure: logged with its traceback here, a reference to the client."""
    if isinstance(exc, HTTPException):
        return http_error(exc)
    ref = uuid.uuid4().hex[:12]
    log.error("unhandled error (ref %s) on %s %s", ref, request.method, request.path,
              exc_info=exc)
    return Response(internal_error_text(ref), status=500, content_type=PLAIN)


# -- access log ----------------------------------------------------------------------


class _Counting:
    """A streamed body that counts its bytes and logs the request when it closes."""

    def __init__(self, body: Iterable[bytes], record: dict[str, Any]) -> None:
        self._body = body
        self._record = record

        self._size = 0
        self._logged = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._size += len(chunk)
            yield chunk

    def close(self) -> None:
        """Called by the WSGI server when the response ends (sent, or client gone)."""
        if not self._logged:
            self._logged = True
            self._record["size"] = self._size
            _emit(self._record)
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def _emit(record: dict[str, Any]) -> None:
    record["duration_ms"] = round((time.perf_counter() - record.pop("_started")) * 1000, 2)
    access_log.info(json.dumps(record, sort_keys=True))


def _record(client: str | None, method: str, path: str, status: int,
            noted: dict[str, Any], started: float) -> dict[str, Any]:
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "client": client,
            "method": method, "path": path, "status": status,
            "query_hash": noted.get("carekg_query_hash"), "rows": noted.get("carekg_rows"),
            "_started": started}


def log_request(client: str | None, method: str, path: str, status: int,
                noted: dict[str, Any], size: int, started: float) -> None:
    """The access-log line of an answer sent without Flask (a cache hit); ``noted`` holds
    what the request noted for it (``carekg_query_hash``, ``carekg_rows``). Nothing is
    built when the log is off, as it is unless the operator turns it on."""
    if access_log.isEnabledFor(logging.INFO):
        _emit({**_record(client, method, path, status, noted, started), "size": size})


def logged_stream(body: Iterable[bytes], client: str | None, method: str, path: str,
                  status: int, noted: dict[str, Any], started: float) -> Iterable[bytes]:
    """A streamed answer sent without Flask, logged when it ends (as :func:`log_access`
    does for the app's); the body as it is when the access log is off."""
    if not access_log.isEnabledFor(logging.INFO):
        return body
    return _Counting(body, _record(client, method, path, status, noted, started))


def path_of(environ: dict[str, Any]) -> str:
    """The request's path as Flask's ``request.path`` reads it (for the access log)."""
    return environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")


def send(environ: dict[str, Any], start_response: Any, status: int,
         headers: list[tuple[str, str]], body: bytes, noted: dict[str, Any],
         started: float) -> list[bytes]:
    """Send an answer made without Flask as the app's hooks send theirs: with the
    security headers, its length and its access-log line (``noted``: what the request
    noted for it); a HEAD gets the headers only."""
    headers = with_security_headers(headers)
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    method = environ.get("REQUEST_METHOD", "GET")
    log_request(environ.get("REMOTE_ADDR"), method, path_of(environ), status, noted,
                len(body), started)
    return [] if method == "HEAD" else [body]


def start_timer() -> None:
    g.carekg_started = time.perf_counter()


def log_access(response: Response) -> Response:
    if not access_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("carekg_started", time.perf_counter())
    record = _record(request.remote_addr, request.method, request.path, response.status_code,
                     {"carekg_query_hash": g.get("carekg_query_hash"),
                      "carekg_rows": g.get("carekg_rows")}, started)
    if response.is_streamed and not response.direct_passthrough:
        response.response = _Counting(cast(Iterable[bytes], response.response), record)
    else:
        record["size"] = response.calculate_content_length()
        _emit(record)
    return response


# -- rate limits ---------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (a peer's IP address as text) is a loopback one. Remembered:
    every uncached query asks it of its client (the query-time budget's exemption), and
    parsing the address was 3 % of a server process's time on an uncached lookup; the
    addresses are peers' (not a header's), the memo bounded."""
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def exempt(exempt_loopback: bool, client: str | None) -> bool:
    """Whether ``client`` (the request's address) is free of the per-client limits:
    loopback is, when the app says so (``carekg.limits_exempt_loopback``)."""
    return exempt_loopback and is_loopback(client)


def limited(client: str | None) -> bool:
    """Whether the per-client limits apply to the Flask request's ``client``."""
    return not exempt(current_app.extensions["carekg.limits_exempt_loopback"], client)


class RequestLimits:
    """Per-client request-count limits (``--rate-limit``, e.g. "300 per minute") in front
    of the whole app, cache hits and ``/sparql`` included: each request is counted
    against the client's address in fixed windows, and one over a limit is refused with
    429 and ``Retry-After``; every answer says how much of the tightest window is left
    (``X-RateLimit-*``)."""

    def __init__(self, app: Any, spec: str, exempt_loopback: bool) -> None:
        from limits import parse_many, storage, strategies

        self._app = app
        self._items = parse_many(spec)
        self._windows = strategies.FixedWindowRateLimiter(storage.MemoryStorage())
        self._exempt = exempt_loopback

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        client = environ.get("REMOTE_ADDR") or ""
        if exempt(self._exempt, client):
            return self._app(environ, start_response)
        allowed = [self._windows.hit(item, client) for item in self._items]
        stats = [self._windows.get_window_stats(item, client) for item in self._items]
        tightest = min(range(len(stats)), key=lambda i: (allowed[i], stats[i].remaining))
        item, (reset, remaining) = self._items[tightest], stats[tightest]
        counts = [("X-RateLimit-Limit", str(item.amount)),
                  ("X-RateLimit-Remaining", str(remaining)),
                  ("X-RateLimit-Reset", str(int(reset)))]
        if not allowed[tightest]:
            wait = str(max(1, math.ceil(reset - time.time())))
            return send(environ, start_response, 429,
                        [("Content-Type", PLAIN), ("Retry-After", wait), *counts],
                        f"429 Too Many Requests: more than {item} from this client\n".encode(),
                        {}, time.perf_counter())

        def counted(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                    ) -> Any:
            return start_response(status, [*headers, *counts], exc_info)

        return self._app(environ, counted)


def finish_response(response: Response) -> Response:
    """This module's ``after_request`` steps in their order, as one hook (Flask checks
    each hook for a coroutine on every request): the access log, the security headers."""
    return add_security_headers(log_access(response))


def install(app: Flask, settings: Settings) -> None:
    """Wire headers, error handlers, the access log and the query-time budget into
    ``app`` (the request-count limits go in front of it: :class:`RequestLimits`)."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.before_request(start_timer)
    app.after_request(finish_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
    exempt = bool(settings.rate_limit_exempt_loopback) or bool(app.config.get("TESTING"))
    app.extensions["carekg.limits_exempt_loopback"] = exempt
    app.extensions["carekg.budget"] = (QueryTimeBudget(settings.query_seconds)
                                       if settings.query_seconds > 0 else None)
