"""Contract events: a contract or procurement event with its date and route.

An event needs three things in the sentence: something contractual (a contract, tender,
framework, procurement...), a cue naming what happens to it (``contract_event_cues``)
and a date. A dateless event is taken only when it states its duration ("available for
5 years"), because an event nobody can place in time does not help a provider plan.
"""

from __future__ import annotations

import re

from carekg.loaders.classify import classify_route, classify_service, unit_slug
from carekg.loaders.extract.common import SentenceView, period_values, without_supplier
from carekg.loaders.extract.money import to_decimal
from carekg.loaders.extract.periods import Period
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
# What starts is work on the service, not a contract: "initial work will be started",
# "a programme that began mobilising", "the review will commence".
_WORK_STARTS = re.compile(
    r"\b(?:work|review|programme|project|investigation|consultation|analysis|engagement)\b"
    r"(?:[\s,]+\w+){0,4}?[\s,]+(?:will\s+(?:be\s+)?|to\s+|that\s+|which\s+)?(?:start\w*|commenc\w*|"
    r"beg[aiu]n\w*|mobilis\w*|launch\w*)",
    re.IGNORECASE,
)
# The same with the verb first: "Commence discussions with providers", "start a review".
_STARTS_WORK = re.compile(
    r"(?:start\w*|commenc\w*|beg[aiu]n\w*)\s+(?:(?:the|a|an|our|this|initial|further)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:work|review|consultation|analysis|engagement|discussions?|"
    r"investigation|conversations?|scoping|planning)\b",
    re.IGNORECASE,
)
# A year that is part of a name: "Procurement Strategy 2020-27", "Regulations (EU Exit) 2020".
_NAMED_YEAR = re.compile(
    r"\b(?:Strategy|Plan|Policy|Regulations|Act)\)?(?:\s*\([^)]{0,30}\))?\s*$")

# What a sentence about the law of procurement names (legislation is no contract event).
_LEGISLATION = re.compile(r"\b(?:Act\s+(?:19|20)\d\d|legislation|Regulations\s+(?:19|20)\d\d)\b")
# A grant is given, not contracted for: "approve a one-year grant award to ...".
GRANT_AWARD = re.compile(r"\baward(?:ing|ed)?\s+(?:of\s+)?(?:an?\s+|the\s+)?(?:[\w-]+\s+)?"
                         r"grants?\b|\bgrants?\s+(?:was\s+|were\s+)?awarded\b", re.IGNORECASE)
# When a building opens ("the new scheme due to open in spring 2027") is not when anything
# happens to a contract.
_OPENING = re.compile(r"\bopen(?:s|ed|ing)?\s+(?:in\s+|on\s+|from\s+)?$", re.IGNORECASE)
# A year inside a web address ("tenders.example.gov.uk/Notice/012345-2026") is part of
# the notice's number.
_IN_ADDRESS = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)


def _event_date(text: str, period: Period) -> bool:
    """Whether a date can be when something happens to a contract: not a relative one
    ("next year"), a year in a name ("Strategy 2020-27"), a date alone in brackets (when a
    figure was measured: "(October 2024)"), a building's opening or a web address."""
    return (period.kind != "relative"
            and not _NAMED_YEAR.search(text[max(0, period.start - 45):period.start])
            and not (text[period.start - 1:period.start] == "("
                     and text[period.end:period.end + 1] == ")")
            and not _OPENING.search(text, max(0, period.start - 20), period.start)
            and not _IN_ADDRESS.search(text, max(0, period.start - 150), period.start))


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


#: A release of a notice: its stage name on a line, then the day it was published; or
#: the two as a field ("Published date: 14 January 2026", "Closing: 9 March 2026, 12pm"),
#: or on one line with a full date ("Published 9 March 2026, 4:05pm"). A field's name may
#: be long ("Earliest date the contract will be signed"): the stage list decides.
_STAGE = r"(?P<stage>[A-Z][A-Za-z]+(?: [A-Za-z]+){0,6})"
_RELEASE = re.compile(_STAGE + r"(?:\s*\n|[ \t]*:|[ \t]+(?=\d{1,2}\s+[A-Z][a-z]+\s+\d{4}))"
                      r"\s*(?:[-•]\s+)?(?=\d{1,2}\s+[A-Z])")
#: A field's name as a heading of the dates listed under it ("Contract dates (estimated)").
_FIELD_HEADING = re.compile(_STAGE + r"(?:\s*\([a-z]+\))?\s*:?")


def _only_dates(view: SentenceView) -> bool:
    """Whether a line holds nothing but its dates ("2 February 2026 to 1 February 2029")."""
    rest = view.text
    for period in sorted(view.periods, key=lambda p: -p.start):
        rest = rest[:period.start] + " " + rest[period.end:]
    return re.fullmatch(r"[\s.;,]*(?:(?:to|until|-|–)[\s.;,]*)?", rest) is not None


