"""Checking a graph against the carekg SHACL shapes (``shapes/carekg-shapes.ttl``).

The shapes are read from the package data at run time; this module only runs pySHACL and
turns its report into Python values. Choices made here, and why:

- A :class:`rdflib.Dataset` is validated as the union of its graphs, because the rules cross
  graphs (a fact in a document graph names a council of ``graph/councils`` and a concept of
  ``graph/services``); pySHACL on its own would validate each named graph separately.
- The ontology, when given, is added to the data before validation (what pySHACL's
  ``ont_graph`` does): the directions (``cc:Increase`` ...) live in the ontology graph, and
  its ``rdfs:subClassOf`` axioms let ``sh:targetClass cc:Fact`` reach the six kinds. The
  shapes also name the six kinds as targets, so they work without the ontology too.
- ``advanced`` stays off: the shapes use SHACL Core and SPARQL-based constraints only, and
  advanced mode makes pySHACL copy the whole data graph.
- Only violations make a graph non-conforming; warnings are reported but do not fail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from carekg.namespaces import PREFIXES, SH
from carekg.resources import shapes_dir

SHAPES_FILE = "carekg-shapes.ttl"
INFERENCE_MODES = ("none", "rdfs", "owlrl")
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_PREFIXED = Graph(bind_namespaces="none")  # only for writing IRIs with the project's prefixes
for _prefix, _namespace in PREFIXES.items():
    _PREFIXED.bind(_prefix, _namespace)


@dataclass(frozen=True)
class ShapeResult:
    """One line of a SHACL report: which rule failed, where, and what the reader should know."""

    severity: str  # "Violation", "Warning" or "Info"
    shape: str  # the shape's IRI, e.g. https://w3id.org/carekg/def/shapes#S21-FactCouncil
    shape_id: str  # the part after '#', e.g. "S21-FactCouncil"
    focus_node: str
    path: str | None
    value: str | None
    message: str


@dataclass
class ValidationResult:
    results: list[ShapeResult] = field(default_factory=list)

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity != "Violation"]

    @property
    def violation_count(self) -> int:
        return len(self.violations)

    @property
    def warning_count(self) -> int:
        return len(self.warnings)

    @property
    def conforms(self) -> bool:
        """True when nothing breaks the contract; warnings do not count."""
        return not self.violations

    def format_report(self) -> str:
        """A report for people: one block per shape, then one line per focus node."""
        lines = [
            f"SHACL validation: {'conforms' if self.conforms else 'does not conform'} "
            f"({self.violation_count} violations, {self.warning_count} warnings)"
        ]
        by_shape: dict[str, list[ShapeResult]] = defaultdict(list)
        for result in self.results:
            by_shape[result.shape_id].append(result)
        for shape_id in sorted(
            by_shape, key=lambda s: (_SEVERITY_ORDER.get(by_shape[s][0].severity, 3), s)
        ):
            group = by_shape[shape_id]
            lines += ["", f"{shape_id} [{group[0].severity}] {len(group)}x: {group[0].message}"]
            for result in sorted(group, key=lambda r: (r.focus_node, r.path or "", r.value or "")):
                detail = f"  - {result.focus_node}"
                if result.path:
                    detail += f"  path {result.path}"
                if result.value is not None and result.value != result.focus_node:
                    detail += f"  value {result.value}"
                if result.message != group[0].message:
                    detail += f"  ({result.message})"
                lines.append(detail)
        return "\n".join(lines)


class _PreparedQueryGraph(Graph):
    """A graph that parses each SPARQL text once.

    pySHACL sends a SPARQL-based constraint's query as text once per focus node; rdflib
    would parse and translate it every time (about 20 ms), which for thousands of facts
    costs far more than evaluating it. The text is the same for every focus node ($this is
    bound separately), so the parsed query is reused.
    """

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=64)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


@cache
def _shapes_text() -> str:
    return (shapes_dir() / SHAPES_FILE).read_text(encoding="utf-8")


def shapes_graph() -> Graph:
    """A fresh copy of the shapes graph (pySHACL may annotate the graph it is given)."""
    return Graph().parse(data=_shapes_text(), format="turtle")


def validate(
    data: Graph | Dataset,
    *,
    inference: str = "none",
    ontology: Graph | None = None,
) -> ValidationResult:
    """Validate ``data`` (a graph, or every graph of a dataset together) against the shapes.

    ``inference`` is pySHACL's: "none" (the default and what the build uses: the shapes do
    not rely on entailment), "rdfs" or "owlrl" (slower; applied to a copy, never to ``data``).
    """
    if inference not in INFERENCE_MODES:
        raise ValueError(f"inference must be one of {INFERENCE_MODES}, not {inference!r}")
    work = _data_graph(data, ontology, inference)
    _conforms, report, text = pyshacl.validate(
        work,
        shacl_graph=shapes_graph(),
        inference=inference,
        # Nothing changes a view of the caller's graph (no inference, no ontology); a copy
        # made here may be changed, and pySHACL's own copy would lose the query cache.
        inplace=True,
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, Graph):
        # pySHACL could not run the shapes at all: a fault in the shapes file, not the data.
        raise RuntimeError(f"the shapes in {SHAPES_FILE} cannot be run: {text}")
    return ValidationResult(_results(report, work))


def _data_graph(data: Graph | Dataset, ontology: Graph | None, inference: str) -> Graph:
    """The graph pySHACL will see: a copy when anything is to be added to the data (the
    union of a dataset, the ontology, inferred triples), else a view of the caller's store."""
    if ontology is None and inference == "none" and not isinstance(data, Dataset):
        return _PreparedQueryGraph(store=data.store, identifier=data.identifier)
    work = _PreparedQueryGraph()
    if isinstance(data, Dataset):
        for s, p, o, _g in data.quads((None, None, None, None)):
            work.add((s, p, o))
    else:
        work += data
    if ontology is not None:
        work += ontology
    return work


