"""Fetching a document over HTTP(S) for ``carekg add URL``: the bytes are kept as a file,
then read like any local file.

Only what a council publishes is accepted: an HTML page, a PDF or plain text/Markdown,
checked by the answer's Content-Type; at most :data:`MAX_BYTES` (checked against
Content-Length first, then while reading), within :data:`TIMEOUT` seconds per network
operation; redirects are followed (at most :data:`MAX_REDIRECTS`) and the final address
is the one recorded. Every failure is one :class:`InputError` line naming the address.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from carekg.errors import InputError
from carekg.iris import slugify

TIMEOUT = 30.0
MAX_BYTES = 25 * 1024 * 1024
MAX_REDIRECTS = 5
#: Content types carekg reads, and the suffix the kept file gets (read.py goes by it).
SUFFIXES = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
            "text/plain": ".txt", "text/markdown": ".md"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    path: Path  # the kept bytes
    url: str  # the address finally answered (after redirects)
    media_type: str
    retrieved: str  # xsd:dateTime, UTC


def is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text, re.IGNORECASE))


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS


def fetch(url: str, into: Path, *, timeout: float = TIMEOUT,
          max_bytes: int = MAX_BYTES) -> Fetched:
    """Download ``url`` into directory ``into``; the file is named after the address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(url, "only http:// and https:// addresses can be fetched")
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers={
        "User-Agent": "carekg (+https://w3id.org/carekg/)",
        "Accept": "text/html, application/pdf;q=0.9, text/plain;q=0.5"})
    try:
        with opener.open(request, timeout=timeout) as response:
            final = response.geturl()
            media_type = response.headers.get_content_type()
            if media_type not in SUFFIXES:
                raise InputError(url, f"the server answered with {media_type}, which "
                                 "carekg does not read (HTML, PDF or text)")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise InputError(url, f"the document is {int(length):,} bytes, more "
                                 f"than the {max_bytes:,} carekg fetches")
            body = bytearray()
            while chunk := response.read(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(url, f"the document is more than the "
                                     f"{max_bytes:,} bytes carekg fetches")
    except urllib.error.HTTPError as exc:
        raise InputError(url, f"the server answered HTTP {exc.code} {exc.reason}") \
            from exc
    except urllib.error.URLError as exc:
        raise InputError(url, f"cannot fetch: {exc.reason}") from exc
    except TimeoutError as exc:
        raise InputError(url, f"no answer within {timeout:g} s") from exc
    if not body.strip():
        raise InputError(url, "the server answered with an empty document")
    retrieved = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    stem = slugify(Path(urlsplit(final).path).stem or urlsplit(final).netloc) or "document"
    into.mkdir(parents=True, exist_ok=True)
    path = into / f"{stem}{SUFFIXES[media_type]}"
    path.write_bytes(bytes(body))
    return Fetched(path, final, media_type, retrieved)
