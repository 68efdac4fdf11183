"""Amounts of money in English prose and tables: "£0.252m", "c.£392k", "£13 million".

Values are exact Decimals in pounds (never floats: £17.4m must be 17400000, not
17399999.999...). A rate per week, hour, day or head is kept apart from a yearly or total
amount because a unit price is not a council's spend.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from carekg.loaders.extract.rules import compiled, load_rules, phrase_pattern

# "£10, 227,000": a thousands separator followed by a space where a PDF line was broken.
_NUM = r"\d{1,3}, \d{3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"\s?(?:bn|billion|mn|million|m|k|thousand)(?![a-z])"
_MULTIPLIERS = {
    "bn": Decimal(10) ** 9,
    "billion": Decimal(10) ** 9,
    "mn": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "k": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
}
#: The pound sign, or "PS", which it becomes when a page's text is transliterated to ASCII
#: ("PS48,000,000 excluding VAT"): "PS" and a figure are nothing else in this genre.
_POUND = r"(?:£|(?<![A-Za-z])(?-i:PS)(?=\d))"
_AMOUNT = re.compile(
    rf"{_POUND}\s?(?P<num>{_NUM})(?P<scale>{_SCALE})?"
    rf"(?:\s?(?:-|–|to)\s?£?\s?(?P<num2>{_NUM})(?P<scale2>{_SCALE})?)?",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"{_POUND}\s?(?P<num>{_NUM})(?P<scale>{_SCALE})?", re.IGNORECASE)
# An amount written without "£" ("c.18.3m per annum"): accepted only after an
# approximation marker and with a scale word, where nothing but money reads that way.
_BARE = re.compile(
    rf"(?<![\w£,])(?<!\d\.)(?P<num>{_NUM})(?P<scale>\s?(?:bn|m|million|billion))(?![a-z])",
    re.IGNORECASE,
)
_BARE_BEFORE = re.compile(r"(?:\bc\.?|\bcirca|\bapproximately|\baround)\s?$", re.IGNORECASE)


@cache
def _counted_after() -> re.Pattern[str]:
    """... unless what follows is counted: "around 1.2 million visits" are visits, not
    pounds (the count nouns of ``rules.yaml``, and what care is counted in)."""
    nouns = [n for names in load_rules()["count_nouns"].values() for n in names]
    return re.compile(r"\s+(?:[\w'-]+\s+){0,2}?" + phrase_pattern(
        [*nouns, "hours", "visits", "calls", "contacts"]), re.IGNORECASE)
# Tender notices write the currency's code: "GBP 100 million", "128,000,000 GBP".
_GBP = (re.compile(rf"\bGBP\s?(?P<num>{_NUM})(?P<scale>{_SCALE})?"),
        re.compile(rf"(?<![\w£,.])(?P<num>{_NUM})(?P<scale>{_SCALE})?\s?GBP\b"))


_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Money:
    """One amount found in a text; offsets are relative to that text."""

    value: Decimal
    start: int
    end: int  # end of the amount and of its rate phrase, if any
    approximate: bool = False
    rate: str | None = None  # "year", "week", "hour", "day", "head" or None (a total)
    high: Decimal | None = None  # upper bound of a range ("£1m-£2m")

    @property
    def is_range(self) -> bool:
        return self.high is not None


def to_decimal(number: str, scale: str | None = None) -> Decimal:
    """Exact value of "1,424,000" or "17.4" with scale "m"; whole numbers lose their ".0"."""
    value = Decimal(number.replace(",", "").replace(" ", ""))
    if scale:
        value *= _MULTIPLIERS[scale.strip().lower()]
    integral = value.to_integral_value()
    return integral if value == integral else value.normalize()


@cache
def _approximate_before() -> re.Pattern[str]:
    return re.compile(phrase_pattern(load_rules()["approximate_markers"]) + r"\s*$", re.IGNORECASE)


@cache
def _rates() -> re.Pattern[str]:
    """One pattern for every rate phrase, a named group per rate in the rules' order (the
    first rate whose phrases match wins, as when each was tried in turn)."""
    groups = "|".join(f"(?P<{rate}>{phrase_pattern(words)})"
                      for rate, words in load_rules()["money_rates"].items())
    return re.compile(r"\s*(?:" + groups + ")", re.IGNORECASE)


def is_approximate_before(text: str, start: int) -> bool:
    """True when the words just before ``start`` mark the figure as approximate."""
    # Every marker ends in a letter or a full stop: anything else just before the figure
    # (another figure, in a table of thousands) settles it without the pattern search.
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    if before == 0 or not (text[before - 1].isalpha() or text[before - 1] == "."):
        return False
    window = text[max(0, start - 40) : start]
    return bool(_approximate_before().search(window))


#: What a line that gives only an amount holds beside it ("• £48,000,000 including VAT").
AROUND_AMOUNT = re.compile(r"\W*(?:(?:including|excluding|inc|exc|ex)\.?\s+VAT)?\W*",
                           re.IGNORECASE)


def only_an_amount(text: str) -> bool:
    """Whether a text holds one amount and nothing more than a bullet and its VAT ("•
    £480,000 excluding VAT"): a field's value set out on a line of its own."""
    found = find_money(text)
    return len(found) == 1 and bool(
        AROUND_AMOUNT.fullmatch(text, 0, found[0].start)
        and AROUND_AMOUNT.fullmatch(text, found[0].end))


def find_money(text: str) -> list[Money]:
    """Every amount of money in ``text``, in order."""
    found: list[Money] = []
    spans: list[tuple[int, int]] = []
    position = 0
    while (match := _AMOUNT.search(text, position)) is not None:
        money = _build(text, match, ranged=True)
        if (
            money.is_range
            and (
                money.high <= money.value  # type: ignore[operator]
                or re.search(r"\bfrom\s*$", text[max(0, match.start() - 8) : match.start()], re.I)
            )
        ):
            # "from £358m to £294m" is a change between two amounts, not a range.
            single = _SINGLE.match(text, match.start())
            assert single is not None
            money = _build(text, single, ranged=False)
            position = single.end()
        else:
            position = match.end()
        found.append(money)
        spans.append((money.start, position))
    starts = [start for start, _ in spans]  # in order and not overlapping
    bare = [m for m in _BARE.finditer(text)
            if _BARE_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
            and not _counted_after().match(text, m.end())]
    if "GBP" in text:
        bare += [m for pattern in _GBP for m in pattern.finditer(text)]
    for match in sorted(bare, key=lambda m: m.start()):
        inside = bisect_right(starts, match.start()) - 1  # the last span starting before
        if inside >= 0 and match.start() < spans[inside][1]:
            continue
        if any(m.start < match.end() and match.start() < m.end for m in found):
            continue  # "£128,000,000 GBP", "c. GBP 2m": one amount, read once
        found.append(_build(text, match, ranged=False))
    found.sort(key=lambda money: money.start)
    return found


def _build(text: str, match: re.Match[str], ranged: bool) -> Money:
    scale = match.group("scale")
    high = None
    if ranged and match.group("num2"):
        scale2 = match.group("scale2")
        # "£1-2m": the scale written once applies to both ends.
        high = to_decimal(match.group("num2"), scale2 or scale)
        scale = scale or scale2
    value = to_decimal(match.group("num"), scale)
    end = match.end()
    rate = None
    rate_match = _rates().match(text, end)
    if rate_match:
        rate, end = rate_match.lastgroup, rate_match.end()
    if rate is None:
        before = text[max(0, match.start() - 40) : match.start()]
        if _LETTER.search(before) and compiled("money_yearly_before").search(before):
            rate = "year"
    approximate = is_approximate_before(text, match.start()) or bool(
        compiled("approximate_suffixes").match(text, end)
    )
    return Money(value, match.start(), end, approximate, rate, high)
