"""What every store backend offers: the contract of a store and of its snapshots.

Two backends keep it: the embedded one (:mod:`carekg.graph.store`, pyoxigraph snapshots
in a directory) and a remote SPARQL server (:mod:`carekg.graph.remote`). The builder, the
CLI and the application are written against these Protocols, and mypy checks that both
backends satisfy them (the assignments at the end of each backend's module). This
module imports neither backend, so they do not import each other.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rdflib import Graph

from carekg import __version__


@dataclass
class SnapshotMeta:
    """What a snapshot records about itself (``meta.json``, or the remote meta graph)."""

    built_at: str
    carekg_version: str = __version__
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Fingerprint of the ontology, taxonomies, register, shapes and base the documents were
    #: validated and inferred against (``carekg build --changed`` rebuilds all when it moves).
    static_key: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SnapshotMeta:
        return cls(**json.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> SnapshotMeta:
        return cls.from_json(path.read_text(encoding="utf-8"))


def now() -> str:
    """A snapshot's build time, as ``meta.built_at`` records it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Snapshot(Protocol):
    """One published (read) or unpublished (written) state of the store."""

    meta: SnapshotMeta

    @property
    def id(self) -> str: ...
    @property
    def path(self) -> Path | str:
        """Where its data is: a directory, or the remote server's URL."""

    # -- writing, only before publication ----------------------------------------------
    def put_graph(self, graph_iri: str, graph: Graph) -> None: ...
    def put_graphs(self, graphs: dict[str, Graph]) -> None: ...
    def add_to_graph(self, graph_iri: str, graph: Graph) -> None: ...
    def remove_about(self, graph_iri: str, nodes: Iterable[str]) -> None: ...
    def remove_graph(self, graph_iri: str) -> None: ...
    def put_text(self, doc_id: str, text: str) -> None: ...
    def remove_text(self, doc_id: str) -> None: ...

    # -- reading -----------------------------------------------------------------------
    def query(self, sparql: str, **kwargs: Any) -> Any:
        """SPARQL over the union of the named graphs; pyoxigraph's result objects."""
    def graph_names(self) -> list[str]: ...
    def to_rdflib(self, graphs: list[str] | None = None) -> Graph: ...
    def text_of(self, doc_id: str) -> str | None: ...
    def close(self) -> None: ...


class Store(Protocol):
    """A store: its published snapshot, and the means to write and publish a new one."""

    #: Seconds a server may trust the published snapshot's id before asking again
    #: (:class:`carekg.api.app.SnapshotHolder`): what one asking costs decides it.
    id_check_interval: float

    def exists(self) -> bool: ...
    def current_id(self) -> str | None: ...
    def open(self) -> Snapshot: ...
    def writer(self, *, from_current: bool) -> AbstractContextManager[Snapshot]: ...
    def publish(self, snapshot: Snapshot) -> str: ...


def is_remote(store: object) -> bool:
    """Whether a ``--store`` value names a remote SPARQL server rather than a directory."""
    return str(store).startswith(("sparql+http://", "sparql+https://"))
