"""Incremental builds: ``build --changed``, ``add`` and ``remove`` touch only the documents
that changed, and leave the store exactly as a full build of the same corpus would."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from carekg.config import Settings
from carekg.councils import default_register
from carekg.graph.build import add_document, build, remove_document
from carekg.graph.check import check_documents, check_full
from carekg.graph.store import StoreDir
from carekg.loaders.manifest import read_manifest

# Our own invented sentences in the genre (not taken from the corpus or the gold files).
DOCUMENTS = {
    "alpha": ("Islington", "Home care\n\nThe Council spends £2.5m a year on home care.\n"
              "The Council will increase the number of extra care housing units by 2027.\n"),
    "beta": ("Sefton", "Supported living\n\nThere are 140 people in supported living.\n"
             "The Council will review day opportunities in 2025.\n"),
    "gamma": ("Leicester", "Carers\n\nThe Council spends £400,000 per annum on carers "
              "support services.\n"),
}


def write_corpus(folder: Path, documents: dict[str, tuple[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for doc_id, (council, text) in documents.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        entries.append(f"  - file: {doc_id}.txt\n    title: {doc_id}\n"
                       f"    councils: [{council}]\n    kind: other\n    issued: '2024'\n")
    (folder / "manifest.yaml").write_text("documents:\n" + "".join(entries), encoding="utf-8")
    return folder


def quads(store: Path) -> set[str]:
    """Every quad of the published snapshot, blank nodes included as written."""
    snapshot = StoreDir(store).open()
    return {str(q) for q in snapshot.store.quads_for_pattern(None, None, None, None)}


def graph_quads(store: Path, graph: str) -> set[str]:
    snapshot = StoreDir(store).open()
    name = ox.NamedNode(graph)
    return {str(q) for q in snapshot.store.quads_for_pattern(None, None, None, name)}


def settings(store: Path) -> Settings:
    return Settings(store=store)


INFERRED = "https://w3id.org/carekg/graph/inferred"


def test_nothing_changed_loads_nothing(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", DOCUMENTS)
    store = tmp_path / "store"
    build(corpus, settings(store))
    before = quads(store)
    report = build(corpus, settings(store), changed=True)
    assert (report.documents, report.unchanged, report.removed) == (0, 3, 0)
    assert quads(store) == before


def test_changed_build_equals_a_full_build(tmp_path: Path) -> None:
    """One document edited, one gone, one new: --changed reloads two documents and the
    store it publishes holds exactly the quads of a full build of the new corpus."""
    store = tmp_path / "store"
    build(write_corpus(tmp_path / "old", DOCUMENTS), settings(store))
    edited = dict(DOCUMENTS)
    edited["alpha"] = ("Islington", DOCUMENTS["alpha"][1].replace("£2.5m", "£3.1m"))
    del edited["beta"]
    edited["delta"] = ("Knowsley", "Extra care\n\nThe Council will develop 60 extra care "
                       "housing units by 2030.\n")
    corpus = write_corpus(tmp_path / "new", edited)
    report = build(corpus, settings(store), changed=True)
    assert (report.documents, report.unchanged, report.removed) == (2, 1, 1)

    full = tmp_path / "full"
    build(corpus, settings(full))
    assert _without_blank_nodes(quads(store)) == _without_blank_nodes(quads(full))
    assert graph_quads(store, INFERRED) == graph_quads(full, INFERRED)
    assert not any("/beta/" in q or "/document/beta" in q for q in quads(store))


def _without_blank_nodes(found: set[str]) -> set[str]:
    # Evidence selectors are blank nodes, labelled afresh by each load.
    return {q for q in found if "_:" not in q}


def test_a_changed_base_rebuilds_everything(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", DOCUMENTS)
    store = tmp_path / "store"
    build(corpus, settings(store))
    report = build(corpus, Settings(store=store, base="http://example.org/kg/"), changed=True)
    assert (report.documents, report.unchanged) == (3, 0)


def test_add_then_remove_restores_the_inferred_graph(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"alpha": DOCUMENTS["alpha"]})
    store = tmp_path / "store"
    build(corpus, settings(store))
    before = graph_quads(store, INFERRED)
    extra = write_corpus(tmp_path / "extra", {"gamma": DOCUMENTS["gamma"]})
    record = read_manifest(extra, default_register())[0]
    add_document(record, settings(store), replace=False)
    added = graph_quads(store, INFERRED)
    assert before < added
    assert all("/gamma/" in q or "/document/gamma" in q for q in added - before)

    remove_document("gamma", settings(store))
    assert graph_quads(store, INFERRED) == before


def test_replacing_a_document_drops_its_old_entailments(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"beta": DOCUMENTS["beta"]})
    store = tmp_path / "store"
    build(corpus, settings(store))
    replacement = write_corpus(tmp_path / "next", {"beta": DOCUMENTS["gamma"]})
    add_document(read_manifest(replacement, default_register())[0], settings(store), replace=True)
    full = tmp_path / "full"
    build(replacement, settings(full))
    assert graph_quads(store, INFERRED) == graph_quads(full, INFERRED)


def test_validate_document_by_document_and_full(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", DOCUMENTS)
    store = tmp_path / "store"
    build(corpus, settings(store))
    snapshot = StoreDir(store).open()
    assert check_documents(snapshot, settings(store)).ok
    full = check_full(snapshot, settings(store))
    assert full.ok and full.missing_inferred == full.stale_inferred == 0


def test_full_validation_sees_a_stale_inferred_graph(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"alpha": DOCUMENTS["alpha"]})
    store = tmp_path / "store"
    build(corpus, settings(store))
    directory = StoreDir(store)
    with directory.writer(from_current=True) as snapshot:
        snapshot.store.add(ox.Quad(ox.NamedNode("https://w3id.org/carekg/id/fact/alpha/x"),
                                   ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                   ox.NamedNode("https://w3id.org/carekg/def#Fact"),
                                   ox.NamedNode(INFERRED)))
        directory.publish(snapshot)
    check = check_full(directory.open(), settings(store))
    assert check.stale_inferred == 1 and not check.ok


@pytest.mark.parametrize("flag", [[], ["--full"]])
def test_validate_command(tmp_path: Path, flag: list[str]) -> None:
    import subprocess
    import sys

    corpus = write_corpus(tmp_path / "corpus", {"gamma": DOCUMENTS["gamma"]})
    store = tmp_path / "store"
    build(corpus, settings(store))
    result = subprocess.run([sys.executable, "-m", "carekg", "validate", *flag, "--store",
                             str(store)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("inferred graph: 0 entailments missing" in result.stdout) == bool(flag)
