"""A remote SPARQL 1.1 server as carekg's store: same operations as the embedded one.

``--store sparql+http://host:port/sparql`` selects it (``--graph-store URL`` when the
server's Graph Store HTTP Protocol endpoint is not ``/sparql-graph-crud`` beside the query
endpoint, as it is on Virtuoso). Why it looks like :class:`carekg.graph.store.StoreDir`:
the builder and the web application must not care which store they write or read.

What differs from the embedded store, and why (docs/deploy.md says it to operators):

- Atomicity is per named graph, not per snapshot: each document's graph is replaced by
  one Graph Store Protocol ``PUT``, which the server applies atomically; a build writes
  nothing until its graphs have validated, but readers may see a build half-way stored.
- Meta data and document texts live on the server, in graphs outside the carekg base
  (``urn:carekg:store:meta`` and ``urn:carekg:store:text:<doc>``), so any carekg front
  over the same server sees the same store; their predicates are ``urn:`` ones no carekg
  query matches, and they are outside the dataset carekg's queries are given (below).
- The union default graph: the embedded store queries the union of its named graphs. A
  query without FROM on Virtuoso reads *all* graphs, Virtuoso's own system graphs
  (an OWL ontology among them) and carekg's meta and text graphs included, and other
  servers differ (Fuseki's default graph is its own unless configured). So a query that
  names no dataset of its own is sent with the SPARQL protocol's ``default-graph-uri`` and
  ``named-graph-uri`` set to carekg's data graphs (listed in the meta graph): the same
  dataset as the embedded store's on every server. (Virtuoso's ``define
  input:default-graph-exclude`` was tried first: with more than a few excluded graphs
  Virtuoso 7.2 answers ``skos:broader*`` joins with no rows.)
- Query results come back as SPARQL JSON (N-Triples for graphs) and are parsed into
  pyoxigraph's result types, so callers iterate them exactly as local answers.
- Saved-query parameters (pyoxigraph ``substitutions``) become a ``VALUES`` block opening
  the outermost WHERE group, written from RDF terms (never from the caller's text).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from carekg.errors import QueryError, StoreError
from carekg.graph import backend
from carekg.graph.backend import SnapshotMeta, is_remote, now
from carekg.graph.sparql_text import form_of, names_from, tokens, with_values

STORE_NS = "urn:carekg:store#"
META_GRAPH = "urn:carekg:store:meta"
TEXT_GRAPH = "urn:carekg:store:text:"


def _literal_nt(value: str) -> str:
    """A string as an N-Triples literal, escaped by pyoxigraph (not by hand)."""
    return str(ox.Literal(value))


class RemoteSnapshot:
    """The remote store as the builder and the application see one snapshot of it."""

    def __init__(self, store: RemoteStore, meta: SnapshotMeta, graphs: list[str], *,
                 writing: bool = False, fresh: bool = False) -> None:
        self.remote = store
        self.meta = meta
        self._graphs = list(graphs)
        self.path = store.url
        self.writing = writing
        self.fresh = fresh
        self.written: set[str] = set()
        self.texts: dict[str, str | None] = {}

    @property
    def id(self) -> str:
        return self.meta.built_at

    # -- writing ---------------------------------------------------------------------

    def put_graph(self, graph_iri: str, graph: Graph) -> None:
        """Replace one named graph: one Graph Store Protocol PUT, atomic on the server."""
        self.remote.gsp("PUT", graph_iri, graph.serialize(format="nt", encoding="utf-8"))
        self.written.add(graph_iri)
        if graph_iri not in self._graphs:
            self._graphs.append(graph_iri)

    def put_graphs(self, graphs: dict[str, Graph]) -> None:
        """One PUT per graph: the protocol replaces one graph per request."""
        for graph_iri, graph in graphs.items():
            self.put_graph(graph_iri, graph)

    def add_to_graph(self, graph_iri: str, graph: Graph) -> None:
        """A Graph Store Protocol POST, which merges into the graph."""
        if len(graph):
            self.remote.gsp("POST", graph_iri, graph.serialize(format="nt", encoding="utf-8"))
            self.written.add(graph_iri)
            if graph_iri not in self._graphs:
                self._graphs.append(graph_iri)

    def remove_about(self, graph_iri: str, nodes: Iterable[str]) -> None:
        """GET, filter and PUT back: the Graph Store Protocol has no partial delete, and a
        read-only front must not need SPARQL Update. The cost grows with the graph (the
        inferred graph), unlike the embedded store's (docs/deploy.md)."""
        doomed = {URIRef(n) for n in nodes}
        graph = self.to_rdflib([graph_iri])
        kept = Graph()
        for s, p, o in graph:
            if s not in doomed and o not in doomed:
                kept.add((s, p, o))
        if len(kept) != len(graph):
            self.put_graph(graph_iri, kept)

    def remove_graph(self, graph_iri: str) -> None:
        self.remote.gsp("DELETE", graph_iri)
        if graph_iri in self._graphs:
            self._graphs.remove(graph_iri)
        self.written.discard(graph_iri)

    def put_text(self, doc_id: str, text: str) -> None:
        # Kept until publication: nothing is written before the graphs have validated.
        self.texts[doc_id] = text

    def remove_text(self, doc_id: str) -> None:
        self.texts[doc_id] = None

    # -- reading ---------------------------------------------------------------------

    def query(self, sparql: str, **kwargs: Any) -> Any:
        """Run SPARQL remotely with the embedded store's union-default-graph semantics."""
        return self.remote.run_query(sparql, self.graph_names(), **kwargs)

    def graph_names(self) -> list[str]:
        return sorted(self._graphs)

    def to_rdflib(self, graphs: list[str] | None = None) -> Graph:
        merged = Graph()
        for name in graphs if graphs is not None else self.graph_names():
            data = self.remote.gsp("GET", name)
            if data.strip():
                merged.parse(data=data.decode("utf-8"), format="nt")
        return merged

    def text_of(self, doc_id: str) -> str | None:
        if doc_id in self.texts:
            return self.texts[doc_id]
        return self.remote.read_text(doc_id)

    def close(self) -> None:
        """Nothing to release: every request is its own HTTP exchange."""


