"""The whole dataset as files (``/dumps/``) and its VoID + DCAT description.

Dumps are written once per snapshot, on first request (or when ``carekg serve`` starts),
into ``{store}/cache/dumps/{snapshot id}/`` — never into the snapshot itself, which is
immutable once published. A new build publishes a new snapshot id, so its dumps are
regenerated and the old snapshot's are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template_string, request, send_file

from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.sparql import open_cors
from carekg.config import Settings
from carekg.graph import facts_table
from carekg.graph.store import Snapshot
from carekg.namespaces import DCAT, DCTERMS, PREFIXES, RDF, SD, VOID, XSD
from carekg.resources import system_query

bp = Blueprint("dumps", __name__)
bp.after_request(open_cors)

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
    """Where dumps are kept: beside the snapshots, or in a temporary directory when the
    store directory is read-only (a server started on a store it may not change).
    Absolute: a relative store (the default ``var/store``) is the working directory's,
    and Flask's ``send_file`` would resolve a relative path under the package instead."""
    root = Path(config.store).resolve() / "cache" / "dumps"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / "carekg-dumps" / _digest(config.store)
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def _digest(path: Path) -> str:
    return hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]


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
        snap.store.dump(out, dump.format, prefixes=PREFIXES)


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


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def graph_sizes(snap: Snapshot) -> dict[str, int]:
    return {row["g"].value: int(row["n"].value) for row in snap.query(system_query("graph-sizes"))}


def example_resources(snap: Snapshot, base: str) -> list[str]:
    """One resource of each carekg class, minted in carekg's own id space."""
    rows = snap.query(system_query("void-examples"))
    return [row["example"].value for row in rows
            if row["class"].value.startswith(f"{base}def#")
            and row["example"].value.startswith(f"{base}id/")]


