"""The command line as a user meets it: a real `carekg` process, its output and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from carekg.cli import COMMANDS
from carekg.config import Settings
from carekg.resources import corpus_dir

CAREKG = [sys.executable, "-m", "carekg"]


def run(*args: str, store: Path | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    command = [*CAREKG, *args]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, input=stdin)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout and f"carekg {command}" in result.stdout
    assert "--store" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("no-such-command").returncode == 2
    assert run("export", "--format", "rdfxml").returncode == 2


def test_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = run("stats", store=tmp_path / "nothing")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "carekg build" in result.stderr and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("stats", "--debug", store=tmp_path / "nothing")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_malformed_query_is_a_user_error(built_settings: Settings) -> None:
    result = run("query", "SELECT ?x WHERE { ?x ", store=built_settings.store)
    assert result.returncode == 1
    assert "malformed SPARQL" in result.stderr and "Traceback" not in result.stderr


def test_missing_query_file_names_the_file(built_settings: Settings) -> None:
    result = run("query", "nowhere/spend.rq", store=built_settings.store)
    assert result.returncode == 1 and "nowhere/spend.rq" in result.stderr


def test_query_walks_the_service_hierarchy(built_settings: Settings) -> None:
    """skos:broader* over the services scheme, as the foundation issue asks."""
    query = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?narrower WHERE {
          ?narrower skos:broader* ?top .
          ?top skos:topConceptOf <https://w3id.org/carekg/id/scheme/services> ;
               skos:prefLabel ?label .
          FILTER (?narrower != ?top)
        }"""
    result = run("query", query, "--format", "json", store=built_settings.store)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert len(rows) >= 30
    assert all(r["narrower"]["value"].startswith("https://w3id.org/carekg/id/service/")
               for r in rows)


@pytest.mark.parametrize("fmt,marker", [("csv", "n\n"), ("tsv", "?n\n"),
                                         ("json", '"vars"'), ("table", "(1 rows)")])
