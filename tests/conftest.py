"""Shared fixtures: a store built once from the bundled corpus, an app over it, and the
same app served over real HTTP by waitress on an ephemeral loopback port."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from carekg.config import Settings

GOLD_DIR = Path(__file__).resolve().parents[2] / "shared" / "gold"
SPARQL_DATA = Path(__file__).parent / "data" / "sparql" / "dataset.trig"


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store holds the bundled corpus, built once per test session."""
    from carekg.graph.build import build
    from carekg.resources import corpus_dir

    settings = Settings(store=tmp_path_factory.mktemp("store") / "store")
    build(corpus_dir(), settings)
    return settings


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the static graphs (an empty corpus), built once by the real
    command line; tests that add documents copy it (``shutil.copytree(symlinks=True)``)."""
    import subprocess
    import sys

    corpus = tmp_path_factory.mktemp("empty-corpus")
    (corpus / "manifest.yaml").write_text("documents: []\n", encoding="utf-8")
    path = tmp_path_factory.mktemp("stores") / "store"
    result = subprocess.run([sys.executable, "-m", "carekg", "build", "--corpus", str(corpus),
                             "--store", str(path)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def app(built_settings: Settings):  # type: ignore[no-untyped-def]
    from carekg.api.app import create_app

    return create_app(built_settings, TESTING=True)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``app`` with waitress on 127.0.0.1, port chosen by the OS; yields its URL."""
    from carekg.bench.served import in_thread

    with in_thread(app) as url:
        yield url


@pytest.fixture(scope="session")
def serving_app() -> Callable[..., AbstractContextManager[str]]:
    """:func:`served` as a context manager, for tests that serve an app of their own:
    ``with serving_app(app) as url: ...``."""
    return contextmanager(served)


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of the bundled-corpus app over real HTTP."""
    yield from served(app)


@pytest.fixture(scope="session")
def protocol_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A small published store of tests/data/sparql/dataset.trig, for protocol tests
    whose expectations need named graphs and terms the corpus does not have."""
    import pyoxigraph as ox

    from carekg.graph.store import StoreDir

    settings = Settings(store=tmp_path_factory.mktemp("sparql") / "store")
    store = StoreDir(settings.store)
    with store.writer(from_current=False) as snapshot:
        snapshot.store.bulk_load(path=str(SPARQL_DATA), format=ox.RdfFormat.TRIG)
        store.publish(snapshot)
    return settings


@pytest.fixture(scope="session")
def protocol_app(protocol_settings: Settings):  # type: ignore[no-untyped-def]
    from carekg.api.app import create_app

    return create_app(protocol_settings, TESTING=True)


@pytest.fixture(scope="session")
def protocol_url(protocol_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from served(protocol_app)


def wait_until(condition: Callable[[], object], what: str, seconds: float = 30) -> None:
    """Poll ``condition`` until it is true: a readiness signal, where a fixed sleep would
    bet on how long something takes; fails with ``what`` once ``seconds`` have passed."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds:g} s waiting until {what}")
        time.sleep(0.02)


@pytest.fixture(scope="session")
def until() -> Callable[..., None]:
    """:func:`wait_until` as a fixture, for the test modules."""
    return wait_until


def skip_unless_required(reason: str) -> None:
    """Skip a test whose outside requirement (a browser, node, the gold files) is missing,
    unless CAREKG_REQUIRE_ALL is set, as CI sets it: there a missing requirement fails."""
    if os.environ.get("CAREKG_REQUIRE_ALL"):
        pytest.fail(f"required for this run (CAREKG_REQUIRE_ALL): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def requirement() -> Callable[[str], None]:
    """The skip-or-fail policy as a fixture, for tests in other modules."""
    return skip_unless_required


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    if not GOLD_DIR.is_dir():
        skip_unless_required(f"gold facts not available at {GOLD_DIR} "
                             "(shared/ is not beside the repository)")
    return GOLD_DIR


# -- the fast loop: `pytest -m "not slow"` (make test-fast) ---------------------------

#: Modules whose every test starts processes or builds stores (subprocess builds, killed
#: builds, servers, browsers, Virtuoso): slow as a whole.
SLOW_MODULES = frozenset({
    "test_add_remove", "test_bench", "test_faults", "test_fuzz_loaders", "test_generate",
    "test_incremental", "test_load", "test_openapi", "test_ontology_docs", "test_precompute",
    "test_processes",
    "test_remote_store",
    "test_serve", "test_sparql_clients", "test_ui",
})
#: Single tests of otherwise quick modules that take a second or more on this machine
#: (pytest --durations), by module and the start of their name.
SLOW_TESTS = frozenset({
    ("test_cli", "test_a_failed_build_leaves_the_previous_store"),
    ("test_cli", "test_validate_passes_on_a_built_store"),
    ("test_cli", "test_build_under_another_base"),
    ("test_cli", "test_piped_output_has_no_progress_bar"),
    ("test_cli", "test_audit_sample_is_seeded_and_shows_quotes"),
    ("test_infer", "test_engines_entail_the_same"),
    ("test_infer", "test_contradictions_are_detected"),
    ("test_infer", "test_documents_closed_one_by_one_entail_what_all_at_once_do"),
    ("test_infer", "test_a_document_contradiction_is_reported_once"),
    ("test_caching", "test_a_cache_hit_needs_no_query_worker"),
    ("test_caching", "test_a_streamed_answer_is_gzipped_chunk_by_chunk"),
    ("test_caching", "test_clients_asking_at_once_for_a_new_answer"),
    ("test_security", "test_a_full_pool_answers_503_at_once"),
    ("test_security", "test_a_runaway_query_is_stopped_and_its_worker_freed"),
    ("test_hostile_sparql", "test_the_heavy_ones_time_out"),
    ("test_hostile_sparql", "test_hand_written_hostile_queries"),
    ("test_evaluate", "test_bundled_corpus_against_shared_gold"),
    ("test_security", "test_rows_beyond_the_limit_are_cut_and_the_header_says_so"),
    ("test_security", "test_a_client_that_spent_its_query_time_gets_429"),
    ("test_store", "test_failed_write_leaves_previous_snapshot"),
    ("test_store", "test_copy_on_write_keeps_old_snapshot_readable"),
    ("test_hostile_sparql", "test_generated_keyword_soup"),
    ("test_sparql_protocol", "test_a_client_that_goes_away_stops_the_query"),
    ("test_cli", "test_export_round_trips"),
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.stem
        if module in SLOW_MODULES or any(module == m and item.name.startswith(name)
                                         for m, name in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
