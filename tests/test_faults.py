"""Faults: a build or an addition killed with SIGKILL, a damaged store, a server reading a
store that is being rebuilt. The published snapshot must survive all of them: still the
previous version, still answering with the same counts, and the next run must succeed.

Everything runs the real CLI in child processes on two small corpora cut from the
bundled one (A: one document, B: two others), so the two stores' counts differ.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from carekg.bench.served import free_port, stop_group
from carekg.graph.store import StoreDir
from carekg.resources import corpus_dir

CORPORA = {
    "A": ["sefton-cabinet-supported-living-2021"],
    "B": ["knowsley-liverpool-sefton-mps-extracts",
          "leicester-all-age-commissioning-strategy-2020"],
}
COUNT_QUERY = ("SELECT (COUNT(DISTINCT ?d) AS ?docs) (COUNT(?f) AS ?facts) "
               "WHERE { ?f <https://w3id.org/carekg/def#evidence> ?e ; "
               "<http://www.w3.org/ns/prov#wasDerivedFrom> ?d }")
BUILD_SECONDS = 120  # ceiling for one build of a small corpus on a busy 2-core machine



def carekg(*args: str, timeout: float = BUILD_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "carekg", *args], capture_output=True,
                          text=True, timeout=timeout)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "carekg", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two corpus directories with their own manifest, cut from the bundled corpus."""
    root = tmp_path_factory.mktemp("corpora")
    manifest = yaml.safe_load((corpus_dir() / "manifest.yaml").read_text(encoding="utf-8"))
    made = {}
    for name, ids in CORPORA.items():
        directory = root / name
        directory.mkdir()
        entries = [d for d in manifest["documents"] if d["id"] in ids]
        assert len(entries) == len(ids)
        for entry in entries:
            shutil.copy(corpus_dir() / entry["file"], directory / entry["file"])
        (directory / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}),
                                                 encoding="utf-8")
        made[name] = directory
    return made


