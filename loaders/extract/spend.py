"""Spend facts: money a council spends, invests or budgets on a service.

A sentence must say the money is spent, budgeted, invested, funded or worth something
(``spend_cues``); unit prices (per hour, per week, per head), ranges and amounts about
savings, fees or income are left out, because a researcher summing spend must not add a
rate or a saving to a budget. In a budget table row only the last amount is taken: the
last column of such tables is the year the document budgets for.
"""

from __future__ import annotations

import re

from carekg.loaders.classify import classify_service, unit_slug
from carekg.loaders.extract.common import (
    NATIONAL,
    SentenceView,
    clause_spans,
    issued_year,
    period_in,
    period_values,
    sentence_bounds,
    without_supplier,
)
from carekg.loaders.extract.money import AROUND_AMOUNT, Money
from carekg.loaders.extract.rules import compiled
from carekg.loaders.model import Candidate

_TOTAL = re.compile(
    r"\b(?:over\s+(?:the\s+)?(?:next\s+|coming\s+|a\s+)?(?:\d+|two|three|four|five|six|seven|"
    r"eight|nine|ten)\s+years?|over\s+the\s+(?:life|lifetime|term|period)|(?:over|for)\s+the\s+"
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten)[-\s]years?\s+(?:period|term|contract)|"
    r"in\s+total|total\s+"
    r"(?:budget|value|cost|investment)|capital|one-off|one\s+off|contract\s+value|"
    r"whole\s+life|impact)\b",
    re.IGNORECASE,
)
_ONGOING = re.compile(
    r"\b(?:spends?|currently|annual|annually|each\s+year|per\s+year|budget\s+for|"
    r"value\s+of\s+the\s+provision|is\s+funded|funded\s+by)\b",
    re.IGNORECASE,
)


# A sentence opening with "and" or "to" before its first amount continues a range begun
# in the line before ("between £5,000" then "and £15,000").
#: An amount that spend is to change by ("reduce spend on placements by £1.5m", "cut the
#: budget by"), or does change by ("rose by £2m"): the change, not what is spent.
_CHANGED_BY = re.compile(
    r"\b(?:reduc|cut|increas|rais|grow|grew|rose|rise|fell|fall|decreas|sav)\w*\b[^.;£]{0,60}"
    r"\bby\s+(?:(?:around|about|approximately|some|over|up\s+to|c\.)\s*)?$",
    re.IGNORECASE)
_RANGE_TAIL = re.compile(r"^\W*(?:and|to|-|–)\s*(?:c\.?\s*|around\s+|about\s+)?$", re.I)


# An amount that opens or closes a "between ... and ..." range.
_BETWEEN = re.compile(
    r"\bbetween\s+(?:(?:c\.?|circa|around|about)\s*)?(?:£\s?[\d,.]+\s*(?:[km]|million|bn)?"
    r"\s+and\s+)?$", re.IGNORECASE)


# A line opening with two amounts joined by "and"/"to", under a line read as a heading
# that ends in "between", is the rest of that range, wrapped.
_PAIR_OPENING = re.compile(r"^\W*£\s?[\d,.]+\s*(?:[km]|million|bn)?\s*(?:and|to|-|–)\s*£",
                           re.I)


# A budget row's label: a word before its first amount (a row of bare figures is the
# wrapped tail of a row, or a table whose labels were lost in extraction).
_ROW_LABEL = re.compile(r"[^\W\d_]{2,}")


#: A notice's field that holds a contract's value ("Value of contract", "Total value
#: (estimated)").
_VALUE_FIELD = re.compile(r"^\W*(?:(?:total|estimated|contract|framework|lot)\s+)*value\b"
                          r"|\bvalue\s+of\s+(?:the\s+)?(?:contract|framework)\b", re.I)


def _value_field(view: SentenceView, amounts: list[Money]) -> list[Candidate]:
    """The value a notice's field gives on a line of its own: a contract's whole value."""
    if len(amounts) != 1 or not (view.heading and _VALUE_FIELD.search(view.heading)):
        return []
    money = amounts[0]
    # the amount's own line: the next may be the notice's next field run on into the
    # item ("£24,000,000 including VAT / Above the relevant threshold")
    line_end = view.text.find("\n", money.end)
    if not (AROUND_AMOUNT.fullmatch(view.text, 0, money.start) and AROUND_AMOUNT.fullmatch(
            view.text, money.end, len(view.text) if line_end < 0 else line_end)):
        return []
    service = view.context_service()
    if service is None:
        return []
    return [view.candidate("Spend", value=money.value, unit=unit_slug("GBP"),
                           approximate=money.approximate, service=service,
                           value_start=view.sentence.start + money.start)]


def spendable(view: SentenceView) -> list[Money]:
    """The amounts of a sentence that may be spend: not a unit price (per hour, week, day
    or head), not a fee (under £1,000) nor a national total (no council's spend on one
    area of care reaches a billion pounds), and none at all in a sentence that sets a
    decision or procurement threshold ("a key decision is one of £250,000 or more")."""
    if compiled("spend_thresholds").search(view.text):
        return []
    return [m for m in view.money
            if m.rate not in ("week", "hour", "day", "head") and 1000 <= m.value < 10**9]


