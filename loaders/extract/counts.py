"""Capacity and need: the two readings of a count, told apart by the words around it.

"We currently support 95 adults" counts provision (capacity); "there will be around 1,800
residents with dementia in 2029/30" estimates need. A count in a clause with a verb of
provision is capacity; one with words of estimate, projection or prevalence is need; a
count with neither is left out.
"""

from __future__ import annotations

import re
from decimal import Decimal

from carekg.loaders.classify import (
    classify_population,
    classify_service,
    label_hits,
    need_source,
    unit_slug,
)
from carekg.loaders.extract.common import (
    ANAPHOR,
    NATIONAL,
    SentenceView,
    bare_figures,
    clause_spans,
    contents_line,
    existing_stock,
    issued_year,
    period_in,
    period_values,
    sentence_bounds,
)
from carekg.loaders.extract.money import is_approximate_before, to_decimal
from carekg.loaders.extract.periods import MONTH, Period
from carekg.loaders.extract.quantities import (
    NUMBER_WORDS,
    Quantity,
    is_house_number,
    is_rate_base,
    is_reference_number,
)
from carekg.loaders.extract.rules import compiled, load_rules
from carekg.loaders.model import Candidate

_PROJECTION = re.compile(
    r"\b(?:projected|projection|predict(?:ed|s)?|forecast|expect(?:ed)?\s+(?:there\s+)?to\s+be|will\s+"
    r"(?:be\s+(?=around|about|approximately|over|some|an?\s+estimated|\d)|rise|increase|grow|"
    r"change|need)|might\s+expect|would\s+be|by\s+(?:19|20)\d\d|"
    r"is\s+estimated\s+to\s+be|to\s+grow|to\s+rise|to\s+increase|will\s+be\s+underserved|"
    r"over\s+(?:the\s+)?next\s+\d+\s+years)\b",
    re.IGNORECASE,
)
# Verbs of provision that make a count capacity even beside a word of need.
_PROVISION = re.compile(
    r"\b(?:commission(?:s|ed|ing)?|provid(?:e|es|ed|ing)|support(?:s|ed|ing)?|deliver(?:s|ed|ing)?"
    r"|purchas(?:e|es|ed|ing)|in\s+receipt\s+of|receiv(?:e|es|ed|ing)|registered|looked\s+after|"
    r"compris(?:e|es|ed|ing)|cater(?:s|ed|ing)?|offer(?:s|ed|ing)?|living\s+in\s+(?:shared|supported)"
    r"|framework|block\s+contract|subject\s+of|with\s+an\b|placed\s+in(?:to)?\b)",
    re.IGNORECASE,
)
_AGE = re.compile(r"(?:\baged?|\bages|\bover|\bunder|-)\s*$", re.IGNORECASE)
# A number that measures time or age, not people: "20 or more hours", "over 5, 10, 20
# years", "24 hour care", "the age of 25".
_NOT_A_HEADCOUNT = re.compile(
    r"^\s*(?:(?:,|and|or|to)\s*\d+\s*)*(?:or\s+more\s+|-\s*)?(?:hours?|years?|yrs|months?|weeks?|days?|"
    rf"minutes?|per\s*cent|percent|(?:st|nd|rd|th)?\s*{MONTH}(?!\w))",  # "on 23 July": a day
    re.IGNORECASE,
)
_PER_YEAR = re.compile(r"\s+(?:a|per|each|every)\s+year\b", re.IGNORECASE)
_HYPOTHETICAL = re.compile(r"\bwould\b.*\bif\b|\bif\b.*\bwould\b", re.IGNORECASE | re.DOTALL)
_AGE_OF = re.compile(r"\bage\s+of\s*$", re.IGNORECASE)
_AGE_WORD_ONLY = re.compile(r"(?:\bover|\bunder)\s*$", re.IGNORECASE)
_AFTER_AGE = re.compile(
    r"^\s*(?:\+|-|–|(?:and|or)\s+(?:over|above|older)|years?\b|to\s+\d|yrs)", re.IGNORECASE
)
# A figure that is one end of a range ("between 20 and 30", "20-30", "20 to 30"): the
# model holds one value, and either end alone misstates the text.
_RANGE_BEFORE = re.compile(r"(?:\bbetween\s+|\d\s*(?:-|–|to)\s*|\bbetween\s+\d[\d,]*\s+and\s+)$",
                           re.IGNORECASE)
