"""`carekg add URL` against a real HTTP server on the loopback: an HTML page and a PDF
fetched, kept and read like local files, with their address and retrieval time in the
document's metadata; a 404, a redirect, a wrong content type and an oversized answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

CAREKG = [sys.executable, "-m", "carekg"]
DCTERMS = "http://purl.org/dc/terms/"
PAV = "http://purl.org/pav/"
# Our own invented sentences in the genre (not from the corpus).
PAGE = ("<!doctype html><html><head><title>Plan</title></head><body><h1>Home care</h1>"
        "<p>The Council currently spends £2.4m per annum on home care for older people.</p>"
        "</body></html>").encode()
BIG = 200_000


def make_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The Council will increase the number of extra care housing "
                         "units by 2027.")
    return bytes(pdf.output())


class Handler(BaseHTTPRequestHandler):
    pdf = b""

    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def _send(self, status: int, media: str, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/plan.html":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/report.pdf":
            self._send(200, "application/pdf", self.pdf)
        elif self.path == "/old-address":
            self.send_response(301)
            self.send_header("Location", "/plan.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/picture":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        elif self.path == "/big.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4\n" + b"0" * BIG)
        elif self.path == "/big-unannounced.html":  # no Content-Length: counted as read
            self.close_connection = True
            self._send(200, "text/html", b"<p>" + b"x" * BIG + b"</p>", length=False)
        else:
            self._send(404, "text/plain", b"not here\n")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    Handler.pdf = make_pdf()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def store(empty_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(empty_store, path, symlinks=True)
    return path


def carekg(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CAREKG, *args, "--store", str(store)], capture_output=True,
                          text=True, timeout=600)


def add(store: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return carekg(store, "add", url, "--council", "Sefton", "--kind", "other",
                  "--issued", "2024", *extra)


def described(store: Path, doc_id: str) -> dict[str, set[str]]:
    snapshot = (store / "current").resolve() / "oxigraph"
    found: dict[str, set[str]] = {}
    db = ox.Store.read_only(str(snapshot))
    for quad in db.quads_for_pattern(
            ox.NamedNode(f"https://w3id.org/carekg/id/document/{doc_id}"), None, None):
        found.setdefault(quad.predicate.value, set()).add(quad.object.value)
    return found


@pytest.mark.parametrize(("path", "doc_id", "suffix"), [("/plan.html", "plan", ".html"),
                                                        ("/report.pdf", "report", ".pdf")])
def test_a_fetched_document_is_kept_read_and_its_source_recorded(site, store, path, doc_id,  # type: ignore[no-untyped-def]
                                                                 suffix) -> None:
    result = add(store, site + path)
    assert result.returncode == 0, result.stderr
    kept = store / "sources" / f"{doc_id}{suffix}"
    assert kept.is_file() and kept.read_bytes()[:4] in (PAGE[:4], b"%PDF")
    about = described(store, doc_id)
    assert about[DCTERMS + "source"] == {site + path}
    assert about[PAV + "retrievedFrom"] == {site + path}
    (retrieved,) = about[PAV + "retrievedOn"]
    assert retrieved.startswith("20") and retrieved.endswith("Z")
    facts = carekg(store, "query", "--format", "csv",
                   f"SELECT ?f WHERE {{ ?f <http://www.w3.org/ns/prov#wasDerivedFrom> "
                   f"<https://w3id.org/carekg/id/document/{doc_id}> }}")
    assert len(facts.stdout.strip().splitlines()) > 1, facts.stdout


def test_a_redirect_is_followed_and_the_final_address_recorded(site, store) -> None:  # type: ignore[no-untyped-def]
    result = add(store, site + "/old-address", "--id", "moved")
    assert result.returncode == 0, result.stderr
    assert described(store, "moved")[DCTERMS + "source"] == {site + "/plan.html"}


@pytest.mark.parametrize(("path", "extra", "said"), [
    ("/gone", (), "HTTP 404"),
    ("/picture", (), "image/png"),
    ("/big.pdf", ("--max-bytes", "100000"), "more than"),
    ("/big-unannounced.html", ("--max-bytes", "100000"), "more than"),
])
def test_bad_answers_are_one_line_and_leave_the_store(site, store, path, extra, said) -> None:  # type: ignore[no-untyped-def]
    before = (store / "current").resolve()
    result = add(store, site + path, *extra)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert said in result.stderr and site + path in result.stderr
    assert (store / "current").resolve() == before
