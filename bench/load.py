"""A bounded load test on loopback: many clients over the saved queries while one client
sends heavy queries to /sparql, against a real ``carekg serve`` with a short timeout.

Why this shape: a public endpoint must keep answering the cheap, common requests while
someone runs a runaway query; the timeout and the worker pool are what should make that
true, so the figures that matter are the cheap requests' latency and errors *while* heavy
queries are in flight, and that the heavy ones end in 504 rather than holding a worker.

Bounded: each level runs for ``--duration`` seconds (default 20; the documented full run
is 60) or until ``--max-requests`` requests, whichever comes first; loopback only.

    python bench/load.py --duration 60 --json bench/results/load.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from carekg.bench.served import build_store, provenance, serving

HEAVY_QUERIES = [
    # cross products of the whole store with itself: far beyond any timeout
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f ?i ?l",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?b ?q ?c . ?x ?y ?z . FILTER(STR(?a) != STR(?z)) }",
]


#: ``--mixed-accept``: what browsers, SPARQL clients and spreadsheets send, in turn. Each
#: is a distinct raw header (so a distinct entry of a server process's cache) that
#: negotiates one of the saved-query view's formats.
MIXED_ACCEPTS = [
    "application/sparql-results+json",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/json",
    "text/csv",
    "*/*",
    "application/sparql-results+xml",
]


@dataclass
class Sample:
    started: float
    seconds: float
    status: int  # 0: no HTTP answer (connection error)


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def request(conn: http.client.HTTPConnection, method: str, path: str,
            body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    return response.status


def client_loop(host: str, port: int, paths: list[str], offset: int, deadline: float,
                budget: threading.Semaphore, recorder: Recorder,
                accepts: tuple[str, ...] = ("application/sparql-results+json",)) -> None:
    """One cheap client: the saved queries in turn (each client its own Accept header of
    ``accepts``), one keep-alive connection."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    accept = accepts[offset % len(accepts)]
    i = offset
    while time.monotonic() < deadline and budget.acquire(blocking=False):
        path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        try:
            status = request(conn, "GET", path, headers={"Accept": accept})
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=120)
        recorder.add(Sample(started, time.monotonic() - started, status))
    conn.close()


