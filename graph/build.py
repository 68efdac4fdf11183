"""Building the store: static graphs + one graph per document, validated, then published.

Documents go through in batches: each batch is extracted, validated against the shapes
together with the static graphs (ontology, taxonomies, register), closed under OWL RL
against the static graphs' closure (:class:`carekg.graph.infer.Inference`) and written,
then dropped. So a build's time grows with the number of documents and its memory with the
largest batch, and adding, replacing or removing a document (``add``, ``remove``, ``build
--changed``) touches that document's named graph and its own inferred triples only.

Everything is minted at the default base and rebased once, when written, when a different
base is configured: the loaders and the ontology files never need to know the base.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Graph, URIRef

import carekg.loaders
from carekg import __version__
from carekg.config import DEFAULT_BASE, Settings
from carekg.councils import Register, default_register
from carekg.errors import InputError, ValidationError
from carekg.graph.backend import Snapshot, Store
from carekg.graph.infer import Inference
from carekg.graph.register import councils_graph
from carekg.graph.store import open_store
from carekg.graph.validate import validate
from carekg.iris import DEFAULT_IRIS, rebase_graph, rebase_iri
from carekg.loaders.attribute import unlisted_councils
from carekg.loaders.manifest import read_manifest
from carekg.loaders.model import DocumentRecord
from carekg.loaders.pipeline import LoadedDocument, load_document
from carekg.resources import ontology_dir, shapes_dir
from carekg.vocabularies import load_graph, named_graphs

T = TypeVar("T")
#: Wraps an iterable to show progress (tqdm on a terminal, nothing when piped).
Progress = Callable[[Iterable[T], str], Iterator[T]]
#: Documents are validated and inferred together until their graphs hold this many triples:
#: big enough that the static graphs' share of each round is small, small enough to keep a
#: build's memory flat.
BATCH_TRIPLES = 40_000
PHASES = ("extracting", "validating", "inferring", "storing")


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
    #: Seconds spent in each phase (PHASES), summed over batches.
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: Documents left as they were by ``build --changed``.
    unchanged: int = 0
    removed: int = 0


def static_graphs(register: Register) -> dict[str, Graph]:
    """Ontology, taxonomies and council register, by named-graph IRI (default base)."""
    graphs = {str(iri): load_graph(name) for name, iri in named_graphs().items()}
    graphs[str(DEFAULT_IRIS.graph("councils"))] = councils_graph(register, DEFAULT_IRIS)
    return graphs


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def loader_fingerprint() -> str:
    """A hash of the loaders' code and rules: when they change, every document's facts may."""
    digest = hashlib.sha256()
    root = Path(carekg.loaders.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def document_key(record: DocumentRecord, sha256: str | None = None) -> str:
    """What decides whether ``build --changed`` reloads a document: its bytes (``sha256``
    of the file, when the caller has it already), its manifest entry and the loaders."""
    entry = {k: (str(v) if isinstance(v, Path) else v) for k, v in record.__dict__.items()
             if k != "path"}
    digest = hashlib.sha256((sha256 or file_hash(record.path)).encode())
    digest.update(json.dumps(entry, sort_keys=True, default=list).encode())
    digest.update(loader_fingerprint().encode())
    return digest.hexdigest()


class Context:
    """The static graphs of a build, their fingerprint, and their closure, computed once."""

    def __init__(self, settings: Settings, register: Register | None = None) -> None:
        self.settings = settings
        self.graphs = static_graphs(register or default_register())
        self.ontology_iri = str(DEFAULT_IRIS.graph("ontology"))
        self.ontology = self.graphs[self.ontology_iri]
        self.data = Graph()
        for iri, graph in self.graphs.items():
            if iri != self.ontology_iri:
                self.data += graph
        self._inference: Inference | None = None

    @property
    def inference(self) -> Inference:
        if self._inference is None:
            self._inference = Inference(self.ontology, self.data)
        return self._inference

    @property
    def key(self) -> str:
        """Fingerprint of what every document was checked against: the files of the
        ontology, taxonomies, register and shapes, the base, carekg's version and the
        loaders. (Files, not graphs: serialised graphs name blank nodes afresh each run.)"""
        digest = hashlib.sha256(f"{self.settings.base} {__version__}".encode())
        for folder in (ontology_dir(), shapes_dir()):
            for path in sorted(folder.rglob("*")):
                if path.suffix in (".ttl", ".csv"):
                    digest.update(path.name.encode())
                    digest.update(path.read_bytes())
        digest.update(loader_fingerprint().encode())
        return digest.hexdigest()

    def rebased(self, iri: str) -> str:
        return rebase_iri(iri, DEFAULT_BASE, self.settings.base)

    def validate(self, graphs: Iterable[Graph]) -> Any:
        """The shapes over ``graphs`` together with the static graphs: how builds, additions
        and ``carekg validate`` check documents."""
        data = Graph()
        data += self.data
        for graph in graphs:
            data += graph
        return validate(data, ontology=self.ontology)

    def write_static(self, snapshot: Snapshot, report: BuildReport) -> None:
        """Validate the static graphs on their own and write them with their entailments."""
        started = time.perf_counter()
        result = self.validate([])
        raise_on_violations(result, "the ontology, taxonomies and council register")
        report.phases["validating"] += time.perf_counter() - started
        started = time.perf_counter()
        inference = self.inference
        if inference.static_problems:
            _raise_on_contradictions(inference.static_problems)
        report.phases["inferring"] += time.perf_counter() - started
        started = time.perf_counter()
        graphs = dict(self.graphs)
        graphs[str(DEFAULT_IRIS.graph("inferred"))] = inference.static_graph()
        snapshot.put_graphs({self.rebased(i): self.out(g) for i, g in graphs.items()})
        report.triples += sum(len(g) for g in graphs.values())
        report.phases["storing"] += time.perf_counter() - started

    def out(self, graph: Graph) -> Graph:
        """``graph`` at the configured base."""
        return rebase_graph(graph, DEFAULT_BASE, self.settings.base)


def build(
    corpus_dir: Path,
    settings: Settings,
    *,
    progress: Progress = no_progress,
    changed: bool = False,
) -> BuildReport:
    """Build a new snapshot from a corpus directory and publish it if it validates.

    With ``changed``, start from the published snapshot and reload only the documents
    whose :func:`document_key` moved, remove those gone from the manifest, and keep the
    rest; a full build is made instead when there is no store yet or the static graphs,
    shapes, base or loaders changed since it was built."""
    started = time.perf_counter()
    register = default_register()
    records = read_manifest(corpus_dir, register)
    context = Context(settings, register)
    store = open_store(settings)
    key = context.key
    incremental = changed and store.exists() and _static_key(store) == key
    report = BuildReport("", 0, 0, 0)
    with store.writer(from_current=incremental) as snapshot:
        if incremental:
            keys = {record.id: document_key(record) for record in records}
            known = snapshot.meta.documents
            todo = [r for r in records if known.get(r.id, {}).get("key") != keys[r.id]]
            gone = sorted(set(known) - set(keys))
            for doc_id in gone:
                _forget(snapshot, doc_id, context.settings)
            report.unchanged = len(records) - len(todo)
            report.removed = len(gone)
        else:
            context.write_static(snapshot, report)
            todo = records
        _add(snapshot, todo, context, report, progress)
        snapshot.meta.static_key = key
        report.snapshot = store.publish(snapshot)
    report.seconds = time.perf_counter() - started
    return report


def add_document(record: DocumentRecord, settings: Settings, *, replace: bool) -> BuildReport:
    """Add (or replace) one document's named graph in a new snapshot."""
    started = time.perf_counter()
    store = open_store(settings)
    context = Context(settings)
    report = BuildReport("", 0, 0, 0)
    with store.writer(from_current=True) as snapshot:
        if record.id in snapshot.meta.documents and not replace:
            raise InputError(record.path, f"a document with id {record.id!r} is already in the "
                             "store; use --replace to replace it or --id to choose another id")
        _add(snapshot, [record], context, report, no_progress)
        report.snapshot = store.publish(snapshot)
    report.seconds = time.perf_counter() - started
    return report


