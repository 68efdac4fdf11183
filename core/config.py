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


def _env_store() -> Path | str:
    return store_location(os.environ.get("CAREKG_STORE", str(DEFAULT_STORE)))


def store_location(text: str) -> Path | str:
    """A store directory as a Path, a remote store's URL (``sparql+http://``) as text."""
    return text if text.startswith(("sparql+http://", "sparql+https://")) else Path(text)


@dataclass(frozen=True)
class Settings:
    """What a run of carekg is configured with; see docs/configuration in README."""

    base: str = DEFAULT_BASE
    #: A directory (embedded pyoxigraph snapshots) or ``sparql+http://host:port/sparql``
    #: (a remote SPARQL server, carekg.graph.remote); carekg.graph.store.open_store decides.
    store: Path | str = field(default_factory=_env_store)
    #: The remote server's Graph Store Protocol endpoint, when not beside its query one.
    graph_store: str | None = field(default_factory=lambda: os.environ.get("CAREKG_GRAPH_STORE"))

    # -- limits of the public endpoint (docs/security.md); all safe by default ----------
    #: Seconds a SPARQL query may run before its worker process is killed (504).
    query_timeout: float = 30.0
    #: Rows (solutions, or triples of a CONSTRUCT) an answer may hold; more are cut off
    #: and the answer says so in the ``X-Carekg-Truncated`` header.
    max_result_rows: int = 10_000
    #: Bytes a request body may have (413 beyond).
    max_body_bytes: int = 1_000_000
    #: Characters a query may have (413 beyond).
    max_query_chars: int = 100_000
    #: Queries evaluated at once, each in its own worker process.
    max_concurrent_queries: int = 4
    #: Seconds a query waits for a free worker before the client gets 503.
    queue_wait: float = 2.0
    #: Endpoints a query may federate to with SERVICE; none by default (SSRF).
    federation_allow: tuple[str, ...] = ()
    #: Per-client rate limit (Flask-Limiter syntax); None or "" turns it off.
    rate_limit: str | None = "300 per minute; 5000 per hour"
    #: Loopback clients are not rate limited (tests and local tools).
    rate_limit_exempt_loopback: bool = False

    def with_(self, **changes: object) -> Settings:
        """Return a copy with some settings changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
