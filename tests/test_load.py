"""``carekg load DUMP``: a store from a carekg dump, validated and published like a build.

The dumps are the ones the endpoint serves (``/dumps/carekg.nq.gz``, ``carekg.trig.gz``),
read from a file and downloaded over real HTTP; a dump that does not conform, is of
another base or is not RDF at all leaves the published store as it was.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from carekg.config import Settings
from carekg.errors import InputError, ValidationError
from carekg.graph.load import load_dump
from carekg.graph.store import StoreDir

CAREKG = [sys.executable, "-m", "carekg"]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _count(store: Path, query: str = COUNT) -> int:
    return int(next(iter(StoreDir(store).open().query(query)))["n"].value)


@pytest.fixture(scope="module")
def dump(live_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus's N-Quads dump as the endpoint serves it."""
    path = tmp_path_factory.mktemp("dump") / "carekg.nq.gz"
    with urllib.request.urlopen(f"{live_url}/dumps/carekg.nq.gz", timeout=120) as answer:
        path.write_bytes(answer.read())
    return path


def test_a_dump_loads_into_the_same_store(dump: Path, built_settings: Settings,
                                          tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "mirror")
    report = load_dump(str(dump), settings)
    assert _count(settings.store) == _count(Path(built_settings.store))
    built = StoreDir(Path(built_settings.store)).open()
    assert report.documents == len(built.meta.documents) > 0
    mirror = StoreDir(settings.store).open()
    assert set(mirror.meta.documents) == set(built.meta.documents)
    assert sorted(mirror.graph_names()) == sorted(built.graph_names())
    assert report.facts > 0 and report.triples == _count(settings.store)


def test_the_cli_downloads_a_dump_and_serves_it(live_url: str, tmp_path: Path,
                                                built_settings: Settings) -> None:
    store = tmp_path / "mirror"
    result = subprocess.run([*CAREKG, "load", f"{live_url}/dumps/carekg.trig.gz",
                             "--store", str(store)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("loaded ")
    assert _count(store) == _count(Path(built_settings.store))
    stats = subprocess.run([*CAREKG, "stats", "--json", "--store", str(store)],
                           capture_output=True, text=True, timeout=120)
    assert stats.returncode == 0 and "graph/councils" in stats.stdout


def _rewritten(dump: Path, out: Path, old: bytes, new: bytes) -> Path:
    out.write_bytes(gzip.compress(gzip.decompress(dump.read_bytes()).replace(old, new)))
    return out


def test_a_dump_that_does_not_conform_is_refused(dump: Path, tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "mirror")
    load_dump(str(dump), settings)
    before = StoreDir(settings.store).current_id()
    # every fact loses its council: the shapes require exactly one
    broken = _rewritten(dump, tmp_path / "broken.nq.gz",
                        b"<https://w3id.org/carekg/def#council>",
                        b"<https://w3id.org/carekg/def#councilX>")
    with pytest.raises(ValidationError, match="does not conform"):
        load_dump(str(broken), settings)
    assert StoreDir(settings.store).current_id() == before
    assert not list((settings.store / "snapshots").glob(".tmp-*"))


def test_a_dump_of_another_base_says_so(dump: Path, tmp_path: Path) -> None:
    moved = _rewritten(dump, tmp_path / "moved.nq.gz", b"https://w3id.org/carekg/",
                       b"http://data.example.gov.uk/carekg/")
    with pytest.raises(InputError, match="another base"):
        load_dump(str(moved), Settings(store=tmp_path / "mirror"))
    assert not StoreDir(tmp_path / "mirror").exists()
    loaded = load_dump(str(moved), Settings(store=tmp_path / "mirror",
                                            base="http://data.example.gov.uk/carekg/"))
    assert loaded.documents > 0


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("carekg.nq.gz", b"not gzip at all", "cannot read the dump"),
    ("carekg.nq", b"<a> <b> .\n", "cannot read the dump"),
    ("carekg.ttl", b"", "not a carekg dump"),
])
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, name: str, content: bytes,
                                          problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run([*CAREKG, "load", str(path), "--store", str(tmp_path / "s")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and problem in lines[0], result.stderr
    assert not (tmp_path / "s" / "current").exists()


def test_a_dump_holds_no_texts_and_says_where_documents_came_from(dump: Path,
                                                                   tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "mirror")
    load_dump(str(dump), settings)
    snapshot = StoreDir(settings.store).open()
    doc_id = sorted(snapshot.meta.documents)[0]
    assert snapshot.text_of(doc_id) is None
    assert snapshot.meta.documents[doc_id]["source"] == "dump"
    assert isinstance(next(iter(snapshot.store.named_graphs())), ox.NamedNode)