def remove_document(doc_id: str, settings: Settings) -> BuildReport:
    """Remove one document's named graph (and what was inferred from it) in a new snapshot."""
    started = time.perf_counter()
    store = open_store(settings)
    with store.writer(from_current=True) as snapshot:
        if doc_id not in snapshot.meta.documents:
            known = ", ".join(sorted(snapshot.meta.documents)) or "none"
            raise InputError(settings.store, f"no document {doc_id!r} in the store "
                             f"(documents: {known})")
        _forget(snapshot, doc_id, settings)
        snapshot_id = store.publish(snapshot)
    return BuildReport(snapshot_id, 0, 0, 0, [], time.perf_counter() - started, removed=1)


def _static_key(store: Store) -> str | None:
    try:
        snapshot = store.open()
    except Exception:  # a damaged or missing store means: build it all
        return None
    try:
        return snapshot.meta.static_key
    finally:
        snapshot.close()


def batched(items: Iterable[T], size: Callable[[T], int]) -> Iterator[list[T]]:
    """``items`` in lists whose sizes add up to about :data:`BATCH_TRIPLES`."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        total += size(item)
        if total >= BATCH_TRIPLES:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _add(snapshot: Snapshot, records: list[DocumentRecord], context: Context,
         report: BuildReport, progress: Progress) -> None:
    """Load, check and write documents batch by batch (replacing any of the same id)."""

    told: dict[str, list[str]] = {}

    def loaded() -> Iterator[LoadedDocument]:
        for record in progress(records, "documents"):
            began = time.perf_counter()
            with _loader_log() as logged:
                document = load_document(record, DEFAULT_IRIS)
            told[record.id] = document_warnings(document, logged)
            report.phases["extracting"] += time.perf_counter() - began
            yield document

    for batch in batched(loaded(), lambda document: len(document.graph)):
        _check(batch, context, report)
        began = time.perf_counter()
        inferred, problems = context.inference.documents([d.graph for d in batch])
        if problems:
            _raise_on_contradictions(problems)
        report.phases["inferring"] += time.perf_counter() - began
        began = time.perf_counter()
        graphs = {}
        for document in batch:
            doc_id = document.record.id
            if doc_id in snapshot.meta.documents:
                _forget(snapshot, doc_id, context.settings)
            _record(snapshot, document)
            graphs[context.rebased(str(DEFAULT_IRIS.document_graph(doc_id)))] = \
                context.out(document.graph)
            report.warnings.extend(told.pop(doc_id, []))
            report.documents += 1
            report.facts += document.fact_count
            report.triples += len(document.graph)
        snapshot.put_graphs(graphs)
        snapshot.add_to_graph(context.rebased(str(DEFAULT_IRIS.graph("inferred"))),
                              context.out(inferred))
        report.triples += len(inferred)
        report.phases["storing"] += time.perf_counter() - began


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _loader_log() -> Iterator[list[str]]:
    """The loaders' logged warnings while one document loads, kept for the report rather
    than printed by logging's last-resort handler as well (the same warning twice)."""
    logger = logging.getLogger("carekg.loaders")
    handler, propagate = _Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def document_warnings(document: LoadedDocument, logged: Iterable[str] = ()) -> list[str]:
    """What to tell a person about a loaded document: each warning once, as one line that
    begins with the file's name (the loaders' own messages may begin with its path)."""
    record = document.record
    path = f"{record.path}: "
    found = [*document.warnings, *logged,
             unlisted_councils(document.text.text, record, default_register()) or ""]
    said: list[str] = []
    for warning in found:
        warning = warning.removeprefix(path).strip()
        if warning and warning not in said:
            said.append(warning)
    return [f"{record.path.name}: {w}" for w in said]