def _stage_name(stage: str) -> str:
    """A notice's stage or field name as the rules list it: a stage written as one word,
    "TenderUpdate", is the stage "tender update"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stage).casefold()


def _stage_event(stage: str) -> str | None:
    """The event type of a notice's stage or field name."""
    return next((slug for slug, pattern in compiled_map("notice_release_stages")
                 if pattern.fullmatch(_stage_name(stage))), None)


def page_published(view: SentenceView, release: re.Match[str] | None = None) -> bool:
    """Whether a line only says when a page went up ("Published: 6 May 2025") outside a
    procurement notice: in a document of a report kind, in a section that names no
    notice, tender or framework. Such a date is no procurement's release. ``release``:
    the line's release, when the caller has read it already."""
    m = release or _RELEASE.match(view.text)
    if m is None or not compiled("publication_stages").fullmatch(_stage_name(m.group("stage"))):
        return False
    if view.record.kind == "other":
        return False
    return not any(compiled("notice_words").search(title)  # its own section and the one above
                   for title in (view.heading, *view.context[:1]) if title)


def _release(view: SentenceView) -> list[Candidate]:
    """A notice's release ("Tender / 12 May 2026 at 16:08"): an event of its stage's type
    on its day, for the service the notice is about."""
    released = m = _RELEASE.match(view.text)
    if m is None and view.sentence.is_list_item and view.heading and _only_dates(view):
        m = _FIELD_HEADING.fullmatch(view.heading)  # the field heads the dates listed
        at = 0
    else:
        at = m.end() if m else 0
    # its date, or the span of dates a listed field gives ("Contract Period / 1 Apr ...")
    day = next((p for p in view.periods if p.start == at), None) if m else None
    event = _stage_event(m.group("stage")) if m and day else None
    if day is None or event is None:
        return []
    if released is not None and page_published(view, released):
        return []  # a report's or a news page's date of publication: no procurement's
    return [view.candidate("ContractEvent", event_type=event,
                           service=classify_service(without_supplier(view.text))
                           or view.context_service(),
                           **period_values(day))]


def extract_contract_events(view: SentenceView) -> list[Candidate]:
    text = view.text
    release = _release(view)
    if release:
        return release
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
    if _WORK_STARTS.search(text) and not re.search(r"\bcontracts?\b", text, re.IGNORECASE):
        return []
    if event == "start" and _STARTS_WORK.match(text, cue_at):
        return []  # "Commence work with providers to investigate ...": work, not a contract
    if event in ("tender", "re-procurement"):
        hedge = compiled("contract_event_hedges").search(text, 0, cue_at)
        if hedge and cue_at - hedge.end() <= 40:
            return []  # "a review which may or may not result in tender opportunities"
    if _LEGISLATION.search(text) and not re.search(r"\bcontracts?\b", text, re.IGNORECASE):
        return []  # "councils must follow the Procurement Act 2023 from February 2025": law
    if GRANT_AWARD.search(text):
        return []
    periods = [p for p in view.periods if _event_date(text, p)]
    event, cue_at = _governing_cue(text, periods, event, cue_at)
    service = classify_service(without_supplier(text)) or view.context_service()
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
    # The date the cue governs comes after it ("commissioned until March 2022", "expires
    # in 2023"); a later date in the same row is another event ("a new contract to start
    # from April 2022").
    after = [p for p in periods if p.start >= cue_at]
    if not after and event in ("tender", "re-procurement") and _dated_review(text, cue_at):
        return []  # "review in 2021/22 of X – outside the wider procurement exercise"
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


# The contract or service named before the first cue is what the later verb acts on.
_CONTRACT_FIRST = re.compile(r"\b(?:contracts?|services?|agreements?|frameworks?)\b",
                             re.IGNORECASE)
# Events whose cue names the day they happen ("start 1 July", "expires in March").
_DATED_CUES = ("start", "expiry", "award")


def _governing_cue(text: str, periods: list, event: str, cue_at: int) -> tuple[str, int]:
    """The cue that governs the event's date: another cue standing between the first cue
    and its date, right before the date, names what happens then to the contract named
    first ("contracts of the tender commence June 2013" is a start, not a tender)."""
    date = next((p for p in periods if p.start >= cue_at), None)
    if date is None or not _CONTRACT_FIRST.search(text, 0, cue_at):
        # "opportunities to bid would commence in October": the tender is what starts
        return event, cue_at
    for slug, pattern in compiled_map("contract_event_cues"):
        if slug not in _DATED_CUES or slug == event:
            continue
        for m in pattern.finditer(text, cue_at + 1, date.start):
            if re.fullmatch(r"\s*(?:in|on|from)?\s*", text[m.end():date.start], re.IGNORECASE):
                return slug, m.start()
    return event, cue_at


def _dated_review(text: str, cue_at: int) -> bool:
    """Whether a review is named before the procurement cue and every date sits before
    the cue too: then the date is the review's (Review intention), not a tender's."""
    return bool(_REVIEW_SUBJECT.search(text, 0, cue_at))