_RANGE_AFTER = re.compile(r"^\s*(?:-|–|to|and)\s*\d")
# "Three more units", "11 new flats", "5 additional beds": a change, not what exists.
_INCREMENT = re.compile(r"^\s*(?:more|new|additional|extra(?!\s+care)|further)\b|"
                        r"\b(?:more|new|additional|extra|further)\s+$", re.IGNORECASE)
# Words that a count is being estimated, which a verb of provision does not overturn
# ("we estimate 10,000 carers providing unpaid care").
_ESTIMATE = re.compile(r"\b(?:estimat\w*|prevalence|projected|predicted)\b", re.IGNORECASE)
# Present tense of provision: with it, a "will" elsewhere is about something else.
_PRESENT = re.compile(r"\b(?:currently|there\s+(?:are|is)|we\s+have|has|have|provides?|"
                      r"operates?|runs?|commissions?|supports?|in\s+receipt\s+of|receiving)\b",
                      re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|planned|plans?\s+to|to\s+be\s+\w+ed)\b", re.IGNORECASE)
# Words that make an addition a need ("will need to be one new home", "require an
# additional 500 homes") rather than a home opened or built.
_NEEDED = re.compile(r"\b(?:need(?:s|ed)?\s+to\s+be|will\s+need|requir\w*|anticipat\w*|"
                     r"shortfall|projected|forecast)\b", re.IGNORECASE)
# Provision being built or opened: what is expected of it is its completion, not a need.
_BUILT = re.compile(r"\b(?:to\s+be\s+(?:completed|built|opened|handed\s+over)|due\s+to\s+"
                    r"(?:open|complete))\b", re.IGNORECASE)
# People a service works through or employs are its workforce, not people it supports.
#: A course's target figure: what it will reach ("to 80 carers", "by 500 people").
_TARGET_BEFORE = re.compile(
    r"\b(?:to|by)\s+(?:(?:around|about|approximately|at\s+least|over|some)\s+)?$",
    re.IGNORECASE)
#: What people counted did when they are a consultation's respondents ("412 carers
#: replied to the survey", "90 residents attended the events").
_RESPONDED = re.compile(
    r"\s+(?:\w+\s+){0,2}?(?:responded|replied|took\s+part|attended|participated|completed\s+"
    r"(?:the|a|our)\s+(?:survey|questionnaire))\b", re.IGNORECASE)
_WORKFORCE_BEFORE = re.compile(
    r"\b(?:through|employ(?:s|ing|ed)?|workforce\s+of|staff\s+of|staffed\s+by)\s+"
    r"(?:(?:around|about|approximately|some|over|almost|nearly|c\.?|circa)\s*)?$",
    re.IGNORECASE,
)
# A count that names no service must at least be of care or support of some kind.
_ANY_PROVISION = re.compile(r"\b(?:care|support|services?|provision)\b", re.IGNORECASE)
_AS_AT = re.compile(r"\b(?:as\s+(?:at|of)|at(?:\s+the\s+end\s+of)?)\s+(?:mid-?)?$", re.IGNORECASE)
# "(June 2023)": a date in brackets beside a figure says when it was counted.
_STAMP = re.compile(r".?\([^()]*\)", re.DOTALL)
# A flattened table: three or more bare figures in a row ("273 248 240").
_SERIES = re.compile(r"(?<![\d,.])\d[\d,]*\s+\d[\d,]*\s+\d[\d,]*(?![\d,.])")


def in_range(text: str, start: int, end: int) -> bool:
    """True when the figure text[start:end] is one end of a range of figures."""
    before = text[max(0, start - 30):start]
    if re.search(r"\bfrom\b|/\d+\s*(?:-|–|to)\s*$", before, re.IGNORECASE):
        return False  # "from 850 in 2011/12 to 1,227": a change between two figures
    if _RANGE_BEFORE.search(before):
        return True
    return bool(_RANGE_AFTER.match(text[end:])) and bool(
        re.search(r"\bbetween\s*$", before, re.IGNORECASE)
        or re.match(r"^\s*(?:-|–|to)", text[end:]))


