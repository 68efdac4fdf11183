"""What every extractor needs from one sentence: its figures, periods and clause spans.

Sentences are read through a mask that blanks Markdown emphasis ("**dementia**") with
spaces of the same length, so that patterns see plain words and offsets stay those of the
document text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TypedDict

from carekg.loaders.extract.money import Money, find_money
from carekg.loaders.extract.periods import Period, find_periods
from carekg.loaders.extract.quantities import Quantity, find_quantities, is_reference_number
from carekg.loaders.extract.rules import load_rules, phrase_pattern
from carekg.loaders.model import Candidate, DocumentRecord, Sentence

#: The subject of a sentence that goes on about the figure before it ("This number is
#: expected to rise to ...", "This is projected to rise to 4,100 in 2040"): it counts
#: who that figure counted.
ANAPHOR = re.compile(r"\b(?:(?:this|that|these)\s+(?:numbers?|figures?|totals?|population|"
                     r"cohort|group)\b|(?:this|it)\s+is\s+(?:projected|expected|forecast|"
                     r"predicted|estimated)\s+to\s+(?:rise|increase|grow|fall|reach)\b)",
                     re.IGNORECASE)
#: The supplier a contract went to: "awarded to Crossroads Caring for Carers, as of ...".
_SUPPLIER = re.compile(r"\b(?:awarded|let|granted)\s+to\s+(?:the\s+)?"
                       r"(?P<name>[A-Z][^,.;()]*?)(?=\s*(?:[,.;(]|$)|\s+(?:on|as\s+of|from|"
                       r"until|who|which|with\s+effect)\b|\s+in\s+(?:\d|[A-Z][a-z]+\s+\d))")


def without_supplier(text: str) -> str:
    """The text with the name of the supplier a contract was awarded to blanked out (same
    length): a provider's name often holds service words ("... Caring for Carers",
    "Home Instead") that are not the service the contract buys."""
    return _SUPPLIER.sub(lambda m: m.group(0)[: m.start("name") - m.start()]
                         + " " * len(m.group("name")), text)


#: An entry of a table of contents run into one line ("1.Introduction 2.The Legal Context").
_NUMBERED_ENTRY = re.compile(r"(?:^|\s)\d{1,2}\.\s?[A-Z]")


#: A count of provision there is now, in a sentence that commits to a course for it ("at
#: the five extra care schemes", "nine of its existing homes"): the stock acted on, unlike
#: the course's target ("develop 200 additional units").
_EXISTING_BEFORE = re.compile(
    r"\b(?:the|its|our|their|existing|current|council'?s|all)\s+(?:existing\s+|current\s+)?$",
    re.IGNORECASE,
)


def existing_stock(text: str, figure_at: int) -> bool:
    """Whether the count whose figure starts at ``figure_at`` is of the provision there is
    now (see ``_EXISTING_BEFORE``), not a course's target."""
    return bool(_EXISTING_BEFORE.search(text, max(0, figure_at - 30), figure_at))


def contents_line(text: str) -> bool:
    """A line of a table of contents (dotted leaders, or entries run together): its
    figures are pages and its titles chapters, so it states no fact."""
    return bool(re.search(r"\.{4,}|…{2,}", text)) or len(_NUMBERED_ENTRY.findall(text)) >= 3


_MASK = re.compile(r"[*`]|(?<!\w)_|_(?!\w)")
#: Where a phrase starts that a second figure may open, when no clause break is there.
_PHRASE_BREAK = re.compile(r"\s(?:across|in|at|with|within|providing|from|for|over)\s")
_CLAUSE_BREAK = re.compile(r"[;:,–—(]|\s(?:and|to|while|whilst|but|compared)\s|\s-\s")
# Figures about the nation, not the council the document speaks for.
NATIONAL = re.compile(
    r"\b(?:nationally|national\s+(?:cost|figures?|average|picture)|in\s+the\s+UK|across\s+"
    r"(?:the\s+)?(?:UK|England|country)|in\s+England|England\s+and\s+Wales)\b",
    re.IGNORECASE,
)
_ACT = re.compile(r"\b(?:Act|Regulations|Census)\s*$")
#: What follows the year of a procurement notice's identifier ("Notice identifier: 2026/S
#: 000-012345"): the year names the notice, it dates nothing.
_NOTICE_ID = re.compile(r"/S\s?\d")


