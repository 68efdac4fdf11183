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


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store holds the bundled corpus, built once per test session."""
    from carekg.graph.build import build
    from carekg.resources import corpus_dir

    settings = Settings(store=tmp_path_factory.mktemp("store") / "store")
    build(corpus_dir(), settings)
    return settings


@pytest.fixture(scope="session")
def app(built_settings: Settings):  # type: ignore[no-untyped-def]
    from carekg.api.app import create_app

    return create_app(built_settings, TESTING=True)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of the app served by waitress on 127.0.0.1, port chosen by the OS."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    yield f"http://{host}:{port}"
    server.close()


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
