"""The one place Python reads the ontology and the SKOS vocabularies.

The Turtle files in ``ontology/`` are the source of truth: labels, synonyms, notations and
hierarchy live there and are read here at run time, so adding a synonym is an edit to a
``.ttl`` file, never to code. Parsed files are cached per process; callers get copies of
graphs (rdflib graphs are mutable) and immutable concept records.

The files are written with the default base ``https://w3id.org/carekg/``; for another
configured base every IRI under the default base is rewritten on load, so the builder,
the classifier and the store all agree with :class:`carekg.iris.Iris`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from carekg.config import DEFAULT_BASE
from carekg.errors import InputError
from carekg.iris import Iris, rebase_graph, slugify
from carekg.resources import ontology_dir

#: Every ontology file, in the order a builder should load them.
ONTOLOGY_FILES: tuple[str, ...] = (
    "carekg.ttl",
    "services.ttl",
    "population-groups.ttl",
    "units.ttl",
    "document-kinds.ttl",
    "contract-event-types.ttl",
    "procurement-routes.ttl",
)

#: Axioms of reused vocabularies that inference needs but the store must not hold.
INFERENCE_FILES: tuple[str, ...] = ("skos-axioms.ttl",)

#: Which file holds each concept scheme (scheme name = last segment of its IRI).
SCHEME_FILES: dict[str, str] = {
    "services": "services.ttl",
    "ascfr": "services.ttl",
    "cqc-service-types": "services.ttl",
    "population-groups": "population-groups.ttl",
    "units": "units.ttl",
    "document-kinds": "document-kinds.ttl",
    "contract-event-types": "contract-event-types.ttl",
    "procurement-routes": "procurement-routes.ttl",
    "directions": "carekg.ttl",
}


@dataclass(frozen=True)
class Concept:
    """One SKOS concept as the classifier and the builder need it."""

    iri: URIRef
    slug: str
    pref_label: str
    alt_labels: tuple[str, ...]
    hidden_labels: tuple[str, ...]
    notation: str | None
    broader: tuple[URIRef, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the text may use for this concept, preferred first."""
        return (self.pref_label, *self.alt_labels, *self.hidden_labels)


def _file_name(name: str) -> str:
    file_name = name if name.endswith(".ttl") else f"{name}.ttl"
    if file_name not in ONTOLOGY_FILES + INFERENCE_FILES:
        raise InputError(file_name, f"not an ontology file; known: {', '.join(ONTOLOGY_FILES)}")
    return file_name


def graph_name(file_name: str) -> str:
    """Named-graph name of a file: 'carekg.ttl' goes to 'ontology', others to their stem."""
    if _file_name(file_name) in INFERENCE_FILES:
        raise InputError(file_name, "inference axioms are not loaded into a named graph")
    stem = Path(_file_name(file_name)).stem
    return "ontology" if stem == "carekg" else stem


def named_graphs(base: str = DEFAULT_BASE) -> dict[str, URIRef]:
    """File name -> IRI of the named graph the file is loaded into."""
    iris = Iris(base)
    return {name: iris.graph(graph_name(name)) for name in ONTOLOGY_FILES}


@cache
def _parsed(file_name: str, base: str) -> Graph:
    path = ontology_dir() / file_name
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        raise InputError(path, f"cannot parse Turtle: {exc}") from exc
    return rebase_graph(graph, DEFAULT_BASE, Iris(base).base)


def load_graph(name: str, base: str = DEFAULT_BASE) -> Graph:
    """A fresh copy of one ontology file's graph ('carekg', 'services.ttl', 'units'...)."""
    cached = _parsed(_file_name(name), Iris(base).base)
    copy = Graph()
    for prefix, namespace in cached.namespaces():
        copy.bind(prefix, namespace, replace=True)
    copy += cached
    return copy


def load_all(base: str = DEFAULT_BASE) -> Graph:
    """The ontology and every vocabulary in one graph (what inference and SHACL need)."""
    union = Graph()
    for name in ONTOLOGY_FILES:
        union += _parsed(name, Iris(base).base)
    for prefix, namespace in _parsed("carekg.ttl", Iris(base).base).namespaces():
        union.bind(prefix, namespace, replace=True)
    return union


