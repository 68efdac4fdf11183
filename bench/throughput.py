"""Throughput on loopback: requests per second for a cheap lookup and for an aggregate
saved query at 1, 8 and 32 concurrent clients, against a real ``carekg serve``.

What is driven (discovered from the server, nothing hard-coded about the data):

* ``lookup``: the linked-data description of the council with the most facts,
  ``GET /id/council/<code>`` as Turtle, the request a crawler or a page link makes;
* ``aggregate``: the saved query ``spend-totals-by-council-and-service`` (SUM and COUNT
  over every spend fact, grouped) as SPARQL JSON.

Each runs twice: as is (``cached``: after the first answer, the server's snapshot-keyed
cache answers) and with ``Cache-Control: no-cache`` (``uncached``: the server evaluates
every time, through the same view, store and query path a first request takes).

The load generator is ``wrk`` when it is installed (Debian: ``apt-get install wrk``): a
C client using a small share of one core. Without it a Python client with one thread and
one keep-alive connection per client stands in; on a 2-core machine it competes with the
server for the CPU (its share is printed, ``client_cpu``), so its figures are a floor.

Bounded: ``--duration`` seconds per cell (default 5; ``--quick`` 2), loopback only.

    python bench/throughput.py --json bench/results/throughput.json
    python bench/throughput.py --url http://127.0.0.1:8080     # a server already running
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from carekg.bench.served import build_store, provenance, serving

LEVELS = (1, 8, 32)
AGGREGATE = "spend-totals-by-council-and-service"
TOP_COUNCIL = ("PREFIX cc: <https://w3id.org/carekg/def#> SELECT ?c (COUNT(?f) AS ?n) "
               "WHERE { ?f cc:council ?c } GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 1")


# -- what to drive -------------------------------------------------------------------


def top_council(endpoint: str) -> str:
    """The IRI of the council with the most facts, asked of any SPARQL endpoint's GET."""
    query = urllib.parse.urlencode({"query": TOP_COUNCIL})
    req = urllib.request.Request(f"{endpoint}?{query}",
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        bindings = json.load(response)["results"]["bindings"]
    return str(bindings[0]["c"]["value"])


def targets(url: str) -> dict[str, dict[str, Any]]:
    """The two requests, found by asking the server (the council with most facts)."""
    council = top_council(f"{url}/sparql")
    path = "/id/" + council.split("/id/", 1)[1]
    return {
        "lookup": {"path": path, "accept": "text/turtle"},
        "aggregate": {"path": f"/queries/{AGGREGATE}",
                      "accept": "application/sparql-results+json"},
    }


# -- load generators -----------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * _UNITS[unit], 3)


def run_wrk(url: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    """One wrk run; requests/s, latency percentiles, errors and wrk's own CPU use."""
    # wrk takes whole seconds only ("-d0.5s" is an error)
    command = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
               "--latency",
               "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    before, started = _children_cpu(), time.monotonic()
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    wall, cpu = time.monotonic() - started, _children_cpu() - before
    percentiles = {f"p{m.group(1)}": _ms(m.group(2))
                   for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.MULTILINE)}
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.MULTILINE)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(total.group(1)) if total else 0,
        "latency_ms": percentiles,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else None,
        "client_cpu_cores": round(cpu / wall, 2),
    }


