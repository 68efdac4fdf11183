"""Counts in the rows of flattened tables: a row's label, its figures, its column header.

Web pages and PDFs flatten a table of provision into lines such as "Ashby: 12",
"Day centre places 95*" or a row of cells ("Nursing care | 61 |"). The sentence
rules read clauses with verbs and skip table rows; this reader takes a row whose figures
are neither dates nor money and counts what the row's label, the table's header, its
heading or the headings above it name: the unit from a provision noun there ("beds",
"units", "homes"), the service from a service named there. A table whose header or
heading speaks of projections, prevalence or population counts need, not provision, and
is left to the need rules. A row whose label and context name neither a service nor a
unit of provision is left alone.
"""

from __future__ import annotations

import re
from decimal import Decimal

from carekg.loaders.classify import classify_population, classify_service, unit_slug
from carekg.loaders.extract.common import SentenceView, bare_figures, issued_year, period_values
from carekg.loaders.extract.periods import Period, find_periods
from carekg.loaders.extract.rules import compiled, compiled_map, load_rules
from carekg.loaders.model import Candidate

#: At most this many figures in one row are read (the rest are other columns: change,
#: share, a comparator).
MAX_FIGURES = 3


#: A list item that is only a label and its figure ("Good: 41", "Ashby: 12"): a row of
#: the table its lead-in introduces ("There are 60 homes with these ratings:").
_LABELLED_ITEM = re.compile(r"[^\d:]{2,60}:\s*\d[\d,]*(?:\.\d+)?%?\*?")


def _is_row(view: SentenceView) -> bool:
    sentence = view.sentence
    return sentence.is_table_row or bool(
        sentence.is_list_item and view.lead_in
        and _LABELLED_ITEM.fullmatch(sentence.text.strip()))


#: A row's label that is an age band ("Under 18", "18 to 20", "Over 64", "65+"): its
#: figures are ages, and the row's counts follow them.
_AGE_BAND = re.compile(r"\W*(?:(?:under|over|aged)\s+\d{1,3}|\d{1,3}\s*(?:to|-|–)\s*\d{1,3}|"
                       r"\d{1,3}\s*(?:\+|and\s+over))(?=\s)", re.IGNORECASE)


def _counted_figures(view: SentenceView) -> tuple[list[tuple[Decimal, bool, int, int]], bool]:
    """The row's figures after any age band that labels it, and whether one does."""
    figures = bare_figures(view)
    band = _AGE_BAND.match(view.text)
    if band and any(start >= band.end() for _, _, start, _ in figures):
        return [f for f in figures if f[2] >= band.end()][:MAX_FIGURES], True
    return figures[:MAX_FIGURES], False


def extract_table_counts(view: SentenceView) -> list[Candidate]:
    if not _is_row(view) or view.money:
        return []
    if compiled("award_criteria").fullmatch(re.sub(r"[\d%.,\s]+$", "", view.text)
                                            .strip(" :|\t-")):
        return []  # "Quality 65": a tender's award criterion and its weight, not a count
    figures, banded = _counted_figures(view)
    if not figures:
        return []
    scaled = _money_in_thousands_or_millions(view, figures)
    if scaled is not None:
        return scaled
    label = view.text[: figures[0][2]]
    # an age band alone ("25 to 64 71 65%") labels people: a need table's row, not provision
    by_age = sum(c.isalpha() for c in label) < 3
    if by_age and not banded:
        return []  # a row of figures only: whose count it is, the text does not say
    around = " ".join(t for t in (view.sentence.header or "", view.lead_in, view.heading or "",
                                  *view.context[:2]) if t)
    own = " ".join(t for t in (view.sentence.header or "", view.lead_in, view.heading or ""))
    dated = _dated_population(view, figures, own)
    if dated:
        return dated
    rating = compiled("quality_ratings").fullmatch(label.strip(" :|\t-"))
    # a table of people waiting for or needing a service ("Number of people waiting for
    # supported living by age"): a row of one count, and perhaps its share, counts them
    waiting = (compiled("need_after_count").search(around)
               if sum(not pct for _, pct, _, _ in figures) == 1 else None)
    # provision per head of a population ("Extra care units per 1,000 people aged 65+")
    # counts provision, whatever the population's words say of need
    if not _PROVISION_RATE.search(own) and (waiting or compiled("need_cues").search(own) or (
            compiled("need_cues").search(label) and not rating)):
        # a table of projections or prevalence counts need, which varies too much by
        # column (years, change, rates) to be read without its header's columns
        columns = _column_names(view)
        service = classify_service(label, None)
        if waiting:  # what they wait for: "waiting for supported living"
            service = service or classify_service(around[waiting.end():waiting.end() + 60], None)
        if columns is None and not waiting:
            return []
        if columns is None:  # one count and its share: the share is no count of people
            figures = [f for f in figures if not f[1]]
        return _need_row(view, figures, columns, label, own, service)
    if by_age:
        return []
    unit = _unit(label) or _unit(around)
    service = (_home_type(label) or classify_service(label) or classify_service(around)
               or view.context_service())
    if unit is None and classify_service(label) is None and classify_service(around) is None:
        return []
    columns = _column_names(view)
    if columns is None:
        figures = figures[:1]  # without its columns' names, the row's first figure alone
    else:  # the header's unit is one column's: the others take the label's or the heading's
        unit = _unit(label) or _unit(" ".join((view.lead_in, view.heading or "")))
    out = []
    for value, pct, start, _ in figures:
        column = columns.of(start) if columns else ""
        if columns and compiled("need_cues").search(column):
            continue
        out.append(view.candidate(
            "Capacity", value=value,
            unit="percent" if pct else _unit(column, people=True) or unit or "units",
            service=service,
            value_start=view.sentence.start + start, **issued_year(view.record)))
    return out