# (a decade, "in their 80s", is an age, not a figure)
_BARE = re.compile(r"(?<![\d£$,.\w/])(\d{1,3}(?:,\d{3})+|\d{2,})(\+)?"
                   r"(?![\d%]|\.\d|,\d|/\d|\s*%|[’']?s\b)")


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
        before = text[max(0, m.start() - 8) : m.start()]
        if _AGE.search(before) and not (
            # "just over 16,000": an age is a small number, a population is not
            _AGE_WORD_ONLY.search(before) and to_decimal(m.group(1)) > 120
        ):
            continue
        if _AFTER_AGE.match(text[m.end() :]) or _NOT_A_HEADCOUNT.match(text[m.end() :]):
            continue
        if m.group(2) and to_decimal(m.group(1)) <= 120:
            continue  # "60+ population": an age band
        if _AGE_OF.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        if is_house_number(text, m.end()):
            continue  # "the centre at 42 Park Road": an address, not a count
        if is_rate_base(text, m.start()):
            continue  # "a rate per 100,000 population": the rate's base
        if is_reference_number(text, m.start()):
            continue  # "Figure 22: ...": the figure's number
        last = re.search(r"\S*$", text[: m.start()])
        token = last.group(0) if last else ""
        if "/" in token or "http" in token:
            continue  # part of an address or a code
        approx = bool(m.group(2)) or is_approximate_before(text, m.start())
        found.append((to_decimal(m.group(1)), m.start(), m.end(), approx))
    return found


#: The label of a link to a file ("214 Carers Strategy PDF 512 KB", "(PDF, 300KB)"): its
#: figures are an agenda item's number and the file's size, not counts.
_DOCUMENT_LINK = re.compile(r"\b(?:PDF|DOCX?|XLSX?|ODT|RTF)\b[,\s]*\d+(?:\.\d+)?\s?[KM]B\b",
                            re.IGNORECASE)


_UNPAID_CARE = re.compile(
    r"\bprovid\w*\s+(?:unpaid\s+care|(?:\w+\s+){0,2}?(?:care|support)\s+(?:to|for)\s+"
    r"(?:an?\s+|their\s+)?(?:family|friends?|relatives?|partners?|loved\s+ones?))\b",
    re.IGNORECASE)


