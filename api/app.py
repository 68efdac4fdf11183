"""The Flask application factory.

``create_app(settings)`` opens the store once per snapshot and registers one blueprint
per URL area; each test builds its own app over its own store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from flask import Flask, Response, current_app, g

from carekg.config import Settings
from carekg.graph.backend import Snapshot, Store, is_remote
from carekg.graph.store import Snapshot as LocalSnapshot
from carekg.graph.store import open_store


class SnapshotHolder:
    """The published snapshot the app reads, reopened when a new one is published.

    A build publishes a new snapshot by swapping a symlink; requests in flight keep the
    snapshot they started with, later ones (from the store's ``id_check_interval`` after
    the swap) see the new one, without a restart. The id is cached here only.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked: tuple[float, str | None] = (-1.0, None)

    def current_id(self) -> str | None:
        """The published snapshot's id, asked of the store at most once an interval."""
        at, current = self._checked
        now = time.monotonic()
        if now - at >= self.store.id_check_interval:
            current = self.store.current_id()
            self._checked = (now, current)
        return current

    def opened(self) -> LocalSnapshot | None:
        """The published snapshot of a local store if it is open already (None: :meth:`get`
        would open it, or a remote store would be asked its id, where nothing may block)."""
        snapshot = self._snapshot
        return snapshot if isinstance(snapshot, LocalSnapshot) \
            and snapshot.id == self.current_id() else None

    def get(self) -> Snapshot:
        current = self.current_id()
        snapshot = self._snapshot
        if snapshot is None or snapshot.id != current:
            with self._lock:
                if self._snapshot is None or self._snapshot.id != current:
                    self._snapshot = self.store.open()
                snapshot = self._snapshot
        return snapshot


class CarekgFlask(Flask):
    """Flask, with each hook's and view's check for a coroutine made once.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and view on every request
    (seven or so per query), a few per cent of an uncached query's time; the answer
    never changes for a function, so it is remembered (a handful of entries: the app's
    hooks and views)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the application over the store named in ``settings``."""
    settings = settings or Settings()
    app = CarekgFlask(__name__)
    app.config.update(CAREKG_SETTINGS=settings, **config)
    holder = SnapshotHolder(open_store(settings))
    app.extensions["carekg.snapshots"] = holder
    from carekg.api import blueprints, caching, security
    from carekg.api.execution import QueryLimits, RemoteStorePool, WorkerPool
    from carekg.api.sparql import SparqlEndpoint

    limits = QueryLimits(settings.query_timeout, settings.max_result_rows, settings.queue_wait)
    if is_remote(settings.store):
        # A thin front: queries go to the remote server over HTTP, with a timeout.
        app.extensions["carekg.pool"] = RemoteStorePool(settings.max_concurrent_queries,
                                                        limits, holder.get)
    else:
        app.extensions["carekg.pool"] = WorkerPool(settings.max_concurrent_queries, limits)
    security.install(app, settings)
    caching.install(app, settings)
    # In front of Flask, outermost first: the request-count limits (they count cache hits
    # too), the cache hits, the SPARQL endpoint; then the app's views.
    front: Any = caching.CacheHits(app, SparqlEndpoint(app))
    if settings.rate_limit:
        front = security.RequestLimits(front, settings.rate_limit,
                                       app.extensions["carekg.limits_exempt_loopback"])
    app.wsgi_app = front  # type: ignore[method-assign]
    app.add_url_rule("/openapi.yaml", "openapi", openapi_description)

    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    return app


def openapi_description() -> Response:
    """The OpenAPI description of the HTTP API (api/openapi.yaml, package data)."""
    text = resources.files("carekg.api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    response = Response(text, content_type="application/yaml; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def snapshot() -> Snapshot:
    """The snapshot this request reads."""
    holder: SnapshotHolder = current_app.extensions["carekg.snapshots"]
    snap = holder.get()
    g.carekg_snapshot_id = snap.id  # the id the answer was made from, for its ETag
    return snap


def settings() -> Settings:
    return current_app.config["CAREKG_SETTINGS"]
