"""The researchers' saved queries: ``queries/*.rq`` with a header, run with bound parameters.

A saved query is a plain SPARQL file that starts with a comment block::

    # title: Spend by council and service
    # description: Every spend figure a council states, by service,
    #   with its period and the sentence it came from.
    # param: council = <https://w3id.org/carekg/id/council/E09000019> -- GSS code, name or IRI

Each ``param`` names a variable of the query and gives its default as a SPARQL/Turtle
term. Parameters are bound as RDF terms written into a VALUES block
(:func:`bound_text`), never by pasting the caller's text into the query, so a value cannot
change the query's shape. The CLI (``carekg query --saved``) and the web API
(``/queries/{name}``) both go through :func:`bound_text`, so they give the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from carekg.config import DEFAULT_BASE
from carekg.councils import default_register
from carekg.errors import CarekgError, QueryError, UsageError
from carekg.graph.backend import Snapshot
from carekg.graph.sparql_text import with_values
from carekg.iris import rebase_iri, slugify
from carekg.namespaces import PREFIXES
from carekg.resources import queries_dir

_HEADER_LINE = re.compile(r"^#\s?(?P<body>.*)$")
_FIELD = re.compile(r"^(?P<key>title|description|param|tags):\s*(?P<value>.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<default>.+?)"
                    r"(?:\s+--\s+(?P<doc>.*))?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Parameter:
    """One bindable variable of a saved query and its default term."""

    name: str
    default: ox.NamedNode | ox.Literal
    doc: str = ""

    @property
    def default_text(self) -> str:
        return _term_text(self.default)

    @property
    def kind(self) -> str:
        """What a caller supplies: 'iri', or the literal's datatype local name."""
        if isinstance(self.default, ox.NamedNode):
            return "iri"
        return self.default.datatype.value.removeprefix(_XSD)


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    tags: tuple[str, ...]
    text: str
    path: Path

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise UsageError(f"saved query {self.name!r} has no parameter {name!r} "
                         f"(parameters: {known})")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "parameters": [
                {"name": p.name, "default": p.default_text, "kind": p.kind, "doc": p.doc}
                for p in self.parameters
            ],
            "query": self.text,
        }


