"""Stage 6, map: candidates become RDF exactly as the shared model document says.

One graph per document (the builder puts it in the document's named graph): the
``cc:Document`` description, one fact per candidate per council (each copy marked
``cc:jointAttribution true`` when attribution found no one council for it), the Web Annotation
evidence of each fact and the PROV activity that produced them. Evidence nodes are not
blank nodes but IRIs derived from the fact IRI (``#evidence``, ``#quote``,
``#position``), so a rebuild gives byte-identical dumps and web pages can link a quote.
A fact that states again a claim the document already made (same council, kind,
service, value, unit, period, and the other stated properties) gets ``cc:restates`` the
first statement of it, so that sums and counts can take each claim once.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

import carekg
from carekg.iris import Iris, fact_key, slugify
from carekg.loaders.attribute import stated_councils
from carekg.loaders.model import FACT_KINDS, Candidate, DocumentRecord, DocumentText
from carekg.namespaces import OA, PREFIXES
from carekg.vocabularies import direction_names

#: PAV (Provenance, Authoring and Versioning), which specialises PROV-O: where a document
#: was retrieved from and when.
PAV = Namespace("http://purl.org/pav/")
LOADER_AGENT = "carekg-loaders"
#: Characters of context kept either side of a quote (oa:prefix / oa:suffix).
CONTEXT_CHARS = 30
#: The directions of an intention, by local name (the ontology's directions scheme).
DIRECTIONS = direction_names()
_URL = re.compile(r"^https?://\S+$")


def loader_version() -> str:
    return f"carekg-loaders {carekg.__version__}"


def issued_literal(issued: str) -> Literal:
    """YYYY-MM-DD as xsd:date, YYYY-MM as xsd:gYearMonth, YYYY as xsd:gYear."""
    if len(issued) == 10:
        return Literal(issued, datatype=XSD.date)
    if len(issued) == 7:
        return Literal(issued, datatype=XSD.gYearMonth)
    return Literal(issued, datatype=XSD.gYear)


def decimal_literal(value: Decimal) -> Literal:
    """A canonical xsd:decimal (no exponent, no trailing zeros after the point)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Literal(text or "0", datatype=XSD.decimal)


def to_graph(record: DocumentRecord, text: DocumentText, candidates: list[Candidate],
             iris: Iris) -> Graph:
    """The RDF of one document and its facts."""
    cc = _Terms(iris)
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace if prefix != "cc" else iris.term(""))
    document = iris.document(record.id)
    activity = iris.activity(record.id, loader_version())
    _describe_document(graph, record, text, document, iris, cc)
    _describe_activity(graph, activity, document, iris, cc)
    minted: set[URIRef] = set()
    #: claim -> the fact that states it first (in reading order)
    first: dict[tuple[str, ...], tuple[int, URIRef]] = {}
    restating: list[tuple[URIRef, tuple[str, ...], int]] = []
    for candidate in candidates:
        councils = stated_councils(candidate, record)
        # the group's figure, stated once per council: say so on each copy
        joint = candidate.joint_attribution and len(councils) > 1
        for council in councils:
            fact = iris.fact(record.id, fact_key(candidate.kind, candidate.start, candidate.end,
                                                 _discriminator(candidate, council)))
            if fact in minted:
                continue
            minted.add(fact)
            _describe_fact(graph, fact, candidate, council, text, document, activity, iris, cc)
            if joint:
                graph.add((fact, cc.jointAttribution, Literal(True)))
            claim = claim_key(candidate, council, joint)
            restating.append((fact, claim, candidate.start))
            if claim not in first or (candidate.start, str(fact)) < (
                    first[claim][0], str(first[claim][1])):
                first[claim] = (candidate.start, fact)
    for fact, claim, _start in restating:
        stated = first[claim][1]
        if stated != fact:
            graph.add((fact, cc.restates, stated))
    return graph


