"""The SPARQL 1.1 Protocol at /sparql: the W3C protocol test cases that apply to a
read-only query endpoint, content negotiation, CORS, errors and streaming.

Test names ``test_w3c_<name>`` follow the entries of the W3C protocol manifest
(``query_post_form``, ``bad_query_method``...); FEATURES.md lists them with their status.
The store is a small TriG file (tests/data/sparql) so that dataset parameters have
known graphs to name, independent of what the extractors find in the corpus.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MultiDict

from carekg.api import negotiation as neg
from carekg.bench.served import running

DATA = Path(__file__).parent / "data" / "sparql" / "dataset.trig"
EX = "http://example.org/protocol/"
SPARQL_JSON = "application/sparql-results+json"


@pytest.fixture()
def client(protocol_app):  # type: ignore[no-untyped-def]
    return protocol_app.test_client()


@pytest.fixture(scope="module")
def live(protocol_url: str) -> str:
    return protocol_url


def bindings(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    data = json.loads(response.data)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def boolean(response) -> bool:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data
    return bool(json.loads(response.data)["boolean"])


# -- W3C SPARQL 1.1 Protocol tests (query side) ---------------------------------------


def test_w3c_query_get(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 200
    assert response.mimetype == SPARQL_JSON
    assert boolean(response) is True


def test_w3c_query_post_form(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data={"query": "ASK {}"})
    assert response.headers["Content-Type"] == SPARQL_JSON
    assert boolean(response) is True


def test_w3c_query_post_direct(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert boolean(response) is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_w3c_query_dataset_default_graphs(client, method: str) -> None:  # type: ignore[no-untyped-def]
    query = f"ASK {{ <{EX}data1> ?p ?o . <{EX}data2> ?p ?o }}"
    graphs = [("default-graph-uri", f"{EX}data1"), ("default-graph-uri", f"{EX}data2")]
    if method == "get":
        response = client.get("/sparql", query_string=[("query", query), *graphs])
    else:
        response = client.post("/sparql", query_string=graphs, data=query,
                               content_type="application/sparql-query")
    assert boolean(response) is True
    # The dataset really is restricted: data3 is not in the default graph any more.
    query3 = f"ASK {{ <{EX}data3> ?p ?o }}"
    response = client.get("/sparql", query_string=[("query", query3), *graphs])
    assert boolean(response) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_w3c_query_dataset_named_graphs(client, method: str) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    graphs = [("named-graph-uri", f"{EX}data1"), ("named-graph-uri", f"{EX}data2")]
    if method == "get":
        response = client.get("/sparql", query_string=[("query", query), *graphs])
    else:
        response = client.post("/sparql", data=MultiDict([("query", query), *graphs]))
    assert [row["g"] for row in bindings(response)] == [f"{EX}data1", f"{EX}data2"]


def test_w3c_query_dataset_full(client) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?g ?x ?s { ?x ?y ?o GRAPH ?g { ?s ?p ?o } }"
    params = [("default-graph-uri", f"{EX}data3"), ("named-graph-uri", f"{EX}data1"),
              ("named-graph-uri", f"{EX}data2")]
    response = client.post("/sparql", query_string=params, data=query,
                           content_type="application/sparql-query")
    rows = bindings(response)
    # ?o must be shared by a data3 triple and a data1/data2 triple: only the rdf:type.
    assert {(r["g"], r["x"], r["s"]) for r in rows} == {
        (f"{EX}data1", f"{EX}data3", f"{EX}data1"),
        (f"{EX}data2", f"{EX}data3", f"{EX}data2"),
    }


def test_w3c_query_multiple_dataset(client) -> None:  # type: ignore[no-untyped-def]
    # The protocol's dataset overrides FROM in the query.
    query = f"ASK FROM <{EX}data1> {{ <{EX}data1> ?p ?o }}"
    response = client.post("/sparql", query_string={"default-graph-uri": f"{EX}data2"},
                           data=query, content_type="application/sparql-query")
    assert boolean(response) is False


@pytest.mark.parametrize("accept", [None, "application/sparql-results+xml", "text/csv",
                                    "text/tab-separated-values"])
def test_w3c_query_content_type_select(client, accept: str | None) -> None:  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    response = client.post("/sparql", data="SELECT (1 AS ?value) {}", headers=headers,
                           content_type="application/sparql-query")
    assert response.status_code == 200
    assert response.mimetype == (accept or SPARQL_JSON)
    assert b"value" in response.data and b"1" in response.data


@pytest.mark.parametrize("accept", [None, "application/sparql-results+xml"])
def test_w3c_query_content_type_ask(client, accept: str | None) -> None:  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    response = client.post("/sparql", data="ASK {}", headers=headers,
                           content_type="application/sparql-query")
    assert response.mimetype == (accept or SPARQL_JSON)
    assert b"true" in response.data


@pytest.mark.parametrize("query", [f"DESCRIBE <{EX}data1>",
                                   "CONSTRUCT { <s> <p> 1 } WHERE {}"])
def test_w3c_query_content_type_describe_construct(client, query: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data=query, content_type="application/sparql-query",
                           headers={"Accept": "application/rdf+xml"})
    assert response.mimetype == "application/rdf+xml"
    graph = ox.parse(response.data, format=ox.RdfFormat.RDF_XML)
    assert len(list(graph)) >= 1
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.mimetype == "text/turtle"


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_w3c_bad_query_method(client, method: str) -> None:  # type: ignore[no-untyped-def]
    response = getattr(client, method)("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_w3c_bad_multiple_queries(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400
    assert b"one query" in response.data


def test_w3c_bad_query_wrong_media_type(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert response.status_code == 415


def test_w3c_bad_query_missing_form_type(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert response.status_code == 415


def test_w3c_bad_query_missing_direct_type(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data=b"ASK {}")
    assert response.status_code == 415


def test_w3c_bad_query_non_utf8(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data="ASK {}".encode("utf-16"),
                           content_type="application/sparql-query; charset=UTF-16")
    assert response.status_code == 415
    assert b"UTF-8" in response.data


def test_invalid_utf8_bytes_are_a_bad_request(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data=b"ASK { ?s ?p \"\xff\" }",
                           content_type="application/sparql-query")
    assert response.status_code == 400


def test_w3c_bad_query_syntax(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%20%7B")
    assert response.status_code == 400
    # The parser's message with its line:column position reaches the client.
    assert b"error at 1:" in response.data


def test_w3c_bad_update_get(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?update=CLEAR%20ALL")
    assert response.status_code == 403
    assert b"read-only" in response.data


@pytest.mark.parametrize("kwargs", [
    {"data": "CLEAR ALL", "content_type": "application/sparql-update"},
    {"data": {"update": "CLEAR ALL"}},
    {"data": MultiDict([("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")])},
    {"data": {"update": "CLEAR XYZ"}},
])
def test_w3c_updates_are_refused(client, kwargs) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", **kwargs)
    assert response.status_code == 403
    # ...and nothing was cleared.
    assert boolean(client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}))


# -- content negotiation -------------------------------------------------------------


@pytest.mark.parametrize("fmt", neg.RESULT_FORMATS, ids=lambda f: f.names[0])
def test_every_results_format_by_accept_and_by_name(client, fmt: neg.Format) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?label { ?c a <https://w3id.org/carekg/def#Council> ; " \
            "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    by_accept = client.get("/sparql", query_string={"query": query},
                           headers={"Accept": fmt.media_type})
    by_name = client.get("/sparql", query_string={"query": query, "format": fmt.names[0]},
                         headers={"Accept": "text/html"})
    assert by_accept.mimetype == by_name.mimetype == fmt.media_type
    assert by_accept.data == by_name.data
    if fmt.names[0] == "csv":  # lossy, so pyoxigraph does not parse it back
        labels = [row["label"] for row in csv.DictReader(io.StringIO(by_accept.text))]
    else:
        parsed = ox.parse_query_results(by_accept.data, format=fmt.writer)
        labels = [row["label"].value for row in parsed]
    assert labels == ["Cambridgeshire County Council", "London Borough of Islington"]


@pytest.mark.parametrize("fmt", neg.GRAPH_FORMATS, ids=lambda f: f.names[0])
def test_every_graph_format_round_trips(client, fmt: neg.Format) -> None:  # type: ignore[no-untyped-def]
    query = "CONSTRUCT { ?c ?p ?o } WHERE { ?c a <https://w3id.org/carekg/def#Council> ; ?p ?o }"
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    triples = {ox.Triple(t.subject, t.predicate, t.object)
               for t in ox.parse(response.data, format=fmt.writer)}
    expected = set(ox.parse(path=str(DATA), format=ox.RdfFormat.TRIG))
    councils = {ox.Triple(q.subject, q.predicate, q.object) for q in expected
                if "council" in str(q.graph_name)}
    assert triples == councils  # including the non-ASCII literal and the decimal


def test_q_values_choose_the_preferred_format(client) -> None:  # type: ignore[no-untyped-def]
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    response = client.get("/sparql", query_string={"query": "SELECT (1 AS ?x) {}"},
                          headers={"Accept": accept})
    assert response.mimetype == "text/csv"
    assert response.headers["Vary"] == "Accept, Accept-Encoding"  # the answer also varies by gzip


def test_q_zero_excludes_a_format(client) -> None:  # type: ignore[no-untyped-def]
    accept = "application/sparql-results+json;q=0, */*"
    response = client.get("/sparql", query_string={"query": "ASK {}"},
                          headers={"Accept": accept})
    assert response.mimetype == "application/sparql-results+xml"


@pytest.mark.parametrize("query,accept,fmt", [
    ("ASK {}", "image/png", None),
    ("SELECT * {}", None, "turtle"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json", None),
])
def test_unservable_formats_are_406(client, query, accept, fmt) -> None:  # type: ignore[no-untyped-def]
    params = {"query": query, **({"format": fmt} if fmt else {})}
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string=params, headers=headers)
    assert response.status_code == 406
    assert b"available as" in response.data


def test_accept_parser_prefers_specific_ranges() -> None:
    ranges = neg.parse_accept("text/*;q=0.3, text/turtle;q=0.7, */*;q=0.1")
    assert neg.quality(ranges, "text/turtle") == 0.7
    assert neg.quality(ranges, "text/csv") == 0.3
    assert neg.quality(ranges, "application/ld+json") == 0.1
    assert neg.quality(neg.parse_accept("text/csv"), "text/turtle") == 0.0
    assert neg.choose(neg.GRAPH, None).media_type == "text/turtle"
    assert neg.choose(neg.RESULTS, "*/*").media_type == SPARQL_JSON


# -- service description, CORS, errors -----------------------------------------------


def test_get_without_query_is_a_service_description(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql")
    assert response.mimetype == "text/turtle"
    sd = "http://www.w3.org/ns/sparql-service-description#"
    store = ox.Store()
    store.load(response.data, format=ox.RdfFormat.TURTLE)
    endpoint = list(store.query(f"SELECT ?e {{ ?s a <{sd}Service> ; <{sd}endpoint> ?e }}"))
    assert [row["e"].value for row in endpoint] == ["http://localhost/sparql"]
    names = {row["n"].value for row in store.query(f"SELECT ?n {{ ?g <{sd}name> ?n }}")}
    assert names == {f"{EX}data1", f"{EX}data2", f"{EX}data3",
                     "https://w3id.org/carekg/graph/councils"}
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.mimetype == "application/ld+json"


def test_browsers_asking_for_the_endpoint_go_to_the_ui(client) -> None:  # type: ignore[no-untyped-def]
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.location == "/"


def test_cors_is_open_for_reads(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%20%7B%7D", headers={"Origin": "https://x.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={
        "Origin": "https://x.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type"
    assert client.get("/sparql?query=ASK%20%7B").headers["Access-Control-Allow-Origin"] == "*"


def test_head_gives_the_headers_of_get_without_a_body(client) -> None:  # type: ignore[no-untyped-def]
    url = "/sparql?query=ASK%20%7B%7D"
    got, head = client.get(url), client.head(url)
    assert head.status_code == got.status_code == 200 and head.data == b""
    for name in ("Content-Type", "ETag", "Content-Length", "Access-Control-Allow-Origin"):
        assert head.headers[name] == got.headers[name]


def test_post_without_query_is_a_bad_request(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/sparql", data={"default-graph-uri": f"{EX}data1"}).status_code == 400


def test_bad_graph_iri_is_a_bad_request(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": "ASK {}",
                                                   "default-graph-uri": "not an iri"})
    assert response.status_code == 400


def test_federation_is_refused_not_attempted(client) -> None:  # type: ignore[no-untyped-def]
    """SERVICE would make the server fetch a URL: refused before the engine runs
    (tests/test_security.py shows no connection is made)."""
    query = "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert b"SERVICE" in response.data


# -- over real HTTP: curl, streaming -------------------------------------------------


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-sS", "-i", *args], capture_output=True, text=True,
                          timeout=30, check=True)


def test_curl_get_post_and_direct_post(live: str) -> None:
    query = "SELECT ?c WHERE { ?c a <https://w3id.org/carekg/def#Council> } ORDER BY ?c"
    got = curl("-G", f"{live}/sparql", "--data-urlencode", f"query={query}",
               "-H", "Accept: text/csv")
    head, _, body = got.stdout.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200")
    assert "content-type: text/csv; charset=utf-8" in head.lower()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["c"] and len(rows) == 3
    posted = curl(f"{live}/sparql", "--data-urlencode", f"query={query}",
                  "-H", "Accept: text/tab-separated-values")
    assert "\n?c\n" in posted.stdout.replace("\r\n", "\n")
    direct = curl(f"{live}/sparql", "-H", "Content-Type: application/sparql-query",
                  "--data-binary", "ASK { ?s ?p ?o }")
    assert '"boolean":true' in direct.stdout
    refused = curl(f"{live}/sparql", "-H", "Content-Type: application/sparql-update",
                   "--data-binary", "CLEAR ALL")
    assert refused.stdout.startswith("HTTP/1.1 403")


CROSS = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_large_answers_are_streamed(live: str) -> None:
    triples = len(list(ox.parse(path=str(DATA), format=ox.RdfFormat.TRIG)))
    url = f"{live}/sparql?query={quote(CROSS)}"
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert response.headers["Content-Length"] is None
        rows = json.load(response)["results"]["bindings"]
    assert len(rows) == triples**3


def test_a_client_that_goes_away_stops_the_query(live: str, protocol_app, until) -> None:  # type: ignore[no-untyped-def]
    """The answer is read from its worker as the client takes it, and a client that
    closes the connection half-way stops (kills) that worker at once."""
    pool = protocol_app.extensions["carekg.pool"]
    fresh = urllib.request.Request(f"{live}/sparql?query={quote('ASK {}')}",
                                   headers={"Cache-Control": "no-cache"})
    with urllib.request.urlopen(fresh, timeout=60) as answered:
        answered.read()  # evaluated, not from the cache: a worker is up and idle
    idle = {worker.process.pid for worker in pool._idle}
    before = pool.in_use
    big = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    response = urllib.request.urlopen(f"{live}/sparql?query={quote(big)}", timeout=60)
    response.read(1024)
    assert pool.in_use == before + 1  # still writing: the answer is not buffered
    (busy,) = idle - {worker.process.pid for worker in pool._idle}
    assert running(busy)
    response.close()
    until(lambda: pool.in_use == before and not running(busy),
          "the worker of the abandoned answer is stopped and its slot freed", seconds=10)