@pytest.fixture(scope="module")
def store_a(corpora: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from corpus A, copied by each test that changes it."""
    store = tmp_path_factory.mktemp("a") / "store"
    done = carekg("build", "--corpus", str(corpora["A"]), "--store", str(store), "-q")
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture()
def store(store_a: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(store_a, copy, symlinks=True)
    return copy


def counts(store: Path) -> tuple[str, int, int]:
    """(current snapshot id, documents, facts) read from the published snapshot."""
    snapshot = StoreDir(store).open()
    try:
        row = next(iter(snapshot.query(COUNT_QUERY)))
        return snapshot.id, int(row["docs"].value), int(row["facts"].value)
    finally:
        snapshot.close()


def leftovers(store: Path) -> list[str]:
    return sorted(p.name for p in (store / "snapshots").glob(".tmp-*"))


def wait_for(condition, timeout: float = BUILD_SECONDS) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


# -- kill -9 during build and add ------------------------------------------------------

def test_build_killed_at_several_points_leaves_the_previous_store(
        store: Path, corpora: dict[str, Path]) -> None:
    before = counts(store)
    tmp_of = lambda: list((store / "snapshots").glob(".tmp-*"))  # noqa: E731
    points = {
        "as its unpublished snapshot appears": lambda: bool(tmp_of()),
        "while it writes document texts": lambda: any(
            any((t / "texts").glob("*.txt")) for t in tmp_of() if (t / "texts").is_dir()),
    }
    delay = random.Random().uniform(0.5, 8.0)
    outcomes = []
    for label, condition in [*points.items(), (f"after {delay:.2f} s", None)]:
        build = start("build", "--corpus", str(corpora["B"]), "--store", str(store), "-q")
        if condition is None:
            time.sleep(delay)
        else:
            assert wait_for(condition), f"{label}: never reached"
        finished = build.poll() is not None
        kill(build)
        after = counts(store)
        if finished or after[0] != before[0]:
            # the build had already published: the new snapshot must be whole
            assert after[1] == len(CORPORA["B"]), (label, after)
            outcomes.append((label, "published before the kill"))
            before = after
            continue
        assert after == before, label
        outcomes.append((label, "killed"))
    assert any(outcome == "killed" for _, outcome in outcomes), outcomes
    # the next build succeeds and clears what the killed ones left behind
    done = carekg("build", "--corpus", str(corpora["B"]), "--store", str(store), "-q")
    assert done.returncode == 0, done.stderr
    assert leftovers(store) == []
    assert counts(store)[1] == len(CORPORA["B"])


def test_add_killed_leaves_the_previous_store(store: Path, corpora: dict[str, Path]) -> None:
    before = counts(store)
    document = corpora["B"] / "knowsley-liverpool-sefton-mps-extracts.txt"
    args = ("add", str(document), "--council", "E08000014", "--kind", "other",
            "--issued", "2024", "--store", str(store), "-q")
    add = start(*args)
    assert wait_for(lambda: any((store / "snapshots").glob(".tmp-*/oxigraph")))
    kill(add)
    assert add.returncode == -signal.SIGKILL
    assert counts(store) == before
    done = carekg(*args)
    assert done.returncode == 0, done.stderr
    assert leftovers(store) == []
    after = counts(store)
    assert after[0] != before[0] and after[1] == before[1] + 1 and after[2] > before[2]


# -- a damaged store -------------------------------------------------------------------

def _delete_database_files(store: Path) -> None:
    for path in (store / "current" / "oxigraph").iterdir():
        if path.suffix == ".sst":
            path.unlink()


def _delete_all_database_files(store: Path) -> None:
    for path in (store / "current" / "oxigraph").iterdir():
        path.unlink()


def _garbage_meta(store: Path) -> None:
    (store / "current" / "meta.json").write_bytes(b"\x00{not json at all")


def _dangling_link(store: Path) -> None:
    target = (store / "current").resolve()
    shutil.rmtree(target)


DAMAGE = {
    "database files (.sst) deleted": _delete_database_files,
    "every database file deleted": _delete_all_database_files,
    "garbage meta.json": _garbage_meta,
    "current points nowhere": _dangling_link,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_store_gives_one_clear_line_and_build_recovers(
        store: Path, corpora: dict[str, Path], damage) -> None:  # type: ignore[no-untyped-def]
    damage(store)
    stats = carekg("stats", "--store", str(store))
    assert stats.returncode == 1, stats.stderr
    assert "Traceback" not in stats.stderr
    lines = stats.stderr.strip().splitlines()
    assert len(lines) == 1 and "carekg build" in lines[0], stats.stderr
    done = carekg("build", "--corpus", str(corpora["A"]), "--store", str(store), "-q")
    assert done.returncode == 0, done.stderr
    assert carekg("stats", "--store", str(store)).returncode == 0
    assert counts(store)[1] == len(CORPORA["A"])


# -- a server across a rebuild ---------------------------------------------------------

@pytest.fixture()
def server(store: Path) -> Iterator[str]:
    port = free_port()
    process = start("serve", "--store", str(store), "--port", str(port), "--no-rate-limit", "-q")
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _answers(url), timeout=60), "the server did not come up"
        yield url
    finally:
        stop_group(process)


def _answers(url: str) -> bool:
    try:
        return _served_counts(url) is not None
    except OSError:
        return False


def _served_counts(url: str) -> tuple[int, int]:
    body = urllib.parse.urlencode({"query": COUNT_QUERY}).encode()
    request = urllib.request.Request(f"{url}/sparql", data=body,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        row = json.load(response)["results"]["bindings"][0]
    return int(row["docs"]["value"]), int(row["facts"]["value"])


def test_server_keeps_the_old_snapshot_until_the_new_one_is_published(
        store: Path, server: str, corpora: dict[str, Path]) -> None:
    _, docs_a, facts_a = counts(store)
    assert _served_counts(server) == (docs_a, facts_a)
    build = start("build", "--corpus", str(corpora["B"]), "--store", str(store), "-q")
    served = []
    while build.poll() is None:
        served.append(_served_counts(server))
        time.sleep(0.2)
    _, errors = build.communicate()
    assert build.returncode == 0, errors
    _, docs_b, facts_b = counts(store)
    assert (docs_b, facts_b) != (docs_a, facts_a)
    # the old answers until the swap, then (if a query landed after it) only the new ones
    old = [c == (docs_a, facts_a) for c in served]
    assert sum(old) > 0, served
    assert old == sorted(old, reverse=True), served
    assert all(c == (docs_b, facts_b) for c in served if c != (docs_a, facts_a)), served
    assert _served_counts(server) == (docs_b, facts_b)  # no restart
