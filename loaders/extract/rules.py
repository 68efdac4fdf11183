"""The declarative rules of the extractors, read once from ``rules.yaml``.

Rules live in YAML rather than Python so that a researcher can see and extend the
wording the loaders understand without reading code; this module only compiles them.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@cache
def load_rules() -> dict[str, Any]:
    """The parsed ``rules.yaml`` of this package."""
    text = files("carekg.loaders.extract").joinpath("rules.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def phrase_pattern(phrases: list[str] | tuple[str, ...]) -> str:
    """A regex alternation matching any phrase on word boundaries, longest first.

    Longest first so that "just under" wins over "under"; word boundaries are applied only
    where the phrase starts or ends with a word character, so "c." and "+" still match.
    """
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        left = r"\b" if phrase[:1].isalnum() else ""
        right = r"\b" if phrase[-1:].isalnum() else ""
        parts.append(f"{left}{escaped}{right}")
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


@cache
def compiled(name: str) -> re.Pattern[str]:
    """A case-insensitive pattern for a flat list of phrases in the rules."""
    return re.compile(phrase_pattern(load_rules()[name]), re.IGNORECASE)


@cache
def gate_cue(name: str) -> re.Pattern[str]:
    """A case-insensitive pattern for one vocabulary of ``gate_cues`` (what the learned
    kind gate weighs, and what its generic readers require)."""
    return re.compile(phrase_pattern(load_rules()["gate_cues"][name]), re.IGNORECASE)


@cache
def compiled_map(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(key, pattern) pairs, in file order, for a mapping of key -> phrases."""
    return tuple(
        (key, re.compile(phrase_pattern(phrases), re.IGNORECASE))
        for key, phrases in load_rules()[name].items()
        if phrases
    )
