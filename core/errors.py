"""Errors a user can act on.

Every error that reaches the command line is one of these, so the CLI can print one
clear line (and exit 1) instead of a traceback. Anything else is a bug and keeps its
traceback under ``--debug``.
"""

from __future__ import annotations

from pathlib import Path


class CarekgError(Exception):
    """Base class: the message is written for the user, not the developer."""

    exit_code = 1


class InputError(CarekgError):
    """A file the user gave us cannot be used; names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UnknownCouncilError(CarekgError):
    """A council name that the register does not know, with the closest known names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; closest known names: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown council {name!r}{hint}")


class ValidationError(CarekgError):
    """SHACL found violations; the store was left as it was."""

    def __init__(self, message: str, report: str = "") -> None:
        self.report = report
        super().__init__(message)


class StoreError(CarekgError):
    """The store is missing, corrupt or locked."""


class QueryError(CarekgError):
    """A SPARQL query could not be parsed or run."""


class UsageError(CarekgError):
    """The command line itself is wrong (exit code 2, like argparse)."""

    exit_code = 2
