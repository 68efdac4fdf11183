"""``carekg serve``: the application on waitress, a production WSGI server.

With no store yet, the bundled corpus is built first, so that the README's first command
gives a new user a working endpoint. The dumps of the current snapshot are written
before the first request, so the first download does not wait for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from carekg.config import Settings
from carekg.graph.remote import is_remote
from carekg.graph.store import open_store

log = logging.getLogger(__name__)


def ensure_store(settings: Settings, say: Callable[[str], None] = log.info) -> bool:
    """Build the bundled corpus into the store if none is published; True if built."""
    if open_store(settings).exists():
        return False
    if is_remote(settings.store):
        from carekg.errors import StoreError

        # The front over a remote server is read-only: building is an explicit act.
        raise StoreError(f"no carekg store at {settings.store}: run 'carekg build --store "
                         f"{settings.store}' first")
    from carekg.graph.build import build
    from carekg.resources import corpus_dir

    say(f"no store at {settings.store}: building the bundled corpus first")
    report = build(corpus_dir(), settings)
    say(f"built snapshot {report.snapshot}: {report.documents} documents, "
        f"{report.facts} facts, {report.triples} triples")
    return True


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 8,
    say: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted. Raises StoreError when the store cannot be opened."""
    from waitress import serve as waitress_serve

    from carekg.api.app import create_app
    from carekg.api.dumps import write_all

    ensure_store(settings, say)
    if not is_remote(settings.store):  # dumps are files of a local snapshot
        snapshot = open_store(settings).open()
        write_all(settings, snapshot)
        del snapshot
    app = create_app(settings)
    app.extensions["carekg.pool"].warm(settings.max_concurrent_queries)
    shown = f"[{host}]" if ":" in host else host
    say(f"carekg: SPARQL endpoint at http://{shown}:{port}/sparql (Ctrl-C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="carekg")
