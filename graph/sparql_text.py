"""Reading SPARQL text without parsing it: the one tokenizer of carekg.

pyoxigraph has no algebra API in Python, and rdflib's parser does not accept everything
pyoxigraph does, so what carekg needs to know of a query before an engine sees it is read
from its tokens: the endpoint's screening (updates, SERVICE; :mod:`carekg.api.security`),
the kind of answer to negotiate a format for (:func:`query_form`), and where a saved
query's parameters go (:func:`with_values`, also used for remote stores). The tokenizer
skips exactly what SPARQL skips (strings, comments) and keeps IRIs and variables as
single tokens, so a keyword inside them is never taken for code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from carekg.errors import QueryError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r'''(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"""
    r'''|"(?:[^"\\\n\r]|\\.)*(?:"|$)'''
    r"""|'(?:[^'\\\n\r]|\\.)*(?:'|$)"""
    r"""|\#[^\n\r]*)"""
    r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)"""
    r"""|(?P<var>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]*)"""
    r"""|(?P<name>[\w\u00b7\u0300-\u036f\u203f\u2040.:%\\-]+)"""
    r"""|(?P<other>\S)""",
    re.DOTALL,
)
#: The query forms (the kind of answer each gives is carekg.api.negotiation's).
FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


@dataclass(frozen=True)
class Token:
    kind: str  # iri, var, name or other
    text: str
    end: int  # offset just after the token in the text it was read from


def unescape(query: str) -> str:
    """Apply SPARQL's codepoint escapes to the whole text, as the parser does first."""
    def replace(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _ESCAPE.sub(replace, query)


def tokens(text: str) -> list[Token]:
    """The code tokens of ``text`` as written: strings and comments dropped, IRIs kept.
    (Screening reads ``tokens(unescape(query))``, what the parser reads.)"""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "skip":
            found.append(Token(kind, match.group(0), match.end()))
    return found


def first_keyword(toks: list[Token]) -> str | None:
    """The first keyword after the prologue (BASE <iri>, PREFIX p: <iri>), upper case."""
    i = 0
    while i < len(toks):
        word = toks[i].text.upper()
        if word == "BASE":
            i += 2
        elif word == "PREFIX":
            i += 3
        elif toks[i].kind == "name":
            return word
        else:
            return None
    return None


def form_of(toks: list[Token]) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, from a query's tokens; None for text that is
    none of them (which the engine will refuse as malformed)."""
    word = first_keyword(toks)
    return word if word in FORMS else None


def query_form(query: str) -> str | None:
    """:func:`form_of` the text of a query."""
    return form_of(tokens(query))


def names_from(toks: list[Token]) -> bool:
    """Whether the query names its own dataset (a FROM or FROM NAMED clause)."""
    return any(t.kind == "name" and t.text.upper() == "FROM" for t in toks)


@functools.lru_cache(maxsize=128)
def where_group(text: str) -> int | None:
    """The offset just inside the outermost ``WHERE {`` of ``text``, or None. Remembered
    (the last 128 texts): a saved query's parameters are bound into its text on every
    request that runs it, and tokenizing the text again each time was a tenth of a
    server process's time on a short saved query (py-spy)."""
    toks = tokens(text)
    for tok, after in zip(toks, toks[1:], strict=False):
        if tok.kind == "name" and tok.text.upper() == "WHERE" and after.text == "{":
            return after.end
    return None


def with_values(text: str, bound: dict[Any, Any]) -> str:
    """The query with its parameters as a VALUES block opening the outermost WHERE group.

    The terms are pyoxigraph terms (``carekg.graph.saved_queries.bind``), written in
    their own N-Triples syntax, so a caller's value cannot change the query's shape. A
    VALUES block joined first restricts the group the way a pre-bound variable would,
    for the saved queries' shape (parameters used in the outer group)."""
    if not bound:
        return text
    for term in bound.values():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise QueryError(f"a parameter must be an IRI or a literal, not {term!r}")
    names = " ".join(f"?{variable.value if hasattr(variable, 'value') else variable}"
                     for variable in bound)
    terms = " ".join(str(term) for term in bound.values())
    inside = where_group(text)
    if inside is None:
        raise QueryError("the query has no WHERE group to bind its parameters in")
    return f"{text[:inside]}\n  VALUES ({names}) {{ ({terms}) }}\n{text[inside:]}"
