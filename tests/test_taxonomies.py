"""Structural checks of every SKOS concept scheme, read from the Turtle files."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from carekg.iris import Iris, slugify
from carekg.vocabularies import SCHEME_FILES, concepts, label_index, load_all, load_graph

SCHEMES = sorted(SCHEME_FILES)
TAXONOMY_FILES = sorted({f for f in SCHEME_FILES.values() if f != "carekg.ttl"})
IRIS = Iris()


@pytest.fixture(scope="module")
def everything() -> Graph:
    return load_all()


def _members(graph: Graph, scheme: str) -> set[URIRef]:
    return set(graph.subjects(SKOS.inScheme, IRIS.scheme(scheme)))  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_scheme_is_declared_and_not_empty(everything: Graph, scheme: str) -> None:
    iri = IRIS.scheme(scheme)
    assert (iri, RDF.type, SKOS.ConceptScheme) in everything
    assert len(_members(everything, scheme)) >= 2
    assert (iri, SKOS.hasTopConcept, None) in everything


@pytest.mark.parametrize("scheme", SCHEMES)
def test_broader_is_a_dag_reaching_top_concepts(everything: Graph, scheme: str) -> None:
    members = _members(everything, scheme)
    dag = nx.DiGraph()
    dag.add_nodes_from(members)
    for c in members:
        for parent in everything.objects(c, SKOS.broader):
            assert parent in members, f"{c} has broader {parent} outside its scheme"
            dag.add_edge(c, parent)
    assert nx.is_directed_acyclic_graph(dag)
    tops = set(everything.subjects(SKOS.topConceptOf, IRIS.scheme(scheme)))
    assert tops == set(everything.objects(IRIS.scheme(scheme), SKOS.hasTopConcept))
    for c in members:
        roots = {n for n in nx.descendants(dag, c) | {c} if dag.out_degree(n) == 0}
        assert roots and roots <= tops, f"{c} does not reach a top concept"
        if c in tops:
            assert dag.out_degree(c) == 0, f"top concept {c} has a broader concept"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_broader_and_narrower_are_symmetric(everything: Graph, scheme: str) -> None:
    for c in _members(everything, scheme):
        for parent in everything.objects(c, SKOS.broader):
            assert (parent, SKOS.narrower, c) in everything, (c, parent)
        for child in everything.objects(c, SKOS.narrower):
            assert (child, SKOS.broader, c) in everything, (c, child)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_label_shared_by_two_concepts(scheme: str) -> None:
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for concept in concepts(scheme):
        for label in concept.labels:
            owners[label.lower()].add(concept.iri)
    shared = {label: iris for label, iris in owners.items() if len(iris) > 1}
    assert not shared
    assert len(label_index(scheme)) == len(owners)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_concept_has_english_label_and_definition(everything: Graph, scheme: str) -> None:
    for c in _members(everything, scheme):
        assert (c, RDF.type, SKOS.Concept) in everything
        prefs = list(everything.objects(c, SKOS.prefLabel))
        assert [p.language for p in prefs] == ["en"], c  # type: ignore[union-attr]
        assert (c, SKOS.definition, None) in everything, c


@pytest.mark.parametrize("file_name", TAXONOMY_FILES)
def test_every_concept_of_a_file_is_in_a_scheme(file_name: str) -> None:
    graph = load_graph(file_name)
    for c in graph.subjects(RDF.type, SKOS.Concept):
        assert (c, SKOS.inScheme, None) in graph, c


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "directions"])
def test_slugs_are_slugified_pref_labels(scheme: str) -> None:
    path = str(IRIS.scheme(scheme)).rsplit("/", 1)[1]
    for concept in concepts(scheme):
        assert concept.slug == slugify(concept.pref_label), concept.iri
        assert str(concept.iri).endswith(f"/{concept.slug}")
        assert path  # every scheme has a name


def test_services_has_at_least_forty_concepts() -> None:
    assert len(concepts("services")) >= 40


def test_every_unit_has_a_notation_and_notations_are_unique() -> None:
    notations = [c.notation for c in concepts("units")]
    assert None not in notations
    assert len(set(notations)) == len(notations)
    assert {"GBP", "GBP/year", "beds", "hours/week"} <= set(notations)


def test_design_slugs_exist() -> None:
    """Slugs named in docs/design.md, which loaders use directly."""
    expected = {
        "document-kinds": {"market-position-statement", "commissioning-strategy",
                           "cabinet-report", "other"},
        "contract-event-types": {"expiry", "tender", "re-procurement", "award", "start",
                                 "extension", "framework-period"},
        "procurement-routes": {"framework", "dynamic-purchasing-system", "block-contract",
                               "spot-purchase", "e-tendering-portal"},
        "services": {"supported-living", "extra-care-housing"},
        "population-groups": {"people-living-with-dementia"},
    }
    for scheme, slugs in expected.items():
        assert slugs <= {c.slug for c in concepts(scheme)}, scheme


def test_close_match_targets_exist(everything: Graph) -> None:
    matches = list(everything.subject_objects(SKOS.closeMatch))
    assert matches
    for _, target in matches:
        assert (target, RDF.type, SKOS.Concept) in everything, target
        assert (target, SKOS.prefLabel, None) in everything, target