#: A table's header that names its money column as what is spent ("Year  Estimated hours
#: per week  Estimated cost").
_COST_COLUMN = re.compile(r"\b(?:cost|costs|budget|spend|expenditure)\s*$", re.IGNORECASE)


def _year_of_costs(view: SentenceView) -> bool:
    """A row labelled by its year alone ("2027/28 21,000 £40.5m") in a table whose last
    column is a cost or budget: its amount is that year's spend on the table's subject."""
    header = (view.sentence.header or "").strip()
    return bool(_COST_COLUMN.search(header) and view.periods
                and view.periods[0].start == len(view.text) - len(view.text.lstrip()))


def extract_spend(view: SentenceView) -> list[Candidate]:
    """Spend candidates of one sentence or table row."""
    amounts = spendable(view)
    if not amounts or NATIONAL.search(view.text):
        return []
    text = view.text
    if view.sentence.is_table_row:
        if len(amounts) < 1 or compiled("spend_exclusions").search(text):
            return []
        if _RANGE_TAIL.match(text[:amounts[0].start]):
            return []  # a row read from a wrapped line that ends a range ("and £15,000 ...")
        if not (_ROW_LABEL.search(text[:amounts[0].start]) or _year_of_costs(view)):
            return []  # figures without a row label: nothing says what the money is for
        money = amounts[-1]
        period = (period_in(view.periods, 0, len(text)) or _header_period(view)
                  or _heading_period(view))
        # a row whose cell is prose may say the amount is a total ("£315,000 for the 5
        # year period"); a row of figures is a year's budget
        own = text[slice(*sentence_bounds(text, money.start))]
        total = money.rate != "year" and _TOTAL.search(own)
        return [
            view.candidate(
                "Spend",
                0,
                len(text),
                value=money.value,
                unit=unit_slug("GBP" if total else "GBP/year"),
                approximate=money.approximate,
                service=classify_service(without_supplier(text)) or view.context_service(),
                value_start=view.sentence.start + money.start,
                **period_values(period),
            )
        ]
    field = _value_field(view, amounts)
    if field:
        return field
    if not compiled("spend_cues").search(text):
        return []
    if _PAIR_OPENING.match(text) and re.search(r"\b(?:between|from)\s*$", view.heading or ""):
        return []  # "... grants of between" / "£5,000 and £15,000 and these ...": a range
    candidates = []
    spans = clause_spans(text, [(m.start, m.end) for m in amounts])
    for money, (start, end) in zip(amounts, spans, strict=True):
        if money.is_range or _RANGE_TAIL.match(text[:money.start]):
            continue  # "... grants of between £5,000 | and £15,000": the end of a range
        if _BETWEEN.search(text, max(0, money.start - 40), money.start):
            continue  # "grants of between £5,000 and £15,000": either end of a range
        clause = text[start:end]
        if compiled("spend_exclusions").search(clause):
            continue
        if _CHANGED_BY.search(text, max(0, money.start - 80), money.start):
            continue  # "reduce spend on placements by £1.5m": a change to spend, no spend
        if not compiled("spend_cues").search(clause) and len(amounts) > 1 and not money.rate:
            # A second amount with no verb of its own ("to £294m in 2019/20") still
            # belongs to the sentence's spend; keep it only when the sentence is about spend.
            pass
        period = period_in(view.periods, start, end, prefer=money.end)
        if money.rate == "year" or (_ONGOING.search(text) and not _TOTAL.search(clause)):
            unit = unit_slug("GBP/year")
        else:
            unit = unit_slug("GBP")
        values = period_values(period)
        if not values and unit == unit_slug("GBP/year") and re.search(r"\bcurrent", text, re.I):
            values = issued_year(view.record)
        if not values and unit == unit_slug("GBP"):
            values = period_values(period_in(view.periods, 0, len(text)))
        candidates.append(
            view.candidate(
                "Spend",
                start,
                end,
                value=money.value,
                unit=unit,
                approximate=money.approximate,
                service=(classify_service(without_supplier(text), anchor=money.end)
                         or view.context_service()),
                **values,
            )
        )
    return candidates


def _header_period(view: SentenceView):
    """The year over the last column, which holds the amount taken: the table's header
    lists the column years left to right ("2012/13 Budget ... 2013/14 Budget")."""
    from carekg.loaders.extract.periods import find_periods

    if not view.sentence.header:
        return None
    found = [p for p in find_periods(view.sentence.header, view.record.issued)
             if p.kind in ("fy", "year")]
    return found[-1] if found else None


def _heading_period(view: SentenceView):
    from carekg.loaders.extract.periods import find_periods

    if not view.heading:
        return None
    found = [p for p in find_periods(view.heading, view.record.issued) if p.kind == "fy"]
    return found[-1] if found else None
