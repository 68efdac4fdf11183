"""``python -m carekg.bench`` end to end on a tiny corpus, and the rdflib baseline's cap.

No speed is asserted here (speed is what the command reports); these check that the run
completes, that every engine answered every saved query with the same number of rows,
and that the results file has the figures the report is made of."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carekg.graph.saved_queries import catalogue


def positive(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "carekg.bench", "--quick", "--sizes", "2", "--throughput-seconds",
         "1", "--json", str(out)],
        capture_output=True, text=True, timeout=600, cwd=out.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


def test_quick_run_writes_every_section(bench_run: tuple[dict[str, Any], str]) -> None:
    result, _ = bench_run
    assert result["mode"] == "quick"
    assert result["settings"]["sizes"] == [2]
    assert result["settings"]["repeat"] == 1
    assert result["machine"]["cpus"] >= 1 and result["machine"]["python"]
    (size,) = result["sizes"]
    assert size["councils"] == 2
    build = size["build"]
    assert build["documents"] == 10 and build["facts"] > 0 and build["triples"] > 0
    stages = {row["stage"]: row for row in size["stages"]}
    for stage in ("extract", "map", "extracting", "validating", "inferring", "storing",
                  "build"):
        assert positive(stages[stage]["seconds"]), stage
        assert positive(stages[stage]["chars_per_s"]), stage
        assert positive(stages[stage]["facts_per_s"]), stage
    assert positive(size["memory"]["build_peak_mb"])
    for moment in ("serve_after_queries", "serve_after_throughput"):
        rss = size["memory"][moment]
        assert positive(rss["main_peak_mb"]) and rss["tree_peak_mb"] >= rss["main_peak_mb"]
    validation = size["validation"]
    assert validation["conforms"] is True
    assert positive(validation["one_document_s"]) and positive(validation["store_s"])
    assert validation["store_triples"] > validation["one_document_triples"] > 0
    throughput = size["throughput"]
    assert throughput["status"] in ("measured", "not measured")
    if throughput["status"] == "measured":  # bench/throughput.py is there
        assert {level["clients"] for level in throughput["levels"]} == {1, 8, 32}
        assert all(positive(level["requests_per_s"]) for level in throughput["levels"])


def test_every_saved_query_on_every_engine_with_positive_ratios(
        bench_run: tuple[dict[str, Any], str]) -> None:
    result, _ = bench_run
    (size,) = result["sizes"]
    virtuoso = result["engines"]["d"] is not None
    assert sorted(q["query"] for q in size["queries"]) == sorted(catalogue())
    for row in size["queries"]:
        name = row["query"]
        assert row["rows_a"] == row["rows_b"], name  # HTTP and in process, same answer
        assert positive(row["a_ms"]) and positive(row["b_ms"]), name
        assert positive(row["a_over_b"]), name
        speedup = row.get("c_over_b", row.get("c_over_b_at_least"))
        assert positive(speedup), name
        if "c_ms" in row:
            assert row["rows_c"] == row["rows_b"], name
        if virtuoso:
            assert "d_error" not in row, row.get("d_error")
            assert positive(row["a_over_d"]), name
    summary = size["summary"]
    assert positive(summary["median_a_over_b"]) and positive(summary["median_c_over_b"])
    if virtuoso:
        assert positive(summary["median_a_over_d"])
    metrics = {r["metric"].rstrip(">="): r for r in result["ratios"]}
    assert positive(metrics["median_a/b"]["value"])
    assert positive(metrics["median_c/b"]["value"])


def test_printed_tables_are_whitespace_separated(bench_run: tuple[dict[str, Any], str]) -> None:
    """Piped output has no progress lines, and each table's rows have its header's width."""
    from carekg.bench.tables import parse

    _, stdout = bench_run
    tables = parse(stdout)
    assert {"build", "queries", "throughput", "memory", "validation", "ratios"} <= set(tables)
    for name, rows in tables.items():
        assert len(rows) > 1, name
        assert {len(r) for r in rows} == {len(rows[0])}, name
    assert not any(line.startswith("[") for line in stdout.splitlines())  # progress: TTY only
    assert tables["ratios"][0] == ["size", "metric", "value", "goal", "met"]
    assert tables["ratios"][1][:2] == ["2", "median_a/b"]


def test_rdflib_baseline_stops_a_runaway_query_and_answers_the_next(tmp_path: Path) -> None:
    from carekg.bench.rdflib_engine import TIMEOUT, RdflibEngine

    data = tmp_path / "data.nq"
    data.write_text("".join(f"<urn:s{i}> <urn:p> \"{i}\" <urn:g{i % 3}> .\n"
                            for i in range(300)), encoding="utf-8")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with RdflibEngine(data) as engine:
        assert engine.quads == 300
        assert engine.run(runaway, {}, cap_s=1.0) == (TIMEOUT, None)
        _ms, rows = engine.run("SELECT ?o WHERE { ?s <urn:p> ?o }", {}, cap_s=60)
        assert rows == 300  # the default graph is the union of the named graphs
        _ms, rows = engine.run("SELECT ?o WHERE { ?s <urn:p> ?o }", {"s": "<urn:s7>"}, cap_s=60)
        assert rows == 1
        assert engine.kills == 1
