"""Checking a published store: document by document (the default), or all at once.

Why two depths: builds and additions already check each document's graph with the static
graphs (ontology, taxonomies, register) before publishing, so ``carekg validate`` repeats
that, batch by batch, in time linear in the store; ``carekg validate --full`` also runs
the shapes over the union of every graph at once and closes the whole store under OWL RL,
which is what would catch a contradiction between documents and any drift between the
stored ``graph/inferred`` and what the asserted graphs entail today.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from carekg.config import DEFAULT_BASE, Settings
from carekg.graph.backend import Snapshot
from carekg.graph.build import Context, Progress, batched, no_progress
from carekg.graph.infer import Inconsistency, infer_and_check
from carekg.graph.validate import ValidationResult, validate
from carekg.iris import DEFAULT_IRIS, rebase_graph, rebase_iri


@dataclass
class StoreCheck:
    shapes: ValidationResult
    contradictions: list[Inconsistency] = field(default_factory=list)
    #: Entailments missing from graph/inferred, and stored ones no longer entailed
    #: (``--full`` only).
    missing_inferred: int = 0
    stale_inferred: int = 0

    @property
    def ok(self) -> bool:
        return (self.shapes.conforms and not self.contradictions
                and not self.missing_inferred and not self.stale_inferred)


def _graph(snapshot: Snapshot, settings: Settings, names: list[str]) -> Graph:
    return rebase_graph(snapshot.to_rdflib(names), settings.base, DEFAULT_BASE)


def _document_graphs(snapshot: Snapshot, settings: Settings,
                     progress: Progress) -> Iterator[Graph]:
    for doc_id in progress(sorted(snapshot.meta.documents), "documents"):
        iri = rebase_iri(str(DEFAULT_IRIS.document_graph(doc_id)), DEFAULT_BASE, settings.base)
        yield _graph(snapshot, settings, [iri])


def check_documents(snapshot: Snapshot, settings: Settings,
                    progress: Progress = no_progress) -> StoreCheck:
    """The shapes over each batch of document graphs together with the static graphs."""
    context = Context(settings)
    result = ValidationResult()
    static = context.validate([])
    result.results.extend(static.results)
    for batch in batched(_document_graphs(snapshot, settings, progress), len):
        found = context.validate(batch)
        result.results.extend(r for r in found.results if r not in static.results)
    return StoreCheck(result)


def check_full(snapshot: Snapshot, settings: Settings, inference: str = "none") -> StoreCheck:
    """The shapes over the whole store at once, the whole store's OWL RL closure, and the
    stored entailments against a fresh computation."""
    inferred_iri = rebase_iri(str(DEFAULT_IRIS.graph("inferred")), DEFAULT_BASE, settings.base)
    ontology_iri = rebase_iri(str(DEFAULT_IRIS.graph("ontology")), DEFAULT_BASE, settings.base)
    asserted = [n for n in snapshot.graph_names() if n not in (inferred_iri, ontology_iri)]
    ontology = _graph(snapshot, settings, [ontology_iri])
    data = _graph(snapshot, settings, asserted)
    shapes = validate(data, ontology=ontology, inference=inference)
    entailed, contradictions = infer_and_check(ontology, data)
    stored = _graph(snapshot, settings, [inferred_iri])
    return StoreCheck(shapes, contradictions, _count_missing(entailed, stored),
                      _count_missing(stored, entailed))


def _count_missing(wanted: Iterable[Any], have: Graph) -> int:
    return sum(1 for triple in wanted if triple not in have)