def _check(batch: list[LoadedDocument], context: Context, report: BuildReport) -> None:
    """The shapes over the batch's graphs together with the static graphs."""
    began = time.perf_counter()
    result = context.validate(d.graph for d in batch)
    if not result.conforms and len(batch) > 1:
        for document in batch:  # name the document at fault, not the batch
            _check([document], context, report)
    raise_on_violations(result, batch[0].record.path.name)
    report.phases["validating"] += time.perf_counter() - began


def _forget(snapshot: Snapshot, doc_id: str, settings: Settings) -> None:
    """Remove a document's graph, text, record and the triples inferred about its nodes."""
    graph_iri = rebase_iri(str(DEFAULT_IRIS.document_graph(doc_id)), DEFAULT_BASE, settings.base)
    old = snapshot.to_rdflib([graph_iri])
    nodes = {str(s) for s in old.subjects() if isinstance(s, URIRef)}
    inferred = rebase_iri(str(DEFAULT_IRIS.graph("inferred")), DEFAULT_BASE, settings.base)
    snapshot.remove_about(inferred, nodes)
    snapshot.remove_graph(graph_iri)
    snapshot.remove_text(doc_id)
    snapshot.meta.documents.pop(doc_id, None)


def _record(snapshot: Snapshot, document: LoadedDocument) -> None:
    # Every document's text is kept in the snapshot, so evidence offsets can be checked
    # and shown in context from the snapshot alone, wherever the source file has gone.
    record = document.record
    snapshot.put_text(record.id, document.text.text)
    sha256 = file_hash(record.path)
    snapshot.meta.documents[record.id] = {
        "file": record.path.name,
        "sha256": sha256,
        "key": document_key(record, sha256),
        "media_type": document.text.media_type,
        "facts": document.fact_count,
    }


def raise_on_violations(result: Any, what: str) -> None:
    if not result.conforms:
        raise ValidationError(
            f"{what}: the new graph does not conform to the shapes ({result.violation_count} "
            "violations); the store was left as it was", result.format_report())


def _raise_on_contradictions(problems: list[Any]) -> None:
    raise ValidationError(
        f"OWL RL inference found {len(problems)} contradictions; the store was left as "
        "it was", "\n".join(f"- {p.node or ''} {p.message}" for p in problems))
