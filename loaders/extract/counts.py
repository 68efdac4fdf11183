"""Capacity and need: the two readings of a count, told apart by the words around it.

"We currently support 95 adults" counts provision (capacity); "there will be around 1,800
residents with dementia in 2029/30" estimates need. A count in a clause with a verb of
provision is capacity; one with words of estimate, projection or prevalence is need; a
count with neither is left out.
"""

from __future__ import annotations

import re
from decimal import Decimal

from carekg.loaders.classify import classify_population, classify_service, need_source, unit_slug
from carekg.loaders.extract.common import (
    NATIONAL,
    SentenceView,
    clause_spans,
    issued_year,
    period_in,
    period_values,
)
from carekg.loaders.extract.money import is_approximate_before, to_decimal
from carekg.loaders.extract.rules import compiled
from carekg.loaders.model import Candidate

_PROJECTION = re.compile(
    r"\b(?:projected|projection|predicted|forecast|expect(?:ed)?\s+(?:there\s+)?to\s+be|will\s+"
    r"(?:be|rise|increase|grow|change|need)|might\s+expect|would\s+be|by\s+(?:19|20)\d\d|"
    r"is\s+estimated\s+to\s+be|to\s+grow|to\s+rise|to\s+increase|will\s+be\s+underserved)\b",
    re.IGNORECASE,
)
# Verbs of provision that make a count capacity even beside a word of need.
_PROVISION = re.compile(
    r"\b(?:commission(?:s|ed|ing)?|provid(?:e|es|ed|ing)|support(?:s|ed|ing)?|deliver(?:s|ed|ing)?"
    r"|purchas(?:e|es|ed|ing)|in\s+receipt\s+of|receiv(?:e|es|ed|ing)|registered|looked\s+after|"
    r"compris(?:e|es|ed|ing)|cater(?:s|ed|ing)?|offer(?:s|ed|ing)?|living\s+in\s+(?:shared|supported)"
    r"|framework|block\s+contract|subject\s+of|with\s+an\b)",
    re.IGNORECASE,
)
_AGE = re.compile(r"(?:\baged?|\bages|\bover|\bunder|-)\s*$", re.IGNORECASE)
_AFTER_AGE = re.compile(
    r"^\s*(?:\+|-|–|and\s+over|and\s+above|years?\b|to\s+\d|yrs)", re.IGNORECASE
)
_BARE = re.compile(r"(?<![\d£$,.\w/])(\d{1,3}(?:,\d{3})+|\d{2,})(\+)?(?![\d%]|\.\d|,\d|/\d|\s*%)")
_FROM_TO = re.compile(r"\bfrom\s+[\d,]+.*?\bto\s+[\d,]+", re.IGNORECASE)


def _is_year(text: str, start: int, end: int) -> bool:
    value = int(text[start:end].replace(",", ""))
    return "," not in text[start:end] and 1980 <= value <= 2069


def _bare_counts(view: SentenceView) -> list[tuple[Decimal, int, int, bool]]:
    """Numbers that are neither years, ages, percentages, money nor part of a period."""
    text = view.text
    taken = [(m.start, m.end) for m in view.money] + [(p.start, p.end) for p in view.periods]
    found = []
    for m in _BARE.finditer(text):
        if any(a <= m.start() < b for a, b in taken) or _is_year(text, m.start(1), m.end(1)):
            continue
        if _AGE.search(text[max(0, m.start() - 8) : m.start()]) or _AFTER_AGE.match(
            text[m.end() :]
        ):
            continue
        approx = bool(m.group(2)) or is_approximate_before(text, m.start())
        found.append((to_decimal(m.group(1)), m.start(), m.end(), approx))
    return found


def extract_counts(view: SentenceView, has_intention: bool) -> list[Candidate]:
    """Capacity and NeedEstimate candidates of one sentence.

    ``has_intention``: the sentence already states a commissioning intention, whose
    figure is a target, not current provision, so no capacity is read from it."""
    text = view.text
    if view.sentence.is_table_row or NATIONAL.search(text):
        return []
    quantities = [q for q in view.quantities if not (q.unit == "people" and q.value < 2)]
    need_words = compiled("need_cues").search(text)
    candidates: list[Candidate] = []
    spans = clause_spans(text, [(q.start, q.end) for q in quantities])
    for quantity, (start, end) in zip(quantities, spans, strict=True):
        clause = text[start:end]
        provision = _PROVISION.search(clause)
        projection = _PROJECTION.search(clause) or _PROJECTION.search(text)
        is_need = bool(compiled("need_cues").search(clause) or projection) and not (
            provision and not projection
        )
        unit = unit_slug(quantity.unit)
        if unit is None:
            continue  # a count of something the units scheme cannot name is not comparable
        if is_need:
            if quantity.unit not in ("people", "units", "homes", "beds", "places"):
                continue
            candidates.append(
                _need(
                    view,
                    start,
                    end,
                    quantity.value,
                    unit,
                    quantity.approximate,
                    quantity.start,
                    bool(projection),
                )
            )
        elif has_intention:
            continue
        elif provision or compiled("capacity_cues").search(clause):
            if quantity.unit == "items" and not provision:
                continue
            period = period_in(view.periods, start, end)
            values = period_values(period) or issued_year(view.record)
            candidates.append(
                view.candidate(
                    "Capacity",
                    start,
                    end,
                    value=quantity.value,
                    unit=unit,
                    approximate=quantity.approximate,
                    service=classify_service(text) or view.context_service(),
                    **values,
                )
            )
    if quantities or not need_words:
        return candidates
    # Need figures written without the noun they count: "... is projected to grow to
    # 138,100 by 2025", "the number of unpaid carers ... is closer to 42,000".
    if not re.search(
        r"\b(?:number\s+of|people|residents|adults|carers|individuals|population)\b",
        text,
        re.IGNORECASE,
    ):
        return candidates
    counts = _bare_counts(view)
    if not counts:
        return candidates
    if _FROM_TO.search(text) or len(counts) > 2:
        counts = counts[-1:]
    spans = clause_spans(text, [(s, e) for _, s, e, _ in counts])
    for (value, s, _e, approx), (start, end) in zip(counts, spans, strict=True):
        projection = bool(_PROJECTION.search(text))
        candidates.append(
            _need(view, start, end, value, unit_slug("people"), approx, s, projection)
        )
    return candidates


def _need(
    view: SentenceView,
    start: int,
    end: int,
    value: Decimal,
    unit: str | None,
    approximate: bool,
    anchor: int,
    projection: bool,
) -> Candidate:
    text = view.text
    period = period_in(view.periods, start, end, prefer=anchor) or period_in(
        view.periods, 0, len(text), prefer=anchor
    )
    candidate = view.candidate(
        "NeedEstimate",
        start,
        end,
        value=value,
        unit=unit,
        approximate=approximate,
        population_group=classify_population(text, view.heading, anchor=None),
        service=classify_service(text, None),
        is_projection=projection,
        **period_values(period),
    )
    source = need_source(text)
    if source:
        candidate.notes.append(f"source: {source}")
    return candidate
