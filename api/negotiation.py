"""Content negotiation for the SPARQL endpoint, the dumps and the VoID description.

The formats the service can write are data (the tables below), so the endpoint, the
service description and the documentation all list the same formats; the Accept parser
is ours, not Werkzeug's, because the SPARQL protocol tests need exact behaviour for
``q=0`` exclusions, wildcards and ties (ties go to the server's order of preference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

#: What a query answers: solutions or a boolean ("results"), or triples ("graph").
RESULTS = "results"
GRAPH = "graph"
#: The kind of answer of each query form (carekg.graph.sparql_text.FORMS).
KIND_OF_FORM = {"SELECT": RESULTS, "ASK": RESULTS, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}

_FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: its media type, other media types and names clients use for it.

    ``names`` are the values accepted in the ``format=`` parameter (SPARQLWrapper sends
    ``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``n3``, ``json-ld``, ``rdf+xml``).
    """

    media_type: str
    kind: str
    writer: ox.QueryResultsFormat | ox.RdfFormat
    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    w3c: str = ""  # IRI in http://www.w3.org/ns/formats/, for the service description

    @property
    def rdf(self) -> ox.RdfFormat:
        """The writer of a graph format (``ox.serialize`` takes only these)."""
        if not isinstance(self.writer, ox.RdfFormat):
            raise TypeError(f"{self.media_type} is not an RDF graph format")
        return self.writer

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset, the others are UTF-8."""
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


#: SELECT and ASK answers, in the server's order of preference.
RESULT_FORMATS: tuple[Format, ...] = (
    Format("application/sparql-results+json", RESULTS, ox.QueryResultsFormat.JSON,
           ("json", "srj"), ("application/json", "text/javascript", "application/javascript"),
           _FORMATS_NS + "SPARQL_Results_JSON"),
    Format("application/sparql-results+xml", RESULTS, ox.QueryResultsFormat.XML,
           ("xml", "srx"), ("application/xml", "text/xml"),
           _FORMATS_NS + "SPARQL_Results_XML"),
    Format("text/csv", RESULTS, ox.QueryResultsFormat.CSV, ("csv",), (),
           _FORMATS_NS + "SPARQL_Results_CSV"),
    Format("text/tab-separated-values", RESULTS, ox.QueryResultsFormat.TSV, ("tsv",), (),
           _FORMATS_NS + "SPARQL_Results_TSV"),
)

#: CONSTRUCT and DESCRIBE answers, and every RDF document the API serves.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("text/turtle", GRAPH, ox.RdfFormat.TURTLE, ("turtle", "ttl"),
           ("application/x-turtle", "application/turtle"), _FORMATS_NS + "Turtle"),
    Format("application/n-triples", GRAPH, ox.RdfFormat.N_TRIPLES,
           ("nt", "ntriples", "n-triples"), ("text/plain",), _FORMATS_NS + "N-Triples"),
    Format("application/ld+json", GRAPH, ox.RdfFormat.JSON_LD, ("json-ld", "jsonld", "json"),
           ("application/json", "application/x-json+ld"), _FORMATS_NS + "JSON-LD"),
    Format("application/rdf+xml", GRAPH, ox.RdfFormat.RDF_XML, ("rdf+xml", "rdfxml", "xml", "rdf"),
           ("application/xml", "text/xml"), _FORMATS_NS + "RDF_XML"),
    Format("text/n3", GRAPH, ox.RdfFormat.N3, ("n3",), ("text/rdf+n3", "application/n3"),
           _FORMATS_NS + "N3"),
)

FORMATS_BY_KIND: dict[str, tuple[Format, ...]] = {RESULTS: RESULT_FORMATS, GRAPH: GRAPH_FORMATS}


class NotAcceptableError(Exception):
    """No format of the kind asked for matches the request (HTTP 406)."""

    def __init__(self, kind: str, asked: str) -> None:
        self.kind = kind
        self.asked = asked
        offered = ", ".join(f.media_type for f in FORMATS_BY_KIND[kind])
        super().__init__(f"cannot serve {asked}; this answer is available as {offered}")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header; a missing or empty header accepts anything."""
    ranges: list[MediaRange] = []
    for item in (header or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if "/" not in media:
            continue
        main, sub = (s.strip().lower() for s in media.split("/", 1))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q the client gives a media type: that of the most specific range matching it."""
    best: MediaRange | None = None
    for candidate in ranges:
        if candidate.matches(media_type) and (
            best is None or candidate.specificity > best.specificity
        ):
            best = candidate
    return best.q if best else 0.0


def best_media_type(ranges: Sequence[MediaRange], offers: Iterable[str]) -> str | None:
    """The offer with the highest q > 0; ties go to the first offer (server preference)."""
    chosen, chosen_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > chosen_q:
            chosen, chosen_q = offer, q
    return chosen


def choose(kind: str, accept: str | None, format_param: str | None = None) -> Format:
    """The format to answer in: ``format=`` (a name or media type) wins over Accept."""
    formats = FORMATS_BY_KIND[kind]
    if format_param:
        wanted = format_param.strip().lower()
        for fmt in formats:
            if wanted in fmt.names or wanted in fmt.media_types:
                return fmt
        raise NotAcceptableError(kind, f"format={format_param}")
    ranges = parse_accept(accept)
    # Canonical media types first, so that e.g. */* picks the preferred format and an
    # alias only wins when the client names it and nothing better.
    offers = [(fmt.media_type, fmt) for fmt in formats]
    offers += [(alias, fmt) for fmt in formats for alias in fmt.aliases]
    by_type = dict(reversed(offers))
    best = best_media_type(ranges, [media for media, _ in offers])
    if best is None:
        raise NotAcceptableError(kind, f"Accept: {accept}")
    return by_type[best]


def prefers_html(accept: str | None, kind: str = GRAPH) -> bool:
    """Whether a client (a browser) would rather have a web page than RDF or results."""
    if not accept:
        return False
    ranges = parse_accept(accept)
    html_q = max(quality(ranges, "text/html"), quality(ranges, "application/xhtml+xml"))
    if html_q == 0.0:
        return False
    # Only an explicit text/html counts: a bare */* is not a browser asking for a page.
    if not any(r.type == "text" and r.subtype == "html" for r in ranges):
        return False
    best_rdf = max(quality(ranges, fmt.media_type) for fmt in FORMATS_BY_KIND[kind])
    return html_q >= best_rdf
