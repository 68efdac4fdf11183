"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, open to every origin.

A request goes through small steps: :func:`parse_request` reads the protocol operation
from the HTTP request (refusing updates, wrong methods and media types with the status
the protocol asks for), :func:`check` refuses what the security policy refuses (updates
in disguise, SERVICE, over-long queries; docs/security.md) and tells the kind of answer,
:func:`negotiate` picks its format, and :func:`start` evaluates it in a worker process of
:mod:`carekg.api.execution` (killed at the timeout), whose answer :func:`respond` sends,
streamed when large. Every refusal is a :class:`carekg.api.errors.HttpError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.errors import HttpError
from carekg.api.execution import Answer, QueryTimeBudget, WorkerPool
from carekg.api.rdf_templates import render_triples
from carekg.api.security import limited, query_hash, screen
from carekg.graph.backend import Snapshot
from carekg.graph.sparql_text import form_of, tokens, unescape
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
    """The query operation of an HTTP request, or a :class:`HttpError`."""
    if req.method not in ("GET", "HEAD", "POST"):
        raise HttpError(405, f"{req.method} is not a SPARQL query method; use GET or POST",
                            {"Allow": ", ".join(ALLOWED_METHODS)})
    if "update" in req.args or req.mimetype == UPDATE:
        raise HttpError(403, READ_ONLY)
    if req.method in ("GET", "HEAD"):
        return _operation(req.args.getlist("query"), req.args, req.args)
    if req.mimetype == FORM:
        if "update" in req.form:
            raise HttpError(403, READ_ONLY)
        return _operation(req.form.getlist("query"), req.form, req.args)
    if req.mimetype == DIRECT:
        return _operation([_direct_body(req)], req.args, req.args)
    shown = req.mimetype or "no Content-Type"
    raise HttpError(415, f"a POSTed query needs Content-Type {FORM} or {DIRECT}, "
                             f"not {shown}")


def _direct_body(req: Request) -> str:
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"a POSTed query must be UTF-8 encoded, not {charset}")
    try:
        return req.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"the query is not valid UTF-8: {exc}") from exc


def _operation(queries: list[str], params: Any, url_params: Any) -> Operation:
    if len(queries) > 1:
        raise HttpError(400, f"one query per request, got {len(queries)} query parameters")

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
            raise HttpError(400, f"invalid graph IRI in the dataset parameters: {exc}") \
                from exc
        kwargs["default_graph"] = list(op.default_graphs)
        kwargs["named_graphs"] = list(op.named_graphs)
        kwargs["use_default_graph_as_union"] = False
    return kwargs


#: Queries up to this long have their screening remembered (:func:`_screened`), so a
#: client repeating a lookup is tokenized once; longer ones, rarely repeated, are screened
#: every time, which bounds what the memory holds (1,024 entries of at most this size).
REMEMBERED_QUERY_CHARS = 4096


def check(query: str) -> tuple[str | None, str | None]:
    """Refuse, before any evaluation, what the endpoint's policy refuses (see
    docs/security.md): over-long queries, updates, SERVICE to targets not allow-listed.
    Returns the kind of answer the query gives (None: it is not a query the engine will
    parse, and the engine says why) and the query's hash for the access log."""
    limits = settings()
    if len(query) > limits.max_query_chars:
        raise HttpError(413, f"the query is {len(query)} characters long; the limit is "
                             f"{limits.max_query_chars}")
    if len(query) <= REMEMBERED_QUERY_CHARS:
        return _screened(query, tuple(limits.federation_allow))
    return _screen(query, limits.federation_allow)


def _screen(query: str, federation_allow: tuple[str, ...]) -> tuple[str | None, str | None]:
    """:func:`check` past the length limit: the tokens screened, the form and the hash."""
    toks = tokens(unescape(query))
    screen(toks, federation_allow)
    return neg.KIND_OF_FORM.get(form_of(toks) or ""), query_hash(query)


#: A refusal raises, and is not remembered: only what the policy lets through is.
_screened = lru_cache(maxsize=1024)(_screen)


def pool() -> WorkerPool:
    return current_app.extensions["carekg.pool"]


def start(snap: Snapshot, sparql: str, kwargs: dict[str, Any], fmt: neg.Format) -> Answer:
    """Evaluate ``sparql`` in the worker pool, under its timeout, queue wait and row cap,
    and the client's query-time budget; a limit that stops it is an :class:`HttpError`.
    The saved queries go through here too, so that no query runs in a request thread."""
    client = request.remote_addr or ""
    budget: QueryTimeBudget | None = current_app.extensions["carekg.budget"] \
        if limited(client) else None
    if budget is None:
        answer = pool().run(str(snap.path), sparql, kwargs, fmt.media_type)
    else:
        budget.check(client)
        answer = pool().run(str(snap.path), sparql, kwargs, fmt.media_type,
                            lambda seconds: budget.charge(client, seconds))
    g.carekg_rows = answer.rows
    return answer


def mark_truncated(response: Response, answer: Answer) -> Response:
    """Say in a header that rows were cut off at ``max_result_rows``."""
    if answer.truncated:
        response.headers["X-Carekg-Truncated"] = (
            f"true; rows={answer.rows}; limit={pool().limits.max_rows}")
    return response


def run(snap: Snapshot, op: Operation, base_iri: str, accept: str | None) -> Response:
    """Run the query in a worker process, and answer (streamed when it is large)."""
    assert op.query is not None
    kind, g.carekg_query_hash = check(op.query)
    fmt = negotiate(kind, op, accept)
    return respond(start(snap, op.query, query_kwargs(op, base_iri), fmt), fmt)


# -- negotiate and answer ------------------------------------------------------------


#: Accept headers up to this long have their negotiation remembered (:data:`_choose`):
#: clients send the same few, and parsing one costs more than the rest of the choice.
REMEMBERED_ACCEPT_CHARS = 512
#: A refusal (406) raises, and is not remembered.
_choose = lru_cache(maxsize=256)(neg.choose)


def negotiate(kind: str | None, op: Operation, accept: str | None) -> neg.Format:
    """The format of the answer; for text that is no query (``kind`` None) any format
    will do, since the engine refuses it with 400 and says why."""
    short = (accept is None or len(accept) <= REMEMBERED_ACCEPT_CHARS) and (
        op.format is None or len(op.format) <= REMEMBERED_ACCEPT_CHARS)
    try:
        return (_choose if short else neg.choose)(kind or neg.RESULTS, accept, op.format)
    except neg.NotAcceptableError as exc:
        if kind is None:
            return neg.RESULT_FORMATS[0]
        raise HttpError(406, str(exc)) from exc


def respond(answer: Answer, fmt: neg.Format) -> Response:
    """The response of an answer: its bytes, or its stream from the worker."""
    response = Response(answer.body, content_type=fmt.content_type, headers={"Vary": "Accept"})
    return mark_truncated(response, answer)


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
        raise HttpError(406, str(exc)) from exc
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


def open_cors(response: Response) -> Response:
    """Open data: every origin may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


bp.after_request(open_cors)


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> WerkzeugResponse:
    if request.method == "OPTIONS":
        return preflight()
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    try:
        op = parse_request(req)
        if op.query is None:
            if req.method in ("GET", "HEAD"):
                return describe_service(req, op)
            raise HttpError(400, "no query: send it as the 'query' parameter")
        return run(snapshot(), op, req.base_url, req.headers.get("Accept"))
    except HttpError as error:
        return error.response()
