"""Counts of things in prose: "109 units", "239 beds", "14,500 hours per week".

A bare number means nothing to a researcher; only a number followed by the noun it counts
(possibly after a few describing words) is a quantity. The nouns and their unit slugs are
in ``rules.yaml`` (``count_nouns``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache

from carekg.loaders.extract.money import is_approximate_before, to_decimal
from carekg.loaders.extract.periods import MONTH
from carekg.loaders.extract.rules import compiled, load_rules, phrase_pattern

_NUMBER = r"(?<![\d£$,.\w/])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<plus>\+)?(?![\d%]|\.\d|,\d|/\d)"
# ("2-bedroom flats" is a size of flat, not two of anything)
_HYPHEN_UNIT = re.compile(r"(?<![\d£,.])(?P<num>\d+)-(?P<noun>unit|bed|place)\b", re.I)
_HOURS = re.compile(
    _NUMBER + r"\s+hours\b(?P<mid>(?:\s+[\w'-]+){0,6}?)\s+(?:per|a|each)\s+week\b", re.I
)
#: What follows a figure that would be a year but counts ("supports over 2040 people");
#: a year is introduced by a preposition ("in 2020 people ...", "by 2030 beds ...").
_COUNTED_AFTER = re.compile(r"\s+(?:people|beds|places|units|homes|hours)\b", re.I)
_YEAR_BEFORE = re.compile(rf"(?i:\b(?:in|by|from|to|since|until|till|during|of|before|after|"
                          rf"end|year|{MONTH})\s*$)|[-–/]\s*$"
                          r"|\b[A-Z][\w-]*\s*$")  # a name's year: "the Care Act 2014 places"

# Hours commissioned over a year are a total ("3 million hours of home care a year"):
# counted in hours, the scale word multiplied out.
_HOURS_A_YEAR = re.compile(
    _NUMBER + r"(?P<scale>\s+million)?\s+hours\b(?P<mid>(?:\s+[\w'-]+){0,6}?)\s+"
    r"(?:(?:per|a|each)\s+(?:year|annum)|annually)\b", re.I
)
# Words that end a noun phrase: a count is not linked to a noun across them.
_BREAKS = {
    "in",
    "of",
    "to",
    "for",
    "by",
    "from",
    "with",
    "through",
    "via",
    "across",
    "within",
    "and",
    "or",
    "at",
    "on",
    "the",
    "a",
    "an",
    "who",
    "which",
    "that",
    "is",
    "are",
    "was",
    "were",
    "will",
    "have",
    "has",
    "per",
    "than",
    "as",
    "this",
    "these",
    "our",
    "their",
    "its",
    "but",
    "be",
    "been",
    "not",
    "into",
    # a duration describes, it is not counted: "5 year contracts" are not five contracts
    "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
}
_HYPHEN_NOUNS = {"unit": "units", "bed": "beds", "place": "places"}
# Counts written as words ("one new nursing home", "five units"). Only up to twelve:
# larger numbers in words are rare in the genre and usually rhetorical.
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_WORD_NUMBER = re.compile(
    r"(?<![\w-])(?P<num>" + "|".join(NUMBER_WORDS) + r")(?![\w-])", re.IGNORECASE
)
# After a count, further figures that share its noun: "453 people in A, 495 in B and 375
# in C" counts people three times.
#: A figure that counts some of an earlier count's things without its noun: "1,120 of
#: them", "95 of these", "of which 312", "of whom 40".
_OF_THEM = re.compile(
    r"(?<![\w£.,])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?![\d%.,/])\s+of\s+(?:them|which|whom|"
    r"(?:these|those)(?!\s+[a-z]))\b|\bof\s+(?:which|whom)\s+(?:(?:around|about|approximately|some|over)\s+)?"
    r"(?P<num2>\d{1,3}(?:,\d{3})+|\d+)(?![\d%.,/])",
    re.IGNORECASE)
_ELIDED = re.compile(
    r"(?:\s*(?:,|;|and|,\s+and)\s+)(?P<approx>(?:just\s+)?(?:over|under|around|about|"
    r"approximately|almost|nearly|some)\s+)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?![\d%.,/])\s+(?=in\b|at\b)",
    re.IGNORECASE,
)


@cache
def _street() -> re.Pattern[str]:
    """After a house number: up to three capitalised words and a street type ("42 Park
    Road", "7 Upper St"), or the street type alone ("1 Mews")."""
    kinds = phrase_pattern(load_rules()["street_types"])
    return re.compile(r"[ \t]+(?:(?:[A-Z][\w'’-]*|of|the)\s+){0,3}" + kinds + r"(?![\w-])")


def is_house_number(text: str, end: int) -> bool:
    """Whether the number ending at ``end`` is part of a street address."""
    return bool(_street().match(text, end))


_NAME_WORD_BEFORE = re.compile(r"(?<![\w'’-])[A-Z][a-z]+\s+$")
_NAME_WORD_AFTER = re.compile(r"\s+[A-Z][a-z]+\s+[A-Z][a-z]+")


_ACRONYM = re.compile(r"\s+\([A-Z]{2,6}\)(?=\s)")


def _in_a_name(text: str, start: int, end: int) -> bool:
    """Whether the figure stands inside a run of capitalised words, a name ("Housing 21
    Extra Care Schemes", "Tier 2 Medium Support"), rather than counting the words after it
    (a figure that is said to be approximate, "Over 500 Care Homes", counts)."""
    return bool(_NAME_WORD_BEFORE.search(text, max(0, start - 30), start)
                and _NAME_WORD_AFTER.match(text, end)
                and not is_approximate_before(text, start))


@dataclass(frozen=True)
class Quantity:
    """A count and the unit it counts; offsets are relative to the searched text."""

    value: Decimal
    unit: str  # unit slug from rules.yaml count_nouns
    noun: str  # the noun as written
    start: int
    end: int
    approximate: bool = False
    elided: bool = False  # the noun is that of an earlier count ("40 beds in A, 25 in B")
    part_of: int | None = None  # the start of the count this one is some of ("610 of them")


@cache
def _noun_pattern() -> re.Pattern[str]:
    nouns = load_rules()["count_nouns"]
    alternatives = []
    for unit, words in nouns.items():
        if words:
            alternatives.append(f"(?P<{unit.replace('-', '_')}>{phrase_pattern(words)})")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _unit_of(match: re.Match[str]) -> str:
    for name, value in match.groupdict().items():
        if value:
            return name.replace("_", "-")
    raise ValueError("no unit group matched")


#: Before a rate's base: "per 1,000", "4 in 100 people".
_DENOMINATOR = re.compile(r"\bper\s+$|\b(?:\d+|one|two|three|four|five)\s+in\s+$",
                          re.IGNORECASE)


#: A number that names a part of a document or a notice ("Table 3", "Figure 22:", "Lot 2",
#: "Appendix 1"), not a count.
_REFERENCE = re.compile(r"\b(?:Tables?|Figures?|Fig\.|Charts?|Graphs?|Appendix|Appendices|"
                        r"Annex(?:es)?|Sections?|Paragraphs?|Para\.?|Pages?|Lots?|Items?|"
                        r"Zones?|Recommendations?)\s*$")


def is_reference_number(text: str, start: int) -> bool:
    """Whether the figure at ``start`` numbers a table, figure, lot or section."""
    return bool(_REFERENCE.search(text, max(0, start - 16), start))


def is_rate_base(text: str, start: int) -> bool:
    """Whether the figure at ``start`` is a rate's base ("per 1,000 residents aged 75+"), not
    a count of anyone."""
    return bool(_DENOMINATOR.search(text, max(0, start - 12), start))


def find_quantities(text: str) -> list[Quantity]:
    """Every count of a known noun in ``text``, in order, without overlaps."""
    return list(_quantities(text))


@lru_cache(maxsize=4096)
def _quantities(text: str) -> tuple[Quantity, ...]:
    """Cached: the rules and the kind gate's features count in the same sentences."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _HOURS.finditer(text):
        found.append(_quantity(text, m, "hours-per-week", "hours per week", m.end()))
        taken.append(m.span())
    for m in _HOURS_A_YEAR.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        hours = _quantity(text, m, "hours", "hours", m.end())
        if m.group("scale"):
            hours = replace(hours, value=hours.value * 1_000_000)
        found.append(hours)
        taken.append(m.span())
    for m in _HYPHEN_UNIT.finditer(text):
        noun = m.group("noun").lower()
        found.append(_quantity(text, m, _HYPHEN_NOUNS[noun], noun, m.end()))
        taken.append(m.span())
    nouns = _noun_pattern()
    numbers = [*re.finditer(_NUMBER, text), *_WORD_NUMBER.finditer(text)]
    for m in sorted(numbers, key=lambda n: n.start()):
        if any(a <= m.start() < b for a, b in taken):
            continue
        if m.group("num").isdigit() and 1980 <= int(m.group("num")) <= 2069 and not (
                _COUNTED_AFTER.match(text, m.end())
                and not _YEAR_BEFORE.search(text, max(0, m.start() - 12), m.start())):
            continue  # a year ("in 2013 older people ..."), not a count ("over 2040 people")
        if m.groupdict().get("plus") and int(m.group("num").replace(",", "")) <= 120:
            continue  # "16+ young people", "65+ residents": an age band, not a count
        if is_house_number(text, m.end()):
            continue  # "at 42 Park Road": an address
        if is_rate_base(text, m.start()) or is_reference_number(text, m.start()):
            continue
        if _in_a_name(text, m.start(), m.end()):
            continue  # "the Housing 21 Extra Care Schemes": a name, not 21 schemes
        position = m.end()
        described = ""  # the describing word before
        for _ in range(5):  # the noun itself or up to four describing words before it
            noun = nouns.match(
                text, position + len(text[position:]) - len(text[position:].lstrip())
            )
            if noun and re.match(r"\s", text[position : position + 1] or "x"):
                head = nouns.match(text, noun.end() + 1) if text[noun.end():noun.end() + 1] == " " \
                    else None
                if head and _unit_of(head) not in ("people", _unit_of(noun)):
                    noun = head  # "care home placements" counts placements, not homes
                if not _describes_another(text, noun):
                    found.append(_quantity(text, m, _unit_of(noun), noun.group(0), noun.end()))
                taken.append((m.start(), noun.end()))
                break
            word = re.match(r"\s+([\w'’-]+)", text[position:])
            said = word.group(1).lower() if word else ""
            paired = said in ("and", "or") and _PAIRED.match(described)
            if not word or said[0].isdigit() or (said in _BREAKS and not paired):
                break
            described = said
            position += word.end()
            # a name's acronym in brackets is no describing word: "12 Shared Lives (SL)
            # schemes"
            acronym = _ACRONYM.match(text, position)
            position = acronym.end() if acronym else position
    for quantity in list(found):
        position = quantity.end
        while True:
            # the place a count is "in" comes first: "453 people in Westminster, 495 in ..."
            place = re.match(r"\s+(?:in|at)\s+[^,;]{1,60}?(?=,|;|\s+and\s)", text[position:])
            if not place and not quantity.elided and not text.startswith(";", position):
                break  # a total before its parts is cut off by a semicolon
            elided = _ELIDED.match(text, position + (place.end() if place else 0))
            if not elided or any(a <= elided.start("num") < b for a, b in taken):
                break
            found.append(
                Quantity(to_decimal(elided.group("num")), quantity.unit, quantity.noun,
                         elided.start("num"), elided.end("num"),
                         approximate=bool(elided.group("approx")), elided=True)
            )
            taken.append((elided.start("num"), elided.end("num")))
            position = elided.end("num")
    for m in _OF_THEM.finditer(text):
        start, end = m.span("num") if m.group("num") else m.span("num2")
        earlier = [q for q in found if q.end <= start]
        if not earlier or any(a <= start < b for a, b in taken):
            continue
        counted = earlier[-1]  # "32 schemes with 1,547 apartments, ... 1,120 of them"
        found.append(Quantity(to_decimal(text[start:end]), counted.unit, counted.noun, start,
                              end, approximate=is_approximate_before(text, start),
                              elided=True, part_of=counted.start))
        taken.append((start, end))
    found.sort(key=lambda q: q.start)
    return tuple(found)


#: A describing word that may be paired with another by "and" or "or" before the noun
#: ("45 residential and nursing homes"): an adjective's ending, not a noun ("staff and").
_PAIRED = re.compile(r"[a-z]+(?:al|ing|ed|ist)$")


def _describes_another(text: str, noun: re.Match[str]) -> bool:
    """Whether a people noun only describes a later count noun ("the three carers personal
    budget schemes" counts schemes, not carers): a count noun of another unit within the
    next four words (a word broken at a line end counts twice), before any word that ends
    a noun phrase, or a possessive ("two older people's day centres"). Such a count is
    left out: what it counts ("schemes" of a kind of payment) is seldom a measure of
    provision."""
    if _unit_of(noun) != "people":
        return False
    if re.match(r"['’]s?\s", text[noun.end():noun.end() + 3]):
        return True  # "two older people's day centres": the people own what is counted
    position = noun.end()
    for _ in range(4):
        word = re.match(r"\s+([\w'’-]+)", text[position:])
        if not word or word.group(1).lower() in _BREAKS or word.group(1)[0].isdigit():
            return False
        later = _noun_pattern().match(text, position + word.start(1))
        if later and _unit_of(later) != "people":
            return True
        position += word.end()
    return False


def _quantity(text: str, m: re.Match[str], unit: str, noun: str, end: int) -> Quantity:
    raw = m.group("num")
    value = Decimal(NUMBER_WORDS[raw.lower()]) if raw.lower() in NUMBER_WORDS else to_decimal(raw)
    plus = bool(m.groupdict().get("plus")) or bool(
        compiled("approximate_suffixes").match(text, m.end())
    )
    return Quantity(
        value, unit, noun, m.start(), end, plus or is_approximate_before(text, m.start())
    )
