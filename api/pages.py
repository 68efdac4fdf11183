"""Linked data: every IRI under ``/id/``, ``/def`` and ``/graph/`` dereferences.

The base IRI (``https://w3id.org/carekg/`` by default) maps to the server root, so the
request path names the resource. Browsers (Accept: text/html) get a page; everyone else
gets the resource's concise bounded description in the negotiated RDF format, or the
format its extension names (``.ttl``, ``.jsonld``, ``.nt``). Every query behind a page
is a file in ``queries/pages/``, run with the resource bound as an RDF term.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup, escape

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.claims import together
from carekg.api.readable import amount, fact_title, plain
from carekg.errors import CarekgError
from carekg.graph.backend import Snapshot
from carekg.graph.store import local
from carekg.namespaces import PREFIXES, prefixed
from carekg.resources import queries_dir
from carekg.vocabularies import fact_kinds

bp = Blueprint("pages", __name__)

#: Extensions that name an RDF format, as names known to :mod:`carekg.api.negotiation`.
EXTENSIONS = {".ttl": "ttl", ".jsonld": "jsonld", ".nt": "nt"}
#: Characters of context shown around a quote when its paragraph is longer than this.
PARAGRAPH_LIMIT = 1600

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@cache
def page_query(name: str) -> str:
    """The text of ``queries/pages/{name}.rq`` (read once per process)."""
    return (queries_dir() / "pages" / f"{name}.rq").read_text(encoding="utf-8")


def run(snap: Snapshot, name: str, **bound: ox.NamedNode | ox.Literal) -> Any:
    """Run a page query with variables bound as RDF terms."""
    subs = {ox.Variable(k): v for k, v in bound.items()}
    return snap.query(page_query(name), substitutions=subs)


def rows(snap: Snapshot, name: str, **bound: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
    """A SELECT page query's solutions as dicts of terms (unbound variables absent)."""
    result = run(snap, name, **bound)
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]


# -- terms as a person reads them --------------------------------------------------------


def local_path(iri: str) -> str | None:
    """The server path that dereferences an IRI under the base, else None."""
    base = settings().base
    return "/" + iri[len(base):] if iri.startswith(base) else None


def curie(iri: str) -> str:
    return prefixed(iri) or iri


def link(term: Any, labels: dict[str, str] | None = None) -> Markup:
    """An IRI as a link (to this server when under the base), a literal as its value."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        text = (labels or {}).get(iri) or curie(iri)
        href = local_path(iri) or iri
        return Markup('<a href="{}" title="{}">{}</a>').format(href, iri, text)
    if isinstance(term, ox.Literal):
        return literal(term)
    return Markup("<span class=blank>[ ]</span>")


#: Datatypes whose values read as they are: shown without their datatype.
PLAIN_DATATYPES = {f"http://www.w3.org/2001/XMLSchema#{name}" for name in (
    "string", "decimal", "integer", "boolean", "date", "dateTime")}


def literal(term: ox.Literal) -> Markup:
    """A literal's value; its language only when not English and its datatype only
    when the value does not read as itself (xsd:gYear, ...)."""
    extra = ""
    if term.language:
        extra = "" if term.language == "en" else f"@{term.language}"
    elif term.datatype.value not in PLAIN_DATATYPES:
        extra = curie(term.datatype.value)
    if extra:
        return Markup('{} <small class=dt>{}</small>').format(term.value, extra)
    return Markup("{}").format(term.value)


def path_of(iri: str) -> str:
    return local_path(iri) or iri


def link_iri(iri: str, labels: dict[str, str] | None = None) -> Markup:
    return link(ox.NamedNode(iri), labels)


@bp.app_context_processor
def term_helpers() -> dict[str, Any]:
    """Every template renders terms the same way."""
    return {"link": link, "link_iri": link_iri, "curie": curie, "path_of": path_of}


def value_text(term: Any) -> str:
    return term.value if term is not None else ""


# -- descriptions --------------------------------------------------------------------


@dataclass
class Node:
    """A subject's properties for display, blank-node objects nested."""

    properties: OrderedDict[str, list[Any]] = field(default_factory=OrderedDict)


def nest(triples: list[ox.Triple], subject: Any, depth: int = 0, owner: str = "") -> Node:
    """Properties of ``subject``; objects it owns (blank nodes, ``owner#...`` IRIs) nested."""
    owner = owner or (subject.value + "#" if isinstance(subject, ox.NamedNode) else "")
    node = Node()
    for t in sorted((t for t in triples if t.subject == subject),
                    key=lambda t: (t.predicate.value != RDF_TYPE, t.predicate.value,
                                   str(t.object))):
        obj: Any = t.object
        owned = isinstance(obj, ox.BlankNode) or (
            isinstance(obj, ox.NamedNode) and owner and obj.value.startswith(owner))
        if owned and depth < 4:
            obj = nest(triples, obj, depth + 1, owner)
        node.properties.setdefault(t.predicate.value, []).append(obj)
    return node