def void_description(snap: Snapshot, base: str, root: str) -> list[ox.Triple]:
    """VoID + DCAT: named graphs with triple counts, licences, build time, endpoint,
    example resources and dumps. ``root`` is the server's URL, ending in '/'."""
    dataset = _n(f"{root}.well-known/void#dataset")
    a = _n(str(RDF.type))
    sizes = graph_sizes(snap)
    built = ox.Literal(snap.meta.built_at, datatype=_n(str(XSD.dateTime)))
    triples = [
        ox.Triple(dataset, a, _n(f"{VOID}Dataset")),
        ox.Triple(dataset, a, _n(f"{DCAT}Dataset")),
        ox.Triple(dataset, _n(f"{DCTERMS}title"),
                  ox.Literal("carekg: how English councils commission adult social care",
                             language="en")),
        ox.Triple(dataset, _n(f"{DCTERMS}modified"), built),
        ox.Triple(dataset, _n(f"{DCTERMS}identifier"), ox.Literal(snap.id)),
        ox.Triple(dataset, _n(f"{VOID}triples"), ox.Literal(str(sum(sizes.values())),
                                                              datatype=_n(str(XSD.integer)))),
        ox.Triple(dataset, _n(f"{VOID}sparqlEndpoint"), _n(f"{root}sparql")),
        ox.Triple(dataset, _n(f"{VOID}uriSpace"), ox.Literal(f"{base}id/")),
        ox.Triple(dataset, _n(f"{VOID}vocabulary"), _n(f"{base}def#")),
    ]
    service = ox.BlankNode()
    triples += [
        ox.Triple(service, a, _n(f"{DCAT}DataService")),
        ox.Triple(service, a, _n(f"{SD}Service")),
        ox.Triple(service, _n(f"{DCAT}endpointURL"), _n(f"{root}sparql")),
        ox.Triple(service, _n(f"{DCAT}servesDataset"), dataset),
        ox.Triple(service, _n(f"{DCTERMS}conformsTo"),
                  _n("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    for row in snap.query(system_query("void-licences")):
        licence = row["licence"]
        predicate = "license" if isinstance(licence, ox.NamedNode) else "rights"
        triples.append(ox.Triple(dataset, _n(f"{DCTERMS}{predicate}"), licence))
    for name, size in sizes.items():
        graph = _n(name)
        triples += [
            ox.Triple(dataset, _n(f"{VOID}subset"), graph),
            ox.Triple(graph, a, _n(f"{VOID}Dataset")),
            ox.Triple(graph, a, _n(f"{SD}NamedGraph")),
            ox.Triple(graph, _n(f"{SD}name"), graph),
            ox.Triple(graph, _n(f"{VOID}triples"),
                      ox.Literal(str(size), datatype=_n(str(XSD.integer)))),
        ]
    for example in example_resources(snap, base):
        triples.append(ox.Triple(dataset, _n(f"{VOID}exampleResource"), _n(example)))
    for dump in DUMPS:
        url = _n(f"{root}dumps/{dump.name}")
        distribution = ox.BlankNode()
        triples += [
            ox.Triple(dataset, _n(f"{VOID}dataDump"), url),
            ox.Triple(dataset, _n(f"{DCAT}distribution"), distribution),
            ox.Triple(distribution, a, _n(f"{DCAT}Distribution")),
            ox.Triple(distribution, _n(f"{DCTERMS}title"), ox.Literal(dump.title)),
            ox.Triple(distribution, _n(f"{DCAT}downloadURL"), url),
            ox.Triple(distribution, _n(f"{DCAT}mediaType"), _n(_IANA + dump.media_type)),
            ox.Triple(distribution, _n(f"{DCAT}compressFormat"),
                      _n(_IANA + "application/gzip")),
            ox.Triple(distribution, _n(f"{DCTERMS}modified"), built),
        ]
    csv_url = _n(f"{root}dumps/{facts_table.CSV_NAME}")
    distribution = ox.BlankNode()
    triples += [
        ox.Triple(dataset, _n(f"{DCAT}distribution"), distribution),
        ox.Triple(distribution, a, _n(f"{DCAT}Distribution")),
        ox.Triple(distribution, _n(f"{DCTERMS}title"),
                  ox.Literal("every fact as one CSV table (one row per fact), for "
                             "spreadsheets and data frames")),
        ox.Triple(distribution, _n(f"{DCAT}downloadURL"), csv_url),
        ox.Triple(distribution, _n(f"{DCAT}mediaType"), _n(_IANA + "text/csv")),
        ox.Triple(distribution, _n(f"{DCTERMS}conformsTo"),
                  _n(f"{root}dumps/{facts_table.METADATA_NAME}")),
        ox.Triple(distribution, _n(f"{DCTERMS}modified"), built),
    ]
    return triples


# -- routes --------------------------------------------------------------------------

_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>carekg dumps</title></head>
<body><h1>Dumps of the carekg dataset</h1>
<p>Snapshot {{ snap.id }}, built {{ snap.meta.built_at }}.
Described in <a href="/.well-known/void">VoID</a>.</p>
<ul>{% for dump in dumps %}<li><a href="{{ dump.name }}">{{ dump.name }}</a>:
{{ dump.title }} ({{ dump.media_type }}, gzip)</li>{% endfor %}
<li><a href="facts.csv">facts.csv</a>: every fact as one table, one row per fact, for a
spreadsheet or a data frame (text/csv), described for linked-data tools by its W3C CSVW
metadata <a href="facts.csv-metadata.json">facts.csv-metadata.json</a></li></ul>
</body></html>
"""


@bp.route("/dumps/")
def index() -> str:
    return render_template_string(_INDEX, snap=snapshot(), dumps=DUMPS)


@bp.route("/dumps/facts.csv")
def facts_csv() -> Response:
    snap = snapshot()
    path = facts_path(settings(), snap)
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
    path = dump_path(settings(), snap, dump)
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
    body = ox.serialize(triples, format=fmt.writer, prefixes=prefixes)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
