"""Vocabulary namespaces used across carekg.

``CC`` is the carekg ontology namespace at the default base. Other namespaces are the
W3C and DCMI vocabularies the model reuses (see shared model document).
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from carekg.config import DEFAULT_BASE

CC = Namespace(f"{DEFAULT_BASE}def#")
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

__all__ = [
    "CC", "ORG", "OA", "SH", "VOID", "DCAT", "SD", "ONS_GEOGRAPHY", "PREFIXES",
    "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD",
]