def describe(snap: Snapshot, iri: str) -> list[ox.Triple]:
    """The CBD, each triple once (CONSTRUCT repeats them per solution), grouped by
    subject so that Turtle writes one block per subject, the resource first."""
    triples = dict.fromkeys(run(snap, "cbd", resource=ox.NamedNode(iri)))
    return sorted(triples, key=lambda t: (t.subject != ox.NamedNode(iri),
                                          isinstance(t.subject, ox.BlankNode), str(t.subject),
                                          t.predicate.value != RDF_TYPE, str(t.predicate),
                                          str(t.object)))


def label_map(snap: Snapshot, iri: str) -> dict[str, str]:
    """One label per IRI; English first when there are several."""
    found: dict[str, str] = {}
    for row in rows(snap, "labels", resource=ox.NamedNode(iri)):
        term, label = row["term"].value, row["label"]
        if term not in found or getattr(label, "language", None) == "en":
            found[term] = label.value
    return found


def serialize(triples: list[ox.Triple], fmt: neg.Format) -> bytes:
    kwargs: dict[str, Any] = {}
    if fmt.writer in (ox.RdfFormat.TURTLE, ox.RdfFormat.N3):
        kwargs["prefixes"] = PREFIXES
    return ox.serialize(triples, format=fmt.rdf, **kwargs) or b""


