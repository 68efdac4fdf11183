"""``carekg load DUMP``: a store from a carekg dump, without the documents.

A mirror, or another government tool, can serve the data from the gzipped N-Quads (or
TriG) of ``/dumps/`` in minutes: the quads are bulk-loaded into a new snapshot, which is
then checked as a build checks its own (:func:`carekg.graph.check.check_documents`: each
document graph with this carekg's ontology, taxonomies, register and shapes) and
published only if it conforms; otherwise the published store is left as it was.

What a dump cannot hold is not invented: the documents' extracted texts are not in it
(pages show each fact's quote, not its context), and the snapshot records its documents
without file hashes, so a later ``carekg build --changed`` over it rebuilds everything.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from carekg.config import Settings
from carekg.errors import InputError
from carekg.graph.build import BuildReport, raise_on_violations
from carekg.graph.check import check_documents
from carekg.graph.store import Snapshot, local, open_store
from carekg.iris import Iris

#: File name endings of the dumps carekg writes, and the syntax of each.
FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}


def _format(name: str) -> tuple[ox.RdfFormat, bool]:
    stem = name.removesuffix(".gz")
    for ending, fmt in FORMATS.items():
        if stem.endswith(ending):
            return fmt, name.endswith(".gz")
    raise InputError(name, "not a carekg dump: expected .nq, .nq.gz, .trig or .trig.gz")


def _local_copy(source: str, folder: Path) -> Path:
    """The dump as a local file: a path as it is, a URL downloaded into ``folder``."""
    if not source.startswith(("http://", "https://")):
        path = Path(source)
        if not path.is_file():
            raise InputError(path, "no such dump file")
        return path
    target = folder / source.rsplit("/", 1)[-1]
    try:
        with urllib.request.urlopen(source, timeout=300) as answer, open(target, "wb") as out:
            shutil.copyfileobj(answer, out)
    except (urllib.error.URLError, OSError) as exc:
        raise InputError(source, f"cannot download the dump: {exc}") from exc
    return target


def load_dump(source: str, settings: Settings) -> BuildReport:
    """Load a dump (a file or an http(s) URL) into a new snapshot; validate; publish."""
    started = time.perf_counter()
    fmt, compressed = _format(source)
    store = open_store(settings)
    iris = Iris(settings.base)
    report = BuildReport("", 0, 0, 0)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="carekg-load-")))
        path = _local_copy(source, folder)
        with store.writer(from_current=False) as written:
            snapshot = local(written)
            try:
                with (gzip.open(path, "rb") if compressed else open(path, "rb")) as data:
                    snapshot.store.bulk_load(cast(IO[bytes], data), format=fmt)
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise InputError(path, f"cannot read the dump: {exc}") from exc
            graphs = snapshot.graph_names()
            if str(iris.graph("ontology")) not in graphs:
                raise InputError(path, f"not a carekg dump at base {settings.base}: it has no "
                                 f"graph {iris.graph('ontology')} (a dump made under another "
                                 "base loads with --base)")
            for name in graphs:
                doc_id = iris.doc_id_of_graph(name)
                if doc_id is not None:
                    snapshot.meta.documents[doc_id] = {"file": None, "source": "dump"}
            check = check_documents(snapshot, settings)
            raise_on_violations(check.shapes, Path(source).name)
            report.documents = len(snapshot.meta.documents)
            report.facts = _count(snapshot, f"{settings.base}def#Fact")
            report.triples = len(snapshot.store)
            report.snapshot = store.publish(snapshot)
    report.seconds = time.perf_counter() - started
    return report


def _count(snapshot: Snapshot, cls: str) -> int:
    rows = snapshot.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}")
    return int(next(iter(rows))["n"].value)