def claim_key(candidate: Candidate, council: str, joint: bool) -> tuple[str, ...]:
    """What a fact claims, without where or how it is worded: two facts of one document
    with the same key state the same claim (the £2m of the summary and of the table), so
    the later one ``cc:restates`` the first and aggregates count the claim once. Whether
    the figure is approximate is wording, not claim; whether it is the group's is claim."""
    value = None if candidate.value is None else str(decimal_literal(Decimal(candidate.value)))
    parts = (candidate.kind, council, candidate.service, value, candidate.unit,
             candidate.period_start, candidate.period_end, candidate.direction,
             candidate.population_group, candidate.is_projection, candidate.event_type,
             candidate.procurement_route, candidate.title, joint)
    return tuple("" if p is None else str(p) for p in parts)


class _Terms:
    """cc: terms at the configured base."""

    def __init__(self, iris: Iris) -> None:
        self._iris = iris

    def __getattr__(self, name: str) -> URIRef:
        return self._iris.term(name)


def _describe_document(graph: Graph, record: DocumentRecord, text: DocumentText,
                       document: URIRef, iris: Iris, cc: _Terms) -> None:
    graph.add((document, RDF.type, cc.Document))
    graph.add((document, DCTERMS.title, Literal(record.title)))
    for council in record.councils:
        graph.add((document, DCTERMS.publisher, iris.council(council)))
    graph.add((document, DCTERMS.issued, issued_literal(record.issued)))
    graph.add((document, cc.documentKind, iris.concept("document-kind", record.kind)))
    if record.period:
        graph.add((document, cc.periodLabel, Literal(record.period)))
    if record.source:
        graph.add((document, DCTERMS.source, _iri_or_literal(record.source)))
    if record.source and record.retrieved:  # fetched by carekg add URL (PAV, a PROV profile)
        graph.add((document, PAV.retrievedFrom, _iri_or_literal(record.source)))
        graph.add((document, PAV.retrievedOn, Literal(record.retrieved, datatype=XSD.dateTime)))
    if record.licence:
        graph.add((document, DCTERMS.license, _iri_or_literal(record.licence)))
    graph.add((document, cc.contentHash, Literal(content_hash(record))))
    graph.add((document, DCTERMS["format"], Literal(text.media_type)))


def content_hash(record: DocumentRecord) -> str:
    """sha256 hex of the document file's bytes: tells a rebuilt store the file changed."""
    return hashlib.sha256(record.path.read_bytes()).hexdigest()


def _iri_or_literal(value: str) -> URIRef | Literal:
    return URIRef(value) if _URL.match(value) else Literal(value)


def _describe_activity(graph: Graph, activity: URIRef, document: URIRef, iris: Iris,
                       cc: _Terms) -> None:
    agent = URIRef(f"{iris.base}id/agent/{LOADER_AGENT}")
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.used, document))
    graph.add((activity, PROV.wasAssociatedWith, agent))
    graph.add((activity, cc.loaderVersion, Literal(loader_version())))
    graph.add((agent, RDF.type, PROV.SoftwareAgent))


def _discriminator(candidate: Candidate, council: str) -> str:
    """What tells apart two facts of one kind found in one span."""
    parts = (council, candidate.value, candidate.unit, candidate.period_label,
             candidate.service, candidate.direction, candidate.population_group,
             candidate.event_type, candidate.title)
    return "|".join("" if p is None else str(p) for p in parts)


