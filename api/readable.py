"""Facts as a researcher reads them: a title, an amount in pounds or with its unit, and a
quote without the source's markup.

Only what is shown changes: the graph keeps the value in base units and the quote exactly
as the document text has it (so ``text[start:end] == exact`` still holds); these helpers
turn them into "Spend: £1.42m a year on supported housing — Islington, 2021/22".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from carekg.api.claims import pounds

#: Markup of the corpus' Markdown and HTML that a reader should not see in a quote.
_TAG = re.compile(r"<[^<>]{0,300}>")
_EMPHASIS = re.compile(r"(\*\*|__|\*(?=\S)|(?<=\S)\*|`)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"(?m)^\s{0,3}#{1,6}\s+")
_ENTITY = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&quot;": '"', "&#39;": "'"}


def plain(text: str) -> str:
    """``text`` without Markdown emphasis, links, heading marks and HTML tags."""
    text = _TAG.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _EMPHASIS.sub("", text)
    for entity, char in _ENTITY.items():
        text = text.replace(entity, char)
    return re.sub(r"[ \t]{2,}", " ", text)


def number(value: str | Decimal) -> str:
    """1424000 -> '1,424,000'; 12.50 -> '12.5'."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,f}".rstrip("0").rstrip(".")


def amount(value: Any, unit: str | None) -> str:
    """A value with its unit as a person writes it: '£1.42m a year', '£3m', '450 beds'."""
    if value is None or value == "":
        return ""
    if unit == "GBP":
        return pounds(Decimal(str(value)))
    if unit == "GBP/year":
        return f"{pounds(Decimal(str(value)))} a year"
    return f"{number(value)} {unit}".strip() if unit else number(value)


def _text(row: dict[str, Any], name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def fact_title(row: dict[str, Any], kind: str) -> str:
    """'Spend: £1.42m a year on supported housing — Islington, 2021/22' from a fact's row
    (the page query's terms); ``kind`` is the kind's label."""
    value = amount(_text(row, "value"), _text(row, "unitNotation") or None)
    service = _text(row, "serviceName")
    what = ""
    if _text(row, "strategyName"):
        what = _text(row, "strategyName")
    elif _text(row, "directionName"):
        what = f"{_text(row, 'directionName')} {service}".strip()
    elif _text(row, "eventTypeName"):
        what = _text(row, "eventTypeName") + (f" of {service}" if service else "")
    else:
        what = value
        group = _text(row, "groupName")
        if group:
            what += f" {group}" if not value else f", {group}"
        if _text(row, "isProjection") == "true":
            what += " (projected)"
        if service:
            what += f" on {service}" if row.get("value") is not None and _text(
                row, "unitNotation").startswith("GBP") else f" of {service}" if what else service
    where = ", ".join(p for p in (_text(row, "councilName"), _text(row, "period")) if p)
    title = f"{kind}: {what.strip()}" if what.strip() else kind
    return f"{title} — {where}" if where else title
