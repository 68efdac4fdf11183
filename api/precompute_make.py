"""Making the saved queries' default answers of a snapshot, once, for every server
process (:mod:`carekg.api.precompute` says why and how they are found).

Why through the app: each answer is asked of an app of its own with Flask's test client,
so the view, the worker pool's row cap, the negotiation and the caching hooks that make
a cached entry are the ones that answer clients; nothing of the answer is written twice.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask

from carekg.api.caching import (
    GZIP_MIN_BYTES,
    Entry,
    compressible_type,
    environ_key,
    gzip_bytes,
)
from carekg.api.execution import Answer
from carekg.api.precompute import (
    DEFAULTS,
    INDEX,
    PRECOMPUTE_TIMEOUT,
    entry_key,
    folder_name,
    root_of,
    size_bound,
)
from carekg.config import Settings
from carekg.graph.backend import is_remote


def _media_types(name: str) -> list[str]:
    """The Accept headers asked of a saved query: one per format the view answers in."""
    from carekg.api import negotiation as neg
    from carekg.api.saved import kind_of

    kind = kind_of(name)
    pages = ["text/html"] if kind == neg.RESULTS else []
    return [*pages, *(fmt.media_type for fmt in neg.FORMATS_BY_KIND[kind])]


@dataclass
class Report:
    """What a precompute made: the directory, the entries written and what was not."""

    path: Path | None
    written: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    made: bool = False  # False: the snapshot's answers were there already


def precompute(settings: Settings) -> Report:
    """Write the default answers of every saved query for the published snapshot, unless
    they are there already. A local store only (a remote store's front has no snapshot
    directory to key them by)."""
    if is_remote(settings.store):
        return Report(None)
    from carekg.graph.store import open_store

    snapshot_id = open_store(settings).current_id()
    if snapshot_id is None:
        return Report(None)
    root = root_of(settings)
    target = root / folder_name(settings, snapshot_id)
    if (target / INDEX).exists():
        return Report(target)
    started = time.perf_counter()
    entries, skipped = _answers(settings, snapshot_id)
    written = _write(target, snapshot_id, entries, skipped)
    return Report(written, len(entries), skipped, time.perf_counter() - started, True)


def _answers(settings: Settings, snapshot_id: str
             ) -> tuple[list[tuple[str, str, Entry]], dict[str, str]]:
    """Each saved query's answers with its defaults, as (name, Content-Type, entry), and
    why the others are not precomputed ("name type": reason)."""
    from carekg.api.app import create_app
    from carekg.graph.saved_queries import catalogue

    bound = size_bound(settings)
    if bound <= 0:
        return [], {"*": "the in-process cache is off (--cache-bytes 0)"}
    # An app of its own: limits opened for the precompute, no per-client budget, and a
    # cache large enough that no answer within the bound is evicted before it is read.
    own = settings.with_(query_timeout=max(settings.query_timeout, PRECOMPUTE_TIMEOUT),
                         rate_limit="", query_seconds=0.0, rate_limit_exempt_loopback=True,
                         cache_bytes=bound * 8 * 4)
    app = create_app(own, CAREKG_PRECOMPUTING=True)
    app.extensions["carekg.pool"] = OnceEach(app.extensions["carekg.pool"])
    # Each query's first format first, so the first round of asks evaluates every query
    # on as many workers as there are, and the later ones are written from its answer.
    kinds = {name: _media_types(name) for name in sorted(catalogue())}
    asks = sorted(((name, accept) for name, accepts in kinds.items() for accept in accepts),
                  key=lambda ask: (kinds[ask[0]].index(ask[1]), ask[0]))
    results: list[tuple[str, str, Entry]] = []
    skipped: dict[str, str] = {}
    lock = threading.Lock()

    def ask(item: tuple[str, str]) -> None:
        name, accept = item
        entry, why = _ask(app, snapshot_id, name, accept, bound)
        with lock:
            if entry is None:
                skipped[f"{name} {accept}"] = why
            else:
                results.append((name, _content_type(entry), entry))

    try:
        with ThreadPoolExecutor(max(1, settings.max_concurrent_queries)) as pool:
            list(pool.map(ask, asks))
    finally:
        app.extensions["carekg.pool"].close()
    if app.extensions["carekg.snapshots"].current_id() != snapshot_id:
        return [], {"*": "a new snapshot was published during the precompute"}
    return results, skipped


class OnceEach:
    """The precompute app's query workers: each query evaluated once, as SPARQL JSON,
    and its other results formats (XML, CSV, TSV; the page reads the JSON) written from
    that answer in this process by the same serialiser the workers use. Five
    evaluations of every saved query were 23 s at 100 councils; this is one each.
    Graph answers (CONSTRUCT, DESCRIBE) go to the workers as they are."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str, str], tuple[threading.Lock, list[Answer]]] = {}

    def run(self, path: str, sparql: str, kwargs: dict[str, Any], media_type: str,
            done: Callable[[float], None] = lambda seconds: None) -> Answer:
        from carekg.api import negotiation as neg

        fmt = next((f for f in neg.RESULT_FORMATS if f.media_type == media_type), None)
        if fmt is None or not isinstance(fmt.writer, ox.QueryResultsFormat):
            return self._pool.run(path, sparql, kwargs, media_type, done)
        json = neg.RESULT_FORMATS[0]
        with self._lock:
            lock, kept = self._answers.setdefault(
                (path, sparql, repr(sorted(kwargs.items()))), (threading.Lock(), []))
        with lock:  # the other formats of this query wait for its one evaluation
            if not kept:
                answer = self._pool.run(path, sparql, kwargs, json.media_type, done)
                body = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body)
                kept.append(Answer(body, answer.rows, answer.truncated))
        first = kept[0]
        if fmt is json:
            return first
        assert isinstance(first.body, bytes)
        parsed = ox.parse_query_results(first.body, ox.QueryResultsFormat.JSON)
        return Answer(parsed.serialize(format=fmt.writer) or b"", first.rows, first.truncated)

    def close(self) -> None:
        self._pool.close()


