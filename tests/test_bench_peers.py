"""``carekg bench --peers`` for real at a tiny size: a real ``carekg serve``, Oxigraph's
own server (the ``oxigraph`` command of the test extra) and Virtuoso when it is installed,
over real HTTP on the same N-Quads dump.

No speed is asserted (the command reports it, as ratios measured side by side). These
check that the printed tables parse, that carekg and Oxigraph's server (the same engine)
give the same rows for every saved query, that every disagreement with a peer is reported
where the row counts say it should be, and that the servers and temporary directories
are gone afterwards."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carekg.bench.oxigraph_server import binary
from carekg.bench.peers import agreement
from carekg.bench.tables import parse as parse_tables
from carekg.bench.virtuoso import installed as virtuoso_installed
from carekg.graph.saved_queries import catalogue

needs_oxigraph = pytest.mark.skipif(
    binary() is None, reason="no oxigraph command: pip install oxigraph (in the test extra)")


def positive(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


@pytest.fixture(scope="module")
def peers_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    if binary() is None:
        pytest.skip("no oxigraph command: pip install oxigraph (in the test extra)")
    here = tmp_path_factory.mktemp("peers")
    scratch = here / "tmp"
    scratch.mkdir()
    out = here / "peers.json"
    done = subprocess.run(
        [sys.executable, "-m", "carekg.bench", "--peers", "--sizes", "2", "--rounds", "2",
         "--throughput-seconds", "1", "--load-seconds", "3", "--json", str(out)],
        capture_output=True, text=True, timeout=300, cwd=here,
        env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), done.stdout, scratch


@pytest.mark.slow
@needs_oxigraph
def test_the_tables_parse(peers_run: tuple[dict[str, Any], str, Path]) -> None:
    result, stdout, _ = peers_run
    tables = parse_tables(stdout)
    assert {"ratios", "queries", "disagreements", "fixed cost", "lookup", "memory",
            "load"} <= set(tables)
    for name, rows in tables.items():
        assert len(rows) > 1, name
        assert {len(r) for r in rows} == {len(rows[0])}, name
    assert not any(line.startswith("[") for line in stdout.splitlines())  # progress: TTY only
    peers = ["oxigraph"] + (["virtuoso"] if virtuoso_installed() else [])
    ratios = tables["ratios"]
    assert ratios[0][:3] == ["size", "peer", "median_ratio"]
    assert [r[1] for r in ratios[1:]] == peers
    for row in ratios[1:]:
        assert row[0] == "2" and positive(float(row[2])), row
    assert sorted(r[1] for r in tables["queries"][1:]) == sorted(catalogue())
    engines = {r[1] for r in tables["memory"][1:]}
    assert engines == {"carekg", *peers}
    assert all(positive(float(r[2])) for r in tables["memory"][1:])
    fixed = dict(zip(tables["fixed cost"][0], tables["fixed cost"][1], strict=True))
    assert positive(float(fixed["in_process"])) and positive(float(fixed["carekg"]))
    assert positive(float(fixed["oxigraph"]))
    lookups = {(r[1], r[2]): r for r in tables["lookup"][1:]}
    for key in [("carekg", "uncached"), ("carekg", "cached"), ("oxigraph", "uncached")]:
        assert positive(float(lookups[key][4])) and lookups[key][7] == "0", key
    for n in (1, 2):  # both server counts are measured, without errors
        row = lookups[(f"carekg_processes_{n}", "uncached")]
        assert positive(float(row[4])) and row[7] == "0", row
    assert result["settings"]["rounds"] == 2


@pytest.mark.slow
@needs_oxigraph
def test_row_counts_agree_and_disagreements_are_reported(
        peers_run: tuple[dict[str, Any], str, Path]) -> None:
    result, stdout, _ = peers_run
    (size,) = result["sizes"]
    header, *rows = parse_tables(stdout)["queries"]
    printed = {r[1]: dict(zip(header, r, strict=True)) for r in rows}
    expected_disagreements = set()
    for q in size["queries"]:
        name, counts = q["query"], q["rows"]
        assert not q["errors"].get("carekg") and not q["errors"].get("oxigraph"), q["errors"]
        # carekg is pyoxigraph behind Flask: Oxigraph's own server must give the same rows
        assert counts["carekg"] == counts["oxigraph"], name
        assert printed[name]["rows_carekg"] == str(counts["carekg"])
        assert printed[name]["rows_oxigraph"] == str(counts["oxigraph"])
        assert positive(q["ms"]["carekg"]) and positive(q["ms"]["oxigraph"]), name
        if "virtuoso" in counts and counts["virtuoso"] != counts["carekg"]:
            expected_disagreements.add((name, "virtuoso"))
        agree = len(set(counts.values())) == 1
        assert printed[name]["agree"] == ("yes" if agree else "no"), name
    listed = {(r[1], r[2]) for r in parse_tables(stdout)["disagreements"][1:] if r[1] != "none"}
    assert listed == expected_disagreements
    summary = size["summary"]
    assert summary["oxigraph"]["disagreeing"] == []
    assert summary["oxigraph"]["agreeing_queries"] == len(catalogue())


@pytest.mark.slow
@needs_oxigraph
@pytest.mark.skipif(not virtuoso_installed(),
                    reason="no virtuoso-t: apt-get install virtuoso-opensource")
def test_virtuoso_answered_every_saved_query(
        peers_run: tuple[dict[str, Any], str, Path]) -> None:
    result, _, _ = peers_run
    (size,) = result["sizes"]
    assert result["engines"]["virtuoso"], result["settings"]["peers"]["virtuoso"]
    for q in size["queries"]:
        assert "virtuoso" not in q["errors"], q["errors"]
        assert positive(q["ms"]["virtuoso"]), q["query"]
    assert positive(size["fixed_cost_ms"]["virtuoso"])
    assert positive(size["summary"]["virtuoso"]["median_ratio_all"])


@pytest.mark.slow
@needs_oxigraph
def test_load_mix_ran_and_heavy_queries_were_stopped(
        peers_run: tuple[dict[str, Any], str, Path]) -> None:
    result, _, _ = peers_run
    load = result["sizes"][0]["load"]
    assert load["status"] == "measured" and load["clients"] == 64
    assert load["errors"] == 0, load["level"]["status"]
    assert load["heavy"] >= 1 and load["heavy_stopped"], load["level"]["heavy"]


@pytest.mark.slow
@needs_oxigraph
def test_servers_and_temporary_directories_are_gone(
        peers_run: tuple[dict[str, Any], str, Path]) -> None:
    _, _, scratch = peers_run
    assert list(scratch.iterdir()) == []
    left = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(scratch).encode() in cmdline.read_bytes():
                left.append(cmdline.parent.name)
        except OSError:
            continue
    assert left == [], f"processes still running over {scratch}: {left}"


def test_ratios_are_taken_over_the_queries_a_peer_agrees_on() -> None:
    queries = [
        {"query": "a", "rows": {"carekg": 3, "peer": 3}, "ms": {"carekg": 2.0, "peer": 1.0},
         "errors": {}},
        {"query": "b", "rows": {"carekg": 3, "peer": 3}, "ms": {"carekg": 4.0, "peer": 1.0},
         "errors": {}},
        {"query": "c", "rows": {"carekg": 5, "peer": 4}, "ms": {"carekg": 90.0, "peer": 1.0},
         "errors": {}},
        {"query": "d", "rows": {"carekg": 1}, "ms": {"carekg": 1.0}, "errors": {"peer": "500"}},
    ]
    summary = agreement(queries, ["peer"])["peer"]
    assert summary["median_ratio"] == 3.0  # median of 2 and 4: c gave other rows
    assert summary["agreeing_queries"] == 2
    assert summary["median_ratio_all"] == 4.0  # 2, 4, 90
    assert summary["disagreeing"] == ["c"] and summary["errors"] == ["d"]
