"""`carekg add` and `carekg remove`: one document at a time, PDF and HTML included, and
bad input that leaves the store exactly as it was."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

CAREKG = [sys.executable, "-m", "carekg"]
CC = "https://w3id.org/carekg/def#"

# Our own invented text in the genre (not taken from the corpus).
SPEND = ("The Council currently spends £1.75m per annum on day opportunities for adults "
         "with a learning disability.")
INTENTION = "The Council will increase the number of extra care housing units by 2027."


def carekg(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CAREKG, *args, "--store", str(store)], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture()
def store(empty_store: Path, tmp_path: Path) -> Path:
    """A private copy of the empty store (the symlink to its snapshot kept relative)."""
    path = tmp_path / "store"
    shutil.copytree(empty_store, path, symlinks=True)
    return path


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 6, line)
            pdf.ln(2)
    pdf.output(str(path))
    return path


def make_html(path: Path) -> Path:
    path.write_text(
        "<html><head><title>Plan</title></head><body>"
        "<h1>Market position statement</h1><h2>Day opportunities</h2>"
        f"<p>{SPEND}</p><h2>Extra care housing</h2><p>{INTENTION}</p>"
        "<table><tr><th>Service</th><th>Budget</th></tr>"
        "<tr><td>Home care</td><td>£4,200,000</td></tr></table>"
        "</body></html>", encoding="utf-8")
    return path


def facts(store: Path, doc_id: str) -> list[dict[str, object]]:
    """Each fact of a document with its evidence, read through SPARQL."""
    query = f"""
        PREFIX cc: <{CC}> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?fact ?kind ?exact ?start ?end ?page ?council WHERE {{
          ?fact prov:wasDerivedFrom <https://w3id.org/carekg/id/document/{doc_id}> ;
                a ?kind ; cc:council ?council ; cc:evidence ?e .
          FILTER (?kind != cc:Fact && STRSTARTS(STR(?kind), "{CC}"))
          ?e oa:hasSelector [ oa:exact ?exact ] , [ oa:start ?start ; oa:end ?end ] .
          OPTIONAL {{ ?e cc:page ?page }}
        }}"""
    result = carekg(store, "query", query, "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    rows = json.loads(result.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def stored_text(store: Path, doc_id: str) -> str:
    return ((store / "current").resolve() / "texts" / f"{doc_id}.txt").read_text(
        encoding="utf-8")


def current(store: Path) -> Path:
    return (store / "current").resolve()


def test_add_a_pdf_with_page_numbers(store: Path, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "mps.pdf", [["Day opportunities", SPEND],
                                           ["Extra care housing", INTENTION]])
    result = carekg(store, "add", str(pdf), "--council", "LB Islington",
                    "--kind", "market-position-statement", "--issued", "2024-05")
    assert result.returncode == 0, result.stderr
    found = facts(store, "mps")
    kinds = {f["kind"].rsplit("#", 1)[-1] for f in found}
    assert {"Spend", "CommissioningIntention"} <= kinds
    text = stored_text(store, "mps")
    for fact in found:
        assert text[int(fact["start"]):int(fact["end"])] == fact["exact"]
        assert fact["council"].endswith("/E09000019")
    pages = {f["kind"].rsplit("#", 1)[-1]: f.get("page") for f in found}
    assert pages["Spend"] == "1" and pages["CommissioningIntention"] == "2"


def test_add_html_then_replace_then_remove(store: Path, tmp_path: Path) -> None:
    html = make_html(tmp_path / "plan.html")
    added = carekg(store, "add", str(html), "--council", "Knowsley", "--kind", "other",
                   "--issued", "2023", "--id", "knowsley-plan")
    assert added.returncode == 0, added.stderr
    found = facts(store, "knowsley-plan")
    assert any(f["kind"].endswith("#Spend") for f in found)
    text = stored_text(store, "knowsley-plan")
    assert all(text[int(f["start"]):int(f["end"])] == f["exact"] for f in found)

    again = carekg(store, "add", str(html), "--council", "Knowsley", "--kind", "other",
                   "--issued", "2023", "--id", "knowsley-plan")
    assert again.returncode == 1 and "--replace" in again.stderr
    replaced = carekg(store, "add", str(html), "--council", "Knowsley", "--kind", "other",
                      "--issued", "2023", "--id", "knowsley-plan", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert sorted(f["fact"] for f in facts(store, "knowsley-plan")) == sorted(
        f["fact"] for f in found), "re-extraction mints the same fact IRIs"

    removed = carekg(store, "remove", "knowsley-plan")
    assert removed.returncode == 0, removed.stderr
    assert facts(store, "knowsley-plan") == []
    graphs = ox.Store.read_only(str(current(store) / "oxigraph")).named_graphs()
    assert not any("knowsley-plan" in g.value for g in graphs)


def test_a_document_without_facts_is_recorded_with_a_warning(store: Path,
                                                              tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Contact us\n\nPlease write to the commissioning team.\n", encoding="utf-8")
    result = carekg(store, "add", str(note), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    assert result.returncode == 0
    assert "no facts" in result.stderr and "note.txt" in result.stderr
    ask = carekg(store, "query", "ASK { <https://w3id.org/carekg/id/document/note> ?p ?o }",
                 "--format", "csv")
    assert "true" in ask.stdout


def _no_traceback_and_unchanged(store: Path, before: Path,
                                result: subprocess.CompletedProcess[str], *names: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for name in names:
        assert name in result.stderr
    assert current(store) == before
    assert not list((store / "snapshots").glob(".tmp-*"))


def test_empty_file(store: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = current(store)
    result = carekg(store, "add", str(empty), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    _no_traceback_and_unchanged(store, before, result, "empty.txt", "empty")


def test_binary_file(store: Path, tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    before = current(store)
    result = carekg(store, "add", str(binary), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    _no_traceback_and_unchanged(store, before, result, "blob.txt")


def test_pdf_without_text_layer_needs_ocr(store: Path, tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a scanned page has pictures, not text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    before = current(store)
    result = carekg(store, "add", str(path), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    _no_traceback_and_unchanged(store, before, result, "scan.pdf", "OCR")


def test_unknown_council_lists_the_closest(store: Path, tmp_path: Path) -> None:
    note = tmp_path / "plan.txt"
    note.write_text(SPEND, encoding="utf-8")
    before = current(store)
    result = carekg(store, "add", str(note), "--council", "Sefton Borogh", "--kind", "other",
                    "--issued", "2022")
    _no_traceback_and_unchanged(store, before, result, "plan.txt", "Sefton Borogh", "Sefton")


def test_unknown_kind_and_bad_date(store: Path, tmp_path: Path) -> None:
    note = tmp_path / "plan.txt"
    note.write_text(SPEND, encoding="utf-8")
    before = current(store)
    kind = carekg(store, "add", str(note), "--council", "Sefton", "--kind", "leaflet",
                  "--issued", "2022")
    _no_traceback_and_unchanged(store, before, kind, "leaflet", "cabinet-report")
    date = carekg(store, "add", str(note), "--council", "Sefton", "--kind", "other",
                  "--issued", "2022-13-01")
    _no_traceback_and_unchanged(store, before, date, "2022-13-01")


def test_removing_an_unknown_document(store: Path) -> None:
    before = current(store)
    result = carekg(store, "remove", "no-such-document")
    _no_traceback_and_unchanged(store, before, result, "no-such-document")


# -- messages a person reads: one line each, and saying what to do --------------------


@pytest.mark.parametrize(("name", "content", "said"), [
    # pypdf's own warnings ("invalid pdf header", "EOF marker not found") came first
    ("report.pdf", b"These are minutes of a meeting, saved with the wrong name.\n",
     ("not a PDF",)),
    ("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50, ("PDF",)),
    # a .docx was called "binary", without saying the format is not read
    ("plan.docx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, ("not supported", "PDF")),
])
def test_an_unreadable_file_is_one_line_saying_why(store: Path, tmp_path: Path, name: str,
                                                  content: bytes, said: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = current(store)
    result = carekg(store, "add", str(path), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    _no_traceback_and_unchanged(store, before, result, name, *said)


def test_the_no_facts_warning_is_said_once(store: Path, tmp_path: Path) -> None:
    note = tmp_path / "contact.txt"
    note.write_text("Contact us\n\nPlease write to the commissioning team.\n", encoding="utf-8")
    result = carekg(store, "add", str(note), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if "no facts" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: ") and warnings[0].count("contact.txt") == 1


def test_a_text_about_another_council_than_council_is_warned(store: Path,
                                                            tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Islington Council spends £1.4m a year on home care for older people.\n",
                     encoding="utf-8")
    result = carekg(store, "add", str(other), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, result.stderr
    assert "Islington" in warning[0] and "Sefton" in warning[0] and "--council" in warning[0]
    named = tmp_path / "named.txt"
    named.write_text("Sefton Council spends £1.4m a year on home care for older people.\n",
                     encoding="utf-8")
    result = carekg(store, "add", str(named), "--council", "Sefton", "--kind", "other",
                    "--issued", "2022")
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
