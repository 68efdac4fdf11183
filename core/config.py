"""Settings shared by the CLI, the builders and the web application.

One frozen dataclass, filled from defaults, then environment, then explicit arguments,
so every component sees the same base IRI and store location.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_BASE = "https://w3id.org/carekg/"
DEFAULT_STORE = Path("var/store")


def _env_store() -> Path:
    return Path(os.environ.get("CAREKG_STORE", str(DEFAULT_STORE)))


@dataclass(frozen=True)
class Settings:
    """What a run of carekg is configured with; see docs/configuration in README."""

    base: str = DEFAULT_BASE
    store: Path = field(default_factory=_env_store)

    def with_(self, **changes: object) -> Settings:
        """Return a copy with some settings changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
