"""The public endpoint's protections (docs/security.md): read-only everywhere, no outbound
requests, limits that answer with a status instead of hanging, rate limits, headers,
errors without internals and the access log."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import pytest

from carekg.api.app import create_app
from carekg.config import Settings

HEAVY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def others(self, until) -> int:  # type: ignore[no-untyped-def]
        """Connections anyone else has made so far. Connects once itself and waits until
        that one is counted: the backlog is accepted in order, so every earlier
        connection has been counted by then (a signal, not a sleep)."""
        before = self.connections
        socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
        until(lambda: self.connections > before, "the listener counted our own connection")
        return self.connections - 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def make_app(settings: Settings, **limits: object):  # type: ignore[no-untyped-def]
    return create_app(settings.with_(**limits), TESTING=True)


def ask(client, query: str, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/sparql", query_string={"query": query, **params})


# -- refusals ------------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/x>",
    "CLEAR ALL",
    "DROP GRAPH <urn:g>",
    "CREATE GRAPH <urn:g>",
    "ADD DEFAULT TO <urn:g>",
    "PREFIX x: <urn:x> WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "# comment\n  insert data { <urn:a> <urn:b> <urn:c> }",
    "\\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "SELECT * {} ; INSERT DATA { <urn:a> <urn:b> <urn:c> }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_in_any_disguise_are_403(client, update: str) -> None:  # type: ignore[no-untyped-def]
    for response in (ask(client, update),
                     client.post("/sparql", data={"query": update}),
                     client.post("/sparql", data=update.encode(),
                                 content_type="application/sparql-query"),
                     client.post("/sparql", data={"update": update}),
                     client.post("/sparql", data=update.encode(),
                                 content_type="application/sparql-update")):
        assert response.status_code == 403, response.data
        assert b"read-only" in response.data


def test_no_route_accepts_a_write(app, client) -> None:  # type: ignore[no-untyped-def]
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    # the app's routes, and /sparql, which is answered in front of them (api/sparql.py)
    paths = ["/sparql", *(r.rule for r in app.url_map.iter_rules() if "<" not in r.rule)]
    assert len(paths) > 5
    for path in paths:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = client.open(path, method=method, data=update.encode(),
                                   content_type="application/sparql-update")
            assert response.status_code in (403, 405), (path, method, response.status_code)
    count = ask(client, "SELECT (COUNT(*) AS ?n) { <urn:a> <urn:b> <urn:c> }").get_json()
    assert count["results"]["bindings"][0]["n"]["value"] == "0"


SERVICE_FORMS = [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}#> SELECT * {{ SERVICE e: {{ ?s ?p ?o }} }}",
    "SELECT * {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?x ?y ?z #\n SERVICE<{url}>{{?s ?p ?o}} }}",
    "SELECT * {{ FILTER(?a<?b)SERVICE<{url}>{{?s ?p ?o}} }}",
]


@pytest.mark.parametrize("form", SERVICE_FORMS)
def test_service_is_refused_and_nothing_is_contacted(client, listener: Listener,  # type: ignore[no-untyped-def]
                                                     form: str, until) -> None:
    for url in (listener.url, "http://169.254.169.254/latest/meta-data/"):
        response = ask(client, form.format(url=url))
        assert response.status_code == 403, response.data
        assert b"SERVICE" in response.data
    assert listener.others(until) == 0


def test_words_that_only_look_like_service_still_run(client) -> None:  # type: ignore[no-untyped-def]
    query = ('SELECT ?service { ?service ?p "SERVICE <http://127.0.0.1:9/>" } '
             "# SERVICE <http://127.0.0.1:9/>")
    assert ask(client, query).status_code == 200


def test_an_allow_listed_service_is_contacted(built_settings: Settings,  # type: ignore[no-untyped-def]
                                              listener: Listener) -> None:
    """The control for the test above: the listener does see a federated call."""
    client = make_app(built_settings, federation_allow=(listener.url,),
                      query_timeout=5.0).test_client()
    response = ask(client, f"SELECT * {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 200, response.get_data(as_text=True)  # SILENT: no answer
    deadline = time.monotonic() + 3
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections >= 1
    other = ask(client, "SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }")
    assert other.status_code == 403


def test_from_and_from_named_never_fetch(client, listener: Listener, until) -> None:  # type: ignore[no-untyped-def]
    for query in (f"SELECT * FROM <{listener.url}> {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <{listener.url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                  f"DESCRIBE <{listener.url}>"):
        assert ask(client, query).status_code == 200
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }",
                                                   "default-graph-uri": listener.url})
    assert response.status_code == 200
    assert listener.others(until) == 0


# -- limits --------------------------------------------------------------------------


def _worker_cpu() -> dict[int, float]:
    """CPU seconds used so far by each live query worker of this process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"worker_from_fd" in cmd and int(stat[1]) == os.getpid() and stat[0] != "Z":
            found[int(entry.name)] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return found