def extract_counts(view: SentenceView, has_intention: bool) -> list[Candidate]:
    """Capacity and NeedEstimate candidates of one sentence.

    ``has_intention``: the sentence already states a commissioning intention, whose
    figure is a target, not current provision, so no capacity is read from it."""
    text = view.text
    if (view.sentence.is_table_row or NATIONAL.search(text) or _DOCUMENT_LINK.search(text)
            or contents_line(text)):
        return []
    quantities = [q for q in view.quantities if not (q.unit == "people" and q.value < 2)
                  and not in_range(text, q.start, q.end - len(q.noun))]
    need_words = _need_cue(text)
    candidates: list[Candidate] = []
    if not quantities and not has_intention and view.sentence.is_list_item and (
            _provision_lead_in(view)):
        candidates.extend(_counted_services(view))
    # A figure in a sentence that commits to a course is its target, not a need.
    bare = _need_figures(view, quantities) if need_words and not has_intention else []
    figures = sorted(
        [(q.start, q.end, q) for q in quantities] + [(b[1], b[2], b) for b in bare],
        key=lambda f: f[0],
    )
    spans = dict(
        zip((f[0] for f in figures), clause_spans(text, [f[:2] for f in figures]), strict=True)
    )
    needs: dict[int, bool] = {}  # whether each count read so far is a need, by its start
    for quantity in quantities:
        start, end = spans[quantity.start]
        # a count sharing an earlier count's noun shares its verb too
        clause = text if quantity.elided else text[start:end]
        provision = _PROVISION.search(clause)
        projection = _PROJECTION.search(clause) or _PROJECTION.search(text)
        # an estimate of people served ("support an estimated 5,575 people") is provision;
        # of people who provide care ("an estimated 9,000 carers providing care"), need
        served = bool(provision and not provision.group(0).lower().startswith("provid")
                      and not _NEEDED.search(clause))
        is_need = bool(_need_cue(clause) or projection) and not (
            provision and not projection and (served or not _ESTIMATE.search(clause))
        )
        # "100,000 people providing support to a family member": unpaid carers, a need
        is_need = is_need or bool(quantity.unit == "people" and _UNPAID_CARE.search(clause))
        # people per year is a flow of need ("20 people a year come through transition")
        # (unless a service provides for them: "providers who support 5,000 people a year")
        is_need = is_need or bool(quantity.unit == "people" and _PER_YEAR.match(text, quantity.end)
                                  and not provision)
        # "300 people in need of support": people counted by their need, not by a service
        is_need = is_need or bool(quantity.unit == "people" and _NEED_AFTER().match(
            text, quantity.end + len(text[quantity.end:]) - len(text[quantity.end:].lstrip())))
        # "9,000 carers in the county": a population no service is said to serve
        is_need = is_need or bool(
            quantity.unit == "people" and not provision
            and compiled("population_count_nouns").fullmatch(quantity.noun.strip())
            and not _WORKFORCE_BEFORE.search(text, max(0, quantity.start - 40), quantity.start))
        if quantity.part_of is not None and quantity.part_of in needs:
            is_need = needs[quantity.part_of]  # "30,000 carers, of whom 9,000 ...": as its whole
        needs[quantity.start] = is_need
        if (is_need and quantity.unit != "people" and not _PROJECTION.search(clause)
                and not _NEEDED.search(clause) and not _FUTURE.search(clause)):
            is_need = False  # "71 beds were available" beside a word of need: provision
        if (is_need and quantity.unit != "people" and _is_increment(text, quantity)
                and not _NEEDED.search(text)):
            continue  # "one new nursing home opened to meet demand": an addition, not a need
        if is_need and quantity.unit != "people" and _BUILT.search(clause):
            continue  # "the 40 flats are expected to be completed in May": a development
        if _HYPOTHETICAL.search(clause):
            continue  # "we would know about 1000 more patients if ...": not a count of anything
        if quantity.unit == "people" and _RESPONDED.match(text, quantity.end):
            continue  # "412 carers replied to the survey": a consultation's, no need or care
        if _asked(text, quantity.start):
            continue  # "how will closing 40 beds be paid for?" states no count
        unit = unit_slug(quantity.unit)
        if unit is None:
            continue  # a count of something the units scheme cannot name is not comparable
        if is_need:
            if quantity.unit not in ("people", "units", "homes", "beds", "places"):
                continue
            if has_intention and (quantity.unit != "people" or _TARGET_BEFORE.search(
                    text, max(0, quantity.start - 30), quantity.start)):
                continue  # "the plans will add beds ... across 9 homes", "expand the
                # scheme to 80 carers": the course's target
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
                    quantity.noun,
                )
            )
        elif has_intention and not existing_stock(text, quantity.start):
            continue  # "develop 200 additional units": the course's target
        elif provision or compiled("capacity_cues").search(text, 0, _shared_end(
                text, quantity, quantities, spans, end)) or (
                view.sentence.is_list_item and _provision_lead_in(view)):
            if quantity.unit == "items" and not provision:
                continue
            if quantity.unit == "people" and _WORKFORCE_BEFORE.search(
                    text, max(0, quantity.start - 40), quantity.start):
                continue  # "... to 2,500 clients through around 3,000 carers": staff
            if not _current_stock(view, quantity, start, end):
                continue
            # the count's own figure is no date of it ("supports over 2040 people")
            period = period_in([p for p in view.periods
                                if not p.start <= quantity.start < p.end], start, end)
            if period is not None and period.start_date.year > _issued(view):
                period = None  # a later date is when something else happens to it
            values = (period_values(period) or period_values(_stamp(view))
                      or period_values(_lead_in_period(view)) or issued_year(view.record))
            # the count's own noun phrase ("21 residential care places") names its
            # service before its clause does, and the clause before the sentence (whose
            # other figure may count another service)
            service = (classify_service(text[quantity.start:quantity.end])
                       or classify_service(text[start:end]) or classify_service(text)
                       or view.context_service())
            if service is None and not _ANY_PROVISION.search(text, start, end):
                continue  # "243,000 residents living in the borough": a population
            candidates.append(
                view.candidate(
                    "Capacity",
                    start,
                    end,
                    value=quantity.value,
                    unit=unit,
                    approximate=quantity.approximate,
                    service=service,
                    **values,
                )
            )
    if not has_intention and not need_words:
        candidates.extend(_provision_shares(view))
    projected = bool(_PROJECTION.search(text))
    for value, s, _e, approx in bare:
        start, end = spans[s]
        candidates.append(
            _need(view, start, end, value, unit_slug("people"), approx, s, projected)
        )
    if need_words and projected:
        candidates.extend(_percent_needs(view))
    candidates.extend(_prevalence_rates(view))
    return sorted(candidates, key=lambda c: c.start)


#: What joins two counts that share one verb: "and", "or", a comma.
_JOINED = re.compile(r"\s*(?:,|,?\s*(?:and|or))\s*")


def _shared_end(text: str, quantity: Quantity, quantities: list[Quantity],
                spans: dict[int, tuple[int, int]], end: int) -> int:
    """Where the verb of a count may be: "40 residential beds and 9 nursing beds were
    available" gives both counts the one verb after the last, so a count joined to the next
    by "and", "or" or a comma reaches as far as that count's clause."""
    for later in quantities:
        if later.start > quantity.end and _JOINED.fullmatch(text, quantity.end, later.start):
            return _shared_end(text, later, quantities, spans, spans[later.start][1])
    return end


