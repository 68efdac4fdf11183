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
from functools import cache

from carekg.loaders.classify import (
    classify_direction,
    classify_service,
    direction_hits,
    label_hits,
    unit_slug,
)
from carekg.loaders.extract.common import (
    SentenceView,
    contents_line,
    course_period,
    existing_stock,
    period_values,
    sentence_bounds,
)
from carekg.loaders.extract.contract_event import GRANT_AWARD
from carekg.loaders.extract.rules import compiled, load_rules, phrase_pattern
from carekg.loaders.model import Candidate

_OTHER_SUBJECT = re.compile(
    r"\b(?:providers?|you|applicants?|bidders?|residents|people|they|organisations|this|it|"
    r"which|these|that|this\s+document|this\s+statement|the\s+document)\s+"
    r"(?:will|would|should|must|may|can|need)\b"
    # "this will include an increase in ...": a change of provision the plan holds
    r"(?!(?:(?<=\bthis\swill)|(?<=\bit\swill))\s+(?:include|involve|mean)\s+(?:an?\s+|the\s+)?"
    r"(?:increas|reduc|expan|develop))",
    re.IGNORECASE,
)
_COUNCIL_SUBJECT = re.compile(
    r"\b(?:we|our|us|the\s+council|council|commissioners|the\s+authority|the\s+partnership|"
    r"partners|there\s+will\s+be|investment|budget|spend|spending|funding|intention\s+is|"
    r"ambition\s+is|aim\s+is|the\s+commissioning\s+of|"
    r"aspirations?|cabinet|the\s+executive|executive\s+member|the\s+(?:plans?|proposals?))\b",
    re.IGNORECASE,
)
#: A council by its initials ("the HCC", "NCC will"): County, City or Borough Council.
_COUNCIL_INITIALS = re.compile(r"\b[A-Z]{1,3}(?:CC|BC)\b")
# An increase in demand or need is a forecast, not something the council will do.
_DEMAND = re.compile(
    r"\b(?:demand|demands|need\s+for|number\s+of|numbers|population|"
    r"pressures?|prevalence|life\s+expectancy)\b",
    re.IGNORECASE,
)
_DEMAND_AFTER = re.compile(
    r"\s+(?:in\s+(?:the\s+)?(?:demand|need|number|population|prevalence)|(?:the\s+)?"
    r"(?:demand|need)\s+for)\b",
    re.IGNORECASE,
)
# What an increase or decrease must act on when no service is named: provision itself.
_PROVISION_NOUN = (
    r"\b(?:provision|capacity|services?|beds|units|places|placements|homes|"
    r"schemes|investment|spend|funding|budget|use\s+of|reliance|supply|offer|contracts?|"
    r"commissioning|integration|models?|approach|pathways?|purchasing|procurement|"
    # the hours care is bought in, how many providers make the market and how many of
    # the calls home care is bought in
    r"hours|number\s+of\s+(?:[\w-]+\s+){0,3}(?:providers|calls|visits))\b")
_PROVISION_OBJECT = re.compile(r"[^.;]{0,40}?" + _PROVISION_NOUN, re.IGNORECASE)
#: The subject of a course in the passive that names provision (or the framework it is
#: bought through): "the existing framework be extended", "the number of beds be reduced".
_PROVISION_ACTED_ON = re.compile(_PROVISION_NOUN + r"|\bframeworks?\b", re.IGNORECASE)
_PROVISION_SUBJECT = re.compile(
    r"\b(?:investment|spend|spending|budget|funding|capacity|provision|supply)\b", re.IGNORECASE
)
# Headings of lists of intentions: their items speak for the council without saying "we".
_INTENTION_HEADING = re.compile(
    r"\b(?:intentions?|aspirations?|priorit(?:y|ies)|opportunities|we\s+will|plans?|"
    r"what\s+we\s+(?:will|want)|next\s+steps|future|action|recommendations?|decisions?|"
    r"resolved|that\s+(?:the\s+)?(?:cabinet|council|committee|executive|board))\b",
    re.IGNORECASE,
)
_DECIDING_BODY = (r"(?:the\s+)?(?:cabinet|council|executive|committee|board|cabinet\s+member|"
                  r"lead\s+member|portfolio\s+holder)")
