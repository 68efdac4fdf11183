"""SPARQL servers side by side over HTTP, timed in interleaved rounds.

Why interleaved: on a shared 2-core machine the load changes from minute to minute, so
engine A's figures taken before engine B's compare two machines. Each round goes over
every request once per engine, with the engines' order rotated from round to round, and
the figures are medians over the rounds: whatever noise there is hits every engine alike.

Every engine is reached as any client reaches it, over loopback HTTP with a fresh
request each time; carekg's saved queries go to its own ``/queries/{name}`` (with
``Cache-Control: no-cache``, so it evaluates every time), a peer gets the same query text
with the same VALUES block (``carekg.graph.saved_queries.bound_text``) on its endpoint.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

JSON_ACCEPT = "application/sparql-results+json"
#: A request slower than this on its warm-up is not repeated in the rounds (its warm-up
#: stands as its one figure), so one runaway query cannot take the whole run.
SLOW_S = 20.0
HTTP_TIMEOUT_S = 600.0


@dataclass
class Engine:
    """One server under test: its SPARQL endpoint, and the root of its process tree."""

    name: str
    endpoint: str
    pid: int | None
    #: carekg only: its base URL, so saved queries go through ``/queries/{name}``
    saved_base: str | None = None

    def sparql(self, text: str, no_cache: bool = True) -> urllib.request.Request:
        """A GET of ``text`` (every server here reads GET; wrk can only send GETs)."""
        headers = {"Accept": JSON_ACCEPT}
        if no_cache:
            headers["Cache-Control"] = "no-cache"
        return urllib.request.Request(
            f"{self.endpoint}?{urllib.parse.urlencode({'query': text})}", headers=headers)

    def saved(self, name: str, bound_text: str) -> urllib.request.Request:
        if self.saved_base is None:
            body = urllib.parse.urlencode({"query": bound_text}).encode()
            return urllib.request.Request(self.endpoint, data=body, headers={
                "Accept": JSON_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
        return urllib.request.Request(f"{self.saved_base}/queries/{name}", headers={
            "Accept": JSON_ACCEPT, "Cache-Control": "no-cache"})


def timed(request: urllib.request.Request) -> tuple[float, bytes]:
    """Milliseconds until the whole answer has arrived, and the answer."""
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
        body = bytes(response.read())
    return (time.perf_counter() - began) * 1000, body


def rows_in(body: bytes) -> int:
    """Rows of a SPARQL JSON answer (an ASK counts as one)."""
    answer = json.loads(body)
    if "boolean" in answer:
        return 1
    return len(answer["results"]["bindings"])


def rotated(items: Sequence[Any], by: int) -> list[Any]:
    """``items`` starting at position ``by`` (modulo): each round another engine first."""
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


Say = Callable[[str], None]


def time_requests(requests: dict[str, dict[str, urllib.request.Request]], rounds: int,
                  say: Say) -> list[dict[str, Any]]:
    """``requests[label][engine]`` timed in interleaved rounds after a warm-up that also
    counts each answer's rows; one row per label with rows, medians and errors per engine."""
    results: dict[str, dict[str, Any]] = {}
    for label, per_engine in requests.items():
        entry: dict[str, Any] = {"query": label, "rows": {}, "samples": {}, "errors": {},
                                 "slow": {}}
        for engine, request in per_engine.items():
            try:
                ms, body = timed(request)
                entry["rows"][engine] = rows_in(body)
                entry["samples"][engine] = [ms]
                entry["slow"][engine] = ms > SLOW_S * 1000
            except (OSError, ValueError, KeyError, urllib.error.HTTPError) as exc:
                entry["errors"][engine] = str(exc)[:300]
        results[label] = entry
    for n in range(rounds):
        say(f"round {n + 1} of {rounds}")
        for label, per_engine in requests.items():
            entry = results[label]
            for engine in rotated(list(per_engine), n):
                if engine in entry["errors"] or entry["slow"].get(engine):
                    continue
                if n == 0:
                    entry["samples"][engine] = []  # the warm-up is not a sample
                try:
                    entry["samples"][engine].append(timed(per_engine[engine])[0])
                except (OSError, ValueError) as exc:
                    entry["errors"][engine] = str(exc)[:300]
    rows = []
    for entry in results.values():
        samples = entry.pop("samples")
        entry["ms"] = {e: statistics.median(s) for e, s in samples.items()
                       if s and e not in entry["errors"]}
        entry["runs"] = {e: len(s) for e, s in samples.items()}
        rows.append(entry)
    return rows


def fixed_cost(engines: Sequence[Engine], in_process: Callable[[], object], rounds: int,
               per_round: int = 30) -> dict[str, float]:
    """Milliseconds of the trivial query ``ASK {}`` on each engine and in process: what
    every request pays before any data is touched. Interleaved request by request (one
    request per engine, in rotated order, ``rounds * per_round`` times): a request lasts
    a millisecond or so, and a burst of another job's work must fall on every engine."""
    def over_http(engine: Engine) -> Callable[[], object]:
        request = engine.sparql("ASK {}")
        return lambda: timed(request)

    actions: dict[str, Callable[[], object]] = {e.name: over_http(e) for e in engines}
    actions["in_process"] = in_process
    for action in actions.values():
        action()  # warm-up: connections, caches, the worker pool
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for n in range(rounds * per_round):
        for name in rotated(list(actions), n):
            began = time.perf_counter()
            actions[name]()
            samples[name].append((time.perf_counter() - began) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}