def inference_axioms(base: str = DEFAULT_BASE) -> Graph:
    """Axioms of reused vocabularies (SKOS) that inference adds to the ontology."""
    union = Graph()
    for name in INFERENCE_FILES:
        union += _parsed(name, Iris(base).base)
    return union


def _slug(iri: URIRef) -> str:
    """Last segment of the IRI: '/id/service/home-care' -> 'home-care', 'def#Increase' ->
    'increase' (directions are ontology terms, so their slug is derived)."""
    text = str(iri)
    if "#" in text:
        return slugify(text.rsplit("#", 1)[1])
    return text.rstrip("/").rsplit("/", 1)[1]


def _english(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    values = [o for o in graph.objects(subject, predicate)]
    return sorted(str(o) for o in values if getattr(o, "language", None) in (None, "en"))


@cache
def concepts(scheme: str, base: str = DEFAULT_BASE) -> tuple[Concept, ...]:
    """The concepts of one scheme ('services', 'units', 'directions'...), sorted by IRI."""
    if scheme not in SCHEME_FILES:
        raise InputError(scheme, f"not a concept scheme; known: {', '.join(SCHEME_FILES)}")
    iris = Iris(base)
    graph = _parsed(SCHEME_FILES[scheme], iris.base)
    scheme_iri = iris.scheme(scheme)
    found = []
    members = {s for s in graph.subjects(SKOS.inScheme, scheme_iri) if isinstance(s, URIRef)}
    for iri in sorted(members):
        if (iri, RDF.type, SKOS.Concept) not in graph:
            continue
        pref = _english(graph, iri, SKOS.prefLabel)
        notation = sorted(str(n) for n in graph.objects(iri, SKOS.notation))
        found.append(
            Concept(
                iri=iri,
                slug=_slug(iri),
                pref_label=pref[0] if pref else _slug(iri),
                alt_labels=tuple(_english(graph, iri, SKOS.altLabel)),
                hidden_labels=tuple(_english(graph, iri, SKOS.hiddenLabel)),
                notation=notation[0] if notation else None,
                broader=tuple(sorted(b for b in graph.objects(iri, SKOS.broader)
                                     if isinstance(b, URIRef))),
            )
        )
    return tuple(found)


def concept_by_slug(scheme: str, slug: str, base: str = DEFAULT_BASE) -> Concept | None:
    """The concept of a scheme with this slug, or None."""
    return next((c for c in concepts(scheme, base) if c.slug == slug), None)


def label_index(scheme: str, base: str = DEFAULT_BASE) -> dict[str, Concept]:
    """Lower-cased label -> concept, over pref, alt and hidden labels of one scheme.

    The taxonomy tests guarantee a label belongs to one concept per scheme, so this
    mapping loses nothing."""
    return {label.lower(): c for c in concepts(scheme, base) for label in c.labels}


@cache
def fact_kinds() -> tuple[str, ...]:
    """The local names of the fact classes (the subclasses of ``cc:Fact``: 'Spend',
    'Capacity'...), in the order of the ontology's ``owl:AllDisjointClasses`` list of
    them."""
    graph = _parsed("carekg.ttl", DEFAULT_BASE)
    cc = f"{DEFAULT_BASE}def#"
    kinds = {s for s in graph.subjects(RDFS.subClassOf, URIRef(f"{cc}Fact"))
             if isinstance(s, URIRef)}
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = graph.value(group, OWL.members)
        listed = [m for m in Collection(graph, members) if isinstance(m, URIRef)] \
            if members is not None else []
        if set(listed) == kinds:
            return tuple(str(m).removeprefix(cc) for m in listed)
    return tuple(sorted(str(k).removeprefix(cc) for k in kinds))


def direction_names() -> tuple[str, ...]:
    """The local names of the directions of a commissioning intention ('Increase'...),
    the concepts of the ``directions`` scheme."""
    return tuple(str(c.iri).rsplit("#", 1)[1] for c in concepts("directions"))


def clear_cache() -> None:
    """Forget parsed files (tests that edit a vocabulary in place call this)."""
    _parsed.cache_clear()
    concepts.cache_clear()
    fact_kinds.cache_clear()
