"""Generic readers for sentences the kind gate says state a fact that no rule read.

The rule extractors are strict about wording, so on a council's document they have never
seen many facts go unread although the sentence plainly states one ("Supported living
places 120", "Approve the consultation on ..."). When the learned gate
(:mod:`carekg.loaders.kind_model`) is confident a sentence states a fact of a kind and no
rule produced one, these readers build it from what the sentence holds, with the same
classifiers the rules use: each figure that is not a date, the first date, the direction
term, the service named in the sentence or its headings. A reader that cannot fill what
the kind's shape requires (a Spend with no service, an event with no date) builds nothing:
a fact the graph cannot state honestly is better missed. Need estimates have no reader:
which of a projection table's figures is the need (a year's count, the change, a rate)
takes the rules' reading of the sentence, and a generic guess was wrong more often than
right.
"""

from __future__ import annotations

from carekg.loaders.classify import (
    classify_direction,
    classify_route,
    classify_service,
    unit_slug,
)
from carekg.loaders.extract.common import SentenceView, bare_figures, issued_year, period_values
from carekg.loaders.extract.contract_event import GRANT_AWARD, page_published
from carekg.loaders.extract.rules import compiled, compiled_map, gate_cue
from carekg.loaders.extract.spend import spendable
from carekg.loaders.extract.strategy_reference import strategy_heads
from carekg.loaders.kind_model import MAX_GATED_CHARS
from carekg.loaders.model import Candidate


def fallback_candidates(view: SentenceView, kind: str) -> list[Candidate]:
    """Facts of ``kind`` read generically from the sentence (empty when it cannot)."""
    reader = _READERS.get(kind)
    if reader is None or len(view.text) > MAX_GATED_CHARS:
        return []
    return reader(view)


def _service(view: SentenceView, anchor: int | None = None) -> str | None:
    return classify_service(view.text, anchor=anchor) or view.context_service()


def _capacity(view: SentenceView) -> list[Candidate]:
    period = issued_year(view.record)
    if view.quantities:
        return [view.candidate("Capacity", value=q.value, unit=q.unit,
                               service=_service(view, q.start), approximate=q.approximate,
                               value_start=view.sentence.start + q.start, **period)
                for q in view.quantities]
    return [view.candidate("Capacity", value=value, unit="percent" if pct else "units",
                           service=_service(view, start),
                           value_start=view.sentence.start + start, **period)
            for value, pct, start, _ in bare_figures(view)[:3]]


def _spend(view: SentenceView) -> list[Candidate]:
    out = []
    for money in spendable(view):
        service = _service(view, money.start)
        if service is None:
            continue
        periods = [p for p in view.periods if p.kind != "relative"]
        period = period_values(periods[0]) if periods else issued_year(view.record)
        out.append(view.candidate(
            "Spend", value=money.value,
            unit=unit_slug("GBP/year" if money.rate == "year" else "GBP"),
            service=service, approximate=money.approximate,
            value_start=view.sentence.start + money.start, **period))
    return out


def _contract_event(view: SentenceView) -> list[Candidate]:
    periods = [p for p in view.periods if p.kind != "relative"]
    if not periods or not _contractual(view) or page_published(view):
        return []
    period = periods[0]
    # the cue nearest the date says what happens then; with none, the notice's own
    # business, a tender
    cues = [(abs(m.start() - period.start), name)
            for name, pattern in compiled_map("contract_event_cues")
            for m in pattern.finditer(view.text)]
    event = min(cues)[1] if cues else "tender"
    return [view.candidate("ContractEvent", event_type=event,
                           procurement_route=classify_route(view.text),
                           service=_service(view, period.start),
                           value_start=view.sentence.start + period.start,
                           **period_values(period))]


def _intention(view: SentenceView) -> list[Candidate]:
    # a course whose words name no direction is not read: a default direction was wrong
    # more often than right, and an intention is compared across councils by it
    found = classify_direction(view.text)
    if found is None:
        return []
    direction, anchor = found
    periods = [p for p in view.periods if p.kind != "relative" and
               p.end_date.year >= _issued(view)]
    return [view.candidate("CommissioningIntention", direction=direction,
                           service=_service(view, anchor),
                           **(period_values(periods[0]) if periods else {}))]


def _strategy(view: SentenceView) -> list[Candidate]:
    text = view.sentence.plain
    # a capitalised head: a title ("the Carers Strategy"), not talk of strategy
    heads = [*strategy_heads().finditer(text), *compiled("strategy_title_heads").finditer(text)]
    match = min((m for m in heads if m.group(0)[:1].isupper()), key=lambda m: m.start(),
                default=None)
    if match is None:
        return []
    if view.sentence.is_heading or len(text.split()) <= 12:
        title = text.strip(" #:*")
    else:
        # the capitalised words running up to the head: "Our Carers Strategy"
        words = text[: match.end()].split()
        kept: list[str] = []
        for word in reversed(words):
            if not (word[:1].isupper() or word[:1].isdigit() or word in ("and", "of", "for")):
                break
            kept.append(word)
        title = " ".join(reversed(kept)).strip(" ,;:()")
    if len(title) < 6:
        return []
    periods = [p for p in view.periods if p.kind != "relative"]
    return [view.candidate("StrategyReference", title=title[:200],
                           service=classify_service(title),
                           **(period_values(periods[0]) if periods else {}))]


def _contractual(view: SentenceView) -> bool:
    """The sentence, or its heading, names something contractual (a bare release time
    under a notice's title, or a meeting's date, is no event)."""
    if GRANT_AWARD.search(view.text):
        return False  # a grant awarded is funding given, not a contract
    pattern = gate_cue("contract")
    return bool(pattern.search(view.text) or pattern.search(view.heading or ""))


def _issued(view: SentenceView) -> int:
    year = view.record.issued[:4]
    return int(year) if year.isdigit() else 0


_READERS = {
    "Capacity": _capacity,
    "Spend": _spend,
    "ContractEvent": _contract_event,
    "CommissioningIntention": _intention,
    "StrategyReference": _strategy,
}
