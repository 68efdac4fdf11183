"""Settings shared by the CLI, the builders and the web application.

One frozen dataclass, filled from defaults, then environment, then explicit arguments,
so every component sees the same base IRI and store location.

The serving settings are the one source of their own documentation: each field's
``metadata`` holds its ``carekg serve`` flag, help text and, for a limit, what a client
meets beyond it. :data:`SERVE_SETTINGS` lists them; ``carekg serve``'s flags are made
from it, and the limits table of docs/security.md is :func:`limits_table`'s output
(tests/test_settings.py checks both).
"""

from __future__ import annotations

import os
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_BASE = "https://w3id.org/carekg/"
DEFAULT_STORE = Path("var/store")


def _env_store() -> Path | str:
    return store_location(os.environ.get("CAREKG_STORE", str(DEFAULT_STORE)))


def store_location(text: str) -> Path | str:
    """A store directory as a Path, a remote store's URL (``sparql+http://``) as text."""
    return text if text.startswith(("sparql+http://", "sparql+https://")) else Path(text)


def serving(flag: str, help: str, metavar: str | None = None, shown: str | None = None,
            over: str | None = None) -> dict[str, str | None]:
    """The metadata of a serving setting: its ``carekg serve`` flag and help text; the
    default as the docs write it (``shown``, when not just the value); and, for a limit,
    what happens beyond it (``over``), which puts it in the limits table."""
    return {"flag": flag, "help": help, "metavar": metavar, "shown": shown, "over": over}


@dataclass(frozen=True)
class Settings:
    """What a run of carekg is configured with (README "Command line", docs/security.md)."""

    base: str = DEFAULT_BASE
    #: A directory (embedded pyoxigraph snapshots) or ``sparql+http://host:port/sparql``
    #: (a remote SPARQL server, carekg.graph.remote); carekg.graph.store.open_store decides.
    store: Path | str = field(default_factory=_env_store)
    #: The remote server's Graph Store Protocol endpoint, when not beside its query one.
    graph_store: str | None = field(default_factory=lambda: os.environ.get("CAREKG_GRAPH_STORE"))

    # -- limits of the public endpoint (docs/security.md); all safe by default ----------
    query_timeout: float = field(default=30.0, metadata=serving(
        "--timeout", "stop a query after this long (504)", "SECONDS", shown="30 s",
        over="the worker process is killed (SIGKILL) and replaced; 504"))
    max_result_rows: int = field(default=10_000, metadata=serving(
        "--max-rows", "cut answers after N rows (X-Carekg-Truncated)", "N", shown="10 000",
        over="the answer is cut; header `X-Carekg-Truncated: true; rows=N; limit=N`"))
    max_body_bytes: int = field(default=1_000_000, metadata=serving(
        "--max-body", "largest request body (413)", "BYTES", shown="1 000 000", over="413"))
    max_query_chars: int = field(default=100_000, metadata=serving(
        "--max-query-chars", "longest query (413)", "N", shown="100 000", over="413"))
    max_concurrent_queries: int = field(default=4, metadata=serving(
        "--workers", "queries evaluated at once, one worker process each, shared out "
        "among the server processes (at least one each)", "N",
        over="a query waits `queue_wait` for a free worker, then 503 with `Retry-After`"))
    queue_wait: float = field(default=2.0, metadata=serving(
        "--queue-wait", "wait for a free worker before 503", "SECONDS", shown="2 s",
        over="503 with `Retry-After`"))
    #: Endpoints a query may federate to with SERVICE; none by default (SSRF).
    federation_allow: tuple[str, ...] = field(default=(), metadata=serving(
        "--allow-service", "an endpoint SERVICE may federate to; repeatable", "IRI",
        shown="none"))
    #: Seconds of query evaluation each client may use per minute (the per-client limit
    #: of the big public endpoints: heavy queries are refused, cached lookups never).
    query_seconds: float = field(default=60.0, metadata=serving(
        "--query-seconds", "seconds of query evaluation a client may use per minute; 0: "
        "no limit", "SECONDS", shown="60 s per minute",
        over="429 with `Retry-After` until the client's minute has room again"))
    #: Per-client request-count limit (the `limits` notation); None or "" turns it off.
    rate_limit: str | None = field(default=None, metadata=serving(
        "--rate-limit", 'per-client request limits (the limits notation, e.g. "300 per '
        'minute")', "LIMITS", shown="none", over="429 with `Retry-After`"))
    #: Whether clients on 127.0.0.1/::1 are exempt from the per-client limits; None: when
    #: serving on loopback (every client is local then; a reverse proxy in front should do
    #: the limiting, as docs/security.md says).
    rate_limit_exempt_loopback: bool | None = field(default=None, metadata=serving(
        "--rate-limit-exempt-loopback", "exempt clients on 127.0.0.1/::1 from the per-client "
        "limits (default: when serving on loopback)"))
    #: HTTP request threads of waitress, in each server process.
    threads: int = field(default=8, metadata=serving(
        "--threads", "HTTP request threads (waitress) of each server process", "N"))
    #: Server processes over the one published snapshot: a Python process answers on one
    #: core (the GIL), so ``carekg serve`` starts one per core unless told otherwise.
    processes: int = field(default=0, metadata=serving(
        "--processes", "server processes on the one port, each with its own threads, "
        "cache and share of the workers; 0: one per core", "N", shown="0 (one per core)"))
    #: Bytes of response bodies the in-process cache holds (0 turns it off).
    cache_bytes: int = field(default=64 * 1024 * 1024, metadata=serving(
        "--cache-bytes", "bytes of answers the in-process cache holds; 0: no cache",
        "BYTES", shown="64 MiB"))

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


#: The settings ``carekg serve`` has a flag for, in the order ``--help`` shows them.
SERVE_SETTINGS: tuple[Field[Any], ...] = tuple(f for f in fields(Settings) if f.metadata)


def shown_default(setting: Field[Any]) -> str:
    """A setting's default as help and docs write it."""
    return setting.metadata["shown"] or str(setting.default)


def limits_table() -> str:
    """The Markdown table of the limits (the settings with an ``over``), as in
    docs/security.md."""
    lines = ["| setting | flag | default | over the limit |", "| --- | --- | --- | --- |"]
    for setting in SERVE_SETTINGS:
        if setting.metadata["over"]:
            lines.append(f"| `{setting.name}` | `{setting.metadata['flag']}` | "
                         f"{shown_default(setting)} | {setting.metadata['over']} |")
    return "\n".join(lines)
