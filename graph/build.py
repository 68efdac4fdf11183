"""Building the store: static graphs + one graph per document, validated, then published.

Everything is minted at the default base and rebased once, at the end, when a different
base is configured: the loaders and the ontology files never need to know the base.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from carekg.config import DEFAULT_BASE, Settings
from carekg.councils import Register, default_register
from carekg.errors import InputError, ValidationError
from carekg.graph.infer import infer_and_check
from carekg.graph.register import councils_graph
from carekg.graph.store import Snapshot, open_store
from carekg.graph.validate import validate
from carekg.iris import DEFAULT_IRIS, rebase_graph, rebase_iri
from carekg.loaders.manifest import read_manifest
from carekg.loaders.model import DocumentRecord
from carekg.loaders.pipeline import LoadedDocument, load_document
from carekg.vocabularies import load_graph, named_graphs

T = TypeVar("T")
#: Wraps an iterable to show progress (tqdm on a terminal, nothing when piped).
Progress = Callable[[Iterable[T], str], Iterator[T]]


def no_progress(items: Iterable[T], _label: str) -> Iterator[T]:
    yield from items


@dataclass
class BuildReport:
    snapshot: str
    documents: int
    facts: int
    triples: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def static_graphs(register: Register) -> dict[str, Graph]:
    """Ontology, taxonomies and council register, by named-graph IRI (default base)."""
    graphs = {str(iri): load_graph(name) for name, iri in named_graphs().items()}
    graphs[str(DEFAULT_IRIS.graph("councils"))] = councils_graph(register, DEFAULT_IRIS)
    return graphs


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    corpus_dir: Path,
    settings: Settings,
    *,
    progress: Progress = no_progress,
) -> BuildReport:
    """Build a new snapshot from a corpus directory and publish it if it validates."""
    started = time.perf_counter()
    register = default_register()
    records = read_manifest(corpus_dir, register)
    store = open_store(settings)
    with store.writer(from_current=False) as snapshot:
        graphs = static_graphs(register)
        warnings: list[str] = []
        facts = 0
        for record in progress(records, "extracting"):
            loaded = load_document(record, DEFAULT_IRIS)
            graphs[str(DEFAULT_IRIS.document_graph(record.id))] = loaded.graph
            _record_document(snapshot, record, loaded)
            warnings.extend(f"{record.path.name}: {w}" for w in loaded.warnings)
            facts += loaded.fact_count
        _validate_infer_write(snapshot, graphs, settings, progress)
        triples = sum(len(g) for g in graphs.values())
        snapshot_id = store.publish(snapshot)
    return BuildReport(snapshot_id, len(records), facts, triples, warnings,
                       time.perf_counter() - started)


def add_document(record: DocumentRecord, settings: Settings, *, replace: bool) -> BuildReport:
    """Add (or replace) one document's named graph in a new snapshot."""
    started = time.perf_counter()
    store = open_store(settings)
    with store.writer(from_current=True) as snapshot:
        if record.id in snapshot.meta.documents and not replace:
            raise InputError(record.path, f"a document with id {record.id!r} is already in the "
                             "store; use --replace to replace it or --id to choose another id")
        loaded = load_document(record, DEFAULT_IRIS)
        graph_iri = str(DEFAULT_IRIS.document_graph(record.id))
        _record_document(snapshot, record, loaded)
        graphs = _graphs_of(snapshot, settings, except_graph=graph_iri)
        graphs[graph_iri] = loaded.graph
        _validate_infer_write(snapshot, graphs, settings, no_progress, only=[graph_iri])
        snapshot_id = store.publish(snapshot)
    return BuildReport(snapshot_id, 1, loaded.fact_count, len(loaded.graph),
                       list(loaded.warnings), time.perf_counter() - started)