#: What may open an item before its verb: a number or bullet, and a resolution's subject
#: ("That Cabinet approve ...", "RESOLVED: that the Executive agree ...") or a decision's
#: ("Cabinet approved ...", "Cabinet authorise the Director ...", "2.1 Executive to approve
#: ..."; not "The Council commission a range of services", which describes what it does).
_LIST_OPENING = re.compile(
    r"^\W*(?:\d{1,2}(?:\.\d{1,2})+\s+|\d+[.)]\s*|\(?(?:[ivx]{1,4}|[a-h])\)\s*)?(?:[-•●▪]\s*)?"
    r"(?:(?:resolved|recommendations?|decisions?|resolutions?)\s*:?\s*)?"
    r"(?:(?:that\s+" + _DECIDING_BODY + r"|" + _DECIDING_BODY
    + r"(?=\s+(?:approved|agreed|authori[sz]ed?|delegated|to\s+(?:approve|agree|authori[sz]e))\b))"
    r"\s+)?",
    re.UNICODE | re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:has|have|had)\s+(?:been\s+)?(?:\w+ed|built|grown|undertaken)\b|\bwas\b|\bwere\b",
    re.IGNORECASE,
)


# Someone other than the commissioner is the subject of the course: "Providers of day
# services will need to develop", "we expect providers to develop", "so that providers can".
_OTHER_ACTOR = re.compile(
    r"\b(?:providers?|organisations?|organizations?|applicants?|bidders?|holders?|agencies|"
    r"staff|residents|people|individuals|families|you|they|partners?\s+(?:will|can))\b",
    re.IGNORECASE,
)
_AFTER_PREPOSITION = re.compile(r"\b(?:for|of|with|to|among|amongst)\s+(?:[\w'’-]+\s+){0,2}$",
                                re.IGNORECASE)
_CLAUSE_START = re.compile(r"[;:.!?]|,\s|\s(?:and|but|so\s+that|which|who|whilst|while|if)\s",
                           re.IGNORECASE)
_COMMISSIONER = re.compile(
    r"\b(?:we|our|us|the\s+council|council|commissioners?|commissioning|the\s+authority|"
    r"the\s+boroughs?|borough|the\s+partnership|there\s+will\s+be|"
    r"(?:intention|ambition|aim|aspiration|priority|plan)s?\s+(?:is|are))\b",
    re.IGNORECASE,
)
# Commitments that only wish for an outcome: they state an intention only when the
# sentence itself names the service acted on.
_WEAK_MARKER = re.compile(
    r"\b(?:want|wants|would\s+like|wish|wishes|keen|hope|hoped|hopes|aims?|seeks?|looking|"
    r"need|needs|expected|anticipated|going|likely)\b",
    re.IGNORECASE,
)


# A wish the council states as its own aim ("our aim is to", "we want to"): its course
# is the council's even when only the section names the service.
_OWN_WISH = re.compile(r"\b(?:our\s+aim|we\s+want|we\s+would\s+like\s+to\s+(?!hear))\b",
                       re.IGNORECASE)


def _subject(text: str, at: int) -> str:
    """The words of the clause before a commitment: where its subject stands."""
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, at)]
    return text[starts[-1] if starts else 0 : at]


#: The council itself as a commitment's subject: "we will", "the Council plans to".
_COUNCIL_ACTOR = re.compile(
    r"(?:\b(?:we|the\s+(?:county\s+|city\s+|borough\s+)?council|commissioners)|"
    r"(?-i:" + _COUNCIL_INITIALS.pattern + r"))"  # initials in capitals only: "HCC"
    r"(?:\s+(?:are|is|also|then|now|currently|in\s+the\s+process\s+of))*\s*$",
    re.IGNORECASE)


def _council_commits(text: str, at: int) -> bool:
    """True when the council is the commitment's own subject ("the Council will develop a
    quality framework", "we are currently reviewing"): a firm course of the council's own
    stands on its section's service even when no provision noun follows the verb; a mere
    wish ("we want to ...") still has to name its service."""
    return bool(_COUNCIL_ACTOR.search(_subject(text, at)))


def _another_actors_course(text: str, at: int, course: int) -> bool:
    """True when the commitment belongs to providers, residents or other actors."""
    subject = _subject(text, at)
    # "the commissioning of placements for people with ... will be reduced": people named
    # after a preposition are whom the course is for, not who takes it
    others = [m.start() for m in _OTHER_ACTOR.finditer(subject)
              if not _AFTER_PREPOSITION.search(subject, 0, m.start())]
    ours = [m.start() for m in _COMMISSIONER.finditer(subject)]
    if others and (not ours or others[-1] > ours[-1]):
        return True  # the actor nearest the commitment is not the commissioner
    # "we expect providers to develop", "enable people to increase"
    return bool(
        re.search(
            # ("support more people to live at home" is the council's: more provision)
            r"\b(?:expect|encourage|enable|help|support|ask|require|want)\s+"
            r"(?!(?:many\s+)?(?:more|fewer)\s)(?:\w+\s+){0,3}?"
            r"(?:providers?|organisations?|people|residents|individuals|holders?)\s+to\b",
            text[max(0, at - 60) : course + 40],
            re.IGNORECASE,
        )
    )


