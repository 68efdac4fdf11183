"""RDF descriptions written as Turtle templates (``api/templates/*.ttl``), not as Python.

A template is Jinja over Turtle; every value goes in through a filter that writes it as
an N-Triples term (``iri`` checks the IRI, ``literal`` escapes the string), so a value
can never change the template's structure. The result is parsed back, which checks the
Turtle, and the view serialises the triples in the negotiated format.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, StrictUndefined


def _literal(value: object, datatype: str | None = None, language: str | None = None) -> str:
    if datatype:
        return str(ox.Literal(str(value), datatype=ox.NamedNode(datatype)))
    return str(ox.Literal(str(value), language=language))


def _term(value: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    return str(value)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("carekg.api", "templates"), autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["iri"] = lambda value: str(ox.NamedNode(str(value)))
    env.filters["literal"] = _literal
    env.filters["term"] = _term
    return env


def render_triples(template: str, **values: Any) -> list[ox.Triple]:
    """The triples of ``templates/{template}`` filled with ``values``."""
    text = _environment().get_template(template).render(**values)
    return [quad.triple for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
