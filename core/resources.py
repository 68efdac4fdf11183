"""Where the package's data files are, wherever carekg is installed.

Ontology, shapes, queries and the bundled corpus are package data; they are located
relative to the installed package, never to the current directory.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def _dir(package: str) -> Path:
    with as_file(files(package)) as path:
        return Path(path)


def ontology_dir() -> Path:
    return _dir("carekg.ontology")


def shapes_dir() -> Path:
    return _dir("carekg.shapes")


def queries_dir() -> Path:
    return _dir("carekg.queries")


def corpus_dir() -> Path:
    return _dir("carekg.corpus")


def system_query(name: str) -> str:
    """The text of one of carekg's own queries, ``queries/system/{name}.rq``."""
    return (queries_dir() / "system" / f"{name}.rq").read_text(encoding="utf-8")