@cache
def _other_verb_forms() -> re.Pattern[str]:
    """The action verbs listed (``action_item_verbs``, their plain form: "Close") in their
    infinitive and -ing forms ("To close", "Closing two day centres"), made from them."""
    verbs = load_rules()["action_item_verbs"]
    forms: set[str] = set()
    for verb in verbs:
        if " " in verb or verb.endswith(("ing", "ed")):
            continue
        forms.update({f"to {verb}", f"{verb}ing", f"{verb}{verb[-1]}ing"})
        if verb.endswith("e"):
            forms.add(f"{verb[:-1]}ing")
    return re.compile(phrase_pattern(sorted(forms - set(verbs))), re.IGNORECASE)


#: The main clause after an opening phrase ("To support carers, we have ...",
#: "Drawing on the survey, the plan sets out ..."): the opening is then an adjunct.
_MAIN_CLAUSE = re.compile(r",\s+(?:we|the|our|this|it|they|there|a|an)\s", re.IGNORECASE)


#: A degree adverb before an item's verb ("Slightly increase ...", "Further develop ..."):
#: the item still opens with its action.
_DEGREE = re.compile(r"(?:[a-z]+ly|further)\s+(?=[a-z])", re.IGNORECASE)


def _action_opening(text: str, at: int = 0) -> bool:
    """Whether the text opens with an action verb: in its plain form, or in its
    infinitive or -ing form unless a main clause follows (then it is a purpose or a
    participle: "To support carers, we have a small grants fund")."""
    degree = _DEGREE.match(text, at)
    if degree and compiled("action_item_verbs").match(text, degree.end()):
        return True
    if compiled("action_item_verbs").match(text, at):
        return True
    return bool(_other_verb_forms().match(text, at)) and not _MAIN_CLAUSE.search(text, at)


@cache
def _nominal_action() -> re.Pattern[str]:
    """An action named by its noun at an item's start: "the permanent closure of"."""
    return re.compile(r"(?:the\s+)?(?:(?:permanent|proposed|planned|phased|full|partial|"
                      r"formal)\s+)?" + phrase_pattern(load_rules()["action_item_nouns"]),
                      re.IGNORECASE)


@cache
def _stated_aim() -> re.Pattern[str]:
    """ "The vision of this strategy is to", "Our focus in the county is to": an aim's noun
    and, within its clause, "is to" (the course begins after it)."""
    return re.compile(r"\b" + phrase_pattern(load_rules()["aim_nouns"])
                      + r"\b[^.;:]{0,40}?\b(?:is|are|will\s+be)\s+to\b", re.IGNORECASE)


#: A sentence that says what the plan before it amounts to ("This means developing new
#: supported accommodation", "This includes supporting people to ..."; not "This includes
#: adults living in ...", which says whom): the course follows.
_PLAN_RESTATED = re.compile(r"\W*this\s+(?:means|will\s+mean|includes(?=\s+\w+ing\b))\s+",
                            re.IGNORECASE)


#: A resolution's opening: "That ...", or a numbered or lettered "the ..." ("(a) the").
_RESOLUTION_OPENING = re.compile(r"\W*(?:(?:resolved|decision|resolution)\s*:\s*)?"
                                 r"(?:(?:\d{1,2}|[a-z])[.)]\s*)?that\s+|"
                                 r"\W*(?:\d{1,2}|[a-z])[.)]\s*(?=the\s)", re.IGNORECASE)


@cache
def _resolution_passive() -> re.Pattern[str]:
    """ "... be approved", "... be reviewed": the verb a passive resolution ends with."""
    return re.compile(r"\bbe\s+" + phrase_pattern(load_rules()["resolution_passives"]),
                      re.IGNORECASE)


def _passive_resolution(text: str) -> int | None:
    """Where the course of a passive resolution begins ("That the sites ... be approved in
    principle", "(a) the strategy be approved"): its subject is the course decided."""
    opening = _RESOLUTION_OPENING.match(text)
    if opening and _resolution_passive().search(text, opening.end()):
        return opening.end()
    return None


#: A lead-in to a decision's resolutions ("RESOLVED that:", "Cabinet agreed:").
_RESOLUTION_LEAD_IN = re.compile(r"\b(?:resolved|agreed|decided)\b[^:]{0,20}:\s*$",
                                 re.IGNORECASE)