# "an estimated 17% (31,000) prevalence of ...", "a prevalence of 2.5%": the share of a
# population with a condition, a need in percent.
_PREVALENCE_RATE = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s?%\s*(?:\(\s*[\d,]+\s*\)\s*)?prevalence\b|"
    r"\bprevalence\s+(?:rate\s+)?of\s+(?P<num2>\d+(?:\.\d+)?)\s?%|"
    # a share of a population said to have a condition or to care ("11% of people aged 65
    # and over have a mental health need", "12% of the population are unpaid carers")
    r"(?<![\d.])(?P<num3>\d+(?:\.\d+)?)\s?(?:%|per\s?cent)\s+of\s+(?:the\s+)?(?:population|"
    r"people|adults|residents|older\s+people)\b"
    # (not of people served: "60% of people who use day services have ...")
    r"(?:(?!\b(?:use|uses|using|receiv\w*|supported|funded|placed|in\s+receipt)\b)[^.;%]){0,40}?"
    r"\s(?:have|has|live\s+with|"
    r"(?:are\s+)?living\s+with|provide|providing|experience|are\s+(?:unpaid\s+)?carers)\b",
    re.IGNORECASE)


#: A share of people written as "N in M" ("4 in 100 people", "one in four adults").
_ONE_IN = re.compile(r"(?<![\d.,])(?P<n>\d+|one|two|three)\s+in\s+(?P<base>100|1,000|1000|"
                     r"two|three|four|five|six|seven|eight|nine|ten)\s+(?:people|adults|"
                     r"residents|older\s+people|carers)\b", re.IGNORECASE)


def _prevalence_rates(view: SentenceView) -> list[Candidate]:
    """Shares of a population with a condition, in percent: "a prevalence of 2.5%", and
    "4 in 100 people" (4%), "one in four adults" (25%)."""
    found = [(m, to_decimal(m.group("num") or m.group("num2") or m.group("num3")))
             for m in _PREVALENCE_RATE.finditer(view.text)]
    for m in _ONE_IN.finditer(view.text):
        n, base = (Decimal(NUMBER_WORDS.get(g.casefold(), g.replace(",", "")))
                   for g in (m.group("n"), m.group("base")))
        found.append((m, (100 * n / base).quantize(Decimal("0.1")).normalize()))
    out = []
    for m, value in found:
        period = period_in(view.periods, 0, len(view.text), prefer=None)
        out.append(view.candidate(
            "NeedEstimate", value=value,
            unit=unit_slug("percent"), approximate=False,
            population_group=classify_population(view.text, view.heading),
            service=classify_service(view.text, None), is_projection=False,
            value_start=view.sentence.start + m.start(),
            **(period_values(period) or issued_year(view.record))))
    return out


#: An item that opens with a number: "- Three respite services for carers".
_OPENING_NUMBER = re.compile(r"\W*(?P<num>\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\s+",
                             re.IGNORECASE)


def _counted_services(view: SentenceView) -> list[Candidate]:
    """An item under a lead-in of provision that counts a service by its name ("Our own
    services are: - Three respite services for carers"): that many of the
    service (unit homes: services and sites, not beds or places)."""
    opening = _OPENING_NUMBER.match(view.text)
    if opening is None:
        return []
    hit = next((h for h in label_hits("services", view.text) if h.start == opening.end()),
               None)
    if hit is None:
        return []
    number = opening.group("num").casefold()
    value = Decimal(NUMBER_WORDS[number]) if number in NUMBER_WORDS else to_decimal(number)
    return [view.candidate("Capacity", value=value, unit=unit_slug("homes"), service=hit.slug,
                           value_start=view.sentence.start + opening.start("num"),
                           **issued_year(view.record))]


def _provision_lead_in(view: SentenceView) -> bool:
    """Whether a list item's lead-in says its items are provision ("In-house services
    include:", "We currently commission:"): an item that is only a count and its noun
    ("Two residential care homes") takes its verb from there."""
    lead_in = view.lead_in
    return bool(lead_in) and bool(
        _PROVISION.search(lead_in) or compiled("capacity_cues").search(lead_in)
    ) and not (compiled("need_cues").search(lead_in) or _FUTURE.search(lead_in))


# A share of provision: "occupancy of 91%", "a third of nursing beds", "about 60% of the
# home care market" (a figure of the market's make-up, not a rate of change).
_OCCUPANCY = re.compile(r"\boccupan\w*", re.IGNORECASE)
_SHARE_OF = re.compile(
    r"\s*(?:of\s+(?:the\s+|our\s+|all\s+)?(?:[\w'’-]+\s+){0,4}?(?:market|beds|homes|care\s+homes|"
    r"placements|places|providers|schemes|units|provision|capacity)\b)", re.IGNORECASE)
