"""OWL RL inference over the ontology, the taxonomies and the instance data.

Why OWL RL rather than RDFS: the ontology relies on OWL features that RDFS ignores (the
six pairwise disjoint fact kinds, functional properties, the distinct directions, sameAs
to ONS geographies, transitive skos:broaderTransitive). OWL RL both materialises what
queries need (a cc:Spend is a cc:Fact and a prov:Entity; a service concept's ancestors)
and detects contradictions (a node typed as two disjoint fact kinds).

Two engines compute the same closure: ``reasonable`` (a Rust OWL 2 RL reasoner, the
default: about twenty times faster than owlrl on this data) and ``owlrl`` (pure Python on
rdflib, the reference the tests hold the fast engine to). Contradictions are found here,
from the closure, rather than read from either engine's own reports, so both engines are
checked by the same rules (docs/decisions/20261130-inference-engine.md).

Only what inference adds is returned, and only what a query over the store can use: the
closure is filtered of schema-level entailments, typing with owl:Thing or rdfs:Resource,
blank-node triples (blank nodes of another named graph cannot be joined), reflexive sameAs
and the copies that sameAs replacement makes of triples already stated (a fact's council
repeated under its ONS geography IRI). The result goes to ``{base}graph/inferred`` and is
never mixed into the asserted graphs.

Documents share no nodes but the councils and concepts of the static graphs, so a
document's entailments are those of the static graphs plus that document alone:
:class:`Inference` closes the static graphs once and then each document (or batch of
documents) against them, which keeps a build linear in documents and an addition as cheap
on a large store as on an empty one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import owlrl
import reasonable
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from carekg.config import DEFAULT_BASE
from carekg.errors import UsageError
from carekg.iris import Iris
from carekg.vocabularies import inference_axioms

Triple = tuple[Node, Node, Node]
ENGINES = ("reasonable", "owlrl")
DEFAULT_ENGINE = "reasonable"

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


class Closure:
    """The closed triples with the few look-ups the filters and checks need.

    Plain Python sets rather than an rdflib Graph: building a Memory store costs more
    than the Rust reasoner's whole run."""

    def __init__(self, triples: Iterable[Triple], stated: Iterable[Triple]) -> None:
        self.triples: set[Triple] = set(triples)
        self._by_predicate: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        for s, p, o in self.triples:
            self._by_predicate[p].append((s, o))
        # RDF lists are read as stated: once two list members are made sameAs, the closure
        # also holds each list cell's rdf:first replaced by the other member.
        self._first: dict[Node, Node] = {}
        self._rest: dict[Node, Node] = {}
        for s, p, o in stated:
            if p == RDF.first:
                self._first[s] = o
            elif p == RDF.rest:
                self._rest[s] = o

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        return self._by_predicate.get(predicate, [])

    def subjects(self, predicate: Node, obj: Node) -> set[Node]:
        return {s for s, o in self.pairs(predicate) if o == obj}

    def rdf_list(self, head: Node) -> list[Node]:
        items: list[Node] = []
        while head in self._first and len(items) < 10_000:
            items.append(self._first[head])
            head = self._rest.get(head, RDF.nil)
        return items


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise UsageError(f"unknown inference engine {name!r}; choose one of {', '.join(ENGINES)}")
    return name


def close(triples: Iterable[Triple], engine: str = DEFAULT_ENGINE) -> Closure:
    """The OWL RL closure of ``triples`` (which must include the ontology and axioms)."""
    stated = list(triples)
    if _engine(engine) == "reasonable":
        reasoner = reasonable.PyReasoner()
        reasoner.from_graph(stated)
        return Closure(reasoner.reason(), stated)
    graph = Graph()
    for triple in stated:
        graph.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    return Closure(graph, stated)


def _canonical_map(closure: Closure, base: str) -> dict[Node, Node]:
    """Each IRI in a sameAs clique -> the clique's representative (a carekg IRI if any).

    The closure holds sameAs symmetric and transitive, so a node's clique is its sameAs
    objects."""
    cliques: dict[Node, set[Node]] = defaultdict(set)
    for s, o in closure.pairs(OWL.sameAs):
        cliques[s].update((s, o))
    canonical: dict[Node, Node] = {}
    for node, clique in cliques.items():
        iris = sorted(str(n) for n in clique if isinstance(n, URIRef))
        if not iris:
            continue
        ours = [i for i in iris if i.startswith(base)]
        canonical[node] = URIRef(ours[0] if ours else iris[0])
    return canonical