def _describe_fact(graph: Graph, fact: URIRef, candidate: Candidate, council: str,
                   text: DocumentText, document: URIRef, activity: URIRef, iris: Iris,
                   cc: _Terms) -> None:
    if candidate.kind not in FACT_KINDS:
        raise ValueError(f"candidate of unknown kind {candidate.kind!r}")
    start, end = candidate.start, candidate.end
    if not 0 <= start < end <= len(text.text):
        raise ValueError(f"evidence span [{start}, {end}) is outside the text")
    exact = text.text[start:end]
    sentence = candidate.sentence
    assert text.text[sentence.start:sentence.end] == sentence.text, "sentence offsets drifted"

    add = graph.add
    add((fact, RDF.type, iris.term(candidate.kind)))
    add((fact, cc.council, iris.council(council)))
    add((fact, PROV.wasDerivedFrom, document))
    add((fact, PROV.wasGeneratedBy, activity))
    if candidate.service:
        add((fact, cc.service, iris.service(candidate.service)))
    if candidate.value is not None:
        add((fact, cc.value, decimal_literal(Decimal(candidate.value))))
        add((fact, cc.approximate, Literal(bool(candidate.approximate))))
    elif candidate.approximate:
        add((fact, cc.approximate, Literal(True)))
    if candidate.unit:
        add((fact, cc.unit, iris.unit(candidate.unit)))
    if candidate.period_label:
        add((fact, cc.periodLabel, Literal(candidate.period_label)))
    if candidate.period_start:
        add((fact, cc.periodStart, Literal(candidate.period_start, datatype=XSD.date)))
    if candidate.period_end:
        add((fact, cc.periodEnd, Literal(candidate.period_end, datatype=XSD.date)))
    if candidate.direction:
        add((fact, cc.direction, iris.term(_direction(candidate.direction))))
    if candidate.population_group:
        add((fact, cc.populationGroup, iris.population_group(candidate.population_group)))
    if candidate.is_projection is not None:
        add((fact, cc.isProjection, Literal(bool(candidate.is_projection))))
    if candidate.event_type:
        add((fact, cc.eventType, iris.concept("contract-event-type",
                                              slugify(candidate.event_type))))
    if candidate.procurement_route:
        add((fact, cc.procurementRoute, iris.concept("procurement-route",
                                                     slugify(candidate.procurement_route))))
    if candidate.title:
        add((fact, cc.strategyName, Literal(candidate.title)))
    if candidate.data_source:
        add((fact, cc.dataSource, Literal(candidate.data_source)))
    if sentence.section is not None and sentence.section.title:
        add((fact, cc.sectionTitle, Literal(sentence.section.title)))
    _describe_evidence(graph, fact, exact, start, end, text, document, cc)


def _direction(value: str) -> str:
    name = value.strip()[:1].upper() + value.strip()[1:].lower()
    if name not in DIRECTIONS:
        raise ValueError(f"unknown direction {value!r}; expected one of {DIRECTIONS}")
    return name


def _describe_evidence(graph: Graph, fact: URIRef, exact: str, start: int, end: int,
                       text: DocumentText, document: URIRef, cc: _Terms) -> None:
    evidence = URIRef(f"{fact}#evidence")
    quote = URIRef(f"{fact}#quote")
    position = URIRef(f"{fact}#position")
    add = graph.add
    add((fact, cc.evidence, evidence))
    add((evidence, RDF.type, OA.SpecificResource))
    add((evidence, OA.hasSource, document))
    add((evidence, OA.hasSelector, quote))
    add((evidence, OA.hasSelector, position))
    add((quote, RDF.type, OA.TextQuoteSelector))
    add((quote, OA.exact, Literal(exact)))
    prefix = text.text[max(0, start - CONTEXT_CHARS):start]
    suffix = text.text[end:end + CONTEXT_CHARS]
    if prefix:
        add((quote, OA.prefix, Literal(prefix)))
    if suffix:
        add((quote, OA.suffix, Literal(suffix)))
    add((position, RDF.type, OA.TextPositionSelector))
    add((position, OA.start, Literal(start, datatype=XSD.integer)))
    add((position, OA.end, Literal(end, datatype=XSD.integer)))
    page = text.page_at(start)
    if page is not None:
        add((evidence, cc.page, Literal(page, datatype=XSD.integer)))


__all__ = ["claim_key", "content_hash", "decimal_literal", "issued_literal", "loader_version",
           "to_graph"]