def test_query_formats(built_settings: Settings, fmt: str, marker: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    result = run("query", query, "--format", fmt, store=built_settings.store)
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout


def test_construct_as_turtle_and_nquads(built_settings: Settings) -> None:
    query = ("PREFIX cc: <https://w3id.org/carekg/def#> "
             "CONSTRUCT { ?c a cc:Council } WHERE { ?c a cc:Council }")
    turtle = run("query", query, "--format", "turtle", store=built_settings.store)
    nquads = run("query", query, "--format", "nquads", store=built_settings.store)
    assert turtle.returncode == nquads.returncode == 0
    assert nquads.stdout.count("\n") >= 150
    assert "cc:Council" in turtle.stdout


def test_select_refuses_a_graph_format(built_settings: Settings) -> None:
    result = run("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "turtle",
                 store=built_settings.store)
    assert result.returncode == 2 and "CONSTRUCT" in result.stderr


def test_stats_show_register_taxonomies_and_ontology(built_settings: Settings) -> None:
    result = run("stats", "--json", store=built_settings.store)
    assert result.returncode == 0
    stats = json.loads(result.stdout)
    graphs = stats["graphs"]
    base = "https://w3id.org/carekg/graph/"
    for name in ("ontology", "services", "councils", "inferred", "units", "population-groups"):
        assert graphs.get(base + name, 0) > 0, name
    assert stats["classes"]["cc:Council"] >= 150
    assert stats["documents"] == 5


def test_validate_passes_on_a_built_store(built_settings: Settings) -> None:
    result = run("validate", store=built_settings.store)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "conforms" in result.stdout


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle"])
def test_export_round_trips(built_settings: Settings, tmp_path: Path, fmt: str) -> None:
    import pyoxigraph as ox

    out = tmp_path / f"dump.{fmt}"
    result = run("export", "--format", fmt, "-o", str(out), store=built_settings.store)
    assert result.returncode == 0, result.stderr
    formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
               "turtle": ox.RdfFormat.TURTLE}
    quads = list(ox.parse(path=str(out), format=formats[fmt]))
    assert len(quads) > 10000
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    if fmt == "turtle":
        assert names == set()  # one merged graph
    else:
        assert "https://w3id.org/carekg/graph/councils" in names
        assert any("/graph/document/" in n for n in names)


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> Path:
    """A one-document corpus in the genre (our own sentence), quick to build."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text(
        "Home care\n\nThe Council spends £2.5m a year on home care.\n", encoding="utf-8")
    (corpus / "manifest.yaml").write_text(
        "documents:\n  - file: note.txt\n    title: A note\n    councils: [Islington]\n"
        "    kind: other\n    issued: '2024'\n", encoding="utf-8")
    return corpus


def test_piped_output_has_no_progress_bar(tmp_path: Path, tiny_corpus: Path) -> None:
    corpus = tiny_corpus
    result = run("build", "--corpus", str(corpus), store=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "it/s" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("built ")


def test_a_failed_build_leaves_the_previous_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir(), corpus, ignore=shutil.ignore_patterns("__*"))
    first = run("build", "--corpus", str(corpus), store=store)
    assert first.returncode == 0, first.stderr
    before = (store / "current").resolve()
    manifest = corpus / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "councils: [Islington]", "councils: [Islingtown]"), encoding="utf-8")
    failed = run("build", "--corpus", str(corpus), store=store)
    assert failed.returncode == 1
    assert "Islingtown" in failed.stderr and "Islington" in failed.stderr
    assert str(manifest) in failed.stderr
    assert (store / "current").resolve() == before
    assert not list((store / "snapshots").glob(".tmp-*"))


def test_build_under_another_base(tmp_path: Path, tiny_corpus: Path) -> None:
    """A deployment under its own base IRI gets every carekg IRI moved to it."""
    corpus = tiny_corpus
    base = "http://data.example.gov.uk/carekg/"
    store = tmp_path / "store"
    built = run("build", "--corpus", str(corpus), "--base", base, store=store)
    assert built.returncode == 0, built.stderr
    query = (f"PREFIX cc: <{base}def#> SELECT ?f ?c WHERE {{ ?f a cc:Spend ; cc:council ?c }}")
    result = run("query", query, "--format", "csv", store=store)
    assert f"{base}id/council/E09000019" in result.stdout
    leftover = run("query", "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/')) }",
                   "--format", "csv", store=store)
    assert "false" in leftover.stdout


def test_saved_query_with_a_parameter(built_settings: Settings) -> None:
    result = run("query", "--saved", "spend-by-council-and-service", "--param",
                 "council=E09000019", "--format", "json", store=built_settings.store)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = data["results"]["bindings"]
    assert rows, "Islington states spend in the bundled corpus"
    councils = {v["value"] for r in rows for k, v in r.items() if k == "council"}
    assert councils == {"https://w3id.org/carekg/id/council/E09000019"}


@pytest.mark.parametrize("args,message", [
    (("--saved", "no-such-query"), "no-such-query"),
    (("--saved", "spend-by-council-and-service", "--param", "nonsense"), "NAME=VALUE"),
    (("--saved", "spend-by-council-and-service", "--param", "colour=red"), "colour"),
    (("SELECT * WHERE {?s ?p ?o}", "--param", "council=E09000019"), "--saved"),
    ((), "--saved NAME"),
])
def test_saved_query_usage_errors(built_settings: Settings, args: tuple[str, ...],
                                  message: str) -> None:
    result = run("query", *args, store=built_settings.store)
    assert result.returncode in (1, 2), result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_audit_sample_is_seeded_and_shows_quotes(built_settings: Settings) -> None:
    first = run("evaluate", "--sample", "5", "--seed", "3", "--json", store=built_settings.store)
    again = run("evaluate", "--sample", "5", "--seed", "3", "--json", store=built_settings.store)
    other = run("evaluate", "--sample", "5", "--seed", "4", "--json", store=built_settings.store)
    assert first.returncode == 0, first.stderr
    sample = json.loads(first.stdout)
    assert first.stdout == again.stdout and first.stdout != other.stdout
    assert len(sample["facts"]) == 5 and sample["population"] > 100
    assert all(f["quote"] and f["council"] and f["kind"] for f in sample["facts"])


def test_evaluate_needs_gold_or_sample(built_settings: Settings) -> None:
    result = run("evaluate", store=built_settings.store)
    assert result.returncode == 2 and "--sample" in result.stderr
