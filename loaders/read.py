"""Stage 1, read: a file on disk becomes the text whose offsets all evidence points into.

Plain text and Markdown are read exactly as ``open(path, encoding="utf-8").read()`` reads
them (universal newlines included), so a researcher can check a quote against the file
with one line of Python. PDF and HTML have no such canonical text, so the text extracted
here is what offsets index; the builder keeps every document's text in the snapshot.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from carekg.errors import InputError
from carekg.loaders.model import DocumentText, PageSpan

log = logging.getLogger(__name__)

_TEXT_TYPES = {".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown",
               ".markdown": "text/markdown"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
#: Formats people try that carekg does not read, by suffix: said so, not called "binary".
_UNSUPPORTED = {".docx": "Word", ".doc": "Word", ".docm": "Word", ".odt": "OpenDocument",
                ".rtf": "Rich Text", ".xlsx": "Excel", ".xls": "Excel", ".ods": "OpenDocument",
                ".pptx": "PowerPoint", ".ppt": "PowerPoint", ".odp": "OpenDocument",
                ".epub": "EPUB", ".zip": "ZIP", ".png": "image", ".jpg": "image",
                ".jpeg": "image", ".tif": "image", ".tiff": "image"}
READABLE = "carekg reads text, Markdown, PDF and HTML"
_PAGE_SEPARATOR = "\n\n"


def media_type_of(path: Path) -> str:
    """The media type carekg treats a file as, from its suffix (text/plain by default)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "application/pdf"
    if suffix in _HTML_SUFFIXES:
        return "text/html"
    return _TEXT_TYPES.get(suffix, "text/plain")


def read_document(path: Path) -> DocumentText:
    """Read one document; InputError names the file and what is wrong with it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputError(path, "the file is empty")
    media_type = media_type_of(path)
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED and not data.startswith(b"%PDF-"):
        raise InputError(path, f"the {suffix} format ({_UNSUPPORTED[suffix]}) is not "
                               f"supported: {READABLE}; save it as PDF or HTML first")
    if data.startswith(b"%PDF-"):
        return _read_pdf(path, data)
    if media_type == "application/pdf":
        raise InputError(path, "the file is named .pdf but is not a PDF (it does not start "
                               "with %PDF-); give the PDF itself, or rename a text file")
    if b"\x00" in data:
        raise InputError(path, f"the file is binary (it contains NUL bytes), not text: "
                               f"{READABLE}")
    text, warnings = _decode(path, data)
    if media_type == "text/html" or _looks_like_html(text):
        return _read_html(path, text, warnings)
    if not text.strip():
        raise InputError(path, "the file has no text")
    return DocumentText(text=text, media_type=media_type, warnings=warnings)


def _universal_newlines(data: bytes, encoding: str) -> str:
    """Decode as ``open(..., encoding=...)`` does, translating \\r\\n and \\r to \\n."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="strict").read()


def _decode(path: Path, data: bytes) -> tuple[str, tuple[str, ...]]:
    try:
        return _universal_newlines(data, "utf-8"), ()
    except UnicodeDecodeError as utf8_error:
        try:
            text = _universal_newlines(data, "cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start}: "
                f"{data[exc.start:exc.start + 1]!r}); convert it to UTF-8",
            ) from exc
        message = (f"{path}: not valid UTF-8 (byte {utf8_error.start}); read as Windows-1252 "
                   "instead; evidence offsets index that decoded text")
        log.info(message)  # returned as a warning: the caller says it, once
        return text, (message,)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


# -- PDF -------------------------------------------------------------------------------

def _read_pdf(path: Path, data: bytes) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(path, "the PDF is encrypted; give an unencrypted copy")
            page_texts = [(page.extract_text() or "") for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError,
            IndexError) as exc:
        raise InputError(path, f"cannot read the PDF (damaged or incomplete): {exc}") from exc
    if not any(text.strip() for text in page_texts):
        raise InputError(path, "the PDF has no text layer: it needs OCR before carekg can "
                               "read it")
    parts: list[str] = []
    pages: list[PageSpan] = []
    offset = 0
    for number, raw in enumerate(page_texts, start=1):
        page_text = _tidy_pdf_page(raw)
        if parts:
            parts.append(_PAGE_SEPARATOR)
            offset += len(_PAGE_SEPARATOR)
        parts.append(page_text)
        pages.append(PageSpan(number, offset, offset + len(page_text)))
        offset += len(page_text)
    return DocumentText(text="".join(parts), media_type="application/pdf", pages=tuple(pages))


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs its repairs of a damaged file as warnings ("invalid pdf header", "EOF
    marker not found"); the reader's own error, one line, is what a person needs."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _tidy_pdf_page(text: str) -> str:
    """Normalise line ends and trailing blanks; keep every line so wraps stay visible."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


# -- HTML ------------------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "head", "svg", "nav", "footer", "form",
         "button", "iframe"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "aside", "blockquote", "li",
           "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
           "caption", "figure", "figcaption", "pre", "address", "body", "html", "br", "hr",
           *_HEADINGS}


def _read_html(path: Path, text: str, warnings: tuple[str, ...]) -> DocumentText:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    lines: list[str] = []
    _html_lines(soup.body or soup, lines)
    body = "\n\n".join(line for line in lines if line)
    if not body.strip():
        raise InputError(path, "the HTML page has no text")
    return DocumentText(text=body, media_type="text/html", warnings=warnings)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _html_lines(node: object, lines: list[str]) -> None:
    """Headings become '# '-prefixed lines, list items '- ' lines, table rows
    tab-separated cells; other blocks one line each, so segmenting sees the structure."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    inline: list[str] = []

    def flush() -> None:
        line = _squash("".join(inline))
        if line:
            lines.append(line)
        inline.clear()

    for child in getattr(node, "children", []):
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            inline.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in _SKIP:
            continue
        name = child.name
        if name in _HEADINGS:
            flush()
            title = _squash(child.get_text(" "))
            if title:
                lines.append("#" * _HEADINGS[name] + " " + title)
        elif name == "tr":
            flush()
            cells = [_squash(cell.get_text(" ")) for cell in child.find_all(["td", "th"])]
            if any(cells):
                lines.append("\t".join(cells))
        elif name == "li":
            flush()
            sub: list[str] = []
            _html_lines(child, sub)
            if sub:
                lines.append("- " + sub[0])
                lines.extend(sub[1:])
        elif name in ("br", "hr"):
            flush()
        elif name in _BLOCKS:
            flush()
            _html_lines(child, lines)
        else:
            inline.append(child.get_text() if child.find(_BLOCKS) is None else "")
            if child.find(_BLOCKS) is not None:
                flush()
                _html_lines(child, lines)
    flush()
