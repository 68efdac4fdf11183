"""OWL RL inference on a small invented sample shaped as the model says."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from carekg.graph.infer import check_consistency, infer, infer_and_check
from carekg.namespaces import CC
from carekg.vocabularies import load_all

DATA = Path(__file__).parent / "data" / "infer"
FACT = "https://w3id.org/carekg/id/fact/example-mps-2030/"
SERVICE = "https://w3id.org/carekg/id/service/"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_all()


@pytest.fixture(scope="module")
def sample() -> Graph:
    return Graph().parse(DATA / "sample.ttl")


@pytest.fixture(scope="module")
def sample_result(ontology: Graph, sample: Graph) -> tuple[Graph, list]:
    return infer_and_check(ontology, sample)


def test_sample_has_one_fact_of_each_kind(sample: Graph) -> None:
    kinds = {o for s, o in sample.subject_objects(RDF.type) if str(s).startswith(FACT)}
    assert kinds == {CC.Spend, CC.Capacity, CC.ContractEvent, CC.NeedEstimate,
                     CC.CommissioningIntention, CC.StrategyReference}


def test_every_fact_kind_is_inferred_a_fact(sample: Graph, sample_result) -> None:
    inferred, _ = sample_result
    facts = {s for s in sample.subjects(RDF.type, None) if str(s).startswith(FACT)}
    assert len(facts) == 6
    for fact in facts:
        assert (fact, RDF.type, CC.Fact) in inferred


def test_superclasses_of_reused_vocabularies_are_inferred(sample_result) -> None:
    inferred, _ = sample_result
    council = URIRef("https://w3id.org/carekg/id/council/E99999999")
    document = URIRef("https://w3id.org/carekg/id/document/example-mps-2030")
    assert (council, RDF.type, URIRef("http://www.w3.org/ns/org#FormalOrganization")) in inferred
    assert (document, RDF.type, URIRef("http://www.w3.org/ns/prov#Entity")) in inferred


def test_broader_is_made_transitive(sample_result) -> None:
    inferred, _ = sample_result
    leaf = URIRef(SERVICE + "dementia-nursing-care")
    assert (leaf, SKOS.broaderTransitive, URIRef(SERVICE + "care-homes")) in inferred
    assert (leaf, SKOS.broaderTransitive, URIRef(SERVICE + "accommodation-based-care")) in inferred


def test_inferred_graph_holds_only_new_useful_triples(
    ontology: Graph, sample: Graph, sample_result
) -> None:
    inferred, _ = sample_result
    for triple in inferred:
        assert triple not in sample and triple not in ontology
        s, p, o = triple
        assert isinstance(s, URIRef)
        assert o not in (OWL.Thing, OWL.Class, OWL.Nothing)
        assert not (p == OWL.sameAs and s == o)
    # the ONS sameAs must not copy the council's facts onto the ONS IRI
    ons = "http://statistics.data.gov.uk/id/statistical-geography/"
    assert not any(str(s).startswith(ons) or str(o).startswith(ons) for s, _, o in inferred)


def test_sample_is_consistent(sample_result) -> None:
    inferred, problems = sample_result
    assert problems == []
    assert not list(inferred.subjects(RDF.type, OWL.Nothing))


def test_infer_alone_matches_combined(ontology: Graph, sample: Graph, sample_result) -> None:
    alone = infer(ontology, sample)
    assert set(alone) == set(sample_result[0])


@pytest.mark.parametrize(
    ("sample_file", "expected"),
    [
        ("contradictory.ttl", "Disjoint classes"),
        ("two-councils.ttl", "inferred to be the same"),
        ("two-directions.ttl", "AllDifferent"),
    ],
)
def test_contradictions_are_detected(ontology: Graph, sample_file: str, expected: str) -> None:
    data = Graph().parse(DATA / sample_file)
    problems = check_consistency(ontology, data)
    assert any(expected in p.message for p in problems), problems