def test_a_runaway_query_is_stopped_and_its_worker_freed(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app = make_app(built_settings, query_timeout=1.0, max_concurrent_queries=1)
    client = app.test_client()
    assert ask(client, "ASK {}").status_code == 200  # the worker is up
    started = time.monotonic()
    response = ask(client, HEAVY)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert b"longer than 1 s" in response.data
    assert elapsed < 3
    before = _worker_cpu()
    time.sleep(0.5)
    after = _worker_cpu()
    busy = [pid for pid in after if after[pid] - before.get(pid, 0.0) > 0.2]
    assert not busy, f"a worker is still computing: {busy}"
    # the single worker slot is free again: a cheap query is answered
    assert ask(client, "ASK { ?s ?p ?o }").status_code == 200
    assert app.extensions["carekg.pool"].killed == 1


def test_rows_beyond_the_limit_are_cut_and_the_header_says_so(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    client = make_app(built_settings, max_result_rows=5).test_client()
    response = ask(client, "SELECT * { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 5
    assert response.headers["X-Carekg-Truncated"].startswith("true")
    for fmt in ("csv", "tsv", "xml"):
        assert ask(client, "SELECT * { ?s ?p ?o }", format=fmt).status_code == 200
    turtle = ask(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="nt")
    assert len(turtle.data.strip().splitlines()) == 5
    assert "X-Carekg-Truncated" in turtle.headers
    small = ask(client, "SELECT * { ?s ?p ?o } LIMIT 5")
    assert "X-Carekg-Truncated" not in small.headers


def test_large_bodies_and_long_queries_are_413(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    client = make_app(built_settings, max_query_chars=1000).test_client()
    body = b"ASK {} #" + b"x" * 1_100_000
    response = client.post("/sparql", data=body, content_type="application/sparql-query")
    assert response.status_code == 413
    response = client.post("/sparql", data={"query": "ASK {} #" + "x" * 1_100_000})
    assert response.status_code == 413
    response = ask(client, "ASK {} #" + "x" * 2000)
    assert response.status_code == 413
    assert b"limit is 1000" in response.data


def test_a_body_past_max_body_bytes_is_413_before_it_is_read(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """The body limit holds on its own, whatever the query-length limit allows."""
    client = make_app(built_settings, max_body_bytes=10_000,
                      max_query_chars=1_000_000).test_client()
    body = b"ASK {} #" + b"x" * 20_000
    for response in (client.post("/sparql", data=body, content_type="application/sparql-query"),
                     client.post("/sparql", data={"query": body.decode()})):
        assert response.status_code == 413
        assert b"Request Entity Too Large" in response.data
    assert ask(client, "ASK {} #" + "x" * 20_000).status_code == 200  # GET: no body


def test_a_full_pool_answers_503_at_once(built_settings: Settings, until, serving_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(built_settings, query_timeout=3.0, max_concurrent_queries=1,
                   queue_wait=0.2)
    pool = app.extensions["carekg.pool"]
    with serving_app(app) as url:
        heavy = threading.Thread(target=_get, args=(url, HEAVY), daemon=True)
        heavy.start()
        until(lambda: pool.in_use == 1, "the only worker is busy with the heavy query")
        started = time.monotonic()
        status, headers, _ = _get(url, "ASK {}")
        assert status == 503
        assert headers["Retry-After"]
        assert time.monotonic() - started < 2
        heavy.join(10)
        assert _get(url, "ASK {}")[0] == 200


def _get(url: str, query: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urlopen(f"{url}/sparql?query={quote(query)}", timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# -- rate limits ---------------------------------------------------------------------


def test_clients_over_the_rate_limit_get_429(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(built_settings.with_(rate_limit="3 per minute"))
    client = app.test_client()
    far = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [client.get("/queries.json", environ_base=far).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = {"REMOTE_ADDR": "203.0.113.8"}
    assert client.get("/queries.json", environ_base=other).status_code == 200


def test_loopback_is_exempt_in_tests_and_when_configured(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    for app in (create_app(built_settings.with_(rate_limit="2 per minute"), TESTING=True),
                create_app(built_settings.with_(rate_limit="2 per minute",
                                                rate_limit_exempt_loopback=True))):
        client = app.test_client()
        assert {client.get("/queries.json").status_code for _ in range(4)} == {200}


def test_by_default_query_time_is_limited_and_loopback_exempt_only_on_loopback() -> None:
    from carekg.api.serve import serves_loopback_only

    settings = Settings()
    assert settings.query_seconds > 0 and not settings.rate_limit
    assert settings.rate_limit_exempt_loopback is None  # decided by the address served on
    assert all(serves_loopback_only(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost"))
    assert not any(serves_loopback_only(h) for h in ("0.0.0.0", "::", "192.0.2.1"))


def test_query_time_budget_refills_at_its_rate() -> None:
    from carekg.api.errors import HttpError
    from carekg.api.execution import QueryTimeBudget

    now = [0.0]
    budget = QueryTimeBudget(6.0, clock=lambda: now[0])  # 6 s per minute: 0.1 s per s
    budget.check("a")
    budget.charge("a", 8.0)  # a long query overdraws: credit -2 s
    with pytest.raises(HttpError) as refused:
        budget.check("a")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "21"
    budget.check("b")  # another client has its own budget
    now[0] = 21.0
    budget.check("a")  # paid back: 2 s of debt at 0.1 s a second


def test_a_client_that_spent_its_query_time_gets_429_but_cached_answers(
        built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app = make_app(built_settings, query_seconds=0.5, query_timeout=1.0)
    client = app.test_client()
    assert ask(client, "ASK {}").status_code == 200  # the worker is up (loopback: exempt)
    far = {"REMOTE_ADDR": "203.0.113.7"}
    cheap = "SELECT ?c WHERE { ?c a <https://w3id.org/carekg/def#Council> } LIMIT 3"
    assert client.get("/sparql", query_string={"query": cheap}, environ_base=far,
                      headers={"Accept": "application/sparql-results+json"}).status_code == 200
    assert client.get("/sparql", query_string={"query": HEAVY},
                      environ_base=far).status_code == 504  # 1 s of a 0.5 s budget
    refused = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                         environ_base=far)
    assert refused.status_code == 429, refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    hits = app.extensions["carekg.cache"].hits
    again = client.get("/sparql", query_string={"query": cheap}, environ_base=far,
                       headers={"Accept": "application/sparql-results+json"})
    assert again.status_code == 200 and app.extensions["carekg.cache"].hits == hits + 1
    other = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                       environ_base={"REMOTE_ADDR": "203.0.113.8"})
    assert other.status_code == 200


# -- headers, errors, access log -----------------------------------------------------


def test_security_headers_on_pages_and_answers(client) -> None:  # type: ignore[no-untyped-def]
    for response in (client.get("/"), ask(client, "ASK {}"), client.get("/nowhere")):
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_errors_show_no_internals(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app = make_app(built_settings)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError(f"secret detail in {Path(__file__)}")

    app.testing = False  # let the error handler answer, as in production
    client = app.test_client()
    for path, method, status in (("/boom", "GET", 500), ("/nowhere", "GET", 404),
                                 ("/queries.json", "DELETE", 405)):
        response = client.open(path, method=method)
        assert response.status_code == status
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "secret" not in text and "/work" not in text
        assert response.mimetype == "text/plain"


def test_access_log_is_json_lines(client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT * { ?s ?p ?o } LIMIT 2"
    with caplog.at_level(logging.INFO, logger="carekg.access"):
        response = ask(client, query)
        response.close()
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "carekg.access"]
    assert records, "no access log line"
    record = records[-1]
    assert {"time", "client", "method", "path", "status", "duration_ms", "query_hash",
            "size", "rows"} <= set(record)
    assert record["status"] == 200 and record["path"] == "/sparql"
    assert record["rows"] == 2 and record["size"] == len(response.data)
    assert len(record["query_hash"]) == 16


def test_retry_after_only_on_429_and_503(built_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """The rate limiter's headers say when to come back only when the client must: a 200
    carries the remaining-quota headers but no Retry-After; the 429 carries it."""
    app = create_app(built_settings.with_(rate_limit="2 per minute"))
    client = app.test_client()
    far = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [client.get("/queries.json", environ_base=far) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    for ok in answers[:2]:
        assert "Retry-After" not in ok.headers
        assert "X-RateLimit-Remaining" in ok.headers
    assert answers[2].headers.get("Retry-After", "").isdigit()