def _resolved_item(view: SentenceView) -> list[tuple[int, int]]:
    """The commitment of an item under "RESOLVED that:" in the passive ("the contract be
    extended ..."): a resolution whose numbering ("(2)") the segmenter took off as the
    item's mark, so :func:`_passive_resolution` does not see its opening. The course is
    its passive verb, and what comes before it the provision acted on."""
    if not (view.sentence.is_list_item and _RESOLUTION_LEAD_IN.search(view.lead_in)):
        return []
    verb = _resolution_passive().search(view.text)
    return [(verb.start(), verb.start())] if verb else []


def _commitments(text: str) -> list[tuple[int, int]]:
    """(start, where the committed course begins) of each commitment in the sentence.

    After a marker ("we are considering the development of") the course is what follows
    the marker; an action item's opening verb ("Review day services") is the course."""
    found = []
    opening = _LIST_OPENING.match(text)
    at = opening.end() if opening else 0
    if _action_opening(text, at) or _nominal_action().match(text, at):
        found.append((at, at))
    found.extend((m.start(), m.end()) for m in compiled("intention_markers").finditer(text))
    found.extend((m.start(), m.end()) for m in _stated_aim().finditer(text))
    restated = _PLAN_RESTATED.match(text)
    if restated:
        found.append((restated.start(), restated.end()))
    resolved = _passive_resolution(text)
    if resolved is not None and not found:
        found.append((resolved, resolved))
    return found


#: The subject of a sentence the plan states in its own voice without naming the council:
#: the place it serves ("The borough needs more ..."), the plan or model itself ("The new
#: model will provide ..."), "This" summing up what the plan has just said ("This will
#: include an increase in ..."), or nothing before the marker at all.
_OWN_VOICE_SUBJECT = re.compile(
    r"(?:further,?\s*)?(?:(?:the|this|our)\s+|this$)?(?:new\s+)?(?:proposed\s+)?"
    r"(?:county|city|borough|district|model|programme|proposals?|plan|report|paper)?",
    re.IGNORECASE)
#: A marker in the passive ("are being developed", "is under review"), or a course after
#: its marker ("will be re-procured"): what comes before it is the provision acted on.
_PASSIVE_MARKER = re.compile(r"(?:(?:is|are|currently)\s+)*(?:being|under|to\s+be)\b",
                             re.IGNORECASE)
#: A procurement in the passive after its marker ("it would be re-tendered", "the new
#: framework, which providers can join, will be procured"): whatever its subject, the
#: course is the commissioner's (only a commissioner procures).
_PROCURED = re.compile(r"\bbe\s+(?:re-?)?(?:procured|tendered|commissioned|recommissioned)\b",
                       re.IGNORECASE)


def _procured_passively(text: str, at: int, course: int) -> bool:
    """Whether the commitment at ``at`` (its course at ``course``) is a procurement in the
    passive, in its marker ("would be re-tendered") or just after it ("will be procured")."""
    return bool(_PROCURED.search(text, at, course + 24))


_PASSIVE_COURSE = re.compile(r"\s*(?:be|being)\s+(?:\w+\s+)?[\w-]+(?:ed|en)\b", re.IGNORECASE)


def _in_own_voice(text: str, at: int, course: int) -> bool:
    """True when the clause before a commitment that names its service is the plan's own
    voice (a place, the plan, no subject) or, for a course in the passive, that provision
    itself: a document of the council's states its course this way without saying "we"."""
    subject = _subject(text, at).strip()
    if _OWN_VOICE_SUBJECT.fullmatch(subject) and (subject or not text[:at].strip(" -•*")):
        return True  # (no subject at all only when the sentence opens with the marker)
    passive = _PASSIVE_MARKER.match(text, at) or _PASSIVE_COURSE.match(text, course)
    # "Day care contracts end in May and will be re-procured": the subject is the first
    # clause's
    return bool(passive and classify_service(text[:at], None))


def _intends_here(view: SentenceView) -> bool:
    """True when the sentence, or the heading it sits under, speaks as the council."""
    if _COUNCIL_SUBJECT.search(view.text) or _COUNCIL_INITIALS.search(view.text):
        return True
    if _stated_aim().search(view.text) or _PLAN_RESTATED.match(view.text):
        return True  # the plan's own aim, or what the plan just stated amounts to
    if _council_lead_in(view):
        return True  # an item of "Our priorities are:" speaks as the council
    return bool(view.heading and _INTENTION_HEADING.search(view.heading))


_PROVIDERS_HEADING = re.compile(r"\bproviders?\b|\bmarket\s+implications\b", re.IGNORECASE)


