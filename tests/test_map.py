"""Mapping candidates to RDF as the shared model document says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from carekg.iris import Iris
from carekg.loaders.map import to_graph
from carekg.loaders.model import Candidate, DocumentRecord, DocumentText, PageSpan, Sentence
from carekg.namespaces import OA

IRIS = Iris()
CC = IRIS.term
TEXT = "Intro line.\n\nWe spend about £1.5m a year on home care in both boroughs.\n"


def _setup(tmp_path: Path, pages: tuple[PageSpan, ...] = ()) -> tuple[
        DocumentRecord, DocumentText, Candidate]:
    path = tmp_path / "d.txt"
    path.write_text(TEXT, encoding="utf-8")
    record = DocumentRecord("demo-doc", path, "Demo", ("E09000013", "E09000020"),
                            "market-position-statement", "2021-08", period="2021-2024",
                            source="https://example.org/d.pdf", licence="OGL v3")
    start = TEXT.index("We spend")
    end = TEXT.index("boroughs.") + len("boroughs.")
    sentence = Sentence(TEXT[start:end], start, end, councils=record.councils)
    candidate = Candidate("Spend", sentence, start, end, service="home-care",
                          value=Decimal("1.5E+6"), unit="gbp-per-year", approximate=True,
                          period_label="2021/22", period_start=date(2021, 4, 1),
                          period_end=date(2022, 3, 31))
    return record, DocumentText(TEXT, "text/plain", pages), candidate


def test_one_fact_per_council_with_evidence(tmp_path: Path) -> None:
    record, text, candidate = _setup(tmp_path)
    graph = to_graph(record, text, [candidate], IRIS)
    facts = sorted(graph.subjects(RDF.type, CC("Spend")))
    assert len(facts) == 2
    assert {graph.value(f, CC("council")) for f in facts} == {
        IRIS.council("E09000013"), IRIS.council("E09000020")}
    fact = facts[0]
    assert graph.value(fact, CC("value")) == Literal("1500000", datatype=XSD.decimal)
    assert graph.value(fact, CC("approximate")) == Literal(True)
    assert graph.value(fact, CC("service")) == IRIS.service("home-care")
    assert graph.value(fact, CC("periodStart")) == Literal("2021-04-01", datatype=XSD.date)
    assert graph.value(fact, PROV.wasDerivedFrom) == IRIS.document("demo-doc")
    evidence = graph.value(fact, CC("evidence"))
    assert evidence == URIRef(f"{fact}#evidence")
    assert graph.value(evidence, OA.hasSource) == IRIS.document("demo-doc")
    selectors = set(graph.objects(evidence, OA.hasSelector))
    quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph)
    position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph)
    start = int(graph.value(position, OA.start))
    end = int(graph.value(position, OA.end))
    assert TEXT[start:end] == str(graph.value(quote, OA.exact))
    assert str(graph.value(quote, OA.prefix)) == TEXT[max(0, start - 30):start]
    assert graph.value(position, OA.start).datatype == XSD.integer
    assert graph.value(evidence, CC("page")) is None
    activity = graph.value(fact, PROV.wasGeneratedBy)
    assert (activity, RDF.type, PROV.Activity) in graph
    assert graph.value(activity, CC("loaderVersion")) is not None


def test_document_description(tmp_path: Path) -> None:
    record, text, _ = _setup(tmp_path)
    graph = to_graph(record, text, [], IRIS)
    document = IRIS.document("demo-doc")
    assert (document, RDF.type, CC("Document")) in graph
    assert graph.value(document, DCTERMS.issued) == Literal("2021-08",
                                                             datatype=XSD.gYearMonth)
    assert len(set(graph.objects(document, DCTERMS.publisher))) == 2
    assert graph.value(document, CC("documentKind")) == IRIS.concept(
        "document-kind", "market-position-statement")
    assert graph.value(document, DCTERMS.source) == URIRef("https://example.org/d.pdf")
    assert len(str(graph.value(document, CC("contentHash")))) == 64
    assert str(graph.value(document, DCTERMS["format"])) == "text/plain"


def test_iris_are_stable_and_pages_are_named(tmp_path: Path) -> None:
    record, text, candidate = _setup(tmp_path, pages=(PageSpan(1, 0, 12),
                                                      PageSpan(2, 12, len(TEXT))))
    first = to_graph(record, text, [candidate], IRIS)
    second = to_graph(record, text, [candidate], IRIS)
    assert set(first) == set(second)
    fact = next(first.subjects(RDF.type, CC("Spend")))
    evidence = first.value(fact, CC("evidence"))
    assert first.value(evidence, CC("page")) == Literal(2, datatype=XSD.integer)


def test_candidate_council_overrides_sentence(tmp_path: Path) -> None:
    record, text, candidate = _setup(tmp_path)
    candidate.council = "E09000020"
    graph = to_graph(record, text, [candidate], IRIS)
    assert len(set(graph.subjects(RDF.type, CC("Spend")))) == 1


def test_bad_span_is_refused(tmp_path: Path) -> None:
    record, text, candidate = _setup(tmp_path)
    candidate.end = len(TEXT) + 5
    with pytest.raises(ValueError, match="outside the text"):
        to_graph(record, text, [candidate], IRIS)


def test_a_joint_fact_is_marked_on_each_council_copy(tmp_path: Path) -> None:
    record, text, candidate = _setup(tmp_path)
    plain = to_graph(record, text, [candidate], IRIS)
    assert not list(plain.subject_objects(CC("jointAttribution")))
    candidate.joint_attribution = True
    graph = to_graph(record, text, [candidate], IRIS)
    facts = set(graph.subjects(RDF.type, CC("Spend")))
    assert len(facts) == 2
    assert {graph.value(f, CC("jointAttribution")) for f in facts} == {Literal(True)}
    assert facts == set(plain.subjects(RDF.type, CC("Spend")))  # the IRIs do not change


def test_the_joint_marker_needs_more_than_one_stated_council(tmp_path: Path) -> None:
    """A flag left on a candidate that ends up stated for one council (its own, or the
    only council of its document) says nothing false: the marker is absent."""
    record, text, candidate = _setup(tmp_path)
    candidate.joint_attribution = True
    candidate.council = "E09000020"
    assert not list(to_graph(record, text, [candidate], IRIS)
                    .subject_objects(CC("jointAttribution")))
    single = DocumentRecord("solo", record.path, "Solo", ("E09000013",),
                            "market-position-statement", "2021")
    candidate.council = None
    candidate.sentence = Sentence(candidate.sentence.text, candidate.sentence.start,
                                  candidate.sentence.end, councils=single.councils)
    assert not list(to_graph(single, text, [candidate], IRIS)
                    .subject_objects(CC("jointAttribution")))