def run_python(url: str, headers: dict[str, str], clients: int,
               seconds: float) -> dict[str, Any]:
    """The stand-in for wrk: one thread and one keep-alive connection per client."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                                  timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    cpu_before, started = time.process_time(), time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    cpu = time.process_time() - cpu_before
    latencies.sort()

    def pct(q: int) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * q / 100))] * 1000, 3)

    return {
        "requests_per_s": round(len(latencies) / wall, 1),
        "requests": len(latencies),
        "latency_ms": {f"p{q}": pct(q) for q in (50, 75, 90, 99)},
        "non_2xx": failures[0],
        "socket_errors": None,
        "client_cpu_cores": round(cpu / wall, 2),
    }


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def drive(url: str, headers: dict[str, str], clients: int, seconds: float,
          client: str | None = None) -> dict[str, Any]:
    """One bounded run of ``clients`` keep-alive clients on ``url`` with the load
    generator named (default: wrk when installed, else the Python stand-in)."""
    driver = run_wrk if (client or tool()) == "wrk" else run_python
    return driver(url, headers, clients, seconds)


# -- the measurement -----------------------------------------------------------------


def _process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _tree(pid: int | None) -> list[int]:
    """The server and its query workers (its direct children)."""
    if pid is None:
        return []
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def measure(url: str, quick: bool = False, levels: tuple[int, ...] = LEVELS,
            seconds: float | None = None, server_pid: int | None = None,
            say: Any = None, client: str | None = None) -> dict[str, Any]:
    """Drive ``url`` (a running ``carekg serve`` without rate limits) and return the
    levels; the interface ``bench/runner.py`` calls."""
    seconds = seconds or (2.0 if quick else 5.0)
    client = client or tool()
    found = targets(url)
    rows = []
    for name, target in found.items():
        for cache in ("cached", "uncached"):
            headers = {"Accept": target["accept"]}
            if cache == "uncached":
                headers["Cache-Control"] = "no-cache"
            for clients in levels:
                pids = _tree(server_pid)
                cpu_before, started = _process_cpu(pids), time.monotonic()
                result = drive(url + target["path"], headers, clients, seconds, client)
                server_cpu = (_process_cpu(pids) - cpu_before) / (time.monotonic() - started)
                row = {"query": name, "cache": cache, "clients": clients, **result}
                if server_pid is not None:
                    row["server_cpu_cores"] = round(server_cpu, 2)
                rows.append(row)
                if say:
                    say(row)
                drain(url)
    return {"tool": client, "seconds_per_run": seconds, "targets": found, "levels": rows}


def drain(url: str) -> None:
    """Wait until the server has worked off what the last run left queued (requests of
    clients that wrk has closed are still evaluated): one request, queued behind them."""
    with urllib.request.urlopen(f"{url}/queries.json", timeout=300) as response:
        response.read()


def show(row: dict[str, Any]) -> None:
    lat = row["latency_ms"]
    server = f"  server {row['server_cpu_cores']} cores" if "server_cpu_cores" in row else ""
    print(f"{row['query']:>9} {row['cache']:>8} {row['clients']:>3} clients: "
          f"{row['requests_per_s']:>8} req/s  p50 {lat.get('p50')} ms  p99 {lat.get('p99')} ms"
          f"  errors {row['non_2xx']}  client {row['client_cpu_cores']} cores{server}",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="drive this running server instead of starting one")
    parser.add_argument("--store", help="a built store (default: build the bundled corpus)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per run")
    parser.add_argument("--duration", type=float, help="seconds per run (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 s per run")
    parser.add_argument("--client", choices=("wrk", "python"),
                        help="the load generator (default: wrk when installed)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    levels = tuple(int(n) for n in args.levels.split(","))

    if args.url:
        result = measure(args.url.rstrip("/"), args.quick, levels, args.duration, say=show,
                         client=args.client)
        return _write(args, result, None)
    with tempfile.TemporaryDirectory(prefix="carekg-throughput-") as tmp:
        store = args.store or build_store(Path(tmp) / "store")
        with serving(store, "--no-rate-limit", "-q", log=Path(tmp) / "serve.log") as server:
            result = measure(server.url, args.quick, levels, args.duration,
                             server.process.pid, say=show, client=args.client)
    return _write(args, result, 8)


def _write(args: argparse.Namespace, result: dict[str, Any], threads: int | None) -> int:
    lookups = [r["requests_per_s"] for r in result["levels"]
               if r["query"] == "lookup" and r["cache"] == "cached"]
    result = {
        **provenance(),
        "server_threads": threads,  # carekg serve's waitress threads (api/serve.py default)
        **result,
        "goal": {"lookup_requests_per_s": 500,
                 "met": bool(lookups) and min(lookups) >= 500,
                 "lookup_median_requests_per_s": statistics.median(lookups) if lookups else None},
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