def _need_row(view: SentenceView, figures: list[tuple[Decimal, bool, int, int]],
              columns: _Columns | None, label: str, own: str,
              service: str | None) -> list[Candidate]:
    """A row of a table of need read by its columns: each figure a need estimate dated by
    its column ("2025", "2030"; no column names, no date), a change column in percent, a
    projection when its year is after the document's or the table says it predicts."""
    predicted = bool(re.search(r"\b(?:predict|project|forecast|estimat)\w*", own, re.I))
    group = classify_population(label) or classify_population(own)
    out = []
    for value, pct, start, _ in figures:
        column = columns.of(start) if columns else ""
        periods = find_periods(column, view.record.issued)
        period = periods[0] if periods else None
        later = _after_issue(view, period)
        out.append(view.candidate(
            "NeedEstimate", value=value, unit="percent" if pct else unit_slug("people"),
            approximate=False, population_group=group,
            service=service, is_projection=predicted or later or pct,
            value_start=view.sentence.start + start, **period_values(period)))
    return out


#: A table's header that gives its figures in pounds of a scale ("Budget (£m)", "£000s").
_MONEY_SCALE = re.compile(r"£\s*(?P<m>m\b|millions?\b)|£\s*'?(?P<k>000s?\b|k\b)",
                          re.IGNORECASE)


def _money_in_thousands_or_millions(view: SentenceView,
                                    figures: list[tuple[Decimal, bool, int, int]]
                                    ) -> list[Candidate] | None:
    """A row of a table whose header or caption says its figures are £m or £000s ("Table
    3: Budget (£m)" / "Year  Care at home  Reablement" / "2025/26  192.1  17.6"): each is a
    year's spend, on its column's service when the columns line up, else the row's; the
    row's year, else the header's, dates it. None when the header names no such scale."""
    scale = next((m for t in (view.sentence.header, view.heading, view.lead_in,
                              *view.context[:2])
                  if t and (m := _MONEY_SCALE.search(t))), None)
    if scale is None:
        return None
    factor = Decimal(1_000_000) if scale.group("m") else Decimal(1000)
    columns = _column_names(view)
    label = view.text[: figures[0][2]]
    own = [p for p in view.periods if p.end <= figures[0][2]]
    header_years = find_periods((view.sentence.header or "").splitlines()[-1],
                                view.record.issued)
    out = []
    for value, pct, start, _ in figures:
        if pct:
            continue
        column = columns.of(start) if columns else ""
        service = (classify_service(column, None) or classify_service(label, None)
                   or view.context_service())
        period = own[0] if own else next(
            (p for p in find_periods(column, view.record.issued)), None) or (
            header_years[0] if len(header_years) == 1 else None)
        out.append(view.candidate(
            "Spend", value=value * factor, unit=unit_slug("GBP/year"), approximate=False,
            service=service, value_start=view.sentence.start + start,
            **period_values(period)))
    return out


#: Provision counted per head of a population: "units per 1,000 people".
_PROVISION_RATE = re.compile(r"\b(?:units|flats|beds|places|homes|schemes)\s+per\s+[\d,]+\b",
                             re.IGNORECASE)


#: A label that counts people served, not people who may need care ("Council-funded
#: placements, people aged 65+ (March 2024)").
_SERVED = re.compile(r"\b(?:placements?|beds?|places|units?|packages?|supported|receiving|"
                     r"funded|commissioned|in\s+receipt|services?)\b", re.IGNORECASE)


#: A row that names people by their age alone ("Adults aged 65 and over 91,200"): a
#: population count, dated by the document when the row gives no year.
_AGED_POPULATION = re.compile(r"\W*(?:people|adults|residents|population)\s+aged\s+\d{2}\s*"
                              r"(?:\+|and\s+over|or\s+over|and\s+older)(?=\s+\d)", re.IGNORECASE)


