"""Vocabulary namespaces used across carekg.

``CC`` is the carekg ontology namespace at the default base, closed like rdflib's
``DefinedNamespace``: ``CC.Spnd`` raises AttributeError instead of quietly minting a new
IRI. Its terms are the ones ontology/carekg.ttl defines, read from the file on first use,
so there is no second list of them to keep. Other namespaces are the W3C and DCMI
vocabularies the model reuses (see shared model document).
"""

from __future__ import annotations

from functools import cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from carekg.config import DEFAULT_BASE


class OntologyNamespace(Namespace):
    """A namespace that refuses the terms its ontology file does not define."""

    def term(self, name: str) -> URIRef:
        if name not in _defined(str(self)):
            raise AttributeError(f"term {name!r} not in namespace {self}: "
                                 "ontology/carekg.ttl does not define it")
        return super().term(name)


@cache
def _defined(namespace: str) -> frozenset[str]:
    from carekg.vocabularies import load_graph

    graph = load_graph("carekg")
    return frozenset(str(t)[len(namespace):] for triple in graph for t in triple
                     if isinstance(t, URIRef) and str(t).startswith(namespace)
                     and str(t) != namespace)


CC = OntologyNamespace(f"{DEFAULT_BASE}def#")
ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ONS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

PREFIXES: dict[str, str] = {
    "cc": str(CC),
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}



def prefixed(iri: str) -> str | None:
    """``iri`` as a prefixed name with carekg's prefixes ('cc:Spend'), or None when no
    prefix covers it."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace):]}"
    return None


__all__ = [
    "CC", "ORG", "OA", "SH", "VOID", "DCAT", "SD", "ONS_GEOGRAPHY", "PREFIXES", "prefixed",
    "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD",
]