def _results(report: Graph, data: Graph) -> list[ShapeResult]:
    """Top-level results only: pySHACL also reports why a nested sh:node shape failed, as
    sh:detail of the result of the shape that used it, which is the one that names the rule."""
    results = []
    top_level = {
        node
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for node in report.objects(report_node, SH.result)
    }
    for node in top_level:
        shape = report.value(node, SH.sourceShape)
        severity = report.value(node, SH.resultSeverity)
        message = report.value(node, SH.resultMessage)
        shape_iri = str(shape) if isinstance(shape, URIRef) else "(anonymous shape)"
        results.append(
            ShapeResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=shape_iri,
                shape_id=shape_iri.rsplit("#", 1)[-1],
                focus_node=_show(report.value(node, SH.focusNode), data) or "",
                path=_path(report.value(node, SH.resultPath)),
                value=_show(report.value(node, SH.value), data),
                message=str(message) if message is not None else "",
            )
        )
    return sorted(results, key=lambda r: (r.shape_id, r.focus_node, r.path or "", r.value or ""))


def _path(term: Node | None) -> str | None:
    """A result path; the shapes use only single properties, anything else is marked."""
    if term is None:
        return None
    return str(term) if isinstance(term, URIRef) else "(a property path)"


def _show(term: Node | None, graph: Graph) -> str | None:
    """A term as a reader sees it. A blank node's id means nothing to a reader, so it is
    shown by how it is reached from a named node: ``<fact> cc:evidence [] oa:hasSelector []``."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.n3(_PREFIXED.namespace_manager)
    if not isinstance(term, BNode):
        return str(term)
    steps: list[str] = []
    node: Node = term
    for _ in range(4):
        referrer = next(iter(graph.subject_predicates(node)), None)
        if referrer is None:
            break
        subject, predicate = referrer
        steps.insert(0, f"{_PREFIXED.namespace_manager.normalizeUri(str(predicate))} []")
        if not isinstance(subject, BNode):
            return f"<{subject}> " + " ".join(steps)
        node = subject
    return "[]" + (" reached by " + " ".join(steps) if steps else "")
