"""Reading documents: offsets index exactly the text a researcher gets back."""

from __future__ import annotations

from pathlib import Path

import pytest

from carekg.errors import InputError
from carekg.loaders.read import read_document


def test_text_offsets_follow_universal_newlines(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("Heading\r\n\r\nWe spend £2m.\r\n".encode())
    document = read_document(path)
    with open(path, encoding="utf-8") as handle:
        assert document.text == handle.read()
    assert "\r" not in document.text
    assert document.media_type == "text/plain"


def test_markdown_media_type(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# Title\n\nBody text.\n", encoding="utf-8")
    assert read_document(path).media_type == "text/markdown"


def test_cp1252_fallback_warns(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("We spend \u00a35m on care \u2013 each year.".encode("cp1252"))
    document = read_document(path)
    assert "\u00a35m" in document.text and "\u2013" in document.text
    assert document.warnings and "Windows-1252" in document.warnings[0]


def test_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\x81 \x8d\xff\xfe text")
    with pytest.raises(InputError, match="neither UTF-8 nor Windows-1252") as caught:
        read_document(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("content, problem", [(b"", "empty"), (b"  \n\n ", "empty"),
                                              (b"abc\x00\x01def", "binary")])
def test_empty_and_binary_files_are_refused(tmp_path: Path, content: bytes,
                                            problem: str) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        read_document(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_document(tmp_path / "nope.txt")


def test_html_keeps_headings_lists_and_table_rows(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<h1>Market position</h1><p>We commission <b>home</b> care.</p>"
        "<h2>Budget</h2><ul><li>First item</li><li>Second item</li></ul>"
        "<table><tr><th>Service</th><th>Spend</th></tr><tr><td>Day care</td><td>£1m</td></tr>"
        "</table><script>var x = 1;</script></body></html>", encoding="utf-8")
    document = read_document(path)
    lines = document.text.split("\n\n")
    assert lines == ["# Market position", "We commission home care.", "## Budget",
                     "- First item", "- Second item", "Service\tSpend", "Day care\t£1m"]
    assert document.media_type == "text/html"


def _pdf(path: Path, pages: list[str]) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    for page in pages:
        pdf.add_page()
        if page:
            pdf.multi_cell(0, 10, page)
    pdf.output(str(path))


def test_pdf_pages_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    _pdf(path, ["First page about home care.", "Second page: we spend 3 million."])
    document = read_document(path)
    assert document.media_type == "application/pdf"
    assert [p.number for p in document.pages] == [1, 2]
    second = document.text.index("Second page")
    assert document.page_at(second) == 2
    assert document.page_at(document.text.index("First page")) == 1
    for page in document.pages:
        assert document.text[page.start:page.end].strip()


def test_pdf_without_text_layer_needs_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    _pdf(path, ["", ""])
    with pytest.raises(InputError, match="needs OCR"):
        read_document(path)


def test_broken_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(InputError, match=str(path.name)):
        read_document(path)