def _addressed_to_providers(view: SentenceView) -> bool:
    """True when an action item (no "we", no council named) sits under a heading that
    speaks to providers ("Provider implications", "What this means for providers"): its
    imperative is advice to the market, not the council's own course. A dated item
    ("Review day services. June 2013") is a row of the council's activity table."""
    if _COMMISSIONER.search(view.text) or view.periods:
        return False  # a dated item is a row of the council's own timetable
    headings = [h for h in (view.heading, *view.context[:2]) if h]
    return any(_PROVIDERS_HEADING.search(h) for h in headings)


# Verbs that turn one kind of provision into another: the intention is about the target.
_CONVERSION = re.compile(
    r"\b(?:re-?develop\w*|remodel\w*|convert\w*|reconfigur\w*|repurpos\w*|re-?provid\w*|"
    r"transform\w*|turn\w*)\b", re.IGNORECASE)
_TARGET = re.compile(r"\b(?:into|to\s+(?:an?\s+|\w+\s+)?(?=\w+\s+(?:units?|flats?|places?|beds?)\b)"
                     r"|to\s+(?:an?\s+)?(?=[\w\s/-]{0,40}\b(?:service|centre|scheme|housing|"
                     r"care|support)\b))", re.IGNORECASE)


def _target_service(text: str, term_at: int) -> str | None:
    """The service a conversion ends in: "redevelop a day centre into extra care" is about
    extra care, "remodel the day service into a dementia resource centre" about dementia
    support; a service named before the target is what is being given up."""
    if not _CONVERSION.match(text, term_at):
        return None
    target = _TARGET.search(text, term_at, term_at + 120)
    if target is None:
        return None
    own_end = next((m.start() for m in re.finditer(r"[.;](?:\s|$)", text[target.end():])), None)
    tail = text[target.end(): target.end() + (own_end if own_end is not None else 100)]
    return classify_service(tail)


# A clause that names the means of a course ("..., and utilising assistive technology to
# promote independence"), not what the course acts on.
_MEANS = re.compile(r"[,;]\s*(?:and\s+)?(?:by\s+)?(?:utilising|utilizing|using|through|via|"
                    r"making\s+use\s+of|with\s+the\s+help\s+of)\b", re.IGNORECASE)


def _means_aside(text: str, term_at: int, service: str | None, view: SentenceView) -> str | None:
    """The service found after the course's verb, unless it is named only in a later
    clause giving the means ("move away from shared housing models ..., utilising
    assistive technologies"): then the heading's service, which the course is about."""
    if service is None:
        return service
    means = _MEANS.search(text, term_at)
    if means is None:
        return service
    own = classify_service(text[:means.start()], None, anchor=term_at, by_kind_only=True)
    if own is not None:
        return own
    hits = [h for h in label_hits("services", text) if h.start >= term_at]
    if hits and hits[0].start >= means.start():
        return view.context_service() or service
    return service


#: "admissions to residential care": what follows an outcome names the provision it uses.
_PLACED_IN = re.compile(r"\s+(?:to|into|in)\s+", re.IGNORECASE)


#: More people served: an increase of whatever service the rest of the sentence names.
_MORE_PEOPLE = re.compile(r"more\s+people\b", re.IGNORECASE)
#: A decrease stated after what it keeps down ("keep shared hours as low as possible").
_KEPT_DOWN = re.compile(r"as\s+(?:small|low|few)\s+as\s+possible|to\s+a\s+minimum",
                        re.IGNORECASE)


def _acts_on_provision(text: str, at: int, term_at: int, term_end: int) -> bool:
    """An increase or decrease must act on provision: a provision noun or a service named
    just after the verb ("reduce reliance on", "increase Shared Lives placements"), or,
    for a decrease stated after its object ("as low as possible"), before it."""
    if _PROVISION_SUBJECT.search(_subject(text, at)) or _passive_on_provision(text, at):
        return True  # "investment in this area is expected to increase"
    if _KEPT_DOWN.match(text, term_at):
        return bool(re.search(_PROVISION_NOUN, text[at:term_at], re.IGNORECASE))
    if _MORE_PEOPLE.match(text, term_at):  # "more people to live at home with home care"
        return classify_service(text[term_at:], None) is not None
    outcome = compiled("intention_outcome_objects").search(text, term_end, term_end + 40)
    if outcome and not _PROVISION_OBJECT.match(text[: outcome.start()], term_end) and not (
            _PLACED_IN.match(text, outcome.end()) and classify_service(
                text[outcome.end(): outcome.end() + 40], None, by_kind_only=True)):
        return False
    if _PROVISION_OBJECT.match(text, term_end):
        return True
    return any(0 <= hit.start - term_end <= 40 for hit in label_hits("services", text))


