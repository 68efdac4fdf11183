"""The steps of a SPARQL protocol request, free of Flask's app: one set for the endpoint
(:mod:`carekg.api.sparql`) and the saved queries (:mod:`carekg.api.saved`).

:func:`parse_request` reads the protocol operation from the HTTP request (refusing
updates, wrong methods and media types with the status the protocol asks for),
:func:`check` refuses what the security policy refuses (updates in disguise, SERVICE,
over-long queries; docs/security.md) and tells the kind of answer, :func:`negotiate`
picks its format, and :func:`evaluate` runs it in a worker process of
:mod:`carekg.api.execution` (killed at the timeout) under the client's query-time
budget. Every refusal is a :class:`carekg.api.errors.HttpError`. The screening of a
short query and the negotiation of a short Accept header are remembered: clients repeat
both, and they cost more than the rest of a cheap query's steps in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from werkzeug.wrappers import Request

from carekg.api import negotiation as neg
from carekg.api.errors import HttpError
from carekg.api.execution import Answer, QueryTimeBudget, WorkerPool, evaluate_here
from carekg.api.security import query_hash, screen
from carekg.config import Settings
from carekg.graph.backend import Snapshot
from carekg.graph.sparql_text import form_of, is_lookup, tokens, unescape
from carekg.graph.store import Snapshot as LocalSnapshot

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


def check(query: str, limits: Settings) -> tuple[str | None, str | None, bool]:
    """Refuse, before any evaluation, what the endpoint's policy refuses (see
    docs/security.md): over-long queries, updates, SERVICE to targets not allow-listed.
    Returns the kind of answer the query gives (None: it is not a query the engine will
    parse, and the engine says why), the query's hash for the access log, and whether it
    is a lookup that cannot run away (:func:`carekg.graph.sparql_text.is_lookup`)."""
    if len(query) > limits.max_query_chars:
        raise HttpError(413, f"the query is {len(query)} characters long; the limit is "
                             f"{limits.max_query_chars}")
    if len(query) <= REMEMBERED_QUERY_CHARS:
        return _screened(query, tuple(limits.federation_allow))
    return _screen(query, limits.federation_allow)


def _screen(query: str, federation_allow: tuple[str, ...]
            ) -> tuple[str | None, str | None, bool]:
    """:func:`check` past the length limit: the tokens screened, the form, the hash and
    whether it is a lookup."""
    with_strings = tokens(unescape(query), strings=True)
    toks = [t for t in with_strings if t.kind != "string"]
    screen(toks, federation_allow)
    return (neg.KIND_OF_FORM.get(form_of(toks) or ""), query_hash(query),
            is_lookup(with_strings))


#: A refusal raises, and is not remembered: only what the policy lets through is.
_screened = lru_cache(maxsize=1024)(_screen)


def evaluate(workers: WorkerPool, budget: QueryTimeBudget | None, client: str,
             snap: Snapshot, sparql: str, kwargs: dict[str, Any], fmt: neg.Format,
             lookup: bool = False, here_only: bool = False) -> Answer | None:
    """Evaluate ``sparql`` in the worker pool, under its timeout, queue wait and row cap,
    and ``client``'s query-time budget (None: exempt); a limit that stops it is an
    :class:`HttpError`. A ``lookup`` (:func:`check` says which queries are) of a local
    store is answered in this process when it has few rows (:func:`evaluate_here`);
    ``here_only``, it is answered nowhere else (None when it would need a worker)."""
    charge = (lambda seconds: None) if budget is None else (
        lambda seconds: budget.charge(client, seconds))
    if budget is not None:
        budget.check(client)
    if lookup and isinstance(snap, LocalSnapshot) and isinstance(workers, WorkerPool):
        began = time.monotonic()
        answer = evaluate_here(snap.store, sparql, kwargs, fmt.media_type,
                               workers.limits.max_rows)
        charge(time.monotonic() - began)
        if answer is not None:
            return answer
    if here_only:
        return None
    return workers.run(str(snap.path), sparql, kwargs, fmt.media_type, charge)


def truncation(answer: Answer, max_rows: int) -> list[tuple[str, str]]:
    """The header saying an answer was cut at ``max_rows`` (none if it was not)."""
    if not answer.truncated:
        return []
    return [("X-Carekg-Truncated", f"true; rows={answer.rows}; limit={max_rows}")]


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
