"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, open to every origin.

A request goes through small steps: :func:`parse_request` reads the protocol operation
from the HTTP request (refusing updates, wrong methods and media types with the status
the protocol asks for), :func:`check` refuses what the security policy refuses (updates
in disguise, SERVICE, over-long queries; docs/security.md), :func:`run` evaluates it in
a worker process of :mod:`carekg.api.limits` (killed at the timeout) and :func:`answer`
sends it, streamed when large. Errors carry their HTTP status in :class:`ProtocolError`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.limits import LimitError, QueryPool, QueryTimeBudget
from carekg.api.rdf_templates import render_triples
from carekg.api.security import QueryRefusedError, limited, query_hash, screen
from carekg.api.streaming import QueryJob
from carekg.graph.backend import Snapshot
from carekg.namespaces import SD

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
ALLOWED_METHODS = ("GET", "POST", "OPTIONS")
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update is not accepted "
    "(download the dumps from /dumps/ to change a copy of the data)"
)


class ProtocolError(Exception):
    """A request the protocol refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


@dataclass
class Operation:
    """A query operation as the protocol defines it (query plus RDF dataset)."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


# -- parse ---------------------------------------------------------------------------


def parse_request(req: Request) -> Operation:
    """The query operation of an HTTP request, or a :class:`ProtocolError`."""
    if req.method not in ("GET", "HEAD", "POST"):
        raise ProtocolError(405, f"{req.method} is not a SPARQL query method; use GET or POST",
                            {"Allow": ", ".join(ALLOWED_METHODS)})
    if "update" in req.args or req.mimetype == UPDATE:
        raise ProtocolError(403, READ_ONLY)
    if req.method in ("GET", "HEAD"):
        return _operation(req.args.getlist("query"), req.args, req.args)
    if req.mimetype == FORM:
        if "update" in req.form:
            raise ProtocolError(403, READ_ONLY)
        return _operation(req.form.getlist("query"), req.form, req.args)
    if req.mimetype == DIRECT:
        return _operation([_direct_body(req)], req.args, req.args)
    shown = req.mimetype or "no Content-Type"
    raise ProtocolError(415, f"a POSTed query needs Content-Type {FORM} or {DIRECT}, "
                             f"not {shown}")


def _direct_body(req: Request) -> str:
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"a POSTed query must be UTF-8 encoded, not {charset}")
    try:
        return req.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the query is not valid UTF-8: {exc}") from exc


def _operation(queries: list[str], params: Any, url_params: Any) -> Operation:
    if len(queries) > 1:
        raise ProtocolError(400, f"one query per request, got {len(queries)} query parameters")

    def values(name: str) -> list[str]:
        return params.getlist(name) + (url_params.getlist(name) if url_params is not params
                                       else [])

    return Operation(
        query=queries[0] if queries else None,
        default_graphs=values("default-graph-uri"),
        named_graphs=values("named-graph-uri"),
        format=params.get("format") or url_params.get("format"),
    )


# -- run -----------------------------------------------------------------------------


def query_kwargs(op: Operation, base_iri: str) -> dict[str, Any]:
    """Arguments for the worker's ``Store.query``, as plain data it can be sent.

    A protocol dataset replaces the union default graph; its IRIs are checked here so
    that a bad one is a 400 before any worker is involved."""
    kwargs: dict[str, Any] = {"base_iri": base_iri, "use_default_graph_as_union": True}
    if op.has_dataset:
        try:
            for iri in (*op.default_graphs, *op.named_graphs):
                ox.NamedNode(iri)
        except ValueError as exc:
            raise ProtocolError(400, f"invalid graph IRI in the dataset parameters: {exc}") \
                from exc
        kwargs["default_graph"] = list(op.default_graphs)
        kwargs["named_graphs"] = list(op.named_graphs)
        kwargs["use_default_graph_as_union"] = False
    return kwargs


def check(query: str) -> None:
    """Refuse, before any evaluation, what the endpoint's policy refuses (see
    docs/security.md): over-long queries, updates, SERVICE to targets not allow-listed."""
    limits = settings()
    if len(query) > limits.max_query_chars:
        raise ProtocolError(413, f"the query is {len(query)} characters long; the limit is "
                                 f"{limits.max_query_chars}")
    try:
        screen(query, limits.federation_allow)
    except QueryRefusedError as exc:
        raise ProtocolError(exc.status, exc.message) from exc


def pool() -> QueryPool:
    return current_app.extensions["carekg.pool"]


