"""Shared fixtures: a store built once from the bundled corpus, an app over it, and the
same app served over real HTTP by waitress on an ephemeral loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    if not GOLD_DIR.is_dir():
        pytest.skip(f"gold facts not available at {GOLD_DIR} (shared/ is not beside the repo)")
    return GOLD_DIR