def rdf_response(triples: list[ox.Triple], fmt: neg.Format) -> Response:
    response = Response(serialize(triples, fmt), content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def choose_format(ext: str | None) -> neg.Format | None:
    """The RDF format asked for, or None when a web page is wanted."""
    if ext:
        return neg.choose(neg.GRAPH, None, EXTENSIONS[ext])
    accept = request.headers.get("Accept")
    fmt_param = request.args.get("format")
    if not fmt_param and neg.prefers_html(accept):
        return None
    return neg.choose(neg.GRAPH, accept, fmt_param)


def split_extension(path: str) -> tuple[str, str | None]:
    for ext in EXTENSIONS:
        if path.endswith(ext):
            return path[: -len(ext)], ext
    return path, None


@bp.errorhandler(neg.NotAcceptableError)
def not_acceptable(exc: neg.NotAcceptableError) -> Response:
    return Response(str(exc) + "\n", status=406, content_type="text/plain; charset=utf-8")


def not_found(iri: str, fmt: neg.Format | None) -> Response:
    if fmt is not None:
        return Response(f"nothing is known about <{iri}>\n", status=404,
                        content_type="text/plain; charset=utf-8")
    return Response(render_template("not_found.html", iri=iri), status=404)


# -- routes --------------------------------------------------------------------------


def valid_iri(iri: str) -> bool:
    """Whether ``iri`` is an IRI at all: a path with control characters or spaces names
    nothing, and is a 404 rather than an engine error."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


@bp.route("/id/<path:rest>")
def thing(rest: str) -> Response:
    path, ext = split_extension(rest)
    fmt = choose_format(ext)
    iri = settings().base + "id/" + path
    if not valid_iri(iri):
        return not_found(iri, fmt)
    snap = snapshot()
    triples = describe(snap, iri)
    if not triples and not rows(snap, "incoming", resource=ox.NamedNode(iri)):
        return not_found(iri, fmt)
    if fmt is not None:
        return rdf_response(triples, fmt)
    return html_page(snap, iri, triples)


def html_page(snap: Snapshot, iri: str, triples: list[ox.Triple]) -> Response:
    subject = ox.NamedNode(iri)
    labels = label_map(snap, iri)
    node = nest(triples, subject)
    types = [t.object.value for t in triples if t.subject == subject
             and t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)]
    cc = PREFIXES["cc"]
    context: dict[str, Any] = {
        "iri": iri, "label": labels.get(iri) or curie(iri), "types": types, "node": node,
        "labels": labels, "incoming": rows(snap, "incoming", resource=subject),
        "graphs": [r["g"] for r in rows(snap, "graphs-of", resource=subject)],
        "formats": EXTENSIONS, "path": local_path(iri),
    }
    if any(t in types for t in (cc + kind for kind in fact_kinds())):
        fact = context["fact"] = fact_view(snap, iri)
        if fact is not None:
            context["label"] = fact["title"]
    if cc + "Council" in types:
        context["council_facts"] = group_by_kind(
            [readable_row(r) for r in rows(snap, "council-facts", council=subject)])
    if cc + "Document" in types:
        context["document_facts"] = [readable_row(r)
                                     for r in rows(snap, "document-facts", document=subject)]
    if "/id/service/" in iri:
        context["service_facts"] = [readable_row(r)
                                    for r in rows(snap, "service-facts", service=subject)]
    if any(t.predicate.value == "http://www.w3.org/2004/02/skos/core#broader"
           for t in triples) or "/id/service/" in iri:
        context["narrower"] = rows(snap, "narrower", concept=subject)
    return Response(render_template("resource.html", **context))


def readable_row(row: dict[str, Any]) -> dict[str, Any]:
    """A table row with its value as an amount ('£1.42m a year') and its quote as plain
    text (the source's Markdown and HTML markup dropped: display only)."""
    row["amount"] = amount(value_text(row.get("value")), value_text(row.get("unitNotation"))
                           or None)
    row["quote"] = plain(value_text(row.get("exact")))
    return row


def group_by_kind(facts: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Facts by kind (its label), then by service name ("no service" last)."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in facts:
        kind = value_text(row.get("kindName")) or curie(row["kind"].value).removeprefix("cc:")
        service = value_text(row.get("serviceName")) or "(no service)"
        grouped.setdefault(kind, {}).setdefault(service, []).append(row)
    return grouped


def fact_view(snap: Snapshot, iri: str) -> dict[str, Any] | None:
    found = rows(snap, "fact", fact=ox.NamedNode(iri))
    if not found:
        return None
    fact = found[0]
    kind = value_text(fact.get("kindName")) or curie(fact["kind"].value).removeprefix("cc:")
    fact["title"] = fact_title(fact, kind)
    fact["amount"] = amount(value_text(fact.get("value")),
                            value_text(fact.get("unitNotation")) or None)
    fact["quote"] = plain(value_text(fact.get("exact")))
    if value_text(fact.get("joint")) == "true":
        names = [value_text(r.get("councilName"))
                 for r in rows(snap, "joint-group", fact=ox.NamedNode(iri))]
        # its own key: "group" is the fact query's population group
        fact["joint_group"] = together(sorted(set(names))) if len(set(names)) > 1 else ""
    document = fact.get("document")
    if document is not None and "start" in fact and "end" in fact:
        text = document_text(snap, document.value)
        if text is not None:
            fact["context"] = highlight(text, int(fact["start"].value), int(fact["end"].value))
    return fact


def document_text(snap: Snapshot, document_iri: str) -> str | None:
    """The text evidence offsets index, as the snapshot keeps it for every document."""
    return snap.text_of(document_iri.rsplit("/", 1)[-1])


def highlight(text: str, start: int, end: int) -> Markup:
    """The paragraph around ``text[start:end]`` with that span marked.

    A paragraph runs between blank lines; a very long one (a PDF page without blank
    lines) is cut to ``PARAGRAPH_LIMIT`` characters around the quote."""
    if not 0 <= start < end <= len(text):
        return Markup("")
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    if para_end - para_start > PARAGRAPH_LIMIT:
        room = max((PARAGRAPH_LIMIT - (end - start)) // 2, 80)
        para_start = max(para_start, start - room)
        para_end = min(para_end, end + room)
    # Offsets index the text as stored; the markup is dropped from each part only when
    # shown, so the mark still covers exactly text[start:end].
    before, quote, after = (plain(part) for part in (text[para_start:start], text[start:end],
                                                     text[end:para_end]))
    return Markup("{}<mark>{}</mark>{}").format(escape(before), escape(quote), escape(after))


@bp.route("/graph/<path:rest>")
def named_graph(rest: str) -> Response:
    path, ext = split_extension(rest)
    fmt = choose_format(ext)
    iri = settings().base + "graph/" + path
    if not valid_iri(iri):
        return not_found(iri, fmt)
    snap = snapshot()
    name = ox.NamedNode(iri)
    if not local(snap).store.contains_named_graph(name):
        return not_found(iri, fmt)
    if fmt is not None:
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in local(snap).store.quads_for_pattern(None, None, None, name)]
        return rdf_response(triples, fmt)
    size = rows(snap, "graph-size", graph=name)
    members = rows(snap, "graph-summary", graph=name)
    return Response(render_template(
        "graph.html", iri=iri, triples=size[0]["triples"].value if size else 0,
        members=members, formats=EXTENSIONS, path="/graph/" + path))


_docs_lock = threading.Lock()


@bp.route("/def")
@bp.route("/def.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: pyLODE documentation for browsers, the ontology graph otherwise."""
    if ext is not None and f".{ext}" not in EXTENSIONS:
        abort(404)
    fmt = choose_format(f".{ext}" if ext else None)
    if fmt is not None:
        return named_graph("ontology" + (f".{ext}" if ext else ""))
    try:
        docs = ontology_docs()
    except (ImportError, CarekgError) as exc:
        message = f"The ontology documentation cannot be generated here ({exc}); " \
                  "the ontology itself is at /def.ttl."
        return Response(render_template("message.html", title="Ontology", message=message),
                        status=503)
    return Response(docs.read_bytes(), content_type="text/html; charset=utf-8")


def ontology_docs() -> Path:
    """docs/ontology.html, generated once per carekg version into the store's cache."""
    from carekg import __version__
    from carekg.graph.ontology_docs import write_ontology_docs

    out = Path(settings().store) / "cache" / f"ontology-docs-{__version__}"
    target = out / "ontology.html"
    with _docs_lock:
        if not target.is_file():
            target = write_ontology_docs(out)
    return target
