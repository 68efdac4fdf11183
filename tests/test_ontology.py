"""The OWL ontology holds every term of the shared model, each documented and typed."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from carekg.namespaces import CC, ORG
from carekg.vocabularies import load_graph

ONTOLOGY = URIRef("https://w3id.org/carekg/def")
VANN = "http://purl.org/vocab/vann/"
FACT_KINDS = ("Spend", "Capacity", "ContractEvent", "NeedEstimate",
              "CommissioningIntention", "StrategyReference")

#: Terms model.md and design.md require, with the OWL type each must have.
CLASSES = ("Council", "Document", "Fact", *FACT_KINDS, "Direction")
OBJECT_PROPERTIES = ("council", "service", "unit", "direction", "populationGroup",
                     "evidence", "documentKind", "eventType", "procurementRoute", "restates")
DATATYPE_PROPERTIES = ("gssCode", "value", "approximate", "periodLabel", "periodStart",
                       "periodEnd", "isProjection", "sectionTitle", "strategyName",
                       "dataSource", "page", "contentHash", "councilType", "region",
                       "loaderVersion", "jointAttribution")
DIRECTIONS = ("Increase", "Decrease", "Maintain", "Review", "Procure", "Develop", "Decommission")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_graph("carekg")


def _terms(onto: Graph) -> set[URIRef]:
    types = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for t in types for s in onto.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(str(CC))}


@pytest.mark.parametrize("name", CLASSES)
def test_class_exists(onto: Graph, name: str) -> None:
    assert (CC[name], RDF.type, OWL.Class) in onto


@pytest.mark.parametrize("name", OBJECT_PROPERTIES)
def test_object_property_exists(onto: Graph, name: str) -> None:
    assert (CC[name], RDF.type, OWL.ObjectProperty) in onto
    assert (CC[name], RDF.type, OWL.DatatypeProperty) not in onto


@pytest.mark.parametrize("name", DATATYPE_PROPERTIES)
def test_datatype_property_exists(onto: Graph, name: str) -> None:
    assert (CC[name], RDF.type, OWL.DatatypeProperty) in onto
    assert (CC[name], RDF.type, OWL.ObjectProperty) not in onto


def test_every_term_is_documented(onto: Graph) -> None:
    terms = _terms(onto)
    assert len(terms) == len(CLASSES) + len(OBJECT_PROPERTIES) + len(DATATYPE_PROPERTIES)
    for term in terms:
        labels = [lbl for lbl in onto.objects(term, RDFS.label) if isinstance(lbl, Literal)]
        assert any(lbl.language == "en" for lbl in labels), term
        assert (term, RDFS.comment, None) in onto or (term, SKOS.definition, None) in onto, term
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in onto, term


def test_no_reused_term_is_redeclared(onto: Graph) -> None:
    """Reused vocabularies get no new domains, ranges or types in this file."""
    for s, p, _ in onto:
        if p in (RDFS.domain, RDFS.range, RDFS.subPropertyOf) or (
            p == RDF.type and isinstance(s, URIRef) and not str(s).startswith(str(CC))
            and str(s).startswith("http")
        ):
            assert str(s).startswith(str(CC)) or s == ONTOLOGY or "/id/scheme/" in str(s), s


def test_header_is_complete(onto: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert (ONTOLOGY, OWL.versionIRI, URIRef("https://w3id.org/carekg/def/0.1.0")) in onto
    assert (ONTOLOGY, OWL.versionInfo, Literal("0.1.0")) in onto
    assert (ONTOLOGY, DCTERMS.license,
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in onto
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.created,
              DCTERMS.modified):
        assert (ONTOLOGY, p, None) in onto, p
    assert (ONTOLOGY, URIRef(VANN + "preferredNamespacePrefix"), Literal("cc")) in onto
    assert (ONTOLOGY, URIRef(VANN + "preferredNamespaceUri"), Literal(str(CC))) in onto


def test_subclass_structure(onto: Graph) -> None:
    assert (CC.Council, RDFS.subClassOf, ORG.FormalOrganization) in onto
    assert (CC.Document, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Document")) in onto
    assert (CC.Document, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in onto
    subclasses = set(onto.subjects(RDFS.subClassOf, CC.Fact))
    assert subclasses == {CC[k] for k in FACT_KINDS}


def test_six_fact_kinds_are_pairwise_disjoint(onto: Graph) -> None:
    groups = [set(Collection(onto, onto.value(b, OWL.members)))
              for b in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert {CC[k] for k in FACT_KINDS} in groups


def test_council_of_a_fact_is_functional(onto: Graph) -> None:
    assert (CC.council, RDF.type, OWL.FunctionalProperty) in onto
    assert (CC.council, RDFS.domain, CC.Fact) in onto
    assert (CC.council, RDFS.range, CC.Council) in onto


def test_period_label_has_no_domain(onto: Graph) -> None:
    """Used on facts and documents: a domain would type documents as facts."""
    assert (CC.periodLabel, RDFS.domain, None) not in onto


@pytest.mark.parametrize("name", DIRECTIONS)
def test_directions_are_concepts_of_their_scheme(onto: Graph, name: str) -> None:
    scheme = URIRef("https://w3id.org/carekg/id/scheme/directions")
    assert (CC[name], RDF.type, CC.Direction) in onto
    assert (CC[name], RDF.type, SKOS.Concept) in onto
    assert (CC[name], SKOS.inScheme, scheme) in onto
    assert (CC[name], SKOS.prefLabel, Literal(name.lower(), lang="en")) in onto
    assert (CC[name], SKOS.definition, None) in onto