def parse_saved_query(path: Path) -> SavedQuery | None:
    """Read one ``.rq`` file and its header.

    A file without a ``# title:`` line is not a saved query (carekg's own queries, such
    as the evaluation's, may sit beside them); a title without a description is an
    error, so the catalogue never lists a query without saying what it answers."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "tags": []}
    last: str | None = None
    for line in text.splitlines():
        match = _HEADER_LINE.match(line)
        if not match:
            break
        body = match.group("body")
        field = _FIELD.match(body.strip())
        if field:
            last = field.group("key")
            fields[last].append(field.group("value").strip())
        elif body.startswith("  ") and last in ("description", "title") and body.strip():
            fields[last][-1] += " " + body.strip()
        else:
            last = None
    if not fields["title"]:
        return None
    if not fields["description"]:
        raise QueryError(f"{path}: a saved query needs a '# description:' line")
    params = tuple(_parse_param(path, value) for value in fields["param"])
    tags = tuple(t.strip() for value in fields["tags"] for t in value.split(",") if t.strip())
    return SavedQuery(path.stem, fields["title"][0], " ".join(fields["description"]), params,
                      tags, text, path)


def _parse_param(path: Path, value: str) -> Parameter:
    match = _PARAM.match(value)
    if not match:
        raise QueryError(f"{path}: cannot read parameter line {value!r} "
                         "(expected 'name = default -- what it means')")
    return Parameter(match.group("name"), parse_term(match.group("default")),
                     (match.group("doc") or "").strip())


def parse_term(text: str) -> ox.NamedNode | ox.Literal:
    """A SPARQL/Turtle term (``<iri>``, ``cc:Spend``, ``"2024-01-01"^^xsd:date``, ``"x"@en``)
    read with the project's prefixes, through the Turtle parser rather than by hand."""
    prologue = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    try:
        triples = list(ox.parse(f"{prologue}<urn:s> <urn:p> {text.strip()} .",
                                format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise QueryError(f"{text!r} is not an RDF term: {exc}") from exc
    term = triples[0].object if len(triples) == 1 else None
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise QueryError(f"{text!r} is not one IRI or literal")
    return term


@cache
def _catalogue(directory: Path) -> dict[str, SavedQuery]:
    queries = [parse_saved_query(p) for p in sorted(directory.glob("*.rq"))]
    return {q.name: q for q in queries if q is not None}


def catalogue(directory: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query by name (``queries/*.rq``; not the system or page queries)."""
    return dict(_catalogue(directory or queries_dir()))


def saved_query(name: str, directory: Path | None = None) -> SavedQuery:
    queries = catalogue(directory)
    if not _NAME.match(name) or name not in queries:
        raise UsageError(f"no saved query {name!r}; known: {', '.join(sorted(queries))}")
    return queries[name]


def bind(query: SavedQuery, params: dict[str, str],
         base: str = DEFAULT_BASE) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Every parameter as an RDF term: the caller's value, read as the default's kind,
    or the default."""
    given = {k: v for k, v in params.items() if v is not None and str(v).strip() != ""}
    for name in given:
        query.parameter(name)  # unknown names are an error, not silently ignored
    bound: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in query.parameters:
        default = _rebase(param.default, base)
        term = coerce(param, given[param.name], base) if param.name in given else default
        bound[ox.Variable(param.name)] = term
    return bound


def coerce(param: Parameter, value: str, base: str = DEFAULT_BASE) -> ox.NamedNode | ox.Literal:
    """A caller's text as a term of the parameter's kind.

    IRIs may be given in full (with or without angle brackets), as a prefixed name, or
    as a short name resolved beside the default: a GSS code or council name for a
    council, a slug or label for a concept ("supported living" ->
    ``.../id/service/supported-living``)."""
    value = value.strip()
    default = param.default
    if isinstance(default, ox.NamedNode):
        return _coerce_iri(param, value, _rebase(default, base).value, base)
    if default.language:
        return ox.Literal(value, language=default.language)
    datatype = default.datatype.value.removeprefix(_XSD)
    checks: dict[str, Callable[[str], object]] = {"date": date.fromisoformat,
                                                  "decimal": Decimal, "integer": int}
    if datatype in checks:
        try:
            checks[datatype](value)
        except (ValueError, InvalidOperation) as exc:
            raise UsageError(f"parameter {param.name!r} must be an xsd:{datatype}, "
                             f"got {value!r}") from exc
    if datatype == "boolean" and value not in ("true", "false"):
        raise UsageError(f"parameter {param.name!r} must be true or false, got {value!r}")
    return ox.Literal(value, datatype=default.datatype)


def _coerce_iri(param: Parameter, value: str, default: str, base: str) -> ox.NamedNode:
    bracketed = value.startswith("<") and value.endswith(">")
    if bracketed:
        value = value[1:-1]
    if bracketed or re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        return _named_node(param, value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return _named_node(param, PREFIXES[prefix] + local)
    parent = default.rsplit("/", 1)[0] + "/"
    if parent == f"{base}id/council/":
        try:
            return ox.NamedNode(parent + default_register().resolve(value).gss_code)
        except CarekgError as exc:
            raise UsageError(f"parameter {param.name!r}: {exc}") from exc
    return _named_node(param, parent + slugify(value))


def _named_node(param: Parameter, iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise UsageError(f"parameter {param.name!r}: {iri!r} is not an IRI ({exc})") from exc


def _rebase(term: ox.NamedNode | ox.Literal, base: str) -> ox.NamedNode | ox.Literal:
    if isinstance(term, ox.NamedNode):
        return ox.NamedNode(rebase_iri(term.value, DEFAULT_BASE, base))
    return term


def run_saved(snapshot: Snapshot, name: str, params: dict[str, str] | None = None, *,
              base: str = DEFAULT_BASE, directory: Path | None = None) -> Any:
    """Run a saved query on a snapshot with parameters bound safely as RDF terms.

    ``params`` maps parameter names to text as a person types it (``council=E09000019``);
    unknown names and ill-formed values raise :class:`UsageError`."""
    query = saved_query(name, directory)
    return snapshot.query(bound_text(query, bind(query, params or {}, base)))


def bound_text(query: SavedQuery, bound: dict[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The query with its parameters as a VALUES block (written from RDF terms, never from
    the caller's text), rather than pyoxigraph ``substitutions``: pyoxigraph plans a
    VALUES block into the join, where a substituted variable is only filtered on after
    (council-service-evidence at 100 councils: 337 ms substituted, 3 ms with VALUES;
    never slower on the other saved queries), and every SPARQL server reads VALUES."""

    return with_values(query.text, bound)


def _term_text(term: ox.NamedNode | ox.Literal) -> str:
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and prefix == "cc":
                return f"cc:{term.value[len(ns):]}"
        return f"<{term.value}>"
    return str(term)
