"""The saved queries' default answers precomputed once per snapshot (api/precompute.py,
api/precompute_make.py), over real HTTP: answered with every query worker busy, the
same answer (body, type, ETag, 304, gzip) as the view's own, by the negotiated type
whatever the Accept header, never for another snapshot, and not over the size bound."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carekg.config import Settings
from tests.test_caching import HEAVY, JSON, _publish, fetch

#: Accept headers of clients and what the saved-query view answers them with.
ACCEPTS = {
    JSON: JSON,
    "application/json": JSON,
    "*/*": JSON,
    "text/csv": "text/csv; charset=utf-8",
    "text/csv;q=0.9, text/tab-separated-values": "text/tab-separated-values; charset=utf-8",
    "application/sparql-results+xml": "application/sparql-results+xml",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8":
        "text/html; charset=utf-8",
}


@pytest.fixture()
def precomputed(tmp_path: Path, serving_app) -> Iterator[tuple[str, Settings, Any]]:  # type: ignore[no-untyped-def]
    """A small store whose saved queries' answers are precomputed, served by an app of
    its own with one query worker and a short queue wait."""
    from carekg.api.app import create_app
    from carekg.api.precompute_make import precompute

    settings = Settings(store=tmp_path / "store", query_timeout=3.0,
                        max_concurrent_queries=1, queue_wait=0.2)
    _publish(settings)
    report = precompute(settings)
    assert report.made and report.written and not report.skipped
    app = create_app(settings, TESTING=True)
    with serving_app(app) as url:
        yield url, settings, app
    app.extensions["carekg.pool"].close()


def busy(url: str, app: Any, until: Callable[..., None]) -> threading.Thread:
    """Keep the only query worker busy with a runaway query (stopped at the timeout)."""
    query = urllib.parse.urlencode({"query": HEAVY})
    heavy = threading.Thread(target=fetch, args=(f"{url}/sparql?{query}",), daemon=True)
    heavy.start()
    pool = app.extensions["carekg.pool"]
    until(lambda: pool.in_use == 1, "the only worker is busy with the heavy query")
    return heavy


def test_saved_query_defaults_are_answered_with_every_worker_busy(precomputed, until) -> None:  # type: ignore[no-untyped-def]
    """Nothing of this process evaluated these answers, and its only worker is busy:
    they come from the precompute, in the type each Accept header negotiates."""
    url, _, app = precomputed
    heavy = busy(url, app, until)
    for accept, content_type in ACCEPTS.items():
        status, headers, body = fetch(f"{url}/queries/documents", {"Accept": accept})
        assert (status, headers["content-type"]) == (200, content_type), accept
        assert body and headers["etag"].startswith('"')
    # bound parameters are not precomputed: that answer needs the worker, which is busy
    assert fetch(f"{url}/queries/documents?council=x", {"Accept": JSON})[0] in (400, 503)
    heavy.join(30)


def test_a_precomputed_answer_is_the_views_own(precomputed, until) -> None:  # type: ignore[no-untyped-def]
    """Body, type, ETag, Vary and CORS of a precomputed answer are those of the view's
    fresh evaluation (``no-cache``); 304 on its ETag; gzip when asked for."""
    url, _, app = precomputed
    names = [q["url"] for q in json.loads(fetch(f"{url}/queries.json")[2])]
    assert len(names) > 10
    compared = ("content-type", "etag", "vary", "access-control-allow-origin",
                "x-carekg-truncated")
    for path in names:
        for accept in ACCEPTS:
            _, kept, body = fetch(url + path, {"Accept": accept})
            _, fresh, fresh_body = fetch(url + path, {"Accept": accept,
                                                      "Cache-Control": "no-cache"})
            if kept["content-type"].startswith("text/html"):  # the page says its time
                body, fresh_body = (re.sub(rb"in [0-9.]+ s\.", b"", b)
                                    for b in (body, fresh_body))
            assert body == fresh_body, (path, accept)
            assert [kept.get(h) for h in compared] == [fresh.get(h) for h in compared]
    precomputed_hits = app.extensions["carekg.precomputed"].hits
    assert precomputed_hits >= len(names) * len(set(ACCEPTS.values()))
    path = f"{url}/queries/documents"
    _, first, body = fetch(path, {"Accept": JSON})
    status, headers, empty = fetch(path, {"Accept": "application/json",
                                          "If-None-Match": first["etag"]})
    assert (status, empty, headers["etag"]) == (304, b"", first["etag"])
    status, headers, zipped = fetch(path, {"Accept": JSON, "Accept-Encoding": "gzip"})
    if len(body) >= 1024:
        assert headers["content-encoding"] == "gzip" and gzip.decompress(zipped) == body


def test_a_new_snapshot_is_never_answered_from_the_old_ones(precomputed, until) -> None:  # type: ignore[no-untyped-def]
    """A snapshot published while serving has none of its answers precomputed yet: they
    are evaluated (with a new ETag) until its own are made; the old ones are removed."""
    from carekg.api.precompute import root_of
    from carekg.api.precompute_make import precompute

    url, settings, app = precomputed
    path = f"{url}/queries/documents"
    _, before, _ = fetch(path, {"Accept": JSON})
    old = app.extensions["carekg.snapshots"].current_id()
    new = _publish(settings, council="E06000001")
    until(lambda: app.extensions["carekg.snapshots"].current_id() == new, "the new snapshot")
    hits = app.extensions["carekg.precomputed"].hits
    status, after, _ = fetch(path, {"Accept": JSON})
    assert status == 200 and after["etag"] != before["etag"]
    assert app.extensions["carekg.precomputed"].hits == hits  # evaluated, not the old one
    assert precompute(settings).made
    assert [p.name.split(".")[0] for p in root_of(settings).iterdir() if p.is_dir()] \
        == [new] != [old]
    heavy = busy(url, app, until)
    status, again, _ = fetch(path, {"Accept": "text/csv"})  # not in this process's cache
    assert status == 200 and app.extensions["carekg.precomputed"].hits == hits + 1
    heavy.join(30)


def test_a_snapshot_published_while_serving_gets_its_answers_in_the_background(  # type: ignore[no-untyped-def]
        precomputed, until) -> None:
    """A server process that finds no answers for the published snapshot makes them on a
    thread of its own (as ``carekg serve``'s processes do), taking over the claim of a
    maker that died, then sends them without a worker."""
    from carekg.api.precompute import INDEX, folder_name, root_of
    from carekg.api.precompute_make import precompute

    url, settings, app = precomputed
    made = app.extensions["carekg.precomputed"]
    made.maker = lambda: precompute(settings)
    new = _publish(settings, council="E06000001")
    # a process killed while making them left its claim: it is taken over, not obeyed
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (root_of(settings) / f".{new}.making").write_text(dead, encoding="ascii")
    until(lambda: app.extensions["carekg.snapshots"].current_id() == new, "the new snapshot")
    assert fetch(f"{url}/queries/documents", {"Accept": JSON})[0] == 200  # evaluated
    index = root_of(settings) / folder_name(settings, new) / INDEX
    until(index.exists, "the new snapshot's answers are made in the background", 60)
    heavy = busy(url, app, until)
    hits = made.hits
    assert fetch(f"{url}/queries/documents", {"Accept": "text/csv"})[0] == 200
    assert made.hits == hits + 1
    heavy.join(30)


def test_answers_over_the_size_bound_are_not_precomputed(tmp_path: Path, serving_app,  # type: ignore[no-untyped-def]
                                                         until) -> None:
    """A bound of a few hundred bytes (an eighth of the cache) leaves the larger answers
    out, listed with their size; those are evaluated on demand."""
    from carekg.api.app import create_app
    from carekg.api.precompute_make import precompute

    settings = Settings(store=tmp_path / "store", query_timeout=3.0,
                        max_concurrent_queries=1, queue_wait=0.2, cache_bytes=8 * 600)
    _publish(settings)
    report = precompute(settings)
    assert report.written and report.skipped
    assert all("over the bound of 600" in why for why in report.skipped.values())
    assert "documents text/html" in report.skipped
    app = create_app(settings, TESTING=True)
    with serving_app(app) as url:
        heavy = busy(url, app, until)
        assert fetch(f"{url}/queries/documents", {"Accept": "text/html"})[0] == 503
        heavy.join(30)
    app.extensions["carekg.pool"].close()


def test_answers_made_with_other_code_or_settings_are_not_used(precomputed, until) -> None:  # type: ignore[no-untyped-def]
    """Another row cap (or base, or code) over the same snapshot is another directory:
    a server started so finds none of the answers made with the old settings."""
    from dataclasses import replace

    from carekg.api.app import create_app
    from carekg.api.precompute import folder_name

    url, settings, app = precomputed
    snapshot_id = app.extensions["carekg.snapshots"].current_id()
    capped = replace(settings, max_result_rows=1)
    assert folder_name(capped, snapshot_id) != folder_name(settings, snapshot_id)
    other = create_app(capped, TESTING=True)
    with other.test_request_context("/queries/documents", headers={"Accept": JSON}):
        from flask import request

        assert other.extensions["carekg.precomputed"].entry(request, snapshot_id, ()) is None
        assert app.extensions["carekg.precomputed"].entry(request, snapshot_id, ()) is not None
    other.extensions["carekg.pool"].close()


def test_serve_precomputes_before_its_server_processes_start(tmp_path: Path) -> None:
    """``carekg serve`` makes the answers once, before the server processes start
    (they then find them; the test above shows how they are answered)."""
    from carekg.api.precompute import INDEX, folder_name, root_of

    settings = Settings(store=tmp_path / "store")
    snapshot = _publish(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "carekg", "serve", "--store", str(settings.store),
         "--port", "0", "--processes", "2", "--timeout", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "query UI at" in line:
                break
        assert any(line.startswith("precomputed ") for line in lines), lines
        folder = root_of(settings) / folder_name(settings, snapshot)
        index = json.loads((folder / INDEX).read_text())
        assert index["snapshot"] == snapshot and index["entries"]
    finally:
        import os
        import signal

        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)


def test_the_code_hash_covers_the_binding_of_saved_queries(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Answers made before a change of how saved queries are bound are not used after it."""
    import carekg.graph.saved_queries as saved_queries
    from carekg.api import precompute

    before = precompute._code_digest()
    changed = tmp_path / "saved_queries.py"
    changed.write_bytes(Path(saved_queries.__file__ or "").read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(saved_queries, "__file__", str(changed))
    precompute._code_digest.cache_clear()
    try:
        assert precompute._code_digest() != before
    finally:
        monkeypatch.undo()
        precompute._code_digest.cache_clear()
