"""The plain-text tables every ``carekg bench`` report prints (bench/README.md's
conventions): a ``## title`` line, a header row, whitespace-separated cells of one token
each, ``-`` where there is no figure, so that ``awk`` can read a piped report."""

from __future__ import annotations

from typing import Any


def cell(value: Any, digits: int = 2) -> str:
    """One value as one token."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:.0f}"
        return f"{value:.{digits}f}"
    return str(value).replace(" ", "_") or "-"


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """One whitespace-separated table under a '## title' line: every cell one token."""
    cells = [header, *[[cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}")
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def parse(report: str) -> dict[str, list[list[str]]]:
    """The tables of a printed report by title (up to its first " ("), each row split on
    whitespace, header first: what ``awk`` sees, for the tests that read a report."""
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in report.splitlines():
        if line.startswith("## "):
            current = tables.setdefault(line[3:].split(" (")[0], [])
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line.split())
    return tables
