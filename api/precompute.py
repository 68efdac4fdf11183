"""The saved queries' default answers, made once per published snapshot and shared by
every server process: the keys, the files, and how a server process finds them
(:mod:`carekg.api.precompute_make` makes them).

Why: an answer of ``/queries/{name}`` with no parameters is a pure function of the
snapshot and of the negotiated format, and it is what most clients ask for. Before this,
each server process (``carekg serve --processes N``) evaluated each saved query itself
the first time it was asked for it, once per distinct raw Accept header (the in-process
cache is keyed by the raw request, :func:`carekg.api.caching.environ_key`): at 100
councils the first wave of clients queued on the query workers behind twenty-odd
evaluations per process (3.7 s of them) and were refused (503) after the queue wait.

How:

* :func:`carekg.api.precompute_make.precompute` (``carekg serve`` calls it before the
  server processes start, and a server process that sees a new snapshot calls it in the
  background, :class:`Precomputed`) asks each saved query with its defaults, in each
  format the view serves (the HTML page and every SPARQL results format, or every RDF
  format for a CONSTRUCT), of an app of its own through Flask's test client: the real
  view, worker pool, row cap and caching hooks, so each answer is the
  :class:`~carekg.api.caching.Entry` a cache hit would send. The bodies (and their
  gzip) go into ``{store}/cache/saved/{snapshot id}.{hash}/`` (:func:`folder_name`: the
  hash is of the code and settings that make answers), written in a temporary
  directory renamed into place, so a reader sees all of them or none;
* each entry's file is named by :func:`entry_key`: a hash of the snapshot id, the saved
  query's name with its bindings (the defaults: no parameter given) and the negotiated
  Content-Type, never the raw Accept header;
* in a server process, :class:`Precomputed` is asked by the cache's ``before_request``
  hook (:func:`carekg.api.caching.lookup`) when a saved query's answer is not in the
  in-process cache: it negotiates the type first (:func:`carekg.api.saved.negotiated_type`,
  the view's own negotiation), reads the entry from its file and hands it to the cache,
  which sends it with the ETag the view's answer would have had (the ETag depends on the
  request's URL, so it is made per request, not stored), 304 and gzip as for any hit. No
  query worker is involved;
* an answer over :func:`size_bound` (the largest the in-process cache keeps, an eighth
  of ``--cache-bytes``) or not answered with 200 (stopped at the precompute timeout, say)
  is not precomputed: it is listed under ``skipped`` in the directory's ``index.json``
  and evaluated on demand as before;
* a new snapshot has a new id, so its answers are a new directory, and the old
  snapshot's directories are removed once the new one is written.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask.sansio.app import App
from werkzeug.wrappers import Request

from carekg.api.caching import Entry, etag_of
from carekg.api.store_files import store_cache_dir
from carekg.config import Settings
from carekg.graph.backend import is_remote

log = logging.getLogger(__name__)

#: The folder of the precomputed answers under the store's cache folder.
FOLDER = "saved"
INDEX = "index.json"
#: The bindings part of the key of a saved query asked with its defaults (no parameters).
DEFAULTS = ""
#: The query timeout of a precompute: it runs once per snapshot for every client, not
#: on one client's behalf, so it may take longer than a client's query; it is still
#: bounded, so that a runaway saved query cannot hold ``carekg serve``'s start for ever.
PRECOMPUTE_TIMEOUT = 60.0


def entry_key(snapshot_id: str, name: str, bindings: str, content_type: str) -> str:
    """The name of a precomputed answer: the snapshot, the effective query (the saved
    query and its bindings) and the negotiated Content-Type."""
    digest = hashlib.sha256()
    for part in (snapshot_id, name, bindings, content_type):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


def size_bound(settings: Settings) -> int:
    """The largest body precomputed: what the in-process cache would keep of one answer
    (:attr:`carekg.api.caching.ResponseCache.max_entry`); a larger one would be read
    from its file on every request, so it is evaluated on demand as before."""
    return settings.cache_bytes // 8


def root_of(settings: Settings) -> Path:
    """Where the precomputed answers of the store's snapshots are kept."""
    return store_cache_dir(settings, FOLDER)