#: How a share of provision is stated in the present ("15% of beds are nursing beds",
#: "make up 55% of the market", "70% of homes rated Good").
_SHARE_NOW = re.compile(r"\b(?:are|is|make\s+up|makes\s+up|account\s+for|accounts\s+for|"
                        r"delivered|rated)\b", re.IGNORECASE)
_CHANGE_AFTER = re.compile(r"\s*(?:increase|rise|growth|decrease|fall|reduction|drop|higher|"
                           r"lower|more|less|fewer|turnover|vacancy)", re.IGNORECASE)


def _provision_shares(view: SentenceView) -> list[Candidate]:
    """Percentages that describe current provision: its occupancy or a share of a market,
    of beds or of homes. Rates of change, vacancy and turnover, and projections are not."""
    text = view.text
    if _PROJECTION.search(text) or not (_PRESENT.search(text) or _SHARE_NOW.search(text)
                                        or _OCCUPANCY.search(text)):
        return []
    shares = [f for f in bare_figures(view) if f[1]]
    spans = clause_spans(text, [(f[2], f[3]) for f in shares])
    out = []
    for (value, _pct, start, end), (low, high) in zip(shares, spans, strict=True):
        if _CHANGE_AFTER.match(text, end):
            continue
        # occupancy said once for the sentence's figures: "occupancy for residential homes
        # is 81% and for nursing homes 84%"
        if not (_SHARE_OF.match(text, end) or _OCCUPANCY.search(text, 0, high)):
            continue
        service = classify_service(text[low:high]) or view.context_service()
        if service is None:
            continue
        out.append(view.candidate("Capacity", low, high, value=value, unit=unit_slug("percent"),
                                  approximate=is_approximate_before(text, start),
                                  service=service, value_start=view.sentence.start + start,
                                  **(period_values(period_in(view.periods, low, high)
                                                   or _stamp(view))
                                     or issued_year(view.record))))
    return out


def _lead_in_period(view: SentenceView) -> Period | None:
    """The one period of a list's lead-in ("In October 2019 there were:"), if not later
    than the document: it dates every item that names none."""
    periods = view.lead_in_periods
    if len(periods) != 1 or periods[0].start_date.year > _issued(view):
        return None
    return periods[0]


def _issued(view: SentenceView) -> int:
    match = re.match(r"\d{4}", view.record.issued or "")
    return int(match.group(0)) if match else 9999


# A standard a provision should meet ("each scheme should have 60 units"), not its stock.
_NORMATIVE = re.compile(r"\b(?:should|ought\s+to|must)\s+(?:ideally\s+)?(?:have|be|include|"
                        r"provide|offer|contain)\b", re.IGNORECASE)
# "a net increase to the market of 5 homes and 120 beds": a change, not what exists.
_CHANGE_OF = re.compile(r"\b(?:increase|decrease|reduction|rise|fall|growth|loss)\b[^.;:]{0,60}?"
                        r"\b(?:of|by)\s+[^.;:,]*$", re.IGNORECASE)


def _current_stock(view: SentenceView, quantity: object, start: int, end: int) -> bool:
    """Whether a count states what exists now, rather than an addition ("3 more units"),
    a plan ("will be redeveloped into 9 places"), a timetable item dated to a month, or
    the word "one" in a phrase ("from one place", "one to one")."""
    text = view.text
    q_start = quantity.start  # type: ignore[attr-defined]
    if _is_increment(text, quantity) or _CHANGE_OF.search(text, max(0, q_start - 80), q_start):
        return False
    number_end = _word_end(text, q_start)
    if text[q_start:q_start + number_end].casefold() == "one":
        return False
    clause = text[start:end]
    if _FUTURE.search(clause) and not _PRESENT.search(clause):
        return False
    if _NORMATIVE.search(clause):
        return False  # "each scheme should have around 60 units": a standard, not stock
    if compiled("capacity_plan_cues").search(text, 0, end):
        return False  # "currently procuring 40 places": bought for the future, not in place
    for period in view.periods:
        if start <= period.start < end and period.kind in ("day", "month", "season",
                                                           "monthrange", "quarter"):
            if not _stamps(text, period):
                return False
    return True