class RemoteStore:
    """A SPARQL 1.1 query endpoint and its Graph Store Protocol endpoint."""

    #: Asking the id is a query of the meta graph over HTTP.
    id_check_interval = 2.0

    def __init__(self, url: str, graph_store: str | None = None, *,
                 timeout: float = 300.0) -> None:
        if not is_remote(url):
            raise StoreError(f"{url!r} is not a remote store URL (sparql+http://...)")
        self.url = url
        self.endpoint = url.removeprefix("sparql+")
        self.graph_store = graph_store or self.endpoint.rsplit("/", 1)[0] + "/sparql-graph-crud"
        self.timeout = timeout
        self._server: str | None = None

    # -- the StoreDir interface --------------------------------------------------------

    def exists(self) -> bool:
        return self.current_id() is not None

    def current_id(self) -> str | None:
        loaded = self._read_meta()
        return loaded[0].built_at if loaded else None

    def open(self) -> RemoteSnapshot:
        loaded = self._read_meta()
        if loaded is None:
            raise StoreError(f"no carekg store at {self.endpoint}: run 'carekg build "
                             f"--store {self.url}' first")
        return RemoteSnapshot(self, *loaded)

    @contextmanager
    def writer(self, *, from_current: bool) -> Iterator[RemoteSnapshot]:
        """A snapshot to write; the server is only written by put/remove and publish.

        There is no lock: two writers at once on one server are the operator's to avoid
        (docs/deploy.md)."""
        if from_current:
            current = self.open()
            current.meta.built_at = now()
            yield RemoteSnapshot(self, current.meta, current.graph_names(), writing=True)
        else:
            yield RemoteSnapshot(self, SnapshotMeta(built_at=now()), [], writing=True,
                                 fresh=True)

    def publish(self, snapshot: backend.Snapshot) -> str:
        """Write texts and meta; after a full build, delete graphs it did not write."""
        if not isinstance(snapshot, RemoteSnapshot):
            raise TypeError(f"not a snapshot of this store: {snapshot!r}")
        previous = self._read_meta()
        if snapshot.fresh and previous is not None:
            for name in previous[1]:
                if name not in snapshot.written:
                    self.gsp("DELETE", name)
            for doc_id in previous[0].documents:
                if doc_id not in snapshot.meta.documents:
                    self.gsp("DELETE", TEXT_GRAPH + doc_id)
        for doc_id, text in snapshot.texts.items():
            if text is None:
                self.gsp("DELETE", TEXT_GRAPH + doc_id)
            else:
                line = f"<{TEXT_GRAPH}{doc_id}> <{STORE_NS}text> {_literal_nt(text)} .\n"
                self.gsp("PUT", TEXT_GRAPH + doc_id, line.encode("utf-8"))
        meta = (f"<{META_GRAPH}> <{STORE_NS}meta> {_literal_nt(snapshot.meta.to_json())} .\n"
                f"<{META_GRAPH}> <{STORE_NS}graphs> "
                f"{_literal_nt(json.dumps(snapshot.graph_names()))} .\n")
        self.gsp("PUT", META_GRAPH, meta.encode("utf-8"))
        return snapshot.id

    # -- the Graph Store Protocol --------------------------------------------------------

    def gsp(self, method: str, graph_iri: str, body: bytes | None = None) -> bytes:
        """One Graph Store Protocol request; GET and DELETE of a missing graph are empty."""
        url = f"{self.graph_store}?{urllib.parse.urlencode({'graph': graph_iri})}"
        headers = {"Accept": "application/n-triples"} if method == "GET" else {}
        if method == "PUT" and not (body or b"").strip():
            method, body = "DELETE", None  # an empty graph is no graph on a quad store
        if body is not None:
            # Sent as Turtle (N-Triples is Turtle) opening with a directive: Virtuoso sniffs
            # the body whatever its Content-Type, and takes N-Triples opening with a long
            # line (a document's text) for text/plain.
            headers["Content-Type"] = "text/turtle"
            body = f"@prefix carekgstore: <{STORE_NS}> .\n".encode() + body
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and method in ("GET", "DELETE"):
                return b""
            detail = exc.read().decode("utf-8", "replace")[-300:]
            raise StoreError(f"{method} of graph {graph_iri} at {self.graph_store} failed "
                             f"({exc.code}): {detail.strip()}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"the graph store {self.graph_store} cannot be reached: "
                             f"{exc}") from exc

    # -- queries -------------------------------------------------------------------------

    def _select(self, sparql: str) -> dict[str, Any]:
        raw = self._post(sparql, JSON, [], [])
        return json.loads(raw)

    def run_query(self, sparql: str, union: list[str], *,
                  substitutions: dict[Any, Any] | None = None, base_iri: str | None = None,
                  use_default_graph_as_union: bool = True,
                  default_graph: Any = None, named_graphs: Any = None,
                  timeout: float | None = None) -> Any:
        """Evaluate remotely; answers are pyoxigraph QuerySolutions/QueryBoolean/QueryTriples."""
        toks = tokens(sparql)
        kind = form_of(toks) or "SELECT"
        text = with_values(sparql, substitutions) if substitutions else sparql
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        defaults = _iris(default_graph)
        named = _iris(named_graphs)
        if use_default_graph_as_union and not defaults and not named \
                and not names_from(toks):
            defaults, named = list(union), list(union)
        if kind in ("CONSTRUCT", "DESCRIBE"):
            raw = self._post(text, TURTLE, defaults, named, timeout)
            scratch = ox.Store()
            if raw.strip():
                scratch.bulk_load(input=raw, format=ox.RdfFormat.TURTLE)
            return scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        raw = self._post(text, JSON, defaults, named, timeout)
        try:
            return ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"the SPARQL endpoint gave an unreadable answer: {exc}") from exc

    def _post(self, text: str, return_format: str, defaults: list[str], named: list[str],
              timeout: float | None = None) -> bytes:
        timeout = timeout or self.timeout
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setTimeout(int(max(1, timeout)))
        client.setQuery(text)
        for iri in defaults:
            client.addDefaultGraph(iri)
        for iri in named:
            client.addNamedGraph(iri)
        client.setReturnFormat(return_format)
        try:
            return bytes(client.query().response.read())
        except QueryBadFormed as exc:
            raise QueryError(f"the SPARQL endpoint refused the query: {exc}") from exc
        except (SPARQLWrapperException, urllib.error.HTTPError) as exc:
            raise QueryError(f"the SPARQL endpoint failed: {str(exc)[:500]}") from exc
        except TimeoutError as exc:
            raise QueryError(f"the SPARQL endpoint took longer than {timeout:g} s") \
                from exc
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"the SPARQL endpoint {self.endpoint} cannot be reached: "
                             f"{exc}") from exc

    # -- meta and texts ------------------------------------------------------------------

    def _read_meta(self) -> tuple[SnapshotMeta, list[str]] | None:
        answer = self._select(f"SELECT ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ "
                              f"<{META_GRAPH}> ?p ?o }} }}")
        values = {row["p"]["value"]: row["o"]["value"]
                  for row in answer["results"]["bindings"]}
        if f"{STORE_NS}meta" not in values:
            return None
        meta = SnapshotMeta.from_json(values[f"{STORE_NS}meta"])
        return meta, json.loads(values.get(f"{STORE_NS}graphs", "[]"))

    def read_text(self, doc_id: str) -> str | None:
        graph = TEXT_GRAPH + doc_id
        answer = self._select(f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ <{graph}> "
                              f"<{STORE_NS}text> ?t }} }}")
        rows = answer["results"]["bindings"]
        return rows[0]["t"]["value"] if rows else None


def _iris(graphs: Any) -> list[str]:
    return [g.value if hasattr(g, "value") else str(g) for g in graphs or []]



# mypy checks here that the remote backend keeps the contract.
_store: type[backend.Store] = RemoteStore
_snapshot: type[backend.Snapshot] = RemoteSnapshot
