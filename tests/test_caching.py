"""HTTP caching keyed by the published snapshot (api/caching.py), over real HTTP: strong
ETags stable within a snapshot and new after a publication, 304 on If-None-Match, gzip
when asked, Vary, one format's body never served for another, and a cache hit that
needs no query worker."""

from __future__ import annotations

import gzip
import json
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pyoxigraph as ox
import pytest

from carekg.config import Settings

SPARQL_DATA = Path(__file__).parent / "data" / "sparql" / "dataset.trig"

JSON = "application/sparql-results+json"
COUNCILS = ("SELECT ?c WHERE { ?c a <https://w3id.org/carekg/def#Council> } ORDER BY ?c")
HEAVY = ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . "
         "?p ?q ?r . ?s ?t ?u }")


def fetch(url: str, headers: dict[str, str] | None = None,
          data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names lower-cased) and raw body, whatever the status."""
    request = Request(url, data=data, headers=headers or {})
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def sparql_url(base: str, query: str, **params: str) -> str:
    return f"{base}/sparql?{urllib.parse.urlencode({'query': query, **params})}"


@pytest.fixture(scope="module")
def council_path(live_url: str) -> str:
    """The page of some council of the bundled corpus (found, not assumed)."""
    _, _, body = fetch(sparql_url(live_url, COUNCILS + " LIMIT 1"), {"Accept": JSON})
    iri = json.loads(body)["results"]["bindings"][0]["c"]["value"]
    return "/id/" + iri.split("/id/", 1)[1]


def test_etag_is_strong_stable_and_answers_304(live_url: str, council_path: str) -> None:
    for path, accept in ((council_path, "text/turtle"),
                         ("/queries/documents", JSON),
                         ("/sparql?" + urllib.parse.urlencode({"query": COUNCILS}), JSON)):
        url = live_url + path
        status, first, body = fetch(url, {"Accept": accept})
        assert status == 200 and body
        etag = first["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert "max-age" in first["cache-control"] and "public" in first["cache-control"]
        status, again, body_again = fetch(url, {"Accept": accept})
        assert again["etag"] == etag and body_again == body
        status, headers, empty = fetch(url, {"Accept": accept, "If-None-Match": etag})
        assert status == 304 and empty == b""
        assert headers["etag"] == etag
        status, _, _ = fetch(url, {"Accept": accept, "If-None-Match": '"something-else"'})
        assert status == 200


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_cached_answer_is_sent_as_the_fresh_one_was(live_url: str, council_path: str,
                                                      encoding: str) -> None:
    """A hit is answered before the app (caching.CacheHits): same status, body and
    headers (security, CORS, validators, Vary, truncation) as the answer it repeats, and
    a 304 like the app's."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
    for path, accept in ((council_path, "text/turtle"), ("/queries/documents", JSON),
                         ("/sparql?" + urllib.parse.urlencode({"query": query}), JSON)):
        headers = {"Accept": accept, "Accept-Encoding": encoding}
        fresh = fetch(live_url + path, {**headers, "Cache-Control": "no-cache"})
        cached = fetch(live_url + path, headers)
        assert fresh[0] == cached[0] == 200
        assert fresh[2] == cached[2]
        for answer in (fresh, cached):
            answer[1].pop("date")
        assert fresh[1] == cached[1], path
        headers["If-None-Match"] = cached[1]["etag"]
        fresh = fetch(live_url + path, {**headers, "Cache-Control": "no-cache"})
        cached = fetch(live_url + path, headers)
        assert fresh[0] == cached[0] == 304
        for answer in (fresh, cached):
            answer[1].pop("date")
        assert fresh[1] == cached[1], path


def test_vary_names_accept_and_accept_encoding(live_url: str, council_path: str) -> None:
    for path in (council_path, "/queries/documents", "/sparql?query=ASK%7B%7D"):
        _, headers, _ = fetch(live_url + path)
        vary = {v.strip() for v in headers["vary"].split(",")}
        assert {"Accept", "Accept-Encoding"} <= vary


