"""Dumps (/dumps/) and the VoID + DCAT description (/.well-known/void).

A dump must hold exactly the quads of the snapshot, be regenerated when a new snapshot
is published, and the VoID counts must match the store.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest

from carekg.config import Settings
from carekg.graph.store import StoreDir

DATA = Path(__file__).parent / "data" / "sparql" / "dataset.trig"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"


def publish(settings: Settings, extra: str = "") -> None:
    store = StoreDir(settings.store)
    with store.writer(from_current=False) as snap:
        snap.store.bulk_load(path=str(DATA), format=ox.RdfFormat.TRIG)
        if extra:
            snap.store.load(extra.encode(), format=ox.RdfFormat.N_QUADS)
        store.publish(snap)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    settings = Settings(store=tmp_path / "store")
    publish(settings)
    return settings


@pytest.fixture()
def client(settings: Settings):  # type: ignore[no-untyped-def]
    from carekg.api.app import create_app

    return create_app(settings, TESTING=True).test_client()


def fetch(client, url: str, **kwargs):  # type: ignore[no-untyped-def]
    """GET a file response, read it and close it (the test client leaves files open)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def quads_of(settings: Settings) -> set[ox.Quad]:
    return set(StoreDir(settings.store).open().store)


@pytest.mark.parametrize("name,fmt", [("carekg.nq.gz", ox.RdfFormat.N_QUADS),
                                      ("carekg.trig.gz", ox.RdfFormat.TRIG)])
def test_dump_holds_exactly_the_snapshot(client, settings, name, fmt) -> None:  # type: ignore[no-untyped-def]
    response = fetch(client, f"/dumps/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/gzip"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    quads = set(ox.parse(gzip.decompress(response.data), format=fmt))
    assert quads == quads_of(settings)
    assert len(quads) > 10


def test_dumps_are_regenerated_for_a_new_snapshot(client, settings) -> None:  # type: ignore[no-untyped-def]
    first = gzip.decompress(fetch(client, "/dumps/carekg.nq.gz").data)
    extra = "<http://example.org/new> <http://example.org/p> \"added\" <http://example.org/g> .\n"
    publish(settings, extra)
    second = gzip.decompress(fetch(client, "/dumps/carekg.nq.gz").data)
    assert b"http://example.org/new" not in first
    assert b"http://example.org/new" in second
    cached = list((Path(settings.store) / "cache" / "dumps").iterdir())
    assert [p.name for p in cached] == [StoreDir(settings.store).current_id()]


def test_conditional_download(client) -> None:  # type: ignore[no-untyped-def]
    first = fetch(client, "/dumps/carekg.trig.gz")
    again = fetch(client, "/dumps/carekg.trig.gz", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_dump_is_404_and_index_lists_dumps(client) -> None:  # type: ignore[no-untyped-def]
    assert fetch(client, "/dumps/secret.txt").status_code == 404
    assert fetch(client, "/dumps/..%2Fmeta.json").status_code == 404
    index = fetch(client, "/dumps/").text
    assert "carekg.nq.gz" in index and "carekg.trig.gz" in index


def _void_store(client, accept: str = "text/turtle") -> ox.Store:  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    store = ox.Store()
    fmt = next(f for f in ox.RdfFormat.__dict__.values()
               if isinstance(f, ox.RdfFormat) and f.media_type == response.mimetype)
    store.load(response.data, format=fmt)
    return store


def test_void_counts_match_the_store(client, settings) -> None:  # type: ignore[no-untyped-def]
    void = _void_store(client)
    counts = {row["g"].value: int(row["n"].value) for row in void.query(
        f"SELECT ?g ?n {{ ?d <{VOID}subset> ?g . ?g <{VOID}triples> ?n }}")}
    expected: dict[str, int] = {}
    for quad in quads_of(settings):
        expected[quad.graph_name.value] = expected.get(quad.graph_name.value, 0) + 1
    assert counts == expected
    total = next(iter(void.query(
        f"SELECT ?n {{ ?d a <{VOID}Dataset> ; <{VOID}subset> ?g ; <{VOID}triples> ?n }}")))
    assert int(total["n"].value) == sum(expected.values())


def test_void_names_endpoint_dumps_examples_and_build_time(client, settings) -> None:  # type: ignore[no-untyped-def]
    void = _void_store(client, "application/ld+json")
    row = next(iter(void.query(f"""
        SELECT ?endpoint ?modified WHERE {{
          ?d <{VOID}sparqlEndpoint> ?endpoint ; <http://purl.org/dc/terms/modified> ?modified .
        }}""")))
    assert row["endpoint"].value == "http://localhost/sparql"
    assert row["modified"].value == StoreDir(settings.store).open().meta.built_at
    dumps = {r["u"].value for r in void.query(f"SELECT ?u {{ ?d <{VOID}dataDump> ?u }}")}
    assert dumps == {"http://localhost/dumps/carekg.nq.gz", "http://localhost/dumps/carekg.trig.gz"}
    urls = {r["u"].value for r in void.query(f"SELECT ?u {{ ?x <{DCAT}downloadURL> ?u }}")}
    # the facts table is a DCAT distribution too, but not an RDF dump (void:dataDump)
    assert urls == dumps | {"http://localhost/dumps/facts.csv"}
    examples = {r["e"].value for r in void.query(
        f"SELECT ?e {{ ?d <{VOID}exampleResource> ?e }}")}
    # The two councils of the test data are cc:Council; the first in IRI order is kept.
    assert examples == {"https://w3id.org/carekg/id/council/E09000019"}


def test_void_for_browsers_is_turtle(client) -> None:  # type: ignore[no-untyped-def]
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/.well-known/void", headers={"Accept": accept}).mimetype == "text/turtle"
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_dumps_are_written_outside_the_snapshot(client, settings) -> None:  # type: ignore[no-untyped-def]
    fetch(client, "/dumps/carekg.nq.gz")
    snapshot_dir = StoreDir(settings.store).current_path()
    assert not list(snapshot_dir.rglob("*.gz"))


def test_dumps_with_a_relative_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default store, ``var/store``, is relative: the download must find its dump
    under the working directory, not under the installed package (it answered 500)."""
    from carekg.api.app import create_app

    monkeypatch.chdir(tmp_path)
    settings = Settings(store=Path("var/store"))
    publish(settings)
    client = create_app(settings, TESTING=True).test_client()
    for name in ("carekg.nq.gz", "carekg.trig.gz"):
        response = fetch(client, f"/dumps/{name}")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert gzip.decompress(response.get_data())
    assert (tmp_path / "var" / "store" / "cache" / "dumps").is_dir()
