"""The store publishes whole snapshots or nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from carekg.errors import StoreError
from carekg.graph.store import KEEP_SNAPSHOTS, StoreDir

G = "https://w3id.org/carekg/graph/test"
S = URIRef("https://w3id.org/carekg/id/thing/1")
P = URIRef("https://w3id.org/carekg/def#name")


def _graph(value: str) -> Graph:
    graph = Graph()
    graph.add((S, P, Literal(value)))
    return graph


def _names(store: StoreDir) -> list[str]:
    snapshot = store.open()
    return [s["o"].value for s in snapshot.query(f"SELECT ?o WHERE {{ <{S}> <{P}> ?o }}")]


def _publish(store: StoreDir, value: str, *, from_current: bool = False) -> str:
    with store.writer(from_current=from_current) as snapshot:
        snapshot.put_graph(G, _graph(value))
        return store.publish(snapshot)


def test_publish_then_read(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    _publish(store, "first")
    assert _names(store) == ["first"]
    assert (tmp_path / "store" / "current").is_symlink()


def test_failed_write_leaves_previous_snapshot(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    first = _publish(store, "first")
    with pytest.raises(RuntimeError), store.writer(from_current=True) as snapshot:
        snapshot.put_graph(G, _graph("second"))
        raise RuntimeError("validation failed half way")
    assert store.current_id() == first
    assert _names(store) == ["first"]
    assert not list((tmp_path / "store" / "snapshots").glob(".tmp-*"))


def test_copy_on_write_keeps_old_snapshot_readable(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    _publish(store, "first")
    reader = store.open()  # a server holding the old snapshot
    _publish(store, "second", from_current=True)
    query = f"SELECT ?o WHERE {{ <{S}> <{P}> ?o }}"
    assert [s["o"].value for s in reader.query(query)] == ["first"]
    assert _names(store) == ["second"]


def test_old_snapshots_are_pruned(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    for n in range(KEEP_SNAPSHOTS + 2):
        _publish(store, f"v{n}")
    published = [p for p in (tmp_path / "store" / "snapshots").iterdir()
                 if not p.name.startswith(".")]
    assert len(published) == KEEP_SNAPSHOTS


def test_leftovers_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    _publish(store, "first")
    leftover = tmp_path / "store" / "snapshots" / ".tmp-killed"
    leftover.mkdir()
    _publish(store, "second")
    assert not leftover.exists()


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="carekg build"):
        StoreDir(tmp_path / "nothing").open()


def test_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    _publish(store, "first")
    shutil.rmtree(store.current_path() / "oxigraph")
    with pytest.raises(StoreError, match="damaged"):
        store.open()
    # and a new build recovers
    _publish(store, "again")
    assert _names(store) == ["again"]


def test_second_writer_is_refused(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "store")
    _publish(store, "first")
    with store.writer(from_current=True), pytest.raises(StoreError, match="another carekg"):
        with store.writer(from_current=True):
            pass
    assert os.path.islink(tmp_path / "store" / "current")
