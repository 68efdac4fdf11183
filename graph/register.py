"""The council register as RDF: the ``graph/councils`` named graph.

Each council is keyed by its GSS code and joined to the ONS statistical geography with
owl:sameAs, so that the graph can be combined with ONS statistics.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from carekg.councils import Register
from carekg.iris import Iris
from carekg.namespaces import CC, ONS_GEOGRAPHY, OWL, RDF, RDFS, SKOS


def councils_graph(register: Register, iris: Iris) -> Graph:
    """One cc:Council per register row, with every name the resolver knows as altLabel."""
    graph = Graph()
    for council in register.councils:
        node = iris.council(council.gss_code)
        graph.add((node, RDF.type, CC.Council))
        graph.add((node, RDFS.label, Literal(council.name, lang="en")))
        graph.add((node, SKOS.prefLabel, Literal(council.name, lang="en")))
        for alt in dict.fromkeys(council.alt_names):
            if alt != council.name:
                graph.add((node, SKOS.altLabel, Literal(alt, lang="en")))
        graph.add((node, CC.gssCode, Literal(council.gss_code)))
        graph.add((node, CC.councilType, Literal(council.type)))
        graph.add((node, CC.region, Literal(council.region)))
        graph.add((node, OWL.sameAs, URIRef(ONS_GEOGRAPHY + council.gss_code)))
    return graph
