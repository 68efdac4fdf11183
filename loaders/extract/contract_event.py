"""Contract events: a contract or procurement event with its date and route.

An event needs three things in the sentence: something contractual (a contract, tender,
framework, procurement...), a cue naming what happens to it (``contract_event_cues``)
and a date. A dateless event is taken only when it states its duration ("available for
5 years"), because an event nobody can place in time does not help a provider plan.
"""

from __future__ import annotations

import re

from carekg.loaders.classify import classify_route, classify_service, unit_slug
from carekg.loaders.extract.common import SentenceView, period_values
from carekg.loaders.extract.money import to_decimal
from carekg.loaders.extract.rules import compiled, compiled_map
from carekg.loaders.model import Candidate

_DURATION = re.compile(
    r"\bfor\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|ten)\s+years?\b", re.IGNORECASE
)
_REVIEW_SUBJECT = re.compile(r"\breview\b", re.IGNORECASE)
# Words that make a sentence about a contract itself rather than about work on a service.
_CONTRACTUAL = re.compile(
    r"\b(?:contracts?|contracted|framework|(?:re-?)?procur\w*|(?:re-?)?tender\w*|"
    r"purchasing\s+system|dps)\b",
    re.IGNORECASE,
)
_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "ten": "10",
}


def extract_contract_events(view: SentenceView) -> list[Candidate]:
    text = view.text
    if not compiled("contract_subject_cues").search(text):
        return []
    event = None
    cue_at = 0
    for slug, pattern in compiled_map("contract_event_cues"):
        m = pattern.search(text)
        if m:
            event, cue_at = slug, m.start()
            break
    if event is None:
        return []
    if event in ("start", "tender", "re-procurement") and _REVIEW_SUBJECT.search(text) and not (
        _CONTRACTUAL.search(text)
    ):
        return []  # "a strategic review of day services will commence": work, not a contract
    periods = [p for p in view.periods if p.kind != "relative"]
    service = classify_service(text) or view.context_service()
    route = classify_route(text)
    if not periods:
        duration = _DURATION.search(text)
        if event != "framework-period" or not duration:
            return []
        raw = duration.group(1).lower()
        return [
            view.candidate(
                "ContractEvent",
                event_type=event,
                procurement_route=route,
                service=service,
                value=to_decimal(_WORDS.get(raw, raw)),
                unit=unit_slug("years"),
            )
        ]
    if event == "expiry":
        period = periods[-1]
    else:
        after = [p for p in periods if p.start >= cue_at]
        period = after[0] if after else periods[-1]
    if (
        len(periods) >= 2
        and periods[0].kind == periods[-1].kind == "day"
        and event in ("expiry", "start", "framework-period")
    ):
        period = periods[-1] if event == "expiry" else periods[0]
    return [
        view.candidate(
            "ContractEvent",
            event_type=event,
            procurement_route=route,
            service=service,
            **period_values(period),
        )
    ]
