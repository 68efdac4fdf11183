"""The saved-query catalogue over HTTP: ``/queries`` and ``/queries/{name}``.

Query-string parameters other than ``format`` bind the query's declared parameters as
RDF terms (through :func:`carekg.graph.saved_queries.run_saved`, the same path the CLI
takes). Answers come in any SPARQL results format by Accept or ``format=``; a browser
gets a page with a form and the result table.
"""

from __future__ import annotations

import io
import time
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.errors import CarekgError, QueryError, UsageError
from carekg.graph.saved_queries import catalogue, run_saved, saved_query

bp = Blueprint("saved", __name__)

_RESERVED = {"format"}


def params_of(args: Any) -> dict[str, str]:
    return {k: v for k, v in args.items() if k not in _RESERVED}


def wants_html(kind: str) -> bool:
    return not request.args.get("format") and neg.prefers_html(request.headers.get("Accept"),
                                                               kind)


@bp.route("/queries")
@bp.route("/queries.json")
def index() -> Response:
    queries = sorted(catalogue().values(), key=lambda q: q.title)
    if request.path.endswith(".json") or not wants_html(neg.RESULTS):
        return jsonify([{**q.to_json(), "url": f"/queries/{q.name}"} for q in queries])
    return Response(render_template("queries.html", queries=queries))


@bp.route("/queries/<name>")
def run(name: str) -> Response:
    try:
        query = saved_query(name)
    except UsageError as exc:
        return Response(f"{exc}\n", status=404, content_type="text/plain; charset=utf-8")
    params = params_of(request.args)
    started = time.perf_counter()
    try:
        result = run_saved(snapshot(), name, params, base=settings().base)
    except (UsageError, QueryError) as exc:
        return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    kind = neg.RESULTS if isinstance(result, ox.QuerySolutions | ox.QueryBoolean) else neg.GRAPH
    if wants_html(kind) and kind == neg.RESULTS:
        return html_result(query, params, result, time.perf_counter() - started)
    try:
        fmt = neg.choose(kind, request.headers.get("Accept"), request.args.get("format"))
    except neg.NotAcceptableError as exc:
        return Response(f"{exc}\n", status=406, content_type="text/plain; charset=utf-8")
    out = io.BytesIO()
    if kind == neg.RESULTS:
        result.serialize(out, fmt.writer)
    else:
        out.write(ox.serialize(list(result), format=fmt.writer) or b"")
    response = Response(out.getvalue(), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def html_result(query: Any, params: dict[str, str], result: Any, seconds: float) -> Response:
    if isinstance(result, ox.QueryBoolean):
        names, rows = ["answer"], [{"answer": ox.Literal(str(bool(result)).lower())}]
    else:
        names = [v.value for v in result.variables]
        rows = [{n: s[n] for n in names if s[n] is not None} for s in result]
    values = {p.name: params.get(p.name, "") for p in query.parameters}
    return Response(render_template("query.html", query=query, names=names, rows=rows,
                                    values=values, seconds=seconds))


@bp.errorhandler(CarekgError)
def carekg_error(exc: CarekgError) -> Response:
    return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