def _schema_terms(closure: Closure) -> set[Node]:
    return {s for s, o in closure.pairs(RDF.type) if o in _SCHEMA_TYPES}


def _useful(triple: Triple, schema_terms: set[Node]) -> bool:
    s, p, o = triple
    # Literal objects are left out: OWL RL's datatype rules only restate asserted values
    # under other datatypes ("12"^^xsd:integer beside "12"^^xsd:nonNegativeInteger), which
    # would break the shapes' datatype rules and tell a reader nothing new.
    if isinstance(s, (Literal, BNode)) or isinstance(o, (BNode, Literal)):
        return False
    if p in _SCHEMA_PREDICATES or s in schema_terms:
        return False
    if p == RDF.type and (o in _TRIVIAL_TYPES or o in _SCHEMA_TYPES):
        return False
    return not (p == OWL.sameAs and s == o)


def _new_triples(closure: Closure, asserted: set[Triple], base: str) -> set[Triple]:
    canonical = _canonical_map(closure, base)

    def canon(triple: Triple) -> Triple:
        return tuple(canonical.get(n, n) for n in triple)  # type: ignore[return-value]

    stated = {canon(t) for t in asserted}
    schema_terms = _schema_terms(closure)
    kept: set[Triple] = set()
    for triple in closure.triples:
        if triple in asserted or not _useful(triple, schema_terms):
            continue
        c = canon(triple)
        if c in stated or (c[1] == OWL.sameAs and c[0] == c[2]):
            continue
        kept.add(c)
    return kept


@dataclass(frozen=True)
class Inconsistency:
    """One contradiction inference found, in words a curator can act on."""

    message: str
    node: str | None = None


def _disjoint_members(closure: Closure) -> list[Inconsistency]:
    """Nodes typed with two classes the ontology declares disjoint (OWL RL cax-dw)."""
    disjoint: dict[Node, set[Node]] = defaultdict(set)
    for a, b in closure.pairs(OWL.disjointWith):
        disjoint[a].add(b)
        disjoint[b].add(a)
    for group in closure.subjects(RDF.type, OWL.AllDisjointClasses):
        for head in {o for s, o in closure.pairs(OWL.members) if s == group}:
            members = closure.rdf_list(head)
            for a in members:
                disjoint[a].update(m for m in members if m != a)
    types: dict[Node, set[Node]] = defaultdict(set)
    for node, cls in closure.pairs(RDF.type):
        if cls in disjoint:
            types[node].add(cls)
    found = []
    for node, classes in types.items():
        for a in sorted(classes, key=str):
            for b in sorted(classes & disjoint[a], key=str):
                if str(a) < str(b):
                    found.append(Inconsistency(
                        f"Disjoint classes {a} and {b} have a common individual {node}",
                        str(node)))
    return found


def _different_made_same(closure: Closure) -> list[Inconsistency]:
    """Individuals declared different (owl:AllDifferent, owl:differentFrom) that the
    closure makes owl:sameAs (OWL RL eq-diff1/2/3)."""
    different: set[tuple[Node, Node]] = set(closure.pairs(OWL.differentFrom))
    for group in closure.subjects(RDF.type, OWL.AllDifferent):
        heads = {o for s, o in closure.pairs(OWL.distinctMembers) + closure.pairs(OWL.members)
                 if s == group}
        for head in heads:
            members = closure.rdf_list(head)
            different.update((a, b) for a in members for b in members if a != b)
    return [
        Inconsistency(f"{s} and {o} are declared different (owl:AllDifferent or "
                      "owl:differentFrom) but inferred to be the same", str(s))
        for s, o in sorted(closure.pairs(OWL.sameAs), key=str)
        if (s, o) in different and str(s) < str(o)
    ]


