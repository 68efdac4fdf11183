"""Writing query results, dumps and statistics in the formats the CLI offers.

The API has its own content negotiation; this module serves the command line, where a
format is named explicitly.
"""

from __future__ import annotations

from typing import IO, Any

import pyoxigraph as ox

from carekg.errors import UsageError
from carekg.graph.backend import Snapshot
from carekg.graph.store import local
from carekg.namespaces import PREFIXES, prefixed
from carekg.resources import system_query

_TABULAR = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}
_GRAPH = {"turtle": ox.RdfFormat.TURTLE, "nquads": ox.RdfFormat.N_QUADS}
_DATASET = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def shorten(term: Any) -> str:
    """A term as a person reads it in a terminal: prefixed names, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return prefixed(term.value) or f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def write_results(results: Any, fmt: str, out: IO[bytes]) -> None:
    """SELECT/ASK as table, csv, tsv or json; CONSTRUCT/DESCRIBE as turtle or nquads."""
    if isinstance(results, ox.QuerySolutions | ox.QueryBoolean):
        if fmt == "table":
            out.write(_table(results).encode("utf-8"))
        elif fmt in _TABULAR:
            results.serialize(out, _TABULAR[fmt])
        else:
            raise UsageError(f"--format {fmt} is for CONSTRUCT/DESCRIBE queries; "
                             "use table, csv, tsv or json")
        return
    fmt = "turtle" if fmt == "table" else fmt
    if fmt not in _GRAPH:
        raise UsageError(f"--format {fmt} is for SELECT/ASK queries; use turtle or nquads")
    triples = list(results)
    if fmt == "nquads":
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        out.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    else:
        out.write(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b"")


def _table(results: Any) -> str:
    if isinstance(results, ox.QueryBoolean):
        return f"{bool(results)}\n"
    names = [v.value for v in results.variables]
    rows = [[shorten(solution[name]) for name in names] for solution in results]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    widths = [min(w, 80) for w in widths]

    def line(cells: list[str]) -> str:
        return "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    body = [line(names), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(body) + f"\n({len(rows)} rows)\n"


def export_dataset(snapshot: Snapshot, fmt: str, out: IO[bytes]) -> None:
    """The whole dataset: N-Quads and TriG keep the named graphs; Turtle merges them;
    CSV is the facts table (:mod:`carekg.graph.facts_table`), one row per fact."""
    if fmt == "csv":
        from carekg.graph.facts_table import write_csv

        write_csv(snapshot, out)
        return
    if fmt in _DATASET:
        local(snapshot).store.dump(out, format=_DATASET[fmt])
        return
    if fmt != "turtle":
        raise UsageError(f"unknown export format {fmt!r}")
    triples = snapshot.query(system_query("union-graph"))
    out.write(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b"")


def store_stats(snapshot: Snapshot) -> dict[str, Any]:
    """Triples per named graph and instances per class (over the union)."""
    graphs = {
        s["g"].value: int(s["n"].value)
        for s in snapshot.query(system_query("graph-sizes"))
    }
    classes = {
        shorten(s["c"]): int(s["n"].value)
        for s in snapshot.query(system_query("class-counts"))
    }
    return {"snapshot": snapshot.id, "built_at": snapshot.meta.built_at,
            "documents": len(snapshot.meta.documents), "graphs": graphs, "classes": classes}