def _passive_on_provision(text: str, at: int) -> bool:
    """A resolution's course in the passive at ``at`` ("... be reduced") whose subject
    names the provision it acts on ("the number of block-booked beds")."""
    return bool(_resolution_passive().match(text, at)
                and _PROVISION_ACTED_ON.search(_subject(text, at)))


def _verb_before(text: str, course: int, term_at: int) -> tuple[str, int] | None:
    """The procuring, developing or reviewing term a course names before the increase or
    decrease that :func:`classify_direction` preferred as its object, if any."""
    for hit in direction_hits(text, course):
        if hit.start >= term_at:
            return None
        if hit.direction in ("Procure", "Develop", "Review"):
            return hit.direction, hit.start
    return None


def _demand_not_action(text: str, term_at: int, term_end: int) -> bool:
    """ "demand will increase", "an increase in the number of": a forecast, not a course."""
    if _DEMAND.search(text[max(0, term_at - 40) : term_at]):
        return True
    return bool(_DEMAND_AFTER.match(text, term_end))


# A lead-in that opens a list of the council's courses ("Our intended outcomes are to:",
# "we are taking the following steps:", "a new model focusing on:").
_COURSE_LEAD_IN = re.compile(
    r"\b(?:outcomes?\s+(?:are|is)\s+to|the\s+following\s+(?:\w+\s+)?(?:measures|actions|"
    r"priorities|changes|steps)|focus(?:ing|es)?\s+on|vision\s+for|intentions?|priorit(?:y|ies)"
    r"|we\s+will|will\s+(?:be\s+)?(?:focus|prioritise|commission|develop)\w*"
    r"|we\s+(?:want|aim|intend|plan|need)\s+to|our\s+(?:aims?|plans?|ambitions?)"
    r"|(?:council|authority)\s+(?:intends|plans|aims|wants)\s+to"
    r"|there\s+is\s+a\s+need\s+(?:to|for)|we\s+expect\s+to\s+see"
    r"|we\s+are\s+looking\s+for)\b",
    re.IGNORECASE,
)


#: An item that opens by asking for more of something ("more self-contained flats,
#: reducing reliance on shared houses"): an increase of it, whatever follows.
_MORE_OF = re.compile(r"(?:\d[\d,]*\s+)?(?:more|additional|extra|new|further)\s+(?!than\b)",
                      re.IGNORECASE)


def _refusal(view: SentenceView, start: int, end: int) -> list[Candidate]:
    """A refusal to buy more ("will not commission any new residential places"): a
    decrease of the service it names, not a denied course."""
    refused = compiled("intention_refusals").search(view.text, start, end)
    if refused is None:
        return []
    service = classify_service(view.text, None, anchor=refused.end()) or view.context_service()
    return [_candidate(view, refused.start(), "Decrease", service)] if service else []


#: A heading that names the council's courses as such ("Our commissioning intentions",
#: "What we will do"): its list items are those courses when no lead-in introduces them.
_COURSES_HEADING = re.compile(
    r"\b(?:(?:our|commissioning)\s+(?:\w+\s+)?intentions|what\s+we\s+(?:will|plan|intend)\b|"
    r"our\s+(?:priorities|plans))\b", re.IGNORECASE)


def _council_lead_in(view: SentenceView) -> bool:
    """A list item under a lead-in that commits the council to courses ("Our priorities
    are:", "We are looking for providers who can:"), not the market's own course, or,
    without a lead-in, under a heading that names them."""
    lead_in = view.lead_in
    if not lead_in:
        return bool(view.sentence.is_list_item and view.heading
                    and _COURSES_HEADING.search(view.heading))
    return bool(view.sentence.is_list_item and _COURSE_LEAD_IN.search(lead_in)
                and not (_OTHER_ACTOR.search(lead_in) and not _COMMISSIONER.search(lead_in)))