def remove_document(doc_id: str, settings: Settings) -> BuildReport:
    """Remove one document's named graph in a new snapshot."""
    started = time.perf_counter()
    store = open_store(settings)
    with store.writer(from_current=True) as snapshot:
        if doc_id not in snapshot.meta.documents:
            known = ", ".join(sorted(snapshot.meta.documents)) or "none"
            raise InputError(settings.store, f"no document {doc_id!r} in the store "
                             f"(documents: {known})")
        graph_iri = str(DEFAULT_IRIS.document_graph(doc_id))
        snapshot.remove_graph(_rebased_iri(graph_iri, settings))
        del snapshot.meta.documents[doc_id]
        snapshot.remove_text(doc_id)
        graphs = _graphs_of(snapshot, settings, except_graph=graph_iri)
        _validate_infer_write(snapshot, graphs, settings, no_progress, only=[])
        snapshot_id = store.publish(snapshot)
    return BuildReport(snapshot_id, 0, 0, 0, [], time.perf_counter() - started)


def _record_document(snapshot: Snapshot, record: DocumentRecord, loaded: LoadedDocument) -> None:
    # Every document's text is kept in the snapshot, so evidence offsets can be checked
    # and shown in context from the snapshot alone, wherever the source file has gone.
    snapshot.put_text(record.id, loaded.text.text)
    snapshot.meta.documents[record.id] = {
        "file": record.path.name,
        "sha256": file_hash(record.path),
        "media_type": loaded.text.media_type,
        "facts": loaded.fact_count,
    }


def _graphs_of(snapshot: Snapshot, settings: Settings, except_graph: str) -> dict[str, Graph]:
    """The snapshot's graphs at the default base (all but the inferred one)."""
    inferred = str(DEFAULT_IRIS.graph("inferred"))
    graphs: dict[str, Graph] = {}
    for name in snapshot.graph_names():
        default_name = _unrebased_iri(name, settings)
        if default_name in (inferred, except_graph):
            continue
        graph = snapshot.to_rdflib([name])
        graphs[default_name] = rebase_graph(graph, settings.base, DEFAULT_BASE)
    return graphs


def _validate_infer_write(
    snapshot: Snapshot,
    graphs: dict[str, Graph],
    settings: Settings,
    progress: Progress,
    only: list[str] | None = None,
) -> None:
    """Validate, infer and write graphs; ``only`` limits what is (re)written."""
    ontology_iri = str(DEFAULT_IRIS.graph("ontology"))
    ontology = graphs[ontology_iri]
    documents = str(DEFAULT_IRIS.document_graph(""))
    data, to_validate = Graph(), Graph()
    for iri, graph in graphs.items():
        if iri == ontology_iri:
            continue
        data += graph
        # Documents that did not change were validated when they were added.
        if only is None or not iri.startswith(documents) or iri in only:
            to_validate += graph
    for _ in progress([None], "validating"):
        result = validate(to_validate, ontology=ontology)
    if not result.conforms:
        raise ValidationError(
            f"the new graph does not conform to the shapes ({result.violation_count} "
            "violations); the store was left as it was", result.format_report())
    for _ in progress([None], "inferring"):
        inferred, problems = infer_and_check(ontology, data)
    if problems:
        raise ValidationError(
            f"OWL RL inference found {len(problems)} contradictions; the store was left as "
            "it was", "\n".join(f"- {p.node or ''} {p.message}" for p in problems))
    write = dict(graphs) if only is None else {k: graphs[k] for k in only}
    write[str(DEFAULT_IRIS.graph("inferred"))] = inferred
    for iri, graph in progress(list(write.items()), "storing"):
        snapshot.put_graph(_rebased_iri(iri, settings),
                           rebase_graph(graph, DEFAULT_BASE, settings.base))


def _rebased_iri(iri: str, settings: Settings) -> str:
    return rebase_iri(iri, DEFAULT_BASE, settings.base)


def _unrebased_iri(iri: str, settings: Settings) -> str:
    return rebase_iri(iri, settings.base, DEFAULT_BASE)


