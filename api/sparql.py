"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, open to every origin.

A request goes through the steps of :mod:`carekg.api.protocol` (parse the operation,
check it against the policy, negotiate the format, evaluate it in a worker process
under the limits); :func:`start` runs them for this request and :func:`respond` sends
the answer, streamed when large. Every refusal is a :class:`carekg.api.errors.HttpError`.
A GET with a query is answered by the same steps in front of Flask
(:mod:`carekg.api.direct`) unless the request-count limiter is on; POST, HEAD and the
service description come here.
"""

from __future__ import annotations

import logging
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.errors import HttpError
from carekg.api.execution import Answer, WorkerPool
from carekg.api.protocol import (
    ALLOWED_METHODS,
    Operation,
    check,
    evaluate,
    negotiate,
    parse_request,
    query_kwargs,
    truncation,
)
from carekg.api.rdf_templates import render_triples
from carekg.api.security import limited
from carekg.graph.backend import Snapshot
from carekg.namespaces import SD

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

# -- run -----------------------------------------------------------------------------


def pool() -> WorkerPool:
    return current_app.extensions["carekg.pool"]


def start(snap: Snapshot, sparql: str, kwargs: dict[str, Any], fmt: neg.Format) -> Answer:
    """Evaluate ``sparql`` in the worker pool, under its timeout, queue wait and row cap,
    and the client's query-time budget; a limit that stops it is an :class:`HttpError`.
    The saved queries go through here too, so that no query runs in a request thread."""
    client = request.remote_addr or ""
    budget = current_app.extensions["carekg.budget"] if limited(client) else None
    answer = evaluate(pool(), budget, client, snap, sparql, kwargs, fmt)
    g.carekg_rows = answer.rows
    return answer


def mark_truncated(response: Response, answer: Answer) -> Response:
    """Say in a header that rows were cut off at ``max_result_rows``."""
    if answer.truncated:
        response.headers["X-Carekg-Truncated"] = truncation(answer, pool().limits.max_rows)
    return response


def run(snap: Snapshot, op: Operation, base_iri: str, accept: str | None) -> Response:
    """Run the query in a worker process, and answer (streamed when it is large)."""
    assert op.query is not None
    kind, g.carekg_query_hash = check(op.query, settings())
    fmt = negotiate(kind, op, accept)
    return respond(start(snap, op.query, query_kwargs(op, base_iri), fmt), fmt)


# -- negotiate and answer ------------------------------------------------------------


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
