"""Strategy references: named strategies, plans and policies, with their periods.

A name is a run of capitalised words (joined by short connectors such as "and", "for",
"of") ending in, or containing, a head noun (``strategy_heads``): "Joint Carers Strategy
2018-2021", "Market Position Statement for Adult Social Care". A lower-case head counts
only with a period next to it ("commissioning strategy for 2020-2025") or a quoted title
("the national strategy, 'Living Well with Dementia'"), because "our strategy" alone
names nothing a researcher could look up.
"""

from __future__ import annotations

import re
from functools import cache

from carekg.loaders.classify import classify_service, label_hits, strategy_stop_words
from carekg.loaders.extract.common import SentenceView, contents_line, period_values
from carekg.loaders.extract.periods import find_periods
from carekg.loaders.extract.rules import compiled, load_rules, phrase_pattern
from carekg.loaders.model import Candidate

_WORD = re.compile(r"[\w'’&-]+")
# A verb that opens a list item or a form line before a name ("Publish Housing Strategy",
# "Included in Forward Plan", "Actions in Transitions Strategy").
_LEADING_VERB = re.compile(
    r"(?:Publish(?:ed)?|Includ(?:ed|es|ing)|Actions?|Deliver(?:ing)?|Implement(?:ing)?|"
    r"Refresh(?:ing)?|Review(?:ing)?|Develop(?:ing)?)\s+(?:(?:in|to|of|on|the)\s+)?"
)
_SUBTITLE = re.compile(r":\s+[A-Z][\w'’-]*(?:\s+[\w'’&-]+){1,10}")
_QUOTED = re.compile(r"[‘'\"“‗]([A-Z][^‘'\"“”’‗]{3,80})[’'\"”‘‗]")
#: A definition of a kind of document, not a reference to one: "A market position statement
#: is a document that ...", "An ageing well strategy (AWS) is a plan ...".
_DEFINITION = re.compile(r"^\W*an?\s+[^.;:]{3,90}?\s+is\s+an?\s+(?:plan|document|strategy|"
                         r"statement|framework|way|tool|report)\b", re.IGNORECASE)
#: A contents entry on its own line: a short title, then its page ("Our Carers Plan 15").
_PAGE_ENTRY = re.compile(r"^[^.!?:;]{3,90}\s\d{1,3}\s*$")
_QUOTED_AFTER = re.compile(r"[\s,:–-]{0,4}" + _QUOTED.pattern)


def _link_list(text: str) -> bool:
    """Whether a line is a run of link or menu labels rather than prose: many words,
    almost all capitalised, and a label repeated (the same names under each link)."""
    words = _WORD.findall(re.sub(r"\S*(?:https?:|www\.|mailto:|@)\S*", " ", text))
    if len(words) < 12:
        return False
    stop = strategy_stop_words()
    lower = [w for w in words if w[:1].islower() and w.lower() not in stop]
    capitalised = [w for w in words if w[:1].isupper()]
    repeated = len(capitalised) - len(set(capitalised)) >= 3
    return len(lower) * 7 <= len(words) and repeated


@cache
def strategy_heads() -> re.Pattern[str]:
    """The heads of a strategy's name (``strategy_heads``), in any case."""
    return re.compile(phrase_pattern(load_rules()["strategy_heads"]), re.IGNORECASE)


@cache
def _trailing_stops() -> frozenset[str]:
    return frozenset(w.lower() for w in load_rules()["strategy_trailing_stops"])


def _service(name: str, text: str, end: int) -> str | None:
    """The service a strategy is about: named in its title, else the group its title names
    ("Carers Strategy" is about carers' support), else the service named in the words
    that follow the title in its clause ("the strategy for re-commissioning of supported
    living services")."""
    found = classify_service(name, None)
    if found:
        return found
    for hit in label_hits("population-groups", name):
        mapped = load_rules()["group_services"].get(hit.slug)
        if mapped:
            return mapped
    clause = re.match(r"[^.;:()]{0,80}", text[end:])
    after = text[end : end + clause.end()] if clause else ""
    if re.match(r"\s+(?:for|on|of|about)\b", after, re.IGNORECASE):
        return classify_service(after, None)
    return None


# What may stand between a strategy's head and a following word: a space, and the
# name's acronym in brackets ("Housing Delivery Programme (HDP) funding").
_ACRONYM_AFTER = re.compile(r" +(?:\([A-Z][A-Za-z&]{1,9}\) +)?(?=\w)")


