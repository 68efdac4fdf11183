"""Commissioning intentions: what the council will do, for which service, by when.

A sentence states an intention when it commits to a future course (``intention_markers``:
"will", "intend to", "plan to", "is currently under review"...) or is an action item of a
list of intentions opening with a verb ("Review day support services ..."). Its direction
is read from the words after the commitment (:func:`classify_direction`). Commitments
that belong to providers ("providers will need to ...") are not the council's; and a
sentence that names neither the council nor a service is left out, since "this will help
to increase ..." says nothing a researcher can attribute.
"""

from __future__ import annotations

import re

from carekg.loaders.classify import classify_direction, classify_service, unit_slug
from carekg.loaders.extract.common import SentenceView, period_values
from carekg.loaders.extract.rules import compiled
from carekg.loaders.model import Candidate

_OTHER_SUBJECT = re.compile(
    r"\b(?:providers?|you|applicants?|bidders?|residents|people|they|organisations|this|it|"
    r"which|these|that|this\s+document|this\s+statement|the\s+document)\s+"
    r"(?:will|would|should|must|may|can|need)\b",
    re.IGNORECASE,
)
_COUNCIL_SUBJECT = re.compile(
    r"\b(?:we|our|us|the\s+council|council|commissioners|the\s+authority|the\s+partnership|"
    r"partners|there\s+will\s+be|investment|budget|intention\s+is|ambition\s+is|aim\s+is|"
    r"aspirations?)\b",
    re.IGNORECASE,
)
# An increase in demand or need is a forecast, not something the council will do.
_DEMAND = re.compile(
    r"\b(?:demand|demands|need\s+for|number\s+of|numbers|population|"
    r"pressures?|prevalence|life\s+expectancy)\b",
    re.IGNORECASE,
)
_DEMAND_AFTER = re.compile(
    r"\s+in\s+(?:the\s+)?(?:demand|need|number|population|prevalence)\b", re.IGNORECASE
)
# What an increase or decrease must act on when no service is named: provision itself.
_PROVISION_OBJECT = re.compile(
    r"[^.;]{0,40}?\b(?:provision|capacity|services?|beds|units|places|placements|homes|"
    r"schemes|investment|spend|funding|budget|use\s+of|reliance|supply|offer|contracts?|"
    r"commissioning|integration)\b",
    re.IGNORECASE,
)
# Headings of lists of intentions: their items speak for the council without saying "we".
_INTENTION_HEADING = re.compile(
    r"\b(?:intentions?|aspirations?|priorit(?:y|ies)|opportunities|we\s+will|plans?|"
    r"what\s+we\s+(?:will|want)|next\s+steps|future|action)\b",
    re.IGNORECASE,
)
_LIST_OPENING = re.compile(r"^\W*(?:\d+[.)]\s*)?(?:[-•●▪]\s*)?", re.UNICODE)
_PAST = re.compile(
    r"\b(?:has|have|had)\s+(?:been\s+)?(?:\w+ed|built|grown|undertaken)\b|\bwas\b|\bwere\b",
    re.IGNORECASE,
)


def _commitments(text: str) -> list[tuple[int, int]]:
    """(start, where the committed course begins) of each commitment in the sentence.

    After a marker ("we are considering the development of") the course is what follows
    the marker; an action item's opening verb ("Review day services") is the course."""
    found = []
    opening = _LIST_OPENING.match(text)
    at = opening.end() if opening else 0
    if compiled("action_item_verbs").match(text, at):
        found.append((at, at))
    found.extend((m.start(), m.end()) for m in compiled("intention_markers").finditer(text))
    return found


def _intends_here(view: SentenceView) -> bool:
    """True when the sentence, or the heading it sits under, speaks as the council."""
    if _COUNCIL_SUBJECT.search(view.text):
        return True
    return bool(view.heading and _INTENTION_HEADING.search(view.heading))


def _demand_not_action(text: str, term_at: int, term_end: int) -> bool:
    """ "demand will increase", "an increase in the number of": a forecast, not a course."""
    if _DEMAND.search(text[max(0, term_at - 40) : term_at]):
        return True
    return bool(_DEMAND_AFTER.match(text, term_end))


def extract_intentions(view: SentenceView) -> list[Candidate]:
    text = view.text
    if text.rstrip().endswith("?"):
        return []
    for at, course in _commitments(text):
        if _OTHER_SUBJECT.search(text[max(0, at - 30) : at + 12]):
            continue
        if compiled("intention_negations").search(text, max(0, at - 25), course + 25):
            continue  # "we have no plans to", "will not be recommissioned"
        # A passive marker names its own course: "is currently being reviewed".
        found = None
        if re.search(r"\breview(?:ed)?\s*$", text[at:course], re.IGNORECASE):
            found = classify_direction(text[:course], at)
        found = found or classify_direction(text, course) or classify_direction(text, at)
        if found is None:
            continue
        direction, term_at = found
        if term_at - course > 120:
            continue
        term_end = term_at + len(re.match(r"[\w-]+", text[term_at:]).group(0))
        if _demand_not_action(text, term_at, term_end):
            continue
        if _PAST.search(text[at:term_at]) and not re.search(r"\bwill\b", text, re.IGNORECASE):
            continue
        service = classify_service(text, None, anchor=term_at)
        if service is None:
            if not _intends_here(view):
                continue
            if direction in ("Increase", "Decrease") and not _PROVISION_OBJECT.match(
                text, term_end
            ):
                continue  # "reduce dependency", "reduce waiting times": outcomes, not provision
            service = view.context_service()
        return [_candidate(view, at, direction, service)]
    return []


def _candidate(view: SentenceView, at: int, direction: str, service: str | None) -> Candidate:
    period = next((p for p in view.periods if p.is_deadline), None) or next(
        (p for p in view.periods if p.start >= at), None
    )
    values: dict[str, object] = dict(period_values(period))
    quantity = next(
        (
            q
            for q in view.quantities
            if q.unit in ("units", "beds", "places", "homes")
            and direction in ("Increase", "Decrease", "Procure", "Develop")
        ),
        None,
    )
    if quantity is not None:
        values.update(
            value=quantity.value, unit=unit_slug(quantity.unit), approximate=quantity.approximate
        )
    return view.candidate("CommissioningIntention", direction=direction, service=service, **values)