@dataclass
class SentenceView:
    """One sentence prepared for extraction; offsets are relative to ``text``."""

    sentence: Sentence
    record: DocumentRecord
    text: str  # masked text, same length as sentence.text
    heading: str | None
    context: tuple[str, ...] = ()  # enclosing and preceding headings, nearest first
    money: list[Money] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    #: Sentences just before the section's heading, nearest first: when the heading is a
    #: bare label ("Westminster") they say what the section goes on about.
    lead: tuple[str, ...] = ()
    #: Periods of the lead-in of the list this item belongs to ("In October 2019 there
    #: were:"), which date the items that name no period of their own.
    lead_in_periods: list[Period] = field(default_factory=list)
    #: The lead-in itself: what its items count or commit to when they only name a label.
    lead_in: str = ""

    @classmethod
    def of(
        cls, sentence: Sentence, record: DocumentRecord, context: tuple[str, ...] = (),
        lead_in: str = "",
    ) -> SentenceView:
        text = _MASK.sub(" ", sentence.text)
        periods = [
            p
            for p in find_periods(text, record.issued)
            if not _ACT.search(text[max(0, p.start - 15) : p.start])
            and not _NOTICE_ID.match(text, p.end)
        ]
        return cls(
            sentence=sentence,
            record=record,
            text=text,
            heading=sentence.section.title if sentence.section else None,
            context=context,
            money=find_money(text),
            periods=periods,
            quantities=find_quantities(text),
            lead_in_periods=[p for p in find_periods(lead_in, record.issued)
                             if p.kind != "relative"] if lead_in else [],
            lead_in=lead_in,
        )

    def context_service(self) -> str | None:
        """The service of the nearest heading that names one, else of the document title.

        Commissioning documents put the service in a heading ("Home care") and the facts
        under generic subheadings ("Current provision"), so the sentence's own heading is
        often not enough."""
        from carekg.loaders.classify import classify_service

        lead = self.lead if _council_label(self.heading) else ()
        enclosing = self.sentence.section.titles[1:] if self.sentence.section else ()
        for heading in (self.heading or "", *lead, *self.context, *enclosing,
                        self.record.title):
            found = classify_service(heading)
            if found:
                return found
        return None

    def candidate(
        self, kind: str, start: int = 0, end: int | None = None, **values: object
    ) -> Candidate:
        """A candidate whose evidence is text[start:end] of this sentence, trimmed."""
        end = len(self.text) if end is None else end
        raw = self.sentence.text
        while start < end and raw[start] in " \t\n,;:–—-":
            start += 1
        while end > start and raw[end - 1] in " \t\n,;:–—-":
            end -= 1
        if start >= end:
            start, end = 0, len(raw)
        return Candidate(
            kind=kind,
            sentence=self.sentence,
            start=self.sentence.start + start,
            end=self.sentence.start + end,
            **values,  # type: ignore[arg-type]
        )


#: A bare figure of a table row or label line: "Supported living 120", "Ashby: 12", "35%".
_FIGURE = re.compile(r"(?<![\w.£/-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)(?![\w/])")
_YEAR_FIGURE = re.compile(r"(?:19|20)\d{2}$")


