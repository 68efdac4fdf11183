"""The on-disk store: immutable snapshots of a pyoxigraph database, swapped atomically.

Layout of a store directory (``--store DIR``)::

    DIR/current -> snapshots/<id>        symlink, replaced atomically with os.replace
    DIR/snapshots/<id>/oxigraph/         the pyoxigraph (RocksDB) database
    DIR/snapshots/<id>/texts/<doc>.txt   text extracted from PDF/HTML, which evidence offsets index
    DIR/snapshots/<id>/meta.json         build time, carekg version, documents and their hashes
    DIR/lock                             held by whoever is writing a new snapshot

Why snapshots: a build or an addition writes a *new* snapshot and publishes it only once
it has been fully written and validated, so an interrupted or failed build leaves the
previous store untouched, and a running server can keep reading the old snapshot until
it notices the new one. A published snapshot is never written to again, which is what
makes opening it read-only from other processes safe.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from carekg.config import Settings
from carekg.errors import QueryError, StoreError
from carekg.graph import backend
from carekg.graph.backend import SnapshotMeta, is_remote, now
from carekg.graph.remote import RemoteStore

#: How many published snapshots to keep (the current one and the one before it, which a
#: server may still be reading).
KEEP_SNAPSHOTS = 2


class Snapshot:
    """One snapshot directory: a database plus its texts and metadata."""

    def __init__(self, path: Path, store: ox.Store, meta: SnapshotMeta, *,
                 copied: bool = False) -> None:
        self.path = path
        self.store = store
        self.meta = meta
        #: Started as a copy of the published snapshot (an addition, not a full build).
        self.copied = copied

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def texts_dir(self) -> Path:
        return self.path / "texts"

    # -- writing (only before publication) -------------------------------------------

    def put_graph(self, graph_iri: str, graph: Graph) -> None:
        """Replace one named graph."""
        self.put_graphs({graph_iri: graph})

    def put_graphs(self, graphs: dict[str, Graph]) -> None:
        """Replace several named graphs in one bulk load: each ``bulk_load`` call has a
        fixed cost (about 0.1 s), which one call per document graph paid thousands of times."""
        lines: list[str] = []
        for graph_iri, graph in graphs.items():
            self.remove_graph(graph_iri)
            self.store.add_graph(ox.NamedNode(graph_iri))
            lines.extend(_quads(graph, graph_iri))
        if lines:
            self.store.bulk_load(input="".join(lines).encode("utf-8"),
                                 format=ox.RdfFormat.N_QUADS)

    def add_to_graph(self, graph_iri: str, graph: Graph) -> None:
        """Add triples to a named graph, keeping what it holds."""
        if len(graph):
            self.store.bulk_load(input="".join(_quads(graph, graph_iri)).encode("utf-8"),
                                 format=ox.RdfFormat.N_QUADS)

    def remove_about(self, graph_iri: str, nodes: Iterable[str]) -> None:
        """Remove from a named graph every triple whose subject or object is one of
        ``nodes`` (IRIs): a document's entailments, when the document goes."""
        name = ox.NamedNode(graph_iri)
        doomed: list[ox.Quad] = []
        for iri in nodes:
            node = ox.NamedNode(iri)
            doomed.extend(self.store.quads_for_pattern(node, None, None, name))
            doomed.extend(self.store.quads_for_pattern(None, None, node, name))
        for quad in doomed:
            self.store.remove(quad)

    def remove_graph(self, graph_iri: str) -> None:
        name = ox.NamedNode(graph_iri)
        if self.store.contains_named_graph(name):
            self.store.remove_graph(name)

    def put_text(self, doc_id: str, text: str) -> None:
        # Written beside and renamed over: texts of a snapshot copied from the current one
        # are hard links to the current snapshot's files, which must not change.
        self.texts_dir.mkdir(exist_ok=True)
        path = self.texts_dir / f"{doc_id}.txt"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)

    def remove_text(self, doc_id: str) -> None:
        (self.texts_dir / f"{doc_id}.txt").unlink(missing_ok=True)

    # -- reading ---------------------------------------------------------------------

    def query(self, sparql: str, **kwargs: Any) -> Any:
        """Run SPARQL with the union of all named graphs as the default graph."""
        kwargs.setdefault("use_default_graph_as_union", True)
        try:
            return self.store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL query: {exc}") from exc

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def to_rdflib(self, graphs: list[str] | None = None) -> Graph:
        """Merge named graphs (all by default) into one rdflib Graph, through N-Quads."""
        names = graphs if graphs is not None else self.graph_names()
        merged = Graph()
        for name in names:
            data = self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
            if data:
                merged.parse(data=data.decode("utf-8"), format="nt")
        return merged

    def text_of(self, doc_id: str) -> str | None:
        path = self.texts_dir / f"{doc_id}.txt"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def close(self) -> None:
        # pyoxigraph closes the database when the object is released.
        self.store = None  # type: ignore[assignment]


