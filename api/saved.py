"""The saved-query catalogue over HTTP: ``/queries`` and ``/queries/{name}``.

Query-string parameters other than ``format`` bind the query's declared parameters as
RDF terms (through :func:`carekg.graph.saved_queries.bind`, as the CLI's ``run_saved``
does), and the query runs in the worker pool of :mod:`carekg.api.execution` as ``/sparql``
queries do. Answers come in any SPARQL results format by Accept or ``format=``; a browser
gets a page with a form and the result table.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from carekg.api import negotiation as neg
from carekg.api import precompute, protocol
from carekg.api.app import settings, snapshot
from carekg.api.errors import HttpError
from carekg.api.execution import Answer
from carekg.api.security import limited
from carekg.errors import CarekgError, QueryError, UsageError
from carekg.graph.saved_queries import bind, bound_text, catalogue, saved_query
from carekg.graph.sparql_text import query_form

bp = Blueprint("saved", __name__)
#: The default answers precomputed per snapshot, found by this view's negotiation.
bp.record_once(lambda state: precompute.install(
    state.app, state.app.config["CAREKG_SETTINGS"], negotiated_type))

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
    """Run a saved query in the worker pool, like any query of ``/sparql``: under the
    same timeout (504), queue wait (503) and row cap, never in this request's thread.
    (A cached answer is sent by :mod:`carekg.api.caching` before this view is called.)"""
    try:
        query = saved_query(name)
    except UsageError as exc:
        return Response(f"{exc}\n", status=404, content_type="text/plain; charset=utf-8")
    params = params_of(request.args)
    try:
        bound = bind(query, params, base=settings().base)
    except (UsageError, QueryError) as exc:
        return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    started = time.perf_counter()
    # The query and arguments run_saved gives Snapshot.query.
    text, kwargs = bound_text(query, bound), {"use_default_graph_as_union": True}
    kind = _kind_of(query.text)  # a VALUES block inside WHERE leaves the form as it is
    try:
        fmt = answer_format(kind, request.headers.get("Accept"), request.args.get("format"))
        if fmt is None:
            answer = evaluate(text, kwargs, neg.RESULT_FORMATS[0])
            data = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body)
            result = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
            page = html_result(query, params, result, time.perf_counter() - started)
            return mark_truncated(page, answer)
        answer = evaluate(text, kwargs, fmt)
        response = Response(answer.body, content_type=fmt.content_type,
                            headers={"Vary": "Accept"})
    except HttpError as error:
        return error.response()
    response.headers["Access-Control-Allow-Origin"] = "*"
    return mark_truncated(response, answer)


#: The Content-Type of a saved query's web page (Flask's default for a rendered template).
HTML_TYPE = "text/html; charset=utf-8"


def answer_format(kind: str, accept: str | None, format_param: str | None) -> neg.Format | None:
    """The format a saved query answers in: None for the web page (a browser asking a
    SELECT or ASK without ``format=``), else the negotiated SPARQL format (HttpError 406
    when none fits). One function for the view and for :mod:`carekg.api.precompute`,
    which must know the answer's type before anything runs, to find it precomputed."""
    if not format_param and kind == neg.RESULTS and neg.prefers_html(accept, kind):
        return None
    return protocol.negotiate(kind, protocol.Operation(query=None, format=format_param), accept)


def negotiated_type(name: str, accept: str | None, format_param: str | None) -> str | None:
    """The Content-Type the saved query ``name`` would answer this Accept and ``format=``
    with, without running it (None: no such query, or nothing acceptable: the view says
    which)."""
    try:
        fmt = answer_format(kind_of(name), accept, format_param)
    except (UsageError, HttpError):
        return None
    return HTML_TYPE if fmt is None else fmt.content_type


def kind_of(name: str) -> str:
    """The kind of answer (:data:`neg.RESULTS` or :data:`neg.GRAPH`) of a saved query."""
    return _kind_of(saved_query(name).text)


@functools.lru_cache(maxsize=256)
def _kind_of(text: str) -> str:
    """The kind of answer a saved query's text gives (from its form). Remembered by the
    text, a saved query's own (a few dozen of them): tokenizing it on every request was a
    tenth of a server process's time on a short saved query (py-spy)."""
    return neg.KIND_OF_FORM.get(query_form(text) or "", neg.RESULTS)


def evaluate(text: str, kwargs: dict[str, Any], fmt: neg.Format) -> Answer:
    """Evaluate a bound query as ``/sparql`` evaluates one (:func:`protocol.evaluate`):
    in the worker pool, under its timeout, queue wait and row cap, and the client's
    query-time budget, so that no query runs in a request thread."""
    client = request.remote_addr or ""
    budget = current_app.extensions["carekg.budget"] if limited(client) else None
    answer = protocol.evaluate(current_app.extensions["carekg.pool"], budget, client,
                               snapshot(), text, kwargs, fmt)
    assert answer is not None  # only an evaluation asked to stay in this process is None
    g.carekg_rows = answer.rows
    return answer


def mark_truncated(response: Response, answer: Answer) -> Response:
    """Say in a header that rows were cut off at ``max_result_rows``."""
    response.headers.extend(protocol.truncation(answer, settings().max_result_rows))
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