def bare_figures(view: SentenceView) -> list[tuple[Decimal, bool, int, int]]:
    """(value, is a percentage, start, end) of each figure of the sentence that is neither
    part of a date nor an amount of money, in order."""
    from carekg.loaders.extract.money import to_decimal

    taken = [(p.start, p.end) for p in view.periods] + [(m.start, m.end) for m in view.money]
    out = []
    for m in _FIGURE.finditer(view.text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
            continue
        number = m.group(1)
        if _YEAR_FIGURE.match(number.replace(",", "")) and not m.group(3):
            continue
        if is_reference_number(view.text, m.start()):
            continue  # "Table 3", "Lot 2": a part of the document, not a figure
        value = to_decimal(number + (f".{m.group(2)}" if m.group(2) else ""))
        out.append((value, bool(m.group(3)), m.start(), m.end()))
    return out


def clause_spans(text: str, figures: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each figure span, the part of the sentence that belongs to it.

    With one figure that is the whole sentence. With several, the sentence is cut between
    neighbouring figures at the last clause break ("," ";" " and " " to ") in the gap, so
    that "from £358m in 2010/11 to £294m in 2019/20" gives each amount its own year."""
    if len(figures) <= 1:
        return [(0, len(text))] * len(figures)
    cuts = [0]
    for (_, end), (start, _) in zip(figures, figures[1:], strict=False):
        gap = text[end:start]
        breaks = list(_CLAUSE_BREAK.finditer(gap))
        soft = list(_PHRASE_BREAK.finditer(gap))
        if breaks:
            cuts.append(end + breaks[-1].start())
        elif soft:  # "109 units of supported housing | across 15 properties": at a phrase
            cuts.append(end + soft[-1].start())
        else:  # no clause break: cut at the space nearest the middle, never inside a word
            spaces = [m.start() for m in re.finditer(r"\s", gap)] or [len(gap) // 2]
            cuts.append(end + min(spaces, key=lambda i: abs(i - len(gap) // 2)))
    cuts.append(len(text))
    return [(cuts[i], cuts[i + 1]) for i in range(len(figures))]


# A sentence ends at a full stop before a capital, and a table cell at a tab.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9])|\t+")
# What may open a clause with the period a course is set in: "From March 2013 we will",
# "In the next two years, the Council will", "By 2021, we will have".
_PERIOD_OPENER = re.compile(
    r"(?:^|[\s(,;:–-])(?:from|in|by|during|throughout|within|over|before|until|starting|"
    r"beginning|commencing|ahead\s+of)\s+(?:the\s+end\s+of\s+|early\s+|late\s+|mid[-\s])?"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)


def sentence_bounds(text: str, offset: int) -> tuple[int, int]:
    """[start, end) of the sentence of ``text`` around ``offset``: a table row or list
    item may hold several (an intention, then the evidence for it)."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, offset)), default=0)
    end = next((m.end() for m in _SENTENCE_END.finditer(text, offset)), len(text))
    return start, end


def course_period(view: SentenceView, at: int) -> Period | None:
    """The period of a course that begins at ``at``: in the course's own sentence a
    deadline ("by 2030"), else the first period after the course, else one the sentence
    opens with ("From March 2013 we are planning to"); only when its own sentence names
    none, the rest of the text (a row's other columns) as before."""
    start, end = sentence_bounds(view.text, at)
    own = [p for p in view.periods if start <= p.start and p.end <= end]
    if own:
        chosen = (next((p for p in own if p.is_deadline), None)
                  or next((p for p in own if p.start >= at), None)
                  or next((p for p in own if _opens_course(view, start, p)), None))
        if chosen is not None or (start, end) == (0, len(view.text)):
            return chosen
    # Another cell counts only when it is a date cell ("June 2013"), not an outcome or
    # evidence column ("New service in place from 2018") dated by its own clause.
    cells = [p for p in view.periods if _date_cell(view.text, p)]
    return next((p for p in cells if p.is_deadline), None) or next(
        (p for p in cells if p.start >= at), None)


def _date_cell(text: str, period: Period) -> bool:
    """Whether a period stands as its own cell or clause: at most a few words between
    the sentence or cell break before it and the period."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, period.start + 1)), default=0)
    return len(re.findall(r"[\w'’-]+", text[begin:period.start])) <= 3


def _opens_course(view: SentenceView, start: int, period: Period) -> bool:
    """The sentence opens with the period ("From March 2013", "In the next two years"),
    and the period is not over before the document was issued."""
    opens = period.kind == "relative" or bool(_PERIOD_OPENER.search(view.text, start,
                                                                    period.start))
    return opens and not _before_issue(period, view.record)


def _before_issue(period: Period, record: DocumentRecord) -> bool:
    """A period over before the document's year is what was done, not what will be."""
    match = re.match(r"(\d{4})", record.issued or "")
    return match is not None and period.end_date.year < int(match.group(1))


def period_in(
    periods: list[Period], start: int, end: int, prefer: int | None = None
) -> Period | None:
    """The period inside [start, end), the nearest after ``prefer`` if given."""
    inside = [p for p in periods if start <= p.start and p.end <= end]
    if not inside:
        return None
    if prefer is not None:
        after = [p for p in inside if p.start >= prefer]
        if after:
            return after[0]
    return inside[0]


class PeriodValues(TypedDict, total=False):
    """A candidate's period fields, to pass as ``**values``."""

    period_label: str
    period_start: date
    period_end: date


def period_values(period: Period | None) -> PeriodValues:
    if period is None:
        return {}
    return {
        "period_label": period.label,
        "period_start": period.start_date,
        "period_end": period.end_date,
    }


def issued_year(record: DocumentRecord) -> PeriodValues:
    """The period of "currently": the calendar year the document was issued."""
    match = re.match(r"(\d{4})", record.issued or "")
    if not match:
        return {}
    year = int(match.group(1))
    return {
        "period_label": str(year),
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
    }


#: An enclosing heading further back than this (about two pages of PDF text) is read
#: after the headings just before the section: in a flattened PDF a numbered heading's
#: section can seem to run on for pages past where its topic ended.
NEAR_ENCLOSING_CHARS = 5000


def heading_context(sentences: list[Sentence]) -> dict[int, tuple[str, ...]]:
    """For each section start, the titles of the sections around it, nearest first:
    those that enclose it (by span and level) within ``NEAR_ENCLOSING_CHARS``, then up to
    four that precede it, then enclosing ones further back."""
    sections = sorted({s.section for s in sentences if s.section}, key=lambda x: x.start)
    context: dict[int, tuple[str, ...]] = {}
    for index, section in enumerate(sections):
        enclosing = [
            other
            for other in reversed(sections[:index])
            if other.level < section.level and other.start <= section.start < other.end
        ]
        near = [o.title for o in enclosing if section.start - o.start <= NEAR_ENCLOSING_CHARS]
        far = [o.title for o in enclosing if section.start - o.start > NEAR_ENCLOSING_CHARS]
        preceding = [other.title for other in reversed(sections[max(0, index - 4) : index])]
        titles = tuple(dict.fromkeys([*near, *preceding, *far]))
        context[section.start] = titles
    return context


def list_lead_ins(sentences: list[Sentence]) -> dict[int, str]:
    """For each list item (by start offset), the sentence ending in a colon that opens
    its list ("In October 2019 there were:"), when the items follow it in one section."""
    leads: dict[int, str] = {}
    lead: Sentence | None = None
    for sentence in sorted(sentences, key=lambda s: s.start):
        if sentence.is_list_item:
            if lead is not None and lead.section is sentence.section:
                leads[sentence.start] = lead.text
            continue
        lead = sentence if sentence.text.rstrip().endswith(":") else None
    return leads


@cache
def _council_label(heading: str | None) -> bool:
    """Whether a heading is only a council's name: a per-council part of a topic the
    text before it introduces ("Westminster" after a paragraph on handyperson services)."""
    from carekg.councils import default_register

    if not heading or len(heading.split()) > 7:
        return False
    # "Westminster developments", "Sefton services": a council's name and a word that
    # names no topic is a council label too
    name = _label_tail().sub("", heading.strip(" :"))
    if len(name.split()) > 5:
        return False
    return default_register().find(name) is not None


@cache
def _label_tail() -> re.Pattern[str]:
    """A trailing word that names no topic after a council's name (rules.yaml)."""
    return re.compile(r"\s+" + phrase_pattern(load_rules()["council_label_tails"]) + "$",
                      re.IGNORECASE)


def lead_sentences(sentences: list[Sentence], reach: int = 600) -> dict[int, tuple[str, ...]]:
    """For each section start, the sentences of other sections ending within ``reach``
    characters before it, nearest first."""
    ordered = sorted(sentences, key=lambda s: s.start)
    leads: dict[int, tuple[str, ...]] = {}
    for index, sentence in enumerate(ordered):
        section = sentence.section
        if section is None or section.start in leads:
            continue
        before = [s.text for s in reversed(ordered[:index])
                  if s.section is not section and 0 <= section.start - s.end <= reach]
        leads[section.start] = tuple(before[:4])
    return leads