def _item_of_a_course(view: SentenceView) -> list[Candidate]:
    """A list item under a lead-in that commits to courses speaks for the council without
    a verb of its own ("- specialist day services for people living with dementia"): it
    takes the direction of its own verb, else of the lead-in, and must name its service
    itself (an item naming none is a quality or an outcome, not provision), unless it
    asks for more provision ("more capacity in the west": the section's service)."""
    lead_in = view.lead_in
    if not _council_lead_in(view):
        return []  # none, or "opportunities for providers to explore:": the market's course
    more = _MORE_OF.match(view.text)  # "90 new flats by 2028": a target, not provision
    if view.quantities and not (more or classify_direction(view.text)):
        return []  # a count under the lead-in is provision, read by the count rules
    if ":" in view.text:
        return []  # "Choice and control: giving people ...": a term and its definition
    refused = _refusal(view, 0, 40)
    if refused:
        return refused
    found = (("Increase", 0) if more else None) or classify_direction(
        view.text) or classify_direction(lead_in)
    service = classify_service(view.text, None)  # the item itself names what it is about
    if service is None and more and _PROVISION_OBJECT.match(view.text):
        service = view.context_service()
    if found is None or service is None:
        return []
    return [_candidate(view, 0, found[0], service)]


def _opening_verb(text: str) -> re.Match[str] | None:
    """The action verb a text opens with, as a word of a clause ("Review the ...", not
    "TENDER: ...", where it is the first word of a name)."""
    verb = compiled("action_item_verbs").match(text)
    return verb if verb and text[verb.end():verb.end() + 1] == " " else None


def _title_cased(text: str) -> bool:
    """A title rather than a sentence: nearly all its longer words capitalised, as in a
    report's, an agenda item's or a notice's name ("TENDER: Framework Agreement for ...")."""
    if _opening_verb(text):
        return False  # "Review Day Services in Kensington and Chelsea": an action item
    unquoted = re.sub(r"[\"“‘'][^\"”’']{3,}[\"”’']", " ", text)  # a quoted service's name
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", unquoted) if len(w) > 3]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.85 * len(words)


def _title_key(text: str) -> str:
    """A title as compared with a line: punctuation and case are how pages differ."""
    return re.sub(r"[\W_]+", " ", text).strip().casefold()


def _restates_title(view: SentenceView) -> bool:
    """A line that repeats the title of its page or section ("Decision details / Recommissioning
    of ... services." under that page): the item's name, not a course stated."""
    if view.sentence.is_heading:
        return False  # the title itself, read as a heading ("Build two new day centres")
    own = _title_key(view.text)
    return len(own) > 20 and any(_title_key(title).endswith(own)
                                 for title in (view.heading, *view.context) if title)


def _imperative(heading: str) -> bool:
    """A heading that commits to a course ("Reduce reliance on residential care for
    younger adults"): it opens with an action verb's plain form (a gerund, "Increasing
    preventative services", names a topic) and names a service in four words or more."""
    verb = _opening_verb(heading)
    return bool(verb and heading[verb.end() + 1:verb.end() + 2].islower()
                and not verb.group(0).lower().endswith("ing")
                and not verb.group(0).lower().startswith("to ")
                and len(heading.split()) >= 4 and classify_service(heading, None))


def _counted_action(view: SentenceView) -> bool:
    """A short line that opens with an action and counts what it acts on ("Building two
    new respite units", "Refurbish and extend four existing homes"): an item of a plan set
    out as lines, not a topic's title."""
    return bool(_action_opening(view.text) and view.quantities)


#: A decision that hands a course to an officer ("authorises the Director of Adult
#: Services, in consultation with the Cabinet Member for Health, to commence ..."): the
#: course comes after the officer's titles.
_DELEGATION = re.compile(r"(?:to\s+)?(?:authori[sz]\w*|delegat\w*)\b", re.IGNORECASE)


def _reach(text: str, at: int) -> int:
    """How far after a commitment its course's direction term may stand."""
    return 240 if _DELEGATION.match(text, at) else 120