def _generic(name: str) -> bool:
    """Whether a name is only a one-word strategy head ("Strategy", "Plan"; a "Market
    Position Statement" is a kind of document in itself) and words that name nothing in
    particular."""
    words = {w.lower() for w in load_rules()["strategy_generic_words"]}
    if any(" " in head.group(0).strip() for head in strategy_heads().finditer(name)):
        return False
    rest = strategy_heads().sub(" ", name)
    return all(word.lower() in words for word in re.findall(r"[\w'’-]+", rest))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _expand(text: str, start: int, end: int) -> tuple[int, int, int]:
    """Grow [start, end) over capitalised words and connectors; return the span and the
    number of capitalised words gained."""
    stop = strategy_stop_words()
    gained = 0
    # Leftwards.
    while True:
        m = re.search(r"([\w'’&-]+)( +)$", text[:start])
        if not m:
            break
        word = m.group(1)
        if _capitalised(word) and not word.isdigit():
            start, gained = m.start(1), gained + 1
        elif word.lower() in stop and word.lower() not in ("the", "a", "an", "at", "in", "on"):
            # a connector counts only if a capitalised word precedes it
            m2 = re.search(r"([\w'’&-]+) +$", text[: m.start(1)])
            if m2 and _capitalised(m2.group(1)) and not m2.group(1).isdigit():
                start, gained = m2.start(1), gained + 1
            else:
                break
        else:
            break
    # Rightwards: connectors followed by capitalised words, then a period.
    while True:
        m = re.match(r"( +)([\w'’&-]+)", text[end:])
        if not m:
            break
        word = m.group(2)
        if word.lower() in _trailing_stops():
            break  # "Strategy Meeting", "Programme in May": the name has ended
        if _capitalised(word) and not re.fullmatch(r"(?:19|20)\d\d.*", word):
            end, gained = end + m.end(), gained + 1
        elif word.lower() in stop:
            m2 = re.match(r"( +[\w'’&-]+)( +)([\w'’&-]+)", text[end:])
            if (
                m2
                and _capitalised(m2.group(3))
                and not m2.group(3)[:1].isdigit()
                and m2.group(3).lower() not in _trailing_stops()
            ):
                end, gained = end + m2.end(), gained + 1
            else:
                break
        else:
            break
    return start, end, gained


def extract_strategy_references(view: SentenceView) -> list[Candidate]:
    text = view.text
    if contents_line(text) or _PAGE_ENTRY.match(text) or _DEFINITION.match(text):
        return []  # a table of contents line: the strategy's page, not a reference
    if _link_list(text):
        return []  # a menu of links ("Borough websites ... Health and Wellbeing Strategies")
    candidates: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    quotes = list(_QUOTED.finditer(text))
    for head in strategy_heads().finditer(text):
        if any(a <= head.start() < b for a, b in taken):
            continue
        start, end, gained = _expand(text, head.start(), head.end())
        around = next((q for q in quotes
                       if q.start(1) <= head.start() and head.end() <= q.end(1)), None)
        if around is not None and (around.start(1) == head.start() or gained == 0):
            # a title quoted whole: "our 'Vision for in-house care, Northtown Care'"
            start, end, gained = around.start(1), around.end(1), 1
        lead = _LEADING_VERB.match(text, start, end)
        if lead:
            start = lead.end()  # "Publish the Carers Strategy": the verb is not in the name
        name = text[start:end].strip()
        if compiled("strategy_exclusions").search(name) or "\n\n" in name:
            continue
        after = _ACRONYM_AFTER.match(text, head.end())
        if after and compiled("strategy_bodies").match(text, after.end()):
            continue  # "the Housing First Strategy Meeting", "Programme (RSAP) funding"
        if len(name.split()) > 14 or "http" in name:
            continue
        if re.match(r"\s*(?:webpages?|websites?|web\s+pages?|pages?)\b", text[end:], re.I):
            continue  # "the council's strategies webpage": where documents are, not one
        if re.search(r"\b(?:How|What|Why|When|Where|Who)$", name):
            continue  # "Plan How?": a heading's question, not a name
        # A period written next to the name belongs to it.
        period = next((p for p in view.periods if 0 <= p.start - end <= 3), None)
        if period is None:
            period = next((p for p in view.periods if 0 <= start - p.end <= 12), None)
        if period is None:
            period = next(
                (p for p in find_periods(name) if p.kind in ("range", "year", "fy")), None
            )
        head_capital = head.group(0)[:1].isupper()
        if not head_capital and head.group(0).casefold() == "vision" and not (
                period or _QUOTED_AFTER.match(text, head.end())):
            continue  # "a broad vision for Community Health Services": prose, not a title
        # a title quoted just after the head ("the national strategy, 'Living Well'")
        quoted = _QUOTED_AFTER.match(text, head.end())
        subtitle = (
            _SUBTITLE.match(text, period.end)
            if period and head_capital and period.start >= end
            else None
        )
        if subtitle:
            # "Vision 2030: Building a Greener Borough": a titled plan named by its year
            name = text[start : subtitle.end()].strip()
            end = subtitle.end()
        elif quoted:
            name = quoted.group(1).strip()
            end = quoted.end()
        elif not (
            (gained >= 1 and head_capital)
            or gained >= 2
            # a name of its own with its years: "Market Position Statement 2026 - 2031"
            or (period and head_capital and len(head.group(0).split()) >= 3)
            or (
                period
                and gained >= 0
                and re.search(
                    r"\b(?:commissioning|national|joint|new|this)\b",
                    text[max(0, head.start() - 40) : head.start()],
                    re.I,
                )
            )
        ):
            continue
        if not quoted and _generic(re.sub(r"[\d/–-]+", " ", name)) and (
                not period or not re.search(r"[A-Za-z]", text[start:head.start()])):
            # "Local Strategy", "the 2022-2025 Strategy": no particular strategy is named
            # (a period names one only beside a word of its title: "Our Strategy 2025")
            continue
        full_end = period.end if period and period.start >= end else end
        taken.append((start, full_end))
        candidate = view.candidate(
            "StrategyReference",
            service=_service(name, text, end),
            title=name,
            **period_values(period),
        )
        candidates.append(candidate)
    return candidates
