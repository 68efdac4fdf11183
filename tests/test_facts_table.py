"""The facts table for people who do not write SPARQL: ``/dumps/facts.csv`` and
``carekg export --format csv``, one row per fact, read back with pandas; its CSVW metadata
read by a CSVW library (csvw) maps the rows back to the graph's own triples."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from carekg.graph.facts_table import NAMES
from carekg.graph.store import StoreDir

pd = pytest.importorskip("pandas")
CC = "https://w3id.org/carekg/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def snap(built_settings):  # type: ignore[no-untyped-def]
    return StoreDir(built_settings.store).open()


def fetch(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.get_data()
    response.close()
    return body


def graph_facts(snap) -> dict[str, dict[str, set[str]]]:  # type: ignore[no-untyped-def]
    """fact IRI -> predicate -> objects, for every fact of the store."""
    facts: dict[str, dict[str, set[str]]] = {}
    kinds = {CC + k for k in ("Spend", "Capacity", "ContractEvent", "NeedEstimate",
                              "CommissioningIntention", "StrategyReference")}
    for quad in snap.store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None):
        if quad.object.value in kinds:
            facts.setdefault(quad.subject.value, {})
    for fact, props in facts.items():
        for quad in snap.store.quads_for_pattern(ox.NamedNode(fact), None, None):
            props.setdefault(quad.predicate.value, set()).add(quad.object.value)
    return facts


def test_facts_csv_round_trips_through_pandas(client, snap) -> None:  # type: ignore[no-untyped-def]
    body = fetch(client, "/dumps/facts.csv")
    table = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    facts = graph_facts(snap)
    assert list(table.columns) == list(NAMES)
    assert len(table) == len(facts) and set(table["fact"]) == set(facts)
    for row in table.to_dict("records"):
        props = facts[row["fact"]]
        assert CC + row["kind"] in props[RDF_TYPE]
        assert props[CC + "council"] == {f"https://w3id.org/carekg/id/council/{row['gss_code']}"}
        assert {Decimal(v) for v in props.get(CC + "value", set())} == \
            ({Decimal(row["value"])} if row["value"] else set())
        assert props.get(CC + "service", set()) == ({row["service_iri"]} if row["service_iri"]
                                                    else set())
        assert props.get(CC + "restates", set()) == ({row["restates"]} if row["restates"]
                                                     else set())
        assert (row["joint"] == "true") == ("true" in props.get(CC + "jointAttribution", set()))
        assert row["quote"] and row["document_title"] and row["council"]
    # a data frame written back and read again is the same table
    again = pd.read_csv(io.StringIO(table.to_csv(index=False)), dtype=str,
                        keep_default_na=False)
    pd.testing.assert_frame_equal(table, again)
    # numbers and dates are typed when pandas is asked to
    typed = pd.read_csv(io.BytesIO(body), parse_dates=["period_start", "period_end"])
    assert typed["value"].dtype.kind == "f" and typed["period_start"].dtype.kind == "M"
    claims = typed[typed["restates"].isna()]
    assert 0 < len(claims) < len(typed)


def test_export_csv_is_the_same_table_with_its_metadata(built_settings, client,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    target = tmp_path / "facts.csv"
    result = subprocess.run([sys.executable, "-m", "carekg", "export", "--format", "csv",
                             "-o", str(target), "--store", str(built_settings.store)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == fetch(client, "/dumps/facts.csv")
    beside = json.loads((tmp_path / "facts.csv-metadata.json").read_text(encoding="utf-8"))
    served = json.loads(fetch(client, "/dumps/facts.csv-metadata.json"))
    assert beside["url"] == "facts.csv" and beside["tableSchema"] == served["tableSchema"]


def test_csvw_metadata_maps_the_rows_to_the_graphs_triples(client, snap,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    """A CSVW processor's reading: each row's cells typed by their column's datatype, each
    cell a triple about the column's aboutUrl (the fact by default) with its propertyUrl
    and, for a valueUrl, an IRI object: the graph's own facts come out."""
    csvw = pytest.importorskip("csvw")
    (tmp_path / "facts.csv").write_bytes(fetch(client, "/dumps/facts.csv"))
    (tmp_path / "facts.csv-metadata.json").write_bytes(
        fetch(client, "/dumps/facts.csv-metadata.json"))
    table = csvw.Table.from_file(tmp_path / "facts.csv-metadata.json")
    assert [c.name for c in table.tableSchema.columns] == list(NAMES)
    text_rows = list(csv.DictReader(io.StringIO((tmp_path / "facts.csv").read_text("utf-8"))))
    typed_rows = list(table.iterdicts())  # raises on a cell that breaks its datatype
    assert len(typed_rows) == len(text_rows)
    triples: set[tuple[str, str, str]] = set()
    for cells, typed in zip(text_rows, typed_rows, strict=True):
        for column in table.tableSchema.columns:
            if column.suppressOutput or not cells[column.name]:
                continue
            about = (column.aboutUrl or table.tableSchema.aboutUrl).expand(cells)
            value = column.valueUrl.expand(cells) if column.valueUrl else typed[column.name]
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif hasattr(value, "date"):
                value = value.date().isoformat()
            triples.add((about, str(column.propertyUrl.expand(cells)), str(value)))
    stored = {(q.subject.value, q.predicate.value, q.object.value)
              for q in snap.store.quads_for_pattern(None, None, None)}
    # values are compared as written: the graph's canonical decimals and the CSV's agree
    mine = {t for t in triples if t[1].startswith(CC) or t[1] == RDF_TYPE}
    assert mine <= stored, sorted(mine - stored)[:5]
    for predicate in (CC + "council", CC + "value", CC + "restates", RDF_TYPE):
        assert any(t[1] == predicate for t in mine), predicate
    quotes = {t for t in triples if t[1] == "http://www.w3.org/ns/oa#exact"}
    assert quotes and quotes <= stored


def test_the_table_is_linked_from_the_landing_page_void_and_dumps(client) -> None:  # type: ignore[no-untyped-def]
    landing = fetch(client, "/").decode()
    assert 'href="/dumps/facts.csv"' in landing
    assert 'href="facts.csv"' in fetch(client, "/dumps/").decode()
    void = fetch(client, "/.well-known/void?format=nt").decode()
    assert "/dumps/facts.csv>" in void
    assert "<https://www.iana.org/assignments/media-types/text/csv>" in void
    response = client.get("/dumps/facts.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "describedby" in response.headers["Link"]
    response.close()