def _is_increment(text: str, quantity: object) -> bool:
    """Whether a count is an addition ("3 more units", "one new home") to what exists."""
    q_start, q_end = quantity.start, quantity.end  # type: ignore[attr-defined]
    before = text[max(0, q_start - 12):q_start]
    if _INCREMENT.search(before):
        # "runs a further six day centres": more of what exists, not an addition
        return not (re.search(r"\ba\s+further\s+$", before, re.IGNORECASE)
                    and _PRESENT.search(text) and not _FUTURE.search(text))
    return bool(_INCREMENT.match(text[q_start + _word_end(text, q_start):q_end + 1]))


def _word_end(text: str, start: int) -> int:
    """Length of the number's word at ``start`` ("1,200", "one")."""
    word = re.match(r"[\w,]+", text[start:])
    return word.end() if word else 0


def _NEED_AFTER() -> re.Pattern[str]:  # noqa: N802 - a compiled rule, named like one
    return compiled("need_after_count")


def _need_figures(
    view: SentenceView, quantities: list
) -> list[tuple[Decimal, int, int, bool]]:
    """Need figures written without the noun they count: "... is projected to grow to
    138,100 by 2025", "6,066 people aged 18-64 ... and 1,269 aged 65 and over"."""
    if not (re.search(r"\b(?:number\s+of|people|residents|adults|carers|individuals|"
                      r"population)\b", view.text, re.IGNORECASE)
            or ANAPHOR.search(view.text)):
        return []  # ("this number": the count of the sentence before, see read_sentences)
    if _SERIES.search(view.text):
        return []  # the figures of a flattened table, whose columns are lost
    services = label_hits("services", view.text)
    counts = [
        c for c in _bare_counts(view)
        if not any(q.start <= c[1] < q.end for q in quantities)
        and not in_range(view.text, c[1], c[2])
        # "38 supported living services": a count of services, not of people in need
        and not any(0 <= hit.start - c[2] <= 2 for hit in services)
    ]
    return counts


#: "a 9% rise in people needing care", "with 2% growth predicted over the next 20 years",
#: "(84% increase)": a change named by its noun, before what changes or its forecast; a
#: noun followed by "by" waits for the sentence's first one ("and a 20% increase by 2030").
_PERCENT_CHANGE = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s?(?:%|per\s?cent)\s+(?:increase|rise|growth|"
    r"decrease|fall|reduction)(?:\s+in\b|\s*(?=[),;]|\.(?:\s|$)|$)|\s+(?=(?:predicted|projected|"
    r"forecast|expected|anticipated|over|compared)\b))",
    re.IGNORECASE,
)


# "is expected to grow by 14.5% to ...", "will increase by around 12%", "a rise of 40%":
# the change written after its verb or noun.
_ABOUT = r"(?:around\s+|about\s+|approximately\s+|some\s+)?"
_PERCENT = r"(?P<num>\d+(?:\.\d+)?)\s?(?:%|per\s?cent)"
_CHANGE_BY = re.compile(r"\b(?:increas|ris|grow|fall|decreas|reduc)\w*\s+(?:by|of)\s+"
                        + _ABOUT + _PERCENT, re.IGNORECASE)
_AND_BY = re.compile(r"\band\s+by\s+" + _ABOUT + _PERCENT, re.IGNORECASE)


def _percent_needs(view: SentenceView) -> list[Candidate]:
    """Projected changes in need given as a percentage ("a 9% rise in people needing
    care by 2030"): one fact per figure, each with its own clause and year."""
    found = list(_PERCENT_CHANGE.finditer(view.text)) + list(_CHANGE_BY.finditer(view.text))
    # a figure without its noun ("and a 20% increase by 2030") shares the first one's
    found += [
        m for m in re.finditer(
            r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s?(?:%|per\s?cent)\s+(?:increase|rise|growth)"
            r"\s+by\b", view.text, re.IGNORECASE)
    ] if found else []
    found.sort(key=lambda m: m.start())
    spans = clause_spans(view.text, [m.span() for m in found])
    # the verb's second figure ("... increase by 4% to 50,200 by 2025 and by 12% to 54,300
    # by 2030") is dated by the first period after it
    later = [(m, (m.start(), len(view.text))) for m in _AND_BY.finditer(view.text)] if found else []
    out = []
    for m, (start, end) in [*zip(found, spans, strict=True), *later]:
        period = period_in(view.periods, start, end, prefer=m.end())
        out.append(
            view.candidate(
                "NeedEstimate",
                start,
                end,
                value=to_decimal(m.group("num")),
                unit=unit_slug("percent"),
                approximate=False,
                population_group=classify_population(view.text, view.heading),
                # a projected change is about a population; a heading's service (often
                # pages away) would say what the text does not
                service=classify_service(view.text, None),
                is_projection=True,
                **period_values(period),
            )
        )
    return out