def heavy_loop(host: str, port: int, deadline: float, recorder: Recorder) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=300)
    i = 0
    while time.monotonic() < deadline:
        body = urllib.parse.urlencode({"query": HEAVY_QUERIES[i % len(HEAVY_QUERIES)]}).encode()
        i += 1
        started = time.monotonic()
        try:
            status = request(conn, "POST", "/sparql", body, {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json"})
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=300)
        recorder.add(Sample(started, time.monotonic() - started, status))
    conn.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def summarise(clients: int, seconds: float, cheap: list[Sample], heavy: list[Sample]) -> dict:
    ok = [s.seconds for s in cheap if s.status == 200]
    intervals = [(h.started, h.started + h.seconds) for h in heavy]

    def during_heavy(s: Sample) -> bool:
        end = s.started + s.seconds
        return any(a <= end <= b for a, b in intervals)

    overlapping = [s for s in cheap if during_heavy(s)]
    per_second = Counter(int(s.started + s.seconds - cheap[0].started)
                         for s in cheap if s.status == 200) if cheap else Counter()
    full_seconds = [per_second.get(i, 0) for i in range(int(seconds))]
    return {
        "clients": clients,
        "seconds": round(seconds, 2),
        "requests": len(cheap),
        "ok": len(ok),
        "throughput_per_s": round(len(ok) / seconds, 1),
        "latency_ms": {"p50": ms(percentile(ok, 50)), "p95": ms(percentile(ok, 95)),
                       "p99": ms(percentile(ok, 99)), "max": ms(max(ok) if ok else None)},
        "status": dict(sorted(Counter(str(s.status) for s in cheap).items())),
        "fewest_ok_in_one_second": min(full_seconds) if full_seconds else 0,
        "during_heavy": {"requests": len(overlapping),
                         "ok": sum(1 for s in overlapping if s.status == 200)},
        "heavy": {"requests": len(heavy),
                  "status": dict(sorted(Counter(str(s.status) for s in heavy).items())),
                  "seconds": [round(h.seconds, 2) for h in heavy]},
    }


def run_level(host: str, port: int, paths: list[str], clients: int, duration: float,
              max_requests: int, accepts: tuple[str, ...] = ("application/sparql-results+json",)
              ) -> dict:
    cheap, heavy = Recorder(), Recorder()
    budget = threading.Semaphore(max_requests)
    started = time.monotonic()
    deadline = started + duration
    threads = [threading.Thread(target=client_loop, args=(host, port, paths, i, deadline,
                                                          budget, cheap, accepts))
               for i in range(clients)]
    threads.append(threading.Thread(target=heavy_loop, args=(host, port, deadline, heavy)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(clients, time.monotonic() - started, cheap.samples, heavy.samples)


def saved_paths(host: str, port: int) -> list[str]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/queries.json")
    return [q["url"] for q in json.loads(conn.getresponse().read())]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a built store (default: build the bundled corpus)")
    parser.add_argument("--levels", default="8,32,64", help="concurrent cheap clients per level")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="cheap requests per level at most")
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query timeout")
    parser.add_argument("--workers", type=int, help="the server's query workers (default 4)")
    parser.add_argument("--mixed-accept", action="store_true",
                        help="clients send the Accept headers of MIXED_ACCEPTS in turn (the "
                        "page, JSON, CSV, XML) rather than all SPARQL JSON")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every cheap request got 200, cheap requests kept "
                        "being answered while heavy ones ran, and every heavy one timed out")
    args = parser.parse_args()

    options = ["--no-rate-limit", "--timeout", str(args.timeout), "-q"]
    if args.workers:
        options += ["--workers", str(args.workers)]
    with tempfile.TemporaryDirectory(prefix="carekg-load-") as tmp:
        store = args.store or build_store(Path(tmp) / "store")
        # waitress logs every queue backlog; keep that out of the report, in a file
        with serving(store, *options, log=Path(tmp) / "serve.log") as server:
            host, port = server.host, server.port
            paths = saved_paths(host, port)
            levels = []
            for clients in (int(n) for n in args.levels.split(",")):
                accepts = tuple(MIXED_ACCEPTS) if args.mixed_accept else tuple(MIXED_ACCEPTS[:1])
                level = run_level(host, port, paths, clients, args.duration, args.max_requests,
                                  accepts)
                levels.append(level)
                print(f"{clients:>3} clients: {level['throughput_per_s']:>7} ok/s  "
                      f"p50 {level['latency_ms']['p50']} ms  p95 {level['latency_ms']['p95']} "
                      f"ms  p99 {level['latency_ms']['p99']} ms  status {level['status']}  "
                      f"during heavy {level['during_heavy']}  heavy {level['heavy']['status']}",
                      flush=True)
    results = {
        **provenance(),
        "settings": {"duration_s": args.duration, "max_requests": args.max_requests,
                     "query_timeout_s": args.timeout, "workers": args.workers or 4,
                     "saved_queries": len(paths), "heavy_queries": HEAVY_QUERIES,
                     "accepts": MIXED_ACCEPTS if args.mixed_accept else MIXED_ACCEPTS[:1]},
        "levels": levels,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    problems = held(levels) if args.check else []
    for problem in problems:
        print(f"load not held: {problem}", file=sys.stderr)
    return 1 if problems else 0


def held(levels: list[dict]) -> list[str]:
    """What the load test requires of each level, as a list of failures."""
    problems = []
    for level in levels:
        n = level["clients"]
        if set(level["status"]) - {"200"}:
            problems.append(f"{n} clients: cheap requests answered {level['status']}")
        if level["during_heavy"]["ok"] < level["during_heavy"]["requests"]:
            problems.append(f"{n} clients: cheap requests failed while heavy ones ran")
        if level["heavy"]["requests"] and set(level["heavy"]["status"]) - {"504", "503"}:
            problems.append(f"{n} clients: heavy queries answered {level['heavy']['status']}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