def extract_intentions(view: SentenceView) -> list[Candidate]:
    text = view.text
    if text.rstrip().endswith("?") or (view.sentence.is_heading and not (
            _imperative(text) or _counted_action(view))):
        return []  # a question, or a heading's topic ("Increasing preventative services")
    if _title_cased(text) or _restates_title(view) or contents_line(text):
        return []  # "Proposed Changes to Day Services: Report of Findings": a title
    commitments = _commitments(text) or _resolved_item(view)
    if not commitments:
        return _item_of_a_course(view)
    for at, course in commitments:
        passive_procurement = _procured_passively(text, at, course)
        if not passive_procurement and any(
                m.end() <= at + 12 for m in _OTHER_SUBJECT.finditer(text, max(0, at - 30),
                                                                    at + 40)):
            continue  # (the lookahead reads past the subject: "this will include an ...")
        if not passive_procurement and _another_actors_course(text, at, course):
            continue
        refused = _refusal(view, max(0, at - 25), course + 40)
        if refused:
            return refused  # "we will not commission any new residential places": fewer
        if compiled("intention_negations").search(text, max(0, at - 25), course + 25):
            continue  # "we have no plans to", "will not be recommissioned"
        # A passive marker names its own course: "is currently being reviewed".
        found = None
        if re.search(r"\breview(?:ed)?\s*$", text[at:course], re.IGNORECASE):
            found = classify_direction(text[:course], at)
        # The course is in the commitment's own sentence: a later cell of a row (the
        # evidence, "currently reviewing") is not what the council commits to.
        own = text[: sentence_bounds(text, at)[1]]
        # "being developed": the marker itself names the course ("are considering" names
        # none: what is considered follows)
        from_marker = classify_direction(own, at)
        inside = from_marker if from_marker is not None and from_marker[1] < course and (
            from_marker[0] in ("Increase", "Decrease", "Develop")) else None
        reach = _reach(text, at)
        after = classify_direction(own, course)
        if after is not None and after[1] - course > reach:
            after = None  # too far to be the course committed to here
        # "seeking approval to tender": the marker's own words name the course
        found = found or inside or after or from_marker
        if found is None:
            continue
        direction, term_at = found
        if term_at - course > reach:
            continue
        if direction == "Procure" and GRANT_AWARD.search(text):
            continue  # "approve the award of a grant to ...": a grant is given, not procured
        word = re.match(r"[\w-]+", text[term_at:])
        term_end = term_at + (len(word.group(0)) if word else 0)
        if _demand_not_action(text, term_at, term_end):
            continue
        if compiled("intention_relation_objects").search(text, term_end, term_end + 50):
            continue  # "develop strong relationships with": a way of working, no provision
        if at == course and _addressed_to_providers(view):
            continue  # an imperative under "Provider implications" is advice to providers
        # the course's own tense, after its marker ("has announced a planned tender": the
        # announcement is past, the tender to come)
        if _PAST.search(text[course:term_at]) and not re.search(r"\bwill\b", text,
                                                                 re.IGNORECASE):
            continue
        if direction in ("Increase", "Decrease") and not _acts_on_provision(text, at, term_at,
                                                                            term_end):
            verb = _verb_before(own, course, term_at)
            if verb is None:
                continue  # "reduce isolation", "increase take up": outcomes, not provision
            # "commission a provider to deliver extra respite": the course is
            # the verb's, the increase only what it is for
            direction, term_at = verb
            word = re.match(r"[\w-]+", text[term_at:])
            term_end = term_at + (len(word.group(0)) if word else 0)
        # Only a kind of provision named here lets the sentence speak for itself; a
        # client group ("with carers") names who, not what, so the tests below still apply.
        named = classify_service(text, None, anchor=term_at, by_kind_only=True)
        service = _target_service(text, term_at) or _means_aside(text, term_at, named, view)
        if service is None:
            if not (_intends_here(view) or (
                    direction == "Procure" and passive_procurement)):
                continue  # (only a commissioner procures: "will be re-procured" is its)
            in_text = classify_service(text, None, anchor=term_at)
            wish = _WEAK_MARKER.search(text, max(0, at - 12), course)
            if direction not in ("Procure", "Review", "Decommission") and not (
                _PROVISION_OBJECT.match(text, term_end) or _passive_on_provision(text, at)
                or (_council_commits(text, at) and (in_text or not wish))
            ):
                continue  # "reduce dependency", "develop our skills": no provision named
            service = in_text or view.context_service()
            if service is None:
                continue  # a course for no service a researcher could name
            if wish and not (
                _PROVISION_SUBJECT.search(_subject(text, at))
                or _OWN_WISH.search(text, max(0, at - 12), course)
            ):
                continue  # "we want to develop services": a wish without its service
        elif not (_intends_here(view) or direction == "Review"
                  or _in_own_voice(text, at, course)) and not (
            at == course  # an action item: the list speaks for the council
        ):
            continue
        return [_candidate(view, at, direction, service)]
    return []


def _candidate(view: SentenceView, at: int, direction: str, service: str | None) -> Candidate:
    period = course_period(view, at)
    quantity = next(
        (
            q
            for q in view.quantities
            if q.unit in ("units", "beds", "places", "homes")
            and direction in ("Increase", "Decrease", "Procure", "Develop")
            and not existing_stock(view.text, q.start)  # the stock acted on, no target
        ),
        None,
    )
    if quantity is None:
        return view.candidate("CommissioningIntention", direction=direction, service=service,
                              **period_values(period))
    return view.candidate("CommissioningIntention", direction=direction, service=service,
                          value=quantity.value, unit=unit_slug(quantity.unit),
                          approximate=quantity.approximate, **period_values(period))
