"""Dates and periods as commissioning documents write them, normalised to the model.

Labels follow the model: "2023" (a calendar year), "2021/22" (a financial year, 1 April
to 31 March), "2023-07" (a month), "2023-03-31" (a day) and "2020-2025" (several years as
written). Relative periods ("over the next five years") are anchored on the document's
issue date, because that is the only "now" the text knows.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
_MONTHS["sept"] = 9
#: A month's name or abbreviation ("September", "Sept.", "Sep"): the other readers of
#: figures use it to tell a day of a month from a count.
MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH = MONTH
_SEASONS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (12, 2),
}
_SEASON = r"(?:spring|summer|autumn|winter)"
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
}
_YEAR = r"(?:19[89]\d|20[0-6]\d)"
_ORD = r"(?:st|nd|rd|th)?"
_DASH = r"\s?[-–—]\s?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # "1st April 2021 to 31st March 2023" is two days; each is found on its own.
    (
        "day",
        re.compile(rf"\b(?P<d>[0-3]?\d){_ORD}\s+(?P<m>{_MONTH})\s*,?\s+(?P<y>{_YEAR})\b", re.I),
    ),
    ("mday", re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>[0-3]?\d){_ORD},?\s+(?P<y>{_YEAR})\b", re.I)),
    ("numday", re.compile(r"\b(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>(?:19|20)?\d{2})\b")),
    (
        "monthrange",
        re.compile(
            rf"\b(?P<m>{_MONTH})\s+(?P<y>{_YEAR}){_DASH}(?:(?P<m2>{_MONTH})\s+)?(?P<y2>{_YEAR})\b",
            re.I,
        ),
    ),
    ("month", re.compile(rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>{_YEAR})\b", re.I)),
    ("season", re.compile(rf"\b(?P<s>{_SEASON})\s+(?:of\s+)?(?P<y>{_YEAR})\b", re.I)),
    ("quarter", re.compile(rf"\bQ(?P<q>[1-4])\s+(?P<y>{_YEAR})\b", re.I)),
    ("fy4", re.compile(rf"\b(?P<y>{_YEAR})\s?/\s?(?P<y2>{_YEAR})\b")),
    ("fy2", re.compile(rf"\b(?P<y>{_YEAR})\s?[/\-–]\s?(?P<y2>\d{{2}})(?![\d%])")),
    (
        "range",
        re.compile(rf"\b(?P<y>{_YEAR})(?:{_DASH}|\s+(?:to|until|and)\s+)(?P<y2>{_YEAR})\b", re.I),
    ),
    # A year, not a figure: "2023, " ends a clause but "2,023" and "2023,5" are numbers.
    ("year", re.compile(rf"(?<![\d£$.,/])(?P<y>{_YEAR})(?![\d%]|[.,/]\d)")),
]
_RELATIVE = re.compile(
    r"\b(?:over|in|within|during|for)\s+the\s+(?:next|coming)\s+(?P<n>\d{1,2}|"
    + "|".join(_NUMBER_WORDS)
    + r")\s+years?\b",
    re.I,
)
# A month named without its year, after a preposition and capitalised ("in September",
# "by the end of March"): "may" alone is a verb, so the month must be written as a name.
_BARE_MONTH = re.compile(
    r"\b(?:[Ii]n|[Bb]y|[Ff]rom|[Dd]uring|[Uu]ntil|[Bb]efore|[Ss]ince|[Ee]arly|[Ll]ate|[Mm]id-?)"
    r"\s+(?:the\s+end\s+of\s+|early\s+|late\s+|mid-?)?(?P<m>"
    + "|".join(calendar.month_name[1:])
    + r")\b(?!\s*,?\s*(?:of\s+)?\d)"
)
_BY = re.compile(
    r"\b(?:by|before|until|till|ahead\s+of|no\s+later\s+than)\s+(?:the\s+end\s+of\s+)?$", re.I
)


@dataclass(frozen=True)
class Period:
    """A period found in a text; offsets are relative to that text."""

    label: str
    start_date: date
    end_date: date
    start: int
    end: int
    kind: str  # "day", "month", "season", "quarter", "fy", "year", "range", "relative"
    is_deadline: bool = False  # written as "by 2030", "ahead of July 2022"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def financial_year(first: int) -> tuple[str, date, date]:
    """Label, start and end of the financial year that begins in April of ``first``."""
    return f"{first}/{(first + 1) % 100:02d}", date(first, 4, 1), date(first + 1, 3, 31)


def _build(kind: str, m: re.Match[str]) -> tuple[str, date, date, str] | None:
    g = m.groupdict()
    if kind == "numday":
        return _numday(g)
    if not (g.get("y") and len(g["y"]) == 4):
        return None  # every other reading has a year of four digits
    year = int(g["y"])
    if kind in ("day", "mday"):
        month = _MONTHS[g["m"].lower().rstrip(".")]
        day = int(g["d"])
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            return None
        return (
            f"{year}-{month:02d}-{day:02d}",
            date(year, month, day),
            date(year, month, day),
            "day",
        )
    if kind == "monthrange":
        month = _MONTHS[g["m"].lower().rstrip(".")]
        month2 = _MONTHS[g["m2"].lower().rstrip(".")] if g.get("m2") else 12
        y2 = int(g["y2"])
        if y2 < year:
            return None
        label = (
            f"{year}-{month:02d}/{y2}-{month2:02d}" if g.get("m2") else f"{year}-{month:02d}/{y2}"
        )
        return label, date(year, month, 1), _month_end(y2, month2), "range"
    if kind == "month":
        month = _MONTHS[g["m"].lower().rstrip(".")]
        return f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month), "month"
    if kind == "season":
        first, last = _SEASONS[g["s"].lower()]
        end_year = year + 1 if last < first else year
        return str(year), date(year, first, 1), _month_end(end_year, last), "season"
    if kind == "quarter":
        q = int(g["q"])
        return str(year), date(year, 3 * q - 2, 1), _month_end(year, 3 * q), "quarter"
    if kind == "fy4":
        if int(g["y2"]) != year + 1:
            return None
        label, start, end = financial_year(year)
        return label, start, end, "fy"
    if kind == "fy2":
        second = int(g["y2"])
        century = year - year % 100
        full = century + second if century + second > year else century + 100 + second
        if (
            full == year + 1
            and "/" in m.group(0)
            or full == year + 1
            and len(m.group(0).strip()) <= 7
        ):
            label, start, end = financial_year(year)
            return label, start, end, "fy"
        if full <= year or full - year > 30:
            return None
        return f"{year}-{full}", date(year, 1, 1), date(full, 12, 31), "range"
    if kind == "range":
        y2 = int(g["y2"])
        if not year < y2 <= year + 30:
            return None
        return f"{year}-{y2}", date(year, 1, 1), date(y2, 12, 31), "range"
    if kind == "year":
        return str(year), date(year, 1, 1), date(year, 12, 31), "year"
    return None


def _numday(g: dict[str, str]) -> tuple[str, date, date, str] | None:
    """A numeric date ("31/03/2027", "1.4.26")."""
    y = int(g["y"])
    y = y + 2000 if y < 100 else y
    month, day = int(g["m"]), int(g["d"])
    if (
        not (1 <= month <= 12 and 2000 <= y <= 2069)
        or not 1 <= day <= calendar.monthrange(y, month)[1]
    ):
        return None
    return f"{y}-{month:02d}-{day:02d}", date(y, month, day), date(y, month, day), "day"


def _issued_year(issued: str | None) -> int | None:
    if issued and re.match(r"\d{4}", issued):
        return int(issued[:4])
    return None


def find_periods(text: str, issued: str | None = None) -> list[Period]:
    """Every date or period in ``text``, longest readings first, without overlaps."""
    return list(_periods(text, issued))


@lru_cache(maxsize=4096)
def _periods(text: str, issued: str | None) -> tuple[Period, ...]:
    """Cached: the rules read a sentence's masked text and the kind gate its plain text,
    and the lead-ins and headings of a list are read again for each of its items."""
    taken: list[tuple[int, int]] = []
    found: list[Period] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            built = _build(kind, m)
            if built is None:
                continue
            label, start_date, end_date, norm_kind = built
            deadline = bool(_BY.search(text[max(0, m.start() - 30) : m.start()]))
            found.append(
                Period(label, start_date, end_date, m.start(), m.end(), norm_kind, deadline)
            )
            taken.append(m.span())
    year = _issued_year(issued)
    if year is not None:
        for m in _RELATIVE.finditer(text):
            if not free(*m.span()):
                continue
            raw = m.group("n").lower()
            n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
            found.append(
                Period(
                    f"{year}-{year + n}",
                    date(year, 1, 1),
                    date(year + n, 12, 31),
                    m.start(),
                    m.end(),
                    "relative",
                )
            )
            taken.append(m.span())
    found.extend(_bare_months(text, found, issued, free))
    found.sort(key=lambda p: p.start)
    return tuple(found)


def _bare_months(text: str, found: list[Period], issued: str | None,
                 free: Callable[[int, int], bool]) -> list[Period]:
    """Months written without a year, dated only when the year is not in doubt: the one
    calendar year every other date of the text falls in, else the year of a document
    issued in or before that month of its year ("in September" in a statement of May
    2021). A statement of 2013 with no month could mean September of 2013 or 2014."""
    matches = [m for m in _BARE_MONTH.finditer(text) if free(m.start("m"), m.end("m"))]
    if not matches:
        return []
    years = {y for p in found if p.kind != "relative"
             for y in range(p.start_date.year, p.end_date.year + 1)}
    issue = re.match(r"(\d{4})-(\d{2})", issued or "")
    periods = []
    for m in matches:
        month = _MONTHS[m.group("m").lower()]
        if len(years) == 1:
            year = next(iter(years))
        elif not years and issue and int(issue.group(2)) <= month:
            year = int(issue.group(1))
        else:
            continue
        deadline = bool(_BY.search(text[max(0, m.start("m") - 30) : m.start("m")]))
        periods.append(Period(f"{year}-{month:02d}", date(year, month, 1),
                              _month_end(year, month), m.start("m"), m.end("m"), "month",
                              deadline))
    return periods
