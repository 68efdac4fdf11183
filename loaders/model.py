"""The values that flow between pipeline stages.

Each stage takes the previous stage's values and returns new ones; none reaches back.
Offsets are always offsets into ``DocumentText.text`` (Unicode code points), so that
``text[start:end]`` is the evidence quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from carekg.vocabularies import fact_kinds

#: The fact kinds of the model, by their ontology class local name (the subclasses of
#: cc:Fact in ontology/carekg.ttl).
FACT_KINDS = fact_kinds()


@dataclass(frozen=True)
class DocumentRecord:
    """One document as the corpus manifest (or ``carekg add``) describes it."""

    id: str
    path: Path
    title: str
    councils: tuple[str, ...]  # GSS codes, resolved through the council register
    kind: str  # slug of a document-kind concept, e.g. "market-position-statement"
    issued: str  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    period: str | None = None  # period covered, as written, e.g. "2021-2024"
    source: str | None = None  # where the document was published
    licence: str | None = None
    retrieved: str | None = None  # xsd:dateTime it was fetched from ``source`` (carekg add URL)


@dataclass(frozen=True)
class PageSpan:
    """Characters [start, end) of the text came from page ``number`` (1-based)."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class DocumentText:
    """The text as carekg reads it; evidence offsets index ``text``."""

    text: str
    media_type: str  # "text/plain", "text/markdown", "application/pdf", "text/html"
    pages: tuple[PageSpan, ...] = ()
    warnings: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


@dataclass(frozen=True)
class Section:
    """A heading and the span of text it governs."""

    title: str
    level: int
    start: int  # offset of the heading
    end: int  # offset where the next section of the same or higher level begins
    parent: Section | None = None  # the enclosing section (a lower level number)

    @property
    def titles(self) -> tuple[str, ...]:
        """This title and those of the enclosing sections, innermost first."""
        chain: list[str] = []
        section: Section | None = self
        while section is not None:
            chain.append(section.title)
            section = section.parent
        return tuple(chain)


@dataclass(frozen=True)
class Sentence:
    """A sentence, list item or table row, with the section it sits in."""

    text: str
    start: int
    end: int
    section: Section | None = None
    is_table_row: bool = False
    councils: tuple[str, ...] = ()  # GSS codes this sentence speaks for (set by attribute)
    is_heading: bool = False  # a heading line, kept so titles can be read (e.g. strategies)
    is_list_item: bool = False  # a bullet or numbered list item (or a sentence of one)
    #: Table rows only: the column header lines found above the row's table (years,
    #: column or council names), joined by "\n"; None when the table shows none. It is
    #: read from the document but is not one span of it, so it is never evidence.
    header: str | None = None

    @property
    def plain(self) -> str:
        """The sentence as a reader sees it: line-wrap hyphens joined ("per-\n\nson" ->
        "person"), runs of whitespace as one space, markdown '**' dropped. Extractors
        should match on this; :meth:`span` maps positions back to document offsets."""
        return _plain_map(self.text)[0]

    def span(self, plain_start: int, plain_end: int) -> tuple[int, int]:
        """Document offsets [start, end) of ``plain[plain_start:plain_end]``."""
        index = _plain_map(self.text)[1]
        if not 0 <= plain_start < plain_end <= len(index):
            raise ValueError(f"[{plain_start}, {plain_end}) is not a span of the plain text")
        return self.start + index[plain_start], self.start + index[plain_end - 1] + 1


@dataclass
class Candidate:
    """A fact found in one sentence, before it becomes RDF.

    ``service``, ``unit``, ``population_group`` hold concept slugs of the SKOS schemes;
    ``direction`` holds the local name of a cc: direction individual ("Increase").
    """

    kind: str  # one of FACT_KINDS
    sentence: Sentence
    start: int  # evidence span; usually the sentence, never outside the text
    end: int
    council: str | None = None  # GSS code; set by attribution when not found in text
    service: str | None = None
    value: Decimal | None = None
    unit: str | None = None
    approximate: bool = False
    period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    direction: str | None = None
    population_group: str | None = None
    is_projection: bool | None = None
    event_type: str | None = None  # contract events: "expiry", "tender", "award", ...
    procurement_route: str | None = None  # "framework", "DPS", "block", "spot", ...
    title: str | None = None  # strategy references: the strategy's name
    data_source: str | None = None  # need estimates: "POPPI", "PANSI", "Census 2011" ...
    notes: list[str] = field(default_factory=list)
    #: Document offset of the value the fact states (the figure, the date), when the
    #: extractor knows it; attribution reads the council named nearest to it.
    value_start: int | None = None
    #: Set by attribution (``attribute_candidates``): the text does not tie the fact to one
    #: of its document's several councils (it names none, or says the figure is joint), so
    #: the fact is stated for each of the councils its sentence speaks for, and the map
    #: stage marks each copy ``cc:jointAttribution true``.
    joint_attribution: bool = False


_WRAP = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[a-z])")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _plain_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalised text plus, for each of its characters, the index in ``text``."""
    drop = [False] * len(text)
    for match in _WRAP.finditer(text):
        for i in range(match.start(), match.end()):
            drop[i] = True
    for match in re.finditer(r"\*\*", text):
        drop[match.start()] = drop[match.start() + 1] = True
    chars: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        if drop[i]:
            continue
        if char.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                index.append(i)
            continue
        chars.append(char)
        index.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        index.pop()
    return "".join(chars), tuple(index)
