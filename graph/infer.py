"""OWL RL inference over the ontology, the taxonomies and the instance data.

Why OWL RL rather than RDFS: the ontology relies on OWL features that RDFS ignores (the
six pairwise disjoint fact kinds, functional properties, the distinct directions, sameAs
to ONS geographies, transitive skos:broaderTransitive). OWL RL both materialises what
queries need (a cc:Spend is a cc:Fact and a prov:Entity; a service concept's ancestors)
and detects contradictions (a node typed as two fact kinds is a member of owl:Nothing).

Only what inference adds is returned, and only what a query over the store can use: the
closure is filtered of schema-level entailments, typing with owl:Thing or rdfs:Resource,
blank-node triples (blank nodes of another named graph cannot be joined), reflexive sameAs
and the copies that sameAs replacement makes of triples already stated (a fact's council
repeated under its ONS geography IRI). The result goes to ``{base}graph/inferred`` and is
never mixed into the asserted graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from carekg.config import DEFAULT_BASE
from carekg.iris import Iris
from carekg.vocabularies import inference_axioms

#: Namespace owlrl writes its inconsistency messages in.
_ERRNS = URIRef("http://www.daml.org/2002/03/agents/agent-ont#")
_ERROR_MESSAGE = URIRef(f"{_ERRNS}ErrorMessage")
_ERROR_TEXT = URIRef(f"{_ERRNS}error")

#: Predicates whose entailments are about the schema, not the data.
_SCHEMA_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith,
    OWL.propertyDisjointWith, OWL.complementOf, OWL.onProperty, OWL.members,
    OWL.distinctMembers, OWL.oneOf, OWL.unionOf, OWL.intersectionOf,
})

#: Types that say nothing a query can use.
_TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})

#: A subject typed with one of these is a term of a vocabulary, not data.
_SCHEMA_TYPES = frozenset({
    OWL.Class, RDFS.Class, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty,
    OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.AsymmetricProperty,
    OWL.ReflexiveProperty, OWL.IrreflexiveProperty, OWL.Ontology, RDFS.Datatype,
    OWL.Restriction, OWL.AllDisjointClasses, OWL.AllDifferent, OWL.OntologyProperty,
    RDFS.ContainerMembershipProperty,
})


def _closure(ontology: Graph, data: Graph) -> Graph:
    """Ontology, SKOS axioms and data, expanded in place by the OWL RL rules."""
    graph = Graph()
    graph += ontology
    graph += inference_axioms()
    graph += data
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    return graph


def _canonical_map(closure: Graph, base: str) -> dict[Node, Node]:
    """Each IRI in a sameAs clique -> the clique's representative (a carekg IRI if any).

    The closure holds sameAs symmetric and transitive, so a node's clique is its sameAs
    objects."""
    canonical: dict[Node, Node] = {}
    for node in set(closure.subjects(OWL.sameAs, None)):
        clique = {node, *closure.objects(node, OWL.sameAs)}
        iris = sorted(str(n) for n in clique if isinstance(n, URIRef))
        if not iris:
            continue
        ours = [i for i in iris if i.startswith(base)]
        canonical[node] = URIRef(ours[0] if ours else iris[0])
    return canonical


def _schema_terms(closure: Graph) -> set[Node]:
    return {s for t in _SCHEMA_TYPES for s in closure.subjects(RDF.type, t)}


def _useful(triple: tuple[Node, Node, Node], schema_terms: set[Node]) -> bool:
    s, p, o = triple
    # Literal objects are left out: OWL RL's datatype rules only restate asserted values
    # under other datatypes ("12"^^xsd:integer beside "12"^^xsd:nonNegativeInteger), which
    # would break the shapes' datatype rules and tell a reader nothing new.
    if isinstance(s, (Literal, BNode)) or isinstance(o, (BNode, Literal)):
        return False
    if p in _SCHEMA_PREDICATES or s in schema_terms or p in (_ERROR_TEXT,):
        return False
    if p == RDF.type and (o in _TRIVIAL_TYPES or o in _SCHEMA_TYPES or o == _ERROR_MESSAGE):
        return False
    return not (p == OWL.sameAs and s == o)


def _new_triples(closure: Graph, asserted: Graph, base: str) -> Iterable[tuple[Node, Node, Node]]:
    canonical = _canonical_map(closure, base)

    def canon(triple: tuple[Node, Node, Node]) -> tuple[Node, Node, Node]:
        return tuple(canonical.get(n, n) for n in triple)  # type: ignore[return-value]

    stated = {canon(t) for t in asserted}
    schema_terms = _schema_terms(closure)
    kept: set[tuple[Node, Node, Node]] = set()
    for triple in closure:
        if triple in asserted or not _useful(triple, schema_terms):
            continue
        c = canon(triple)
        if c in stated or c in kept:
            continue
        if c[1] == OWL.sameAs and c[0] == c[2]:
            continue
        kept.add(c)
    return kept


def _inferred(closure: Graph, ontology: Graph, data: Graph, base: str) -> Graph:
    asserted = Graph()
    asserted += ontology
    asserted += data
    result = Graph()
    for prefix, namespace in ontology.namespaces():
        result.bind(prefix, namespace, replace=True)
    for triple in _new_triples(closure, asserted, Iris(base).base):
        result.add(triple)
    return result


def infer(ontology: Graph, data: Graph, base: str = DEFAULT_BASE) -> Graph:
    """What OWL RL entails from ontology + taxonomies + data that is not already stated.

    ``ontology`` is the ontology and the SKOS vocabularies (``carekg.vocabularies.load_all``);
    ``data`` is the councils and documents graphs, unioned."""
    return _inferred(_closure(ontology, data), ontology, data, base)


@dataclass(frozen=True)
class Inconsistency:
    """One contradiction inference found, in words a curator can act on."""

    message: str
    node: str | None = None


def _merged_things(closure: Graph, base: str) -> list[Inconsistency]:
    """Distinct carekg things a functional property has made owl:sameAs.

    OWL RL has no unique-name assumption: a fact with two councils (cc:council is
    functional) makes the two councils the same rather than failing. Two carekg IRIs of
    councils or concepts are never meant to be the same, so such a merge is an error."""
    iris = Iris(base)
    prefixes = (f"{iris.base}id/council/", f"{iris.base}id/service/", f"{iris.base}id/unit/")
    found = []
    for s, o in closure.subject_objects(OWL.sameAs):
        if s == o or str(s) > str(o):
            continue
        if any(str(s).startswith(p) and str(o).startswith(p) for p in prefixes):
            found.append(Inconsistency(f"{s} and {o} are inferred to be the same "
                                       "(a functional property has two values)", str(s)))
    return found


def _problems(closure: Graph, base: str) -> list[Inconsistency]:
    problems = [
        Inconsistency(f"{node} is a member of owl:Nothing", str(node))
        for node in sorted(closure.subjects(RDF.type, OWL.Nothing), key=str)
    ]
    for message in sorted(closure.subjects(RDF.type, _ERROR_MESSAGE), key=str):
        for text in closure.objects(message, _ERROR_TEXT):
            problems.append(Inconsistency(str(text)))
    problems.extend(_merged_things(closure, Iris(base).base))
    return problems


def check_consistency(
    ontology: Graph, data: Graph, base: str = DEFAULT_BASE
) -> list[Inconsistency]:
    """Every contradiction in ontology + data: members of owl:Nothing, owlrl's own
    inconsistency messages (disjoint classes, distinct individuals made the same...), and
    carekg things merged by a functional property. Empty means consistent."""
    return _problems(_closure(ontology, data), base)


def infer_and_check(
    ontology: Graph, data: Graph, base: str = DEFAULT_BASE
) -> tuple[Graph, list[Inconsistency]]:
    """Both results from one closure: the OWL RL closure is the slow part (pure Python,
    seconds for a few thousand triples), so a builder should call this, not both."""
    closure = _closure(ontology, data)
    return _inferred(closure, ontology, data, base), _problems(closure, base)