def _ask(app: Flask, snapshot_id: str, name: str, accept: str, bound: int
         ) -> tuple[Entry | None, str]:
    """The cache entry of one saved query in one format, or why there is none."""
    with app.test_client() as client:
        response = client.get(f"/queries/{name}", headers={"Accept": accept})
        response.get_data()  # a streamed answer is kept once it has been read to its end
        environ = response.request.environ
        response.close()
    if response.status_code != 200:
        return None, f"answered {response.status_code}"
    entry = app.extensions["carekg.cache"].peek(snapshot_id, environ_key(environ))
    if entry is None or len(entry.body) > bound:
        size = len(response.get_data())
        return None, f"{size} bytes, over the bound of {bound}"
    return entry, ""


def _content_type(entry: Entry) -> str:
    return next((v for k, v in entry.headers if k.lower() == "content-type"), "")


def _write(target: Path, snapshot_id: str, entries: list[tuple[str, str, Entry]],
           skipped: dict[str, str]) -> Path:
    """Write the entries into a temporary directory and rename it into place as
    ``target`` (another process that got there first wins: its answers are the same),
    then remove the directories of other snapshots or code."""
    root = target.parent
    tmp = root / f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    index: dict[str, Any] = {"snapshot": snapshot_id, "entries": {}, "skipped": skipped}
    try:
        for name, content_type, entry in entries:
            key = entry_key(snapshot_id, name, DEFAULTS, content_type)
            (tmp / f"{key}.body").write_bytes(entry.body)
            gzipped = len(entry.body) >= GZIP_MIN_BYTES and compressible_type(content_type)
            if gzipped:
                (tmp / f"{key}.gz").write_bytes(gzip_bytes(entry.body))
            index["entries"][key] = {"name": name, "content_type": content_type,
                                     "status": entry.status, "headers": entry.headers,
                                     "log": entry.log, "gzip": gzipped}
        (tmp / INDEX).write_text(json.dumps(index, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / INDEX).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in root.iterdir():
        if old.is_dir() and not old.name.startswith(".") and old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target
