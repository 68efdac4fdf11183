"""Shared fixtures: a store built once from the bundled corpus, an app over it, and the
same app served over real HTTP by waitress on an ephemeral loopback port."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
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
    from waitress.server import create_server
    from waitress.wasyncore import close_all

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    yield f"http://{host}:{port}"
    # Let the request threads end, then close every socket from the loop's own thread:
    # closing them from here races its select() (EBADF at teardown).
    server.task_dispatcher.shutdown(timeout=10)
    server.trigger.pull_trigger(lambda: close_all(server._map))
    thread.join(10)


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
