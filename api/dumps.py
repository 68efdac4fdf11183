"""The whole dataset as files (``/dumps/``) and its VoID + DCAT description.

Dumps are written once per snapshot, on first request (or when ``carekg serve`` starts),
into ``{store}/cache/dumps/{snapshot id}/`` — never into the snapshot itself, which is
immutable once published. A new build publishes a new snapshot id, so its dumps are
regenerated and the old snapshot's are removed.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_file

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.rdf_templates import render_triples
from carekg.api.store_files import store_cache_dir
from carekg.config import Settings
from carekg.graph import backend, facts_table
from carekg.graph.store import Snapshot, local
from carekg.namespaces import DCAT, DCTERMS, PREFIXES, SD, VOID, XSD
from carekg.resources import system_query

bp = Blueprint("dumps", __name__)


@bp.after_request
def open_cors(response: Response) -> Response:
    """Open data: every origin may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


_IANA = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Dump:
    name: str
    format: ox.RdfFormat
    media_type: str
    title: str


DUMPS: tuple[Dump, ...] = (
    Dump("carekg.nq.gz", ox.RdfFormat.N_QUADS, "application/n-quads",
         "every named graph as gzipped N-Quads"),
    Dump("carekg.trig.gz", ox.RdfFormat.TRIG, "application/trig",
         "every named graph as gzipped TriG"),
)
_BY_NAME = {dump.name: dump for dump in DUMPS}
_lock = threading.Lock()


# -- writing the files ---------------------------------------------------------------


def cache_root(config: Settings) -> Path:
    """Where dumps are kept (:func:`carekg.api.store_files.store_cache_dir`)."""
    return store_cache_dir(config, "dumps")


def dump_path(config: Settings, snap: Snapshot, dump: Dump) -> Path:
    """The dump file for this snapshot, written first if it does not exist yet."""
    return _cached(config, snap, dump.name, lambda raw: _write_rdf(snap, dump, raw))


def facts_path(config: Settings, snap: Snapshot) -> Path:
    """``facts.csv`` of this snapshot, written first if it does not exist yet."""
    return _cached(config, snap, facts_table.CSV_NAME,
                   lambda raw: facts_table.write_csv(snap, raw))


def _cached(config: Settings, snap: Snapshot, name: str,
            write: Callable[[BinaryIO], object]) -> Path:
    root = cache_root(config)
    path = root / snap.id / name
    if path.exists():
        return path
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, write)
            _remove_stale(root, keep=snap.id)
    return path


def _write_rdf(snap: Snapshot, dump: Dump, raw: BinaryIO) -> None:
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        snap.store.dump(cast(IO[bytes], out), dump.format, prefixes=PREFIXES)


def _write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file and rename, so a reader never sees half a dump."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as raw:
            write(raw)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale(root: Path, keep: str) -> None:
    for old in root.iterdir():
        if old.is_dir() and old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def write_all(config: Settings, snap: Snapshot) -> list[Path]:
    """Write every dump of a snapshot now (``carekg serve`` calls this at start)."""
    return [*(dump_path(config, snap, dump) for dump in DUMPS), facts_path(config, snap)]


# -- VoID and DCAT -------------------------------------------------------------------


def graph_sizes(snap: backend.Snapshot) -> dict[str, int]:
    return {row["g"].value: int(row["n"].value) for row in snap.query(system_query("graph-sizes"))}


def example_resources(snap: backend.Snapshot, base: str) -> list[str]:
    """One resource of each carekg class, minted in carekg's own id space."""
    rows = snap.query(system_query("void-examples"))
    return [row["example"].value for row in rows
            if row["class"].value.startswith(f"{base}def#")
            and row["example"].value.startswith(f"{base}id/")]


def void_description(snap: backend.Snapshot, base: str, root: str) -> list[ox.Triple]:
    """VoID + DCAT (``templates/void.ttl``): named graphs with triple counts, licences,
    build time, endpoint, example resources and dumps. ``root`` is the server's URL,
    ending in '/'."""
    licences = [row["licence"] for row in snap.query(system_query("void-licences"))]
    return render_triples("void.ttl", root=root, base=base, snapshot_id=snap.id,
                          built=snap.meta.built_at, sizes=graph_sizes(snap),
                          licences=licences, examples=example_resources(snap, base),
                          dumps=DUMPS, iana=_IANA, xsd=str(XSD),
                          facts_csv=facts_table.CSV_NAME,
                          facts_metadata=facts_table.METADATA_NAME)


# -- routes --------------------------------------------------------------------------

@bp.route("/dumps/")
def index() -> str:
    return render_template("dumps.html", snap=snapshot(), dumps=DUMPS)


@bp.route("/dumps/facts.csv")
def facts_csv() -> Response:
    snap = snapshot()
    path = facts_path(settings(), local(snap))
    response = send_file(path, mimetype="text/csv", as_attachment=True,
                         download_name=facts_table.CSV_NAME, conditional=True,
                         etag=f"{snap.id}-{facts_table.CSV_NAME}")
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    response.headers["Link"] = (f'<{facts_table.METADATA_NAME}>; rel="describedby"; '
                                'type="application/csvm+json"')
    return response


@bp.route("/dumps/facts.csv-metadata.json")
def facts_metadata() -> Response:
    body = json.dumps(facts_table.metadata(base=settings().base), indent=2)
    return Response(body + "\n", content_type="application/csvm+json")


@bp.route("/dumps/<name>")
def download(name: str) -> Response:
    dump = _BY_NAME.get(name)
    if dump is None:
        abort(404)
    snap = snapshot()
    path = dump_path(settings(), local(snap), dump)
    response = send_file(path, mimetype="application/gzip", as_attachment=True,
                         download_name=name, conditional=True, etag=f"{snap.id}-{name}")
    return response


@bp.route("/.well-known/void")
def void() -> Response:
    accept, name = request.headers.get("Accept"), request.args.get("format")
    try:
        # A browser gets Turtle, the most readable of the formats, rather than RDF/XML.
        fmt = neg.GRAPH_FORMATS[0] if not name and neg.prefers_html(accept) \
            else neg.choose(neg.GRAPH, accept, name)
    except neg.NotAcceptableError as exc:
        return Response(f"{exc}\n", status=406, content_type="text/plain; charset=utf-8")
    snap = snapshot()
    triples = void_description(snap, settings().base, request.url_root)
    prefixes = {"void": str(VOID), "dcat": str(DCAT), "dcterms": str(DCTERMS), "sd": str(SD)}
    body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
