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

from carekg.loaders.classify import classify_direction, classify_service
from carekg.loaders.extract.common import SentenceView, period_values
from carekg.loaders.extract.rules import compiled
from carekg.loaders.model import Candidate

_OTHER_SUBJECT = re.compile(
    r"\b(?:providers?|you|applicants?|bidders?|residents|people|they|organisations|"
    r"this\s+document|this\s+statement|the\s+document)\s+(?:will|would|should|must|may|can|need)\b",
    re.IGNORECASE,
)
_COUNCIL_SUBJECT = re.compile(
    r"\b(?:we|our|us|the\s+council|council|commissioners|the\s+authority|the\s+partnership|"
    r"partners|there\s+will\s+be|investment|budget)\b",
    re.IGNORECASE,
)
_LIST_OPENING = re.compile(r"^\W*(?:\d+[.)]\s*)?(?:[-•●▪]\s*)?", re.UNICODE)
_PAST = re.compile(r"\b(?:has|have|had)\s+(?:been\s+)?(?:\w+ed|built|grown|undertaken)\b|\bwas\b|\bwere\b",
                   re.IGNORECASE)


def _commitment(text: str) -> int | None:
    """Offset where the sentence commits to a course, or None."""
    opening = _LIST_OPENING.match(text)
    rest = text[opening.end() if opening else 0 :]
    verb = compiled("action_item_verbs").match(rest)
    if verb:
        return (opening.end() if opening else 0)
    marker = compiled("intention_markers").search(text)
    return marker.start() if marker else None


def extract_intentions(view: SentenceView) -> list[Candidate]:
    text = view.text
    at = _commitment(text)
    if at is None or text.rstrip().endswith("?"):
        return []
    before = text[max(0, at - 30) : at + 12]
    if _OTHER_SUBJECT.search(before):
        return []
    found = classify_direction(text, at)
    if found is None:
        return []
    direction, term_at = found
    service = classify_service(text, None, anchor=term_at)
    if service is None and not _COUNCIL_SUBJECT.search(text):
        return []
    if service is None:
        service = classify_service("", view.heading)
    if _PAST.search(text[at:term_at]) and not re.search(r"\bwill\b", text, re.IGNORECASE):
        return []
    period = next((p for p in view.periods if p.is_deadline), None) or next(
        (p for p in view.periods if p.start >= at), None)
    values: dict[str, object] = dict(period_values(period))
    quantity = next((q for q in view.quantities if q.unit in ("units", "beds", "places", "homes")
                     and direction in ("Increase", "Decrease", "Procure", "Develop")), None)
    if quantity is not None:
        from carekg.loaders.classify import unit_slug

        values.update(value=quantity.value, unit=unit_slug(quantity.unit),
                      approximate=quantity.approximate)
    return [view.candidate("CommissioningIntention", direction=direction, service=service,
                           **values)]