@functools.cache
def _code_digest() -> str:
    """A hash of what makes an answer besides the snapshot: the saved queries' texts,
    the API's code and templates (the view, the page, the links), the graph modules that
    bind and read them, and pyoxigraph's version (the serialisers). Read once per
    process."""
    import carekg.api
    import carekg.graph.saved_queries
    import carekg.graph.sparql_text
    import carekg.queries

    digest = hashlib.sha256(ox.__version__.encode())
    for package in (carekg.api, carekg.queries):
        folder = Path(package.__file__ or "").parent
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".rq", ".html") and path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\x00")
                digest.update(path.read_bytes())
    # the binding of a saved query's parameters and the reading of its text
    for module in (carekg.graph.saved_queries, carekg.graph.sparql_text):
        path = Path(module.__file__ or "")
        digest.update(path.name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def folder_name(settings: Settings, snapshot_id: str) -> str:
    """The directory of a snapshot's answers: its id, and a hash of the code and the
    settings they were made with (the base IRI, the row cap), so that a server upgraded
    or started with another row cap over the same snapshot never sends answers the old
    one made; the snapshot id first, so a new snapshot's directory replaces the old."""
    digest = hashlib.sha256(f"{_code_digest()}\x00{settings.base}\x00"
                            f"{settings.max_result_rows}".encode())
    return f"{snapshot_id}.{digest.hexdigest()[:16]}"


#: The saved-query view's negotiation: the Content-Type of the answer of the saved query
#: ``name`` for an Accept header and a ``format=`` parameter (None: not answerable).
Negotiation = Callable[[str, str | None, str | None], str | None]


def _claim(claim: Path) -> bool:
    """Claim the making of a snapshot's answers for this process: a file holding its pid,
    created exclusively. A claim whose process is gone (killed while making them) is
    taken over, so a crash never leaves a snapshot without answers until a restart."""
    for _ in range(2):
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _claimant_alive(claim):
                return False
            claim.unlink(missing_ok=True)  # stale: its maker died; try once more
            continue
        except OSError:
            return False
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(str(os.getpid()))
        return True
    return False


def _claimant_alive(claim: Path) -> bool:
    """Whether the process that wrote a claim still runs (an unreadable or empty claim is
    one being written: alive)."""
    try:
        pid = int(claim.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: running
    return True


class Precomputed:
    """A server process's view of the precomputed answers: the index of the current
    snapshot's directory (read once per snapshot), and each entry read from its file when
    first asked for (the in-process cache keeps it after that)."""

    def __init__(self, settings: Settings, negotiated_type: Negotiation) -> None:
        self._settings = settings
        self._root = root_of(settings)
        self._negotiated_type = negotiated_type
        self._lock = threading.Lock()
        #: (snapshot id, its directory, its index or None when it was not there)
        self._index: tuple[str | None, Path, dict[str, Any] | None] = (None, self._root, None)
        #: What makes a snapshot's answers when it has none, on a thread of this process
        #: (``carekg serve``'s processes set it; an app a test makes has none).
        self.maker: Callable[[], Any] | None = None
        self._making: set[str] = set()
        #: Answers sent from here (what a test counts).
        self.hits = 0

    def _entries(self, snapshot_id: str) -> tuple[Path, dict[str, Any] | None]:
        """The snapshot's directory (named once per snapshot: :func:`folder_name` hashes)
        and its index, read once; while it is not there, looked for again on every miss (a
        failed open, next to the evaluation that miss then costs)."""
        seen, folder, index = self._index
        if seen == snapshot_id and index is not None:
            return folder, index
        if seen != snapshot_id:
            folder = self._root / folder_name(self._settings, snapshot_id)
        try:
            index = json.loads((folder / INDEX).read_text(encoding="utf-8"))["entries"]
        except (OSError, ValueError, KeyError):
            index = None
            self._make_later(snapshot_id)
        self._index = (snapshot_id, folder, index)
        return folder, index

    def _make_later(self, snapshot_id: str) -> None:
        """A snapshot published while serving has no answers yet: make them on a thread
        of this process (once per snapshot; the other processes may do the same, and the
        first directory renamed into place is kept), evaluating on demand meanwhile."""
        maker = self.maker
        if maker is None:
            return
        with self._lock:
            if snapshot_id in self._making:
                return
            self._making.add(snapshot_id)
        claim = self._root / f".{snapshot_id}.making"
        if not _claim(claim):  # one server process makes them; the others evaluate
            return

        def make() -> None:
            try:
                maker()
            except Exception:  # a precompute that fails leaves evaluation on demand
                log.exception("precomputing the saved queries' answers failed")
            finally:
                claim.unlink(missing_ok=True)

        threading.Thread(target=make, name="carekg-precompute", daemon=True).start()

    def entry(self, req: Request, snapshot_id: str | None, key: tuple[Any, ...]
              ) -> Entry | None:
        """The precomputed answer of this request to ``/queries/{name}``, if it asks a
        saved query with its defaults in a format that was precomputed."""
        name = (getattr(req, "view_args", None) or {}).get("name")
        if snapshot_id is None or not isinstance(name, str):
            return None
        if any(k != "format" for k in req.args):
            return None  # bound parameters: only the defaults are precomputed
        content_type = self._negotiated_type(name, req.headers.get("Accept"),
                                             req.args.get("format"))
        if content_type is None:
            return None
        folder, entries = self._entries(snapshot_id)
        file_key = entry_key(snapshot_id, name, DEFAULTS, content_type)
        stored = entries.get(file_key) if entries else None
        if stored is None:
            return None
        try:
            body = (folder / f"{file_key}.body").read_bytes()
            gzipped = (folder / f"{file_key}.gz").read_bytes() if stored["gzip"] else None
        except OSError:  # removed since (a newer snapshot's answers replaced them)
            return None
        headers = [(str(k), str(v)) for k, v in stored["headers"]]
        self.hits += 1
        return Entry(int(stored["status"]), headers, body,
                     etag_of(snapshot_id, key, req, content_type), dict(stored["log"]),
                     gzipped)


def install(app: App, settings: Settings, negotiated_type: Negotiation) -> None:
    """Let the cache's lookup find the precomputed answers of a local store's snapshots
    (not in the app that makes them: it has none yet)."""
    if app.config.get("CAREKG_PRECOMPUTING") or is_remote(settings.store) \
            or size_bound(settings) <= 0:
        return
    app.extensions["carekg.precomputed"] = Precomputed(settings, negotiated_type)