class StoreDir:
    """A store directory with its published snapshot and the means to publish a new one."""

    #: A ``readlink`` per request was a seventh of a cached answer's time under load, and
    #: a publication is never that close to the request before it.
    id_check_interval = 0.01

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    def exists(self) -> bool:
        return self.current_link.is_symlink() or self.current_link.exists()

    def current_path(self) -> Path:
        if not self.exists():
            raise StoreError(
                f"no store at {self.root}: run 'carekg build' first (or pass --store DIR)"
            )
        target = self.current_link.resolve()
        if not (target / "oxigraph").is_dir() or not (target / "meta.json").is_file():
            raise StoreError(
                f"the store at {self.root} is damaged ({target.name} is incomplete): "
                "run 'carekg build' to rebuild it"
            )
        return target

    def current_id(self) -> str | None:
        """The published snapshot's id: one ``readlink`` of ``current`` (whose target is
        ``snapshots/<id>``), since a server asks it every :attr:`id_check_interval`;
        ``Path.resolve`` walks every component of the path."""
        try:
            return os.path.basename(os.readlink(self.current_link))
        except OSError:  # no store yet, or ``current`` is not a symlink
            return self.current_link.resolve().name if self.exists() else None

    def open(self) -> Snapshot:
        """Open the published snapshot read-only."""
        path = self.current_path()
        try:
            store = ox.Store.read_only(str(path / "oxigraph"))
            meta = SnapshotMeta.from_file(path / "meta.json")
        except (OSError, ValueError, TypeError, RuntimeError) as exc:  # RocksDB corruption
            raise StoreError(
                f"the store at {self.root} cannot be opened ({exc}): "
                "run 'carekg build' to rebuild it"
            ) from exc
        return Snapshot(path, store, meta)

    @contextmanager
    def writer(self, *, from_current: bool) -> Iterator[Snapshot]:
        """A new, unpublished snapshot; published by :meth:`publish`, else discarded.

        With ``from_current`` the new snapshot starts as a copy of the published one
        (RocksDB checkpoint: hard links, so cheap), for additions and removals.
        """
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._remove_leftovers()
            # Microseconds keep snapshot names in publication order, which pruning relies on.
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.snapshots_dir / f".tmp-{stamp}-{uuid.uuid4().hex[:8]}"
            path.mkdir()
            snapshot: Snapshot | None = None
            try:
                if from_current:
                    current = self.current_path()
                    source = ox.Store.read_only(str(current / "oxigraph"))
                    source.backup(str(path / "oxigraph"))
                    del source
                    if (current / "texts").is_dir():
                        # hard links: an addition must not cost a copy of every text
                        shutil.copytree(current / "texts", path / "texts",
                                        copy_function=os.link)
                    meta = SnapshotMeta.from_file(current / "meta.json")
                    meta.built_at = now()
                else:
                    meta = SnapshotMeta(built_at=now())
                snapshot = Snapshot(path, ox.Store(str(path / "oxigraph")), meta,
                                    copied=from_current)
                yield snapshot
            except BaseException:
                # Close the database first: RocksDB's background threads may still be
                # writing files into the directory rmtree is emptying.
                if snapshot is not None:
                    snapshot.close()
                shutil.rmtree(path, ignore_errors=True)
                raise

    def publish(self, snapshot: backend.Snapshot) -> str:
        """Flush, close and atomically make ``snapshot`` the current one; returns its id."""
        if not isinstance(snapshot, Snapshot):
            raise TypeError(f"not a snapshot of this store: {snapshot!r}")
        snapshot.store.flush()
        if not snapshot.copied:
            # Compaction pays off after a full build; after an addition to a large store it
            # would rewrite the whole database (10 s of a 15 s add at 1,000 councils) for
            # one document's few sorted files, which RocksDB compacts in its own time.
            snapshot.store.optimize()
        (snapshot.path / "meta.json").write_text(snapshot.meta.to_json(), encoding="utf-8")
        snapshot.close()
        final = self.snapshots_dir / snapshot.path.name.removeprefix(".tmp-")
        os.replace(snapshot.path, final)
        snapshot.path = final
        tmp_link = self.root / f".current-{uuid.uuid4().hex[:8]}"
        os.symlink(Path("snapshots") / final.name, tmp_link)
        os.replace(tmp_link, self.current_link)
        _fsync_dir(self.root)
        self._prune()
        return final.name

    def _prune(self) -> None:
        current = self.current_link.resolve().name
        published = sorted(p for p in self.snapshots_dir.iterdir() if not p.name.startswith("."))
        for old in published[:-KEEP_SNAPSHOTS]:
            if old.name != current:
                shutil.rmtree(old, ignore_errors=True)
        self._remove_leftovers()

    def _remove_leftovers(self) -> None:
        """Remove unpublished snapshots of interrupted writers (e.g. a killed build).

        Only called under the store lock, so no live writer owns them."""
        for tmp in self.snapshots_dir.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(
                    f"another carekg process is writing to {self.root}; try again when it ends"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def local(snapshot: backend.Snapshot) -> Snapshot:
    """``snapshot`` as an embedded one, for what only a pyoxigraph database offers (its
    files, ``Store.dump``); a remote snapshot is refused with a one-line reason."""
    if not isinstance(snapshot, Snapshot):
        raise StoreError("this needs the embedded store (--store DIR), not a remote server")
    return snapshot


def open_store(settings: Settings) -> backend.Store:
    """The store ``settings.store`` names: a directory (:class:`StoreDir`) or the URL of a
    SPARQL server (``sparql+http://...``, :class:`carekg.graph.remote.RemoteStore`).

    The one place that decides, so the builder, the CLI and the application agree."""
    if is_remote(settings.store):
        return RemoteStore(str(settings.store), settings.graph_store,
                           timeout=max(settings.query_timeout, 300.0))
    return StoreDir(Path(settings.store))


def _quads(graph: Graph, graph_iri: str) -> Iterator[str]:
    """N-Quads lines of ``graph`` in ``graph_iri``: N-Triples escape newlines in literals,
    so every line ends with " ." and the graph name goes in before it."""
    suffix = f" <{graph_iri}> .\n"
    for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").split("\n"):
        if line.endswith(" ."):
            yield line[:-2] + suffix


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# mypy checks here that the embedded backend keeps the contract.
_store: type[backend.Store] = StoreDir
_snapshot: type[backend.Snapshot] = Snapshot
