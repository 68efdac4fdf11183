"""The web face of carekg: SPARQL protocol, linked-data pages, query UI and dumps.

Each URL area is a blueprint in its own module; :func:`blueprints` lists them in the
order they are registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: the query workers and the supervisor import this
    # package and need no Flask (about 15 MB of each process's memory)
    from flask import Blueprint


def blueprints() -> list[Blueprint]:
    # Imported here so that importing carekg.api does not import every view module.
    from importlib import import_module

    modules = ["pages", "saved", "ui", "dumps", "compare"]  # /sparql: carekg.api.sparql
    found: list[Blueprint] = []
    for name in modules:
        try:
            module = import_module(f"carekg.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"carekg.api.{name}":
                continue  # an area not written yet
            raise
        found.append(module.bp)
    return found
