"""Minting IRIs exactly as the shared model document says.

All IRIs of things (``/id/``), terms (``/def#``) and named graphs (``/graph/``) are made
here and nowhere else, so a change of pattern is a change of one module.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Graph, URIRef
from rdflib.term import Node

from carekg.config import DEFAULT_BASE

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slugify(label: str) -> str:
    """Lower-case ASCII slug with hyphens: 'Extra Care Housing' -> 'extra-care-housing'."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")


class Iris:
    """IRI factory for one base (the default base unless configured otherwise)."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base if base.endswith("/") else base + "/"

    def term(self, name: str) -> URIRef:
        return URIRef(f"{self.base}def#{name}")

    def council(self, gss_code: str) -> URIRef:
        return URIRef(f"{self.base}id/council/{gss_code}")

    def document(self, doc_id: str) -> URIRef:
        return URIRef(f"{self.base}id/document/{doc_id}")

    def fact(self, doc_id: str, key: str) -> URIRef:
        return URIRef(f"{self.base}id/fact/{doc_id}/{key}")

    def concept(self, scheme_path: str, slug: str) -> URIRef:
        """A concept of one scheme: scheme_path is 'service', 'population-group', 'unit'..."""
        return URIRef(f"{self.base}id/{scheme_path}/{slug}")

    def service(self, slug: str) -> URIRef:
        return self.concept("service", slug)

    def population_group(self, slug: str) -> URIRef:
        return self.concept("population-group", slug)

    def unit(self, slug: str) -> URIRef:
        return self.concept("unit", slug)

    def scheme(self, name: str) -> URIRef:
        return URIRef(f"{self.base}id/scheme/{name}")

    def activity(self, doc_id: str, loader_version: str) -> URIRef:
        return URIRef(f"{self.base}id/activity/{doc_id}/{slugify(loader_version)}")

    def graph(self, name: str) -> URIRef:
        """A fixed named graph: 'ontology', 'services', 'councils', 'inferred'."""
        return URIRef(f"{self.base}graph/{name}")

    def document_graph(self, doc_id: str) -> URIRef:
        return URIRef(f"{self.base}graph/document/{doc_id}")

    def doc_id_of_graph(self, graph_iri: str) -> str | None:
        prefix = f"{self.base}graph/document/"
        return graph_iri[len(prefix):] if graph_iri.startswith(prefix) else None


def fact_key(kind: str, start: int, end: int, discriminator: str = "") -> str:
    """Stable key of a fact from its kind and text span (plus what tells apart two facts
    of one kind in one span, e.g. the council or the value), so re-extracting the same
    document mints the same IRIs."""
    digest = hashlib.sha1(f"{kind}|{start}|{end}|{discriminator}".encode()).hexdigest()[:10]
    return f"{slugify(kind)}-{start}-{digest}"


def rebase_iri(iri: str, old: str, new: str) -> str:
    """``iri`` moved from base ``old`` to base ``new`` (unchanged when not under ``old``).

    Files and code mint IRIs at the default base; a deployment under another base moves
    them once, at the edge (loading, storing, binding parameters), with this function."""
    return new + iri[len(old):] if old != new and iri.startswith(old) else iri


def rebase_graph(graph: Graph, old: str, new: str) -> Graph:
    """A copy of ``graph`` with every IRI under ``old`` moved to ``new`` (the graph itself
    when the bases are equal), prefixes included."""
    if old == new:
        return graph

    def move(term: Node) -> Node:
        return URIRef(rebase_iri(str(term), old, new)) if isinstance(term, URIRef) else term

    moved = Graph()
    for prefix, namespace in graph.namespaces():
        moved.bind(prefix, move(namespace), replace=True)
    for s, p, o in graph:
        moved.add((move(s), move(p), move(o)))
    return moved


DEFAULT_IRIS = Iris()