def test_cache_never_serves_another_formats_body(live_url: str) -> None:
    url = sparql_url(live_url, COUNCILS)
    answers = {}
    for accept in (JSON, "text/csv", JSON, "application/sparql-results+xml", "text/csv"):
        status, headers, body = fetch(url, {"Accept": accept})
        assert status == 200 and headers["content-type"].startswith(accept)
        answers.setdefault(accept, set()).add((headers["etag"], body))
    assert all(len(seen) == 1 for seen in answers.values())  # stable per format
    etags = {etag for seen in answers.values() for etag, _ in seen}
    assert len(etags) == 3  # one per format
    assert json.loads(next(iter(answers[JSON]))[1])["results"]["bindings"]
    assert next(iter(answers["text/csv"]))[1].startswith(b"c\r\n")
    # format= names the format too; it is part of the answer, not of another's entry
    status, headers, body = fetch(sparql_url(live_url, COUNCILS, format="csv"),
                                  {"Accept": JSON})
    assert headers["content-type"].startswith("text/csv") and body.startswith(b"c\r\n")
    # the same resource as HTML and as Turtle
    _, html, page = fetch(live_url + "/queries/documents", {"Accept": "text/html"})
    _, data, results = fetch(live_url + "/queries/documents", {"Accept": JSON})
    assert html["content-type"].startswith("text/html") and page.lstrip().startswith(b"<")
    assert data["content-type"].startswith(JSON) and json.loads(results)["results"]
    assert html["etag"] != data["etag"]