def _merged_things(closure: Closure, base: str) -> list[Inconsistency]:
    """Distinct carekg things a functional property has made owl:sameAs.

    OWL RL has no unique-name assumption: a fact with two councils (cc:council is
    functional) makes the two councils the same rather than failing. Two carekg IRIs of
    councils or concepts are never meant to be the same, so such a merge is an error."""
    iris = Iris(base)
    prefixes = (f"{iris.base}id/council/", f"{iris.base}id/service/", f"{iris.base}id/unit/")
    found = []
    for s, o in sorted(closure.pairs(OWL.sameAs), key=str):
        if s == o or str(s) > str(o):
            continue
        if any(str(s).startswith(p) and str(o).startswith(p) for p in prefixes):
            found.append(Inconsistency(f"{s} and {o} are inferred to be the same "
                                       "(a functional property has two values)", str(s)))
    return found


def _problems(closure: Closure, base: str) -> list[Inconsistency]:
    problems = [
        Inconsistency(f"{node} is a member of owl:Nothing", str(node))
        for node in sorted(closure.subjects(RDF.type, OWL.Nothing), key=str)
    ]
    problems.extend(_disjoint_members(closure))
    problems.extend(_different_made_same(closure))
    problems.extend(_merged_things(closure, Iris(base).base))
    return problems


def _inputs(ontology: Graph, data: Graph) -> list[Triple]:
    return [*ontology, *inference_axioms(), *data]


def _as_graph(triples: Iterable[Triple], ontology: Graph) -> Graph:
    result = Graph()
    for prefix, namespace in ontology.namespaces():
        result.bind(prefix, namespace, replace=True)
    for triple in triples:
        result.add(triple)
    return result


def infer_and_check(
    ontology: Graph, data: Graph, base: str = DEFAULT_BASE, engine: str = DEFAULT_ENGINE
) -> tuple[Graph, list[Inconsistency]]:
    """What OWL RL entails from ontology + data that is not already stated, and every
    contradiction, from one closure of everything at once.

    ``ontology`` is the ontology (and may hold the SKOS vocabularies); ``data`` is the
    taxonomies, councils and documents, unioned."""
    closure = close(_inputs(ontology, data), engine)
    asserted = {*ontology, *data}
    new = _new_triples(closure, asserted, Iris(base).base)
    return _as_graph(new, ontology), _problems(closure, base)


def infer(ontology: Graph, data: Graph, base: str = DEFAULT_BASE,
          engine: str = DEFAULT_ENGINE) -> Graph:
    """Only the entailments of :func:`infer_and_check`."""
    return infer_and_check(ontology, data, base, engine)[0]


def check_consistency(ontology: Graph, data: Graph, base: str = DEFAULT_BASE,
                      engine: str = DEFAULT_ENGINE) -> list[Inconsistency]:
    """Only the contradictions of :func:`infer_and_check`; empty means consistent."""
    return infer_and_check(ontology, data, base, engine)[1]


class Inference:
    """The ontology, taxonomies and register closed once; documents closed against them."""

    def __init__(self, ontology: Graph, static: Graph, *, base: str = DEFAULT_BASE,
                 engine: str = DEFAULT_ENGINE) -> None:
        self.ontology = ontology
        self.engine = _engine(engine)
        self.base = base
        self._inputs = _inputs(ontology, static)
        self._asserted = {*ontology, *static}
        closure = close(self._inputs, engine)
        self.static_inferred = _new_triples(closure, self._asserted, Iris(base).base)
        self.static_problems = _problems(closure, base)

    def static_graph(self) -> Graph:
        """What the static graphs entail on their own."""
        return _as_graph(self.static_inferred, self.ontology)

    def documents(self, graphs: Iterable[Graph]) -> tuple[Graph, list[Inconsistency]]:
        """What the documents add to the static graphs' entailments, and their
        contradictions.

        Only entailments about the documents' own nodes are kept (a triple whose subject
        or object is a subject of a document graph): that is all a document can add, and
        it is what lets :func:`carekg.graph.build` remove a document's entailments with
        its graph."""
        stated: set[Triple] = set()
        for graph in graphs:
            stated.update(graph)
        closure = close([*self._inputs, *stated], self.engine)
        new = _new_triples(closure, self._asserted | stated, Iris(self.base).base)
        own = {s for s, _, _ in stated if isinstance(s, URIRef)}
        kept = {t for t in new - self.static_inferred if t[0] in own or t[2] in own}
        known = set(self.static_problems)
        problems = [p for p in _problems(closure, self.base) if p not in known]
        return _as_graph(kept, self.ontology), problems
