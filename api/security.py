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

import hashlib
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from carekg.api.errors import HttpError
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
    message = f"{exc.code} {exc.name}: {exc.description}\n"
    response = Response(message, status=exc.code, content_type="text/plain; charset=utf-8")
    for name, value in exc.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


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
    return Response(internal_error_text(ref), status=500,
                    content_type="text/plain; charset=utf-8")


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


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def limited(client: str | None) -> bool:
    """Whether the per-client limits apply to ``client`` (the request's address):
    loopback is exempt when the app says so (``carekg.limits_exempt_loopback``)."""
    return not (current_app.extensions["carekg.limits_exempt_loopback"] and is_loopback(client))


def install_rate_limits(app: Flask, limit: str | None, exempt_loopback: bool) -> Any:
    """Per-client limits (by remote address); None when there is no limit."""
    if not limit:
        return None
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, default_limits=[limit],
                      storage_uri="memory://", headers_enabled=True)

    if exempt_loopback:
        @limiter.request_filter
        def _loopback() -> bool:
            return is_loopback(request.remote_addr)

    return limiter


def retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter puts ``Retry-After`` on every answer it counts; it means "come back
    later", so only a 429 (rate limited) or 503 (busy) keeps it."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def finish_response(response: Response) -> Response:
    """This module's ``after_request`` steps in their order, as one hook (Flask checks
    each hook for a coroutine on every request): a stray ``Retry-After`` dropped, the
    access log, the security headers."""
    return add_security_headers(log_access(retry_after_only_when_refused(response)))


def install(app: Flask, settings: Settings) -> None:
    """Wire headers, error handlers, the access log and rate limits into ``app``."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.before_request(start_timer)
    # registered before the limiter's own after_request, so it runs after it
    app.after_request(finish_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
    exempt = bool(settings.rate_limit_exempt_loopback) or bool(app.config.get("TESTING"))
    app.extensions["carekg.limits_exempt_loopback"] = exempt
    app.extensions["carekg.limiter"] = install_rate_limits(app, settings.rate_limit, exempt)
    app.extensions["carekg.budget"] = (QueryTimeBudget(settings.query_seconds)
                                       if settings.query_seconds > 0 else None)
