"""OWL RL inference on a small invented sample shaped as the model says."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from carekg.graph.infer import ENGINES, Inference, check_consistency, infer, infer_and_check
from carekg.namespaces import CC
from carekg.vocabularies import load_all, load_graph

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
@pytest.mark.parametrize("engine", ENGINES)
def test_contradictions_are_detected(
    ontology: Graph, sample_file: str, expected: str, engine: str
) -> None:
    data = Graph().parse(DATA / sample_file)
    problems = check_consistency(ontology, data, engine=engine)
    assert any(expected in p.message for p in problems), problems


def test_engines_entail_the_same(ontology: Graph, sample: Graph, sample_result) -> None:
    """The fast Rust engine is held to owlrl, the reference implementation."""
    fast, fast_problems = sample_result
    reference, reference_problems = infer_and_check(ontology, sample, engine="owlrl")
    assert set(fast) == set(reference)
    assert fast_problems == reference_problems == []


def _moved(graph: Graph, old: str, new: str) -> Graph:
    """A second document: the sample with its document id changed."""
    def move(term):
        return URIRef(str(term).replace(old, new)) if isinstance(term, URIRef) else term
    moved = Graph()
    for s, p, o in graph:
        moved.add((move(s), p, move(o)))
    return moved


def test_documents_closed_one_by_one_entail_what_all_at_once_do(
    ontology: Graph, sample: Graph
) -> None:
    """Per-document inference (what builds and additions use) loses nothing against one
    closure of everything, and adds nothing."""
    second = _moved(sample, "example-mps-2030", "example-mps-2031")
    inference = Inference(load_graph("carekg.ttl"), _static_data())
    union = set(inference.static_graph())
    for document in (sample, second):
        inferred, problems = inference.documents([document])
        assert problems == []
        union |= set(inferred)
    together = Graph()
    for graph in (_static_data(), sample, second):
        together += graph
    whole = infer(load_graph("carekg.ttl"), together)
    assert union == set(whole)
    second_facts = FACT.replace("example-mps-2030", "example-mps-2031")
    assert any(str(s).startswith(second_facts) for s, _, _ in union)


def test_a_document_contradiction_is_reported_once(ontology: Graph) -> None:
    inference = Inference(load_graph("carekg.ttl"), _static_data())
    _, problems = inference.documents([Graph().parse(DATA / "contradictory.ttl")])
    assert len(problems) == 1 and "Disjoint classes" in problems[0].message


def _static_data() -> Graph:
    static = load_all()
    static -= load_graph("carekg.ttl")
    return static
