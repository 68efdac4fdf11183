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


def tokens(text: str, strings: bool = False) -> list[Token]:
    """The code tokens of ``text`` as written: comments dropped, IRIs kept, and strings
    dropped too unless ``strings`` (then each is a ``string`` token). (Screening reads
    ``tokens(unescape(query))``, what the parser reads.)"""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "skip":
            if not strings or match.group(0).startswith("#"):
                continue
            kind = "string"
        found.append(Token(kind, match.group(0), match.end()))
    return found


def prologue_end(toks: list[Token]) -> int:
    """The index of the first token after the prologue (BASE <iri>, PREFIX p: <iri>)."""
    i = 0
    while i < len(toks):
        word = toks[i].text.upper()
        if word == "BASE":
            i += 2
        elif word == "PREFIX":
            i += 3
        else:
            return i
    return i


def first_keyword(toks: list[Token]) -> str | None:
    """The first keyword after the prologue, upper case."""
    i = prologue_end(toks)
    return toks[i].text.upper() if i < len(toks) and toks[i].kind == "name" else None


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


#: The most terms the VALUES block of a lookup (:func:`is_lookup`) may name.
LOOKUP_TERMS = 100


def _iri(tok: Token) -> bool:
    """An IRI, written out or prefixed (a blank node label, ``_:b``, is a variable)."""
    return tok.kind == "iri" or (tok.kind == "name" and ":" in tok.text
                                 and not tok.text.startswith("_:"))


def _values(toks: list[Token], i: int) -> tuple[int, set[str]]:
    """A VALUES block from ``toks[i]`` (just after the keyword) that binds its variables
    to IRIs in every row: the index after it and the variables' names; ``(-1, set())``
    for any other block (UNDEF, literals, more than :data:`LOOKUP_TERMS` terms)."""
    n = len(toks)
    if i < n and toks[i].kind == "var":  # VALUES ?x { <a> <b> }
        names, width, i = [toks[i].text[1:]], 0, i + 1
    elif i < n and toks[i].text == "(":  # VALUES (?x ?y) { (<a> <b>) ... }
        j = i + 1
        while j < n and toks[j].kind == "var":
            j += 1
        if j == i + 1 or j >= n or toks[j].text != ")":
            return -1, set()
        names = [t.text[1:] for t in toks[i + 1:j]]
        width, i = len(names), j + 1
    else:
        return -1, set()
    if i >= n or toks[i].text != "{":
        return -1, set()
    i, terms = i + 1, 0
    while i < n and toks[i].text != "}":
        row = toks[i:i + width + 2] if width else toks[i:i + 1]
        inner = row[1:-1] if width else row
        if width and (len(row) != width + 2 or row[0].text != "(" or row[-1].text != ")"):
            return -1, set()
        if not all(map(_iri, inner)):
            return -1, set()
        i, terms = i + len(row), terms + len(inner)
    if i >= n or terms > LOOKUP_TERMS:
        return -1, set()
    return i + 1, set(names)


def is_lookup(toks: list[Token]) -> bool:
    """Whether the query (``toks``: its tokens, strings kept) only looks up named
    resources: a SELECT (variables or ``*``, then at most a LIMIT) or an ASK of one
    triple pattern whose subject is an IRI, or a variable that a VALUES block
    opening the group binds to IRIs, with an IRI, ``a`` or a variable as predicate (no
    property path) and an IRI or a variable as object; nothing else (no literal, FILTER,
    OPTIONAL, nested group, FROM, DISTINCT, ORDER, GROUP or OFFSET: each can read many
    triples for each row it gives).

    Why: such a query is one index lookup per subject (pyoxigraph binds the VALUES
    variable before it reads the pattern), whose solutions stream out as they are found,
    so its cost is bounded by the triples of at most :data:`LOOKUP_TERMS` subjects and
    stops with the rows read; it cannot run away, so the endpoint may answer it in the
    server process (:func:`carekg.api.execution.evaluate_here`) rather than pay a
    worker's round trip, which was most of a label lookup's time."""
    i, n = prologue_end(toks), len(toks)

    def word(at: int, *words: str) -> bool:
        return at < n and toks[at].kind == "name" and toks[at].text.upper() in words

    if word(i, "SELECT"):
        i += 1
        start = i
        while i < n and (toks[i].kind == "var" or (i == start and toks[i].text == "*")):
            i += 1
        if i == start or (toks[start].text == "*" and i > start + 1):
            return False
    elif word(i, "ASK"):
        i += 1
    else:
        return False
    i += word(i, "WHERE")
    if i >= n or toks[i].text != "{":
        return False
    i, bound = i + 1, set[str]()
    if word(i, "VALUES"):
        i, bound = _values(toks, i + 1)
        if i < 0:
            return False
    if i + 3 > n:
        return False
    s, p, o = toks[i:i + 3]
    if not ((s.kind == "var" and s.text[1:] in bound) or _iri(s)) \
            or not (p.kind == "var" or _iri(p) or p.text == "a") \
            or not (o.kind == "var" or _iri(o)):
        return False
    i += 3 + (i + 3 < n and toks[i + 3].text == ".")
    if i >= n or toks[i].text != "}":
        return False
    i += 1
    if word(i, "LIMIT") and i + 1 < n and toks[i + 1].text.isdigit():
        i += 2
    return i == n
