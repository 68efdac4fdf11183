"""Cache hits and lookups answered on waitress's loop thread (carekg.api.loop_hits), over
real HTTP: neither needs a request thread, each is the answer the app would have sent, a
lookup keeps the row cap and every other query still waits for a thread and a worker, and
a connection with more than the hit in hand is answered in order by the threads."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carekg.config import Settings
from tests.test_caching import COUNCILS, HEAVY, JSON, _publish, fetch, sparql_url

COUNCIL = "<https://w3id.org/carekg/id/council/E09000019>"
#: A lookup (carekg.graph.sparql_text.is_lookup) of 5 rows in the tests' store.
LOOKUP = f"SELECT ?p ?o WHERE {{ {COUNCIL} ?p ?o }}"
NO_CACHE = {"Accept": JSON, "Cache-Control": "no-cache"}


@pytest.fixture(params=[10_000])
def one_thread(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """A small store's app served as ``carekg serve`` serves it, with one request thread
    and one query worker (and the row cap the test's parameter gives)."""
    from carekg.api.app import create_app
    from carekg.bench.served import in_thread

    settings = Settings(store=tmp_path / "store", query_timeout=5.0,
                        max_concurrent_queries=1, queue_wait=0.2,
                        max_result_rows=request.param)
    _publish(settings)
    app = create_app(settings, TESTING=True)
    with in_thread(app, threads=1) as url:
        yield url, app
    app.extensions["carekg.pool"].close()


def test_a_cache_hit_is_sent_while_the_only_request_thread_is_busy(one_thread, until) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    pool, cache = app.extensions["carekg.pool"], app.extensions["carekg.cache"]
    cheap = sparql_url(url, COUNCILS)
    assert fetch(cheap, {"Accept": JSON})[0] == 200  # now cached
    heavy = threading.Thread(target=fetch, args=(sparql_url(url, HEAVY),), daemon=True)
    heavy.start()
    until(lambda: pool.in_use == 1, "the only thread waits for the heavy query's worker")
    hits = cache.hits
    status, _, body = fetch(cheap, {"Accept": JSON})
    # answered while the heavy query still holds the thread (its 504 comes at 5 s)
    assert status == 200 and pool.in_use == 1 and cache.hits == hits + 1
    assert b"results" in body
    heavy.join(30)


def test_a_hit_sent_on_the_loop_is_the_answer_the_app_sends(one_thread) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    path = sparql_url("", COUNCILS)
    host = url.removeprefix("http://")
    first = fetch(url + path, {"Accept": JSON, "Accept-Encoding": "gzip"})
    loop = fetch(url + path, {"Accept": JSON, "Accept-Encoding": "gzip"})
    hits = app.extensions["carekg.cache"].hits
    in_app = app.test_client().get(path, headers={"Host": host, "Accept": JSON,
                                                  "Accept-Encoding": "gzip"})
    assert app.extensions["carekg.cache"].hits == hits + 1  # the app's own hit
    transport = {"date", "server", "connection"}
    same = {k: v for k, v in loop[1].items() if k not in transport}
    assert same == {k.lower(): v for k, v in in_app.headers.items() if k.lower() not in transport}
    assert loop[2] == in_app.data == first[2]
    assert same["etag"] == first[1]["etag"] and same["x-frame-options"] == "DENY"
    revalidated = fetch(url + path, {"Accept": JSON, "If-None-Match": same["etag"]})
    assert revalidated[0] == 304 and revalidated[2] == b""


def test_a_miss_is_looked_up_once_and_its_environ_made_once(one_thread) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    front = app.wsgi_app  # the CacheHits the loop thread asks
    asked: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    hit, inner = front.hit, front.inner

    def spy_hit(environ: dict[str, Any]) -> Any:
        asked.append(environ)
        return hit(environ)

    def spy_inner(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(environ)
        return inner(environ, start_response)

    front.hit, front.inner = spy_hit, spy_inner
    try:
        status, _, body = fetch(sparql_url(url, "ASK { ?s ?p ?o }"), {"Accept": JSON})
    finally:
        front.hit, front.inner = hit, inner
    assert status == 200 and b"boolean" in body
    # the loop thread's lookup is the only one, and the endpoint gets its environ
    assert len(asked) == 1 and len(seen) == 1 and seen[0] is asked[0]


def _request(path: str, host: str, close: bool = False) -> bytes:
    connection = "close" if close else "keep-alive"
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {JSON}\r\n"
            f"Connection: {connection}\r\n\r\n").encode()


def test_requests_sent_together_with_a_hit_are_answered_in_order(one_thread) -> None:  # type: ignore[no-untyped-def]
    url, _ = one_thread
    host = url.removeprefix("http://")
    cached, fresh = sparql_url("", COUNCILS), sparql_url("", "ASK { ?s ?p ?o }")
    assert fetch(url + cached, {"Accept": JSON})[0] == 200  # now cached
    address, port = host.rsplit(":", 1)
    with socket.create_connection((address, int(port)), timeout=30) as sock:
        sock.sendall(_request(cached, host) + _request(fresh, host, close=True))
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.index(b'"bindings"') < received.index(b'"boolean"')


def _busy(url: str, pool: Any, until: Any) -> threading.Thread:
    """The only request thread held by a heavy query waiting for its worker (504 at 5 s)."""
    heavy = threading.Thread(target=fetch, args=(sparql_url(url, HEAVY),), daemon=True)
    heavy.start()
    until(lambda: pool.in_use == 1, "the only thread waits for the heavy query's worker")
    return heavy


def test_an_uncached_lookup_is_answered_while_the_only_request_thread_is_busy(
        one_thread, until) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    pool = app.extensions["carekg.pool"]
    assert fetch(sparql_url(url, LOOKUP), NO_CACHE)[0] == 200  # the snapshot is open now
    heavy = _busy(url, pool, until)
    runs = pool.runs
    status, headers, body = fetch(sparql_url(url, LOOKUP), NO_CACHE)
    assert status == 200 and pool.in_use == 1 and pool.runs == runs  # no thread, no worker
    assert body.count(b'"type"') == 10 and "x-carekg-truncated" not in headers
    in_app = app.test_client().get(sparql_url("", LOOKUP), headers=NO_CACHE)
    assert in_app.data == body and in_app.headers["Content-Type"] == headers["content-type"]
    heavy.join(30)


@pytest.mark.parametrize("one_thread", [2], indirect=True)
def test_a_lookup_answered_on_the_loop_keeps_the_row_cap(one_thread, until) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    assert fetch(sparql_url(url, LOOKUP), NO_CACHE)[0] == 200
    heavy = _busy(url, app.extensions["carekg.pool"], until)
    status, headers, body = fetch(sparql_url(url, LOOKUP), NO_CACHE)
    assert status == 200 and body.count(b'"type"') == 4  # two rows of two terms
    assert headers["x-carekg-truncated"] == "true; rows=2; limit=2"
    heavy.join(30)


def test_other_queries_are_not_answered_on_the_loop(one_thread, until) -> None:  # type: ignore[no-untyped-def]
    url, app = one_thread
    pool = app.extensions["carekg.pool"]
    assert fetch(sparql_url(url, LOOKUP), NO_CACHE)[0] == 200
    killed, runs = pool.killed, pool.runs
    heavy = _busy(url, pool, until)
    # not a lookup: answered by a worker, once the heavy query has let the thread go
    status, _, body = fetch(sparql_url(url, "ASK { ?s ?p ?o }"), NO_CACHE)
    assert status == 200 and pool.killed == killed + 1 and pool.runs == runs + 2, body
    heavy.join(30)


def test_a_lookup_refused_by_the_engine_is_refused_by_the_threads(one_thread) -> None:  # type: ignore[no-untyped-def]
    url, _ = one_thread
    assert fetch(sparql_url(url, LOOKUP), NO_CACHE)[0] == 200
    status, _, body = fetch(sparql_url(url, f"SELECT * WHERE {{ {COUNCIL} undeclared:p ?o }}"),
                            NO_CACHE)
    assert status == 400 and b"malformed SPARQL query" in body