def test_gzip_when_the_client_accepts_it(live_url: str, council_path: str) -> None:
    for path, accept in ((council_path, "text/html"), ("/queries/documents", JSON)):
        _, plain_headers, plain = fetch(live_url + path, {"Accept": accept})
        assert "content-encoding" not in plain_headers
        for _ in range(2):  # computed, then from the cache
            _, headers, zipped = fetch(live_url + path,
                                       {"Accept": accept, "Accept-Encoding": "gzip"})
            assert headers["content-encoding"] == "gzip"
            assert gzip.decompress(zipped) == plain
            assert headers["etag"] != plain_headers["etag"]  # another representation
            assert int(headers["content-length"]) == len(zipped) < len(plain)
        refused = {"Accept": accept, "Accept-Encoding": "gzip;q=0, identity"}
        _, headers, body = fetch(live_url + path, refused)
        assert "content-encoding" not in headers and body == plain
        # If-None-Match with the gzip variant's tag is a 304 too
        status, _, _ = fetch(live_url + path, {"Accept": accept, "Accept-Encoding": "gzip",
                                               "If-None-Match": headers["etag"]})
        assert status == 304
    # a tiny answer is not worth compressing
    _, headers, _ = fetch(live_url + "/sparql?query=ASK%7B%7D", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in headers


def test_a_streamed_answer_is_gzipped_chunk_by_chunk(live_url: str) -> None:
    url = sparql_url(live_url, "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3000")
    _, plain_headers, plain = fetch(url, {"Accept": "text/tab-separated-values"})
    assert len(plain) > 64 * 1024  # more than one chunk: streamed
    _, headers, zipped = fetch(url, {"Accept": "text/tab-separated-values",
                                     "Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped) == plain


def test_post_queries_are_answered_from_their_body(live_url: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON}
    answers = []
    for query in (COUNCILS, "ASK {}", COUNCILS):
        status, headers, body = fetch(f"{live_url}/sparql", form,
                                      urllib.parse.urlencode({"query": query}).encode())
        assert status == 200 and "etag" not in headers  # no conditional POST
        answers.append(body)
    assert answers[0] == answers[2] != answers[1]
    direct = {"Content-Type": "application/sparql-query", "Accept": JSON}
    assert fetch(f"{live_url}/sparql", direct, b"ASK {}")[2] == answers[1]


# -- a store of its own: publication, and the pool -----------------------------------


def _publish(settings: Settings, council: str | None = None) -> str:
    """Publish a new snapshot (a copy of the current one, plus a council if given)."""
    from carekg.graph.store import StoreDir

    store = StoreDir(settings.store)
    with store.writer(from_current=store.exists()) as snapshot:
        if not store.exists():
            snapshot.store.bulk_load(path=str(SPARQL_DATA), format=ox.RdfFormat.TRIG)
        if council:
            snapshot.store.add(ox.Quad(
                ox.NamedNode(f"https://w3id.org/carekg/id/council/{council}"),
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("https://w3id.org/carekg/def#Council"),
                ox.NamedNode("https://w3id.org/carekg/graph/councils")))
        return store.publish(snapshot)


@pytest.fixture()
def own(tmp_path: Path, serving_app) -> Iterator[tuple[str, Settings, object]]:  # type: ignore[no-untyped-def]
    """A small store served by its own app (one query worker, short waits)."""
    from carekg.api.app import create_app

    settings = Settings(store=tmp_path / "store", query_timeout=3.0,
                        max_concurrent_queries=1, queue_wait=0.2)
    _publish(settings)
    app = create_app(settings, TESTING=True)
    with serving_app(app) as url:
        yield url, settings, app
    app.extensions["carekg.pool"].close()


def test_a_new_snapshot_changes_the_etag_and_the_answer(own) -> None:  # type: ignore[no-untyped-def]
    url, settings, _ = own
    target = sparql_url(url, COUNCILS)
    _, before, body = fetch(target, {"Accept": JSON})
    assert len(json.loads(body)["results"]["bindings"]) == 2
    assert fetch(target, {"Accept": JSON, "If-None-Match": before["etag"]})[0] == 304
    _publish(settings, council="E06000001")
    status, after, body = fetch(target, {"Accept": JSON, "If-None-Match": before["etag"]})
    assert status == 200 and after["etag"] != before["etag"]
    assert len(json.loads(body)["results"]["bindings"]) == 3
    page = "/id/council/E06000001"
    assert fetch(url + page, {"Accept": "text/turtle"})[0] == 200
    assert fetch(target, {"Accept": JSON, "If-None-Match": after["etag"]})[0] == 304


def test_a_cache_hit_needs_no_query_worker(own, until) -> None:  # type: ignore[no-untyped-def]
    url, _, app = own
    cheap = sparql_url(url, COUNCILS)
    assert fetch(cheap, {"Accept": JSON})[0] == 200  # now cached
    heavy = threading.Thread(target=fetch, args=(sparql_url(url, HEAVY),), daemon=True)
    heavy.start()
    pool = app.extensions["carekg.pool"]
    until(lambda: pool.in_use == 1, "the only worker is busy with the heavy query")
    status, _, body = fetch(cheap, {"Accept": JSON})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 2
    assert fetch(sparql_url(url, "ASK { ?s ?p ?o }"))[0] == 503  # not cached: needs one
    # a client may ask for a fresh evaluation; it then needs a worker like any other
    assert fetch(cheap, {"Accept": JSON, "Cache-Control": "no-cache"})[0] == 503
    heavy.join(10)
    assert app.extensions["carekg.pool"].killed == 1


def test_clients_asking_at_once_for_a_new_answer_share_one_evaluation(  # type: ignore[no-untyped-def]
        tmp_path: Path, serving_app, until) -> None:
    """The first request for an answer makes it; the same request arriving meanwhile
    waits for that answer instead of queueing for a query worker of its own."""
    from carekg.api.app import create_app

    settings = Settings(store=tmp_path / "store", query_timeout=3.0,
                        max_concurrent_queries=1, queue_wait=30.0)
    _publish(settings)
    app = create_app(settings, TESTING=True)
    pool, cache = app.extensions["carekg.pool"], app.extensions["carekg.cache"]
    answers: list[tuple[int, dict[str, str], bytes]] = []

    def ask(url: str) -> None:
        answers.append(fetch(sparql_url(url, COUNCILS), {"Accept": JSON}))

    with serving_app(app) as url:
        heavy = threading.Thread(target=fetch, args=(sparql_url(url, HEAVY),), daemon=True)
        heavy.start()
        until(lambda: pool.in_use == 1, "the only worker is busy with the heavy query")
        first = threading.Thread(target=ask, args=(url,))
        first.start()
        until(lambda: cache.misses == 2, "the first request is waiting for the worker")
        second = threading.Thread(target=ask, args=(url,))
        second.start()
        until(lambda: cache.waiting == 1, "the second request waits for the first's answer")
        first.join(30)
        # woken by the first's answer, long before its own wait (33 s) would run out
        until(lambda: len(answers) == 2, "the second request has the first's answer", 10)
        for thread in (second, heavy):
            thread.join(30)
    pool.close()
    assert [status for status, _, _ in answers] == [200, 200]
    assert answers[0][2] == answers[1][2]
    assert len(json.loads(answers[0][2])["results"]["bindings"]) == 2
    assert cache.hits == 1  # the second was answered from the first's evaluation
    assert pool.killed == 1


def _ask_twice(app, url: str, path: str, until) -> list[tuple[int, dict[str, str], bytes]]:  # type: ignore[no-untyped-def]
    """GET ``path`` twice at once, the second once the first is making the answer and
    the second is waiting for it; both answers."""
    cache = app.extensions["carekg.cache"]
    answers: list[tuple[int, dict[str, str], bytes]] = []
    misses = cache.misses
    first = threading.Thread(target=lambda: answers.append(fetch(url + path, {"Accept": JSON})))
    first.start()
    until(lambda: cache.misses == misses + 1, "the first request makes the answer")
    second = threading.Thread(target=lambda: answers.append(fetch(url + path, {"Accept": JSON})))
    second.start()
    until(lambda: cache.waiting == 1, "the second request waits for the first's answer")
    for thread in (first, second):
        thread.join(60)
    return answers


def _app_of(tmp_path: Path, **limits: float) -> tuple[Any, Any]:
    """An app over a small store of its own with these limits, and its worker pool."""
    from carekg.api.app import create_app

    settings = Settings(store=tmp_path / "store", **limits)
    _publish(settings)
    app = create_app(settings, TESTING=True)
    return app, app.extensions["carekg.pool"]


def test_requests_waiting_for_a_query_stopped_at_the_timeout_get_its_504(  # type: ignore[no-untyped-def]
        tmp_path: Path, serving_app, until) -> None:
    """The same runaway query asked twice at once is evaluated once: the request waiting
    for the first one's answer gets its 504, instead of taking a worker of its own for
    another whole timeout (a free one is there to take)."""
    app, pool = _app_of(tmp_path, query_timeout=1.0, max_concurrent_queries=2, queue_wait=30.0)
    with serving_app(app) as url:
        path = sparql_url("", HEAVY)
        answers = _ask_twice(app, url, path, until)
        assert pool.killed == 1  # one evaluation, stopped once
        # not cached: asked again later, it is evaluated (and stopped) again
        assert fetch(url + path, {"Accept": JSON})[0] == 504 and pool.killed == 2
    pool.close()
    assert [status for status, _, _ in answers] == [504, 504]
    assert answers[0][2] == answers[1][2] and b"took longer than" in answers[0][2]
    assert "etag" not in answers[1][1] and "cache-control" not in answers[1][1]
    assert answers[1][1]["x-content-type-options"] == "nosniff"


def test_requests_waiting_for_a_saved_query_refused_for_want_of_a_worker_get_its_503(  # type: ignore[no-untyped-def]
        tmp_path: Path, serving_app, until) -> None:
    """A saved query (answered through Flask) that found no worker free within the queue
    wait: the same request waiting for its answer gets that 503 with it, instead of
    waiting out a queue wait of its own."""
    app, pool = _app_of(tmp_path, query_timeout=4.0, max_concurrent_queries=1, queue_wait=1.0)
    with serving_app(app) as url:
        heavy = threading.Thread(target=fetch, args=(sparql_url(url, HEAVY),), daemon=True)
        heavy.start()
        until(lambda: pool.in_use == 1, "the only worker is busy with the heavy query")
        answers = _ask_twice(app, url, "/queries/documents", until)
        heavy.join(30)
    pool.close()
    assert [status for status, _, _ in answers] == [503, 503]
    assert answers[0][2] == answers[1][2] and answers[1][1]["retry-after"] == "5"
    assert pool.refused == 1  # the first waited for a worker; the second did not


def test_only_a_stopped_evaluation_is_shared_with_the_waiting_requests() -> None:
    """A refusal of the client (429: its own query-time budget) or of its request (400)
    is not handed to other clients waiting for the same answer; a 503 or 504 is."""
    from carekg.api.caching import failure_of

    assert failure_of(429, [("Retry-After", "60")], b"budget\n", {}) is None
    assert failure_of(400, [], b"bad query\n", {}) is None
    shared = failure_of(504, [("Content-Type", "text/plain"), ("Content-Length", "5"),
                              ("Date", "now")], b"slow\n", {"carekg_rows": None})
    assert shared is not None and shared.status == 504 and shared.etag == ""
    assert shared.headers == [("Content-Type", "text/plain")] and shared.body == b"slow\n"