def start(snap: Snapshot, sparql: str, kwargs: dict[str, Any]) -> tuple[QueryJob, Any, str]:
    """Start ``sparql`` in the worker pool (under its timeout, queue wait and row cap):
    the job to take the answer from, the pool's query (rows, truncation) and the kind of
    answer. A limit that stops it is a :class:`ProtocolError` with the limit's status.
    The saved queries go through here too, so that no query runs in a request thread."""
    client = request.remote_addr or ""
    budget: QueryTimeBudget | None = current_app.extensions["carekg.budget"] \
        if limited(client) else None
    if budget is not None:
        try:
            budget.check(client)
        except LimitError as exc:
            raise ProtocolError(exc.status, exc.message, exc.headers) from exc
    remote = pool().submit(str(snap.path), sparql, kwargs)

    def close() -> None:  # in the query's thread, when it ends, however it ends
        remote.close()
        if budget is not None and remote.started is not None:
            budget.charge(client, time.monotonic() - remote.started)

    job = QueryJob(remote.run, remote.kind_of, remote.write, close)
    try:
        kind = job.start()
    except LimitError as exc:
        raise ProtocolError(exc.status, exc.message, exc.headers) from exc
    g.carekg_rows = remote.rows
    return job, remote, kind


def mark_truncated(response: Response, remote: Any) -> Response:
    """Say in a header that rows were cut off at ``max_result_rows``."""
    if remote.truncated:
        response.headers["X-Carekg-Truncated"] = (
            f"true; rows={remote.rows}; limit={pool().limits.max_rows}")
    return response


def run(snap: Snapshot, op: Operation, base_iri: str, accept: str | None) -> Response:
    """Run the query in a worker process, and answer (streamed when it is large)."""
    assert op.query is not None
    check(op.query)
    g.carekg_query_hash = query_hash(op.query)
    job, remote, kind = start(snap, op.query, query_kwargs(op, base_iri))
    return mark_truncated(answer(job, kind, op, accept), remote)


# -- negotiate and answer ------------------------------------------------------------


def negotiate(kind: str, op: Operation, accept: str | None) -> neg.Format:
    try:
        return neg.choose(kind, accept, op.format)
    except neg.NotAcceptableError as exc:
        raise ProtocolError(406, str(exc)) from exc


def formatted(body: Any, fmt: neg.Format) -> Response:
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def answer(job: QueryJob, kind: str, op: Operation, accept: str | None) -> Response:
    """The response in the negotiated format, streamed when it is large."""
    try:
        fmt = negotiate(kind, op, accept)
    except ProtocolError:
        job.cancel()
        raise
    try:
        body = job.body(fmt)
    except LimitError as exc:
        raise ProtocolError(exc.status, exc.message, exc.headers) from exc
    except Exception as exc:
        log.error("SPARQL query failed while being evaluated: %s", exc)
        raise ProtocolError(500, f"the query engine failed: {exc}") from exc
    return formatted(body, fmt)


def service_description(snap: Snapshot, endpoint: str) -> list[ox.Triple]:
    """SPARQL Service Description of this endpoint: languages, formats, dataset
    (``templates/service-description.ttl``)."""
    formats = [fmt.w3c for fmt in (*neg.RESULT_FORMATS, *neg.GRAPH_FORMATS)]
    return render_triples("service-description.ttl", endpoint=endpoint, formats=formats,
                          graphs=snap.graph_names())


def describe_service(req: Request, op: Operation) -> WerkzeugResponse:
    """GET /sparql without a query: a browser goes to the query UI, others get sd:."""
    accept = req.headers.get("Accept")
    if not op.format and neg.prefers_html(accept):
        return redirect("/", code=303)
    try:
        fmt = neg.choose(neg.GRAPH, accept, op.format)
    except neg.NotAcceptableError as exc:
        raise ProtocolError(406, str(exc)) from exc
    triples = service_description(snapshot(), req.base_url)
    body = ox.serialize(triples, format=fmt.rdf, prefixes={"sd": str(SD)})
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


# -- CORS and errors -----------------------------------------------------------------


def preflight() -> Response:
    """CORS preflight: any origin may query; the headers it wants to send are allowed."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Content-Type")
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


def error_response(error: ProtocolError) -> Response:
    response = Response(error.message + "\n", status=error.status,
                        content_type="text/plain; charset=utf-8")
    response.headers.update(error.headers)
    return response


def open_cors(response: Response) -> Response:
    """Open data: every origin may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


bp.after_request(open_cors)


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> WerkzeugResponse:
    if request.method == "OPTIONS":
        return preflight()
    try:
        op = parse_request(request)
        if op.query is None:
            if request.method in ("GET", "HEAD"):
                return describe_service(request, op)
            raise ProtocolError(400, "no query: send it as the 'query' parameter")
        return run(snapshot(), op, request.base_url, request.headers.get("Accept"))
    except ProtocolError as error:
        return error_response(error)