def _dated_population(view: SentenceView, figures: list[tuple[Decimal, bool, int, int]],
                      own: str) -> list[Candidate]:
    """A row that counts a group of people and dates its one figure itself ("People aged
    85 and over (2031, projected) 12,300", "Unpaid carers (Census 2021) 48,300"): a need
    estimate, with no columns to read. Its label runs to its date; the ages in it are no
    figures of the row. A row without a year counts a need only when it names people by
    their age alone ("Adults aged 65 and over 91,200", dated by the document): another
    undated row is left to the count rules ("Learning disability 64" under a table of
    provision counts people supported). A whole population ("Adults aged 18 and over") is
    no need, and people served are counted."""
    # (the row's own reading of its dates: the view's leaves out a census year, which
    # dates a count of carers but no event)
    periods = [p for p in find_periods(view.text, view.record.issued) if p.kind != "relative"]
    aged = _AGED_POPULATION.match(view.text)
    if len(periods) > 1 or not (periods or aged):
        return []  # a row of several dated figures is read by its columns
    period = periods[0] if periods else None
    end = period.end if period else aged.end() if aged else 0
    after = [f for f in figures if f[2] >= end]
    label = view.text[:end]
    group = classify_population(label)
    if (len(after) != 1 or after[0][1] or group is None or _SERVED.search(label)
            or group in load_rules()["broad_population_groups"]):
        return []
    value, _, start, _ = after[0]
    predicted = bool(re.search(r"\b(?:predict|project|forecast)\w*", label + " " + own,
                               re.I))
    return [view.candidate("NeedEstimate", value=value, unit=unit_slug("people"),
                           approximate=False, population_group=group, service=None,
                           is_projection=predicted or _after_issue(view, period),
                           value_start=view.sentence.start + start,
                           **(period_values(period) if period else issued_year(view.record)))]


def _after_issue(view: SentenceView, period: Period | None) -> bool:
    """Whether a figure's year comes after the document's: then it is a projection."""
    issued = issued_year(view.record).get("period_label")
    return bool(period and issued and period.start_date.year > int(str(issued)[:4]))


class _Columns:
    """The names of a table's columns and where this row's cells start: a pipe table's
    cells ("Area | Schemes | Capacity |"), or, in text laid out with spaces (a PDF's or a
    page's table flattened to lines), cells apart by two spaces or more under a header
    line of as many ("Type of home    Homes    Beds"). Each figure is then its column's
    count, so a row of several figures states several facts."""

    def __init__(self, names: list[str], starts: list[int]) -> None:
        self.names = names
        self._starts = starts

    def of(self, offset: int) -> str:
        """The name of the column whose cell holds the row's text at ``offset``."""
        return self.names[max(i for i, at in enumerate(self._starts) if at <= offset)]


#: Between the cells of a table laid out with spaces: two spaces or more, or a tab.
_CELL_GAP = re.compile(r"\s{2,}|\t")


def _cells(line: str) -> tuple[list[str], list[int]]:
    """The cells of a line laid out with spaces, and where each starts."""
    names, starts, at = [], [], 0
    for match in [*_CELL_GAP.finditer(line), None]:
        end = match.start() if match else len(line)
        if line[at:end].strip():
            names.append(line[at:end].strip())
            starts.append(at)
        at = match.end() if match else end
    return names, starts


def _column_names(view: SentenceView) -> _Columns | None:
    header = view.sentence.header or ""
    text = view.text.rstrip().rstrip("|")
    if "|" in view.text:
        rows = [line for line in header.splitlines() if line.count("|") >= 2]
        if not rows:
            return None
        names = [cell.strip() for cell in rows[-1].rstrip().rstrip("|").split("|")]
        starts = [0] + [m.end() for m in re.finditer(r"\|", text)]
        return _Columns(names, starts) if len(names) == len(starts) else None
    lines = header.splitlines()
    names, _ = _cells(lines[-1]) if lines else ([], [])
    cells, starts = _cells(text)
    return _Columns(names, starts) if len(cells) >= 3 and len(names) == len(cells) else None


#: The two kinds of care home (CQC's registrations) opening a row's label ("Nursing
#: dementia", "Residential: Mental Health"): the row counts that kind, for the group named.
_HOME_TYPE = re.compile(r"\s*(residential|nursing)\b(?!\s+(?:care|homes?)\b)", re.IGNORECASE)


def _home_type(label: str) -> str | None:
    """The care home kind a label opens with, when the label says no more of it."""
    match = _HOME_TYPE.match(label)
    return classify_service(f"{match.group(1)} care") if match else None


def _unit(text: str, people: bool = False) -> str | None:
    """The unit slug of the first provision noun of ``text`` (rules' ``count_nouns``; of a
    compound, its last: "care home beds" counts beds); people only when asked (a column's
    name: "Residents funded"), since a row's label names people as the group a count of
    provision is for ("Older people")."""
    hits = sorted((m.start(), m.end(), unit) for unit, pattern in compiled_map("count_nouns")
                  if unit != "items" and (people or unit != "people")
                  and (m := pattern.search(text)))
    if not hits:
        return None
    chosen = hits[0]
    for hit in hits[1:]:  # "care home beds": the last noun of a compound is what is counted
        if text[chosen[1]:hit[0]].strip() == "" and hit[0] >= chosen[1]:
            chosen = hit
    return unit_slug(chosen[2])