_CURRENT = re.compile(r"\b(?:currently|at\s+present|presently|now|today|at\s+the\s+moment)\b",
                      re.IGNORECASE)
_SUB_CLAUSE_BREAK = re.compile(r"[;,–—(]|\s(?:and|but|while|whilst|whereas)\s")


def _sub_clause(text: str, start: int, end: int, anchor: int) -> tuple[int, int]:
    """The part of [start, end) between the clause breaks around ``anchor``."""
    before = [m.end() for m in _SUB_CLAUSE_BREAK.finditer(text, start, anchor)]
    after = _SUB_CLAUSE_BREAK.search(text, anchor, end)
    return (before[-1] if before else start), (after.start() if after else end)


# What a contract requires is a procedure, not a need: "both contracts must be retendered
# next year", "they will require re-procurement".
_PROCEDURE_REQUIRED = re.compile(r"\brequir\w*\s+(?:re-?tender|tender|re-?procure|procure|"
                                 r"recommission|re-commission)\w*", re.IGNORECASE)


def _need_cue(text: str) -> bool:
    """Whether a word of need stands in ``text``, other than a procedure required."""
    return any(not _PROCEDURE_REQUIRED.match(text, m.start())
               for m in compiled("need_cues").finditer(text))


def _stamp(view: SentenceView) -> Period | None:
    """The date the sentence's figures were counted at, when it says so once for all
    ("There are 250 homes with 8,000 beds (as of May 2022)", "Currently (June 2023) ...")."""
    for period in view.periods:
        if period.start_date.year <= _issued(view) and _stamps(view.text, period):
            return period
    return None


#: A date opening the sentence ("In April 2023, there were 163 care homes"): when what
#: follows was counted, not a timetable's entry (those end their line: "... June 2013").
_OPENING_DATE = re.compile(r"\W*(?:in|at|during|as\s+(?:at|of))?\s*$", re.IGNORECASE)


def _stamps(text: str, period: Period) -> bool:
    """Whether a date says when figures were counted: "as at May 2022", "(June 2023)",
    "In March 2023 the framework held 86 providers"."""
    return bool(_AS_AT.search(text[max(0, period.start - 10):period.start])
                or _STAMP.match(text[max(0, period.start - 2):period.end + 2])
                or _OPENING_DATE.fullmatch(text, 0, period.start))


def _asked(text: str, at: int) -> bool:
    """Whether the figure at ``at`` stands in a question (a quoted paragraph of minutes
    may hold several sentences, a question among them)."""
    start, end = sentence_bounds(text, at)
    return text[start:end].rstrip(" \"'”’)").endswith("?")


def _said_current(text: str, start: int, anchor: int) -> bool:
    """Whether the figure at ``anchor`` is said to be current ("is currently underserved
    by"), in its own part of the clause."""
    low, _ = _sub_clause(text, start, anchor, anchor)
    return bool(_CURRENT.search(text, low, anchor))


def _need(
    view: SentenceView,
    start: int,
    end: int,
    value: Decimal,
    unit: str | None,
    approximate: bool,
    anchor: int,
    projection: bool,
    noun: str = "",
) -> Candidate:
    text = view.text
    # the noun counted names the group counted ("106 rough sleepers ... explaining high
    # mental health prevalence" counts rough sleepers), before other groups in its clause
    noun_group = classify_population(noun) if noun else None
    if noun_group in load_rules()["population_bands"]:
        noun_group = None  # "people", "adults": a band; the clause names who they are
    if _said_current(text, start, anchor):
        # "currently lacks 150 units and will lack 280 by 2030": the year of
        # another clause is not that of a figure said to be current
        period = period_in(view.periods, *_sub_clause(text, start, end, anchor))
        values = period_values(period) or issued_year(view.record)
    else:
        period = period_in(view.periods, start, end, prefer=anchor) or period_in(
            view.periods, 0, len(text), prefer=anchor
        ) or _lead_in_period(view)
        values = period_values(period)
    candidate = view.candidate(
        "NeedEstimate",
        start,
        end,
        value=value,
        unit=unit,
        approximate=approximate,
        population_group=(noun_group or classify_population(text[start:end])
                          or classify_population(text, view.heading)),
        service=classify_service(text[start:end]) or classify_service(text),
        is_projection=projection,
        **values,
    )
    source = need_source(text)
    if source:
        candidate.notes.append(f"source: {source}")
    return candidate
