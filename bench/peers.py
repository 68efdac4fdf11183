"""``carekg bench --peers``: carekg's endpoint against other SPARQL servers on the same data.

    carekg bench --peers [--sizes bundled,100] [--rounds 7] [--json bench/results/peers.json]

Why: a figure of carekg alone says little on a shared machine; the question is what
serving through carekg costs against the bare engine it is built on (Oxigraph's own
server, ``pip install oxigraph``) and against a server-class store (Virtuoso, Debian's
``virtuoso-opensource``). Each peer runs when installed and is skipped with the reason
otherwise. At each size (the bundled corpus, or N synthetic councils of
bench/generate.py) the run

1. builds the store with ``carekg build`` and exports carekg's N-Quads dump of it, which
   every peer loads (Oxigraph: ``oxigraph load``; Virtuoso: its bulk loader);
2. serves it: ``carekg serve`` (limits opened up, bench/served.py), ``oxigraph
   serve-read-only --union-default-graph`` (bench/oxigraph_server.py) and ``virtuoso-t``
   (bench/virtuoso.py), each on a loopback port of its own;
3. times every saved query with its defaults on every engine in interleaved rounds
   (bench/engines.py; carekg with ``Cache-Control: no-cache``), compares row counts, and
   takes the median ratio carekg/peer over the queries where the peer agrees with carekg
   (and over all of them, printed beside when it differs);
4. the fixed cost per request: ``ASK {}`` over HTTP on each engine and on pyoxigraph in
   process;
5. the label lookup (queries/system/label-lookup.rq for the council with the most facts)
   at 8 clients, in interleaved rounds: carekg uncached and cached, each peer, and
   carekg with 1 and with 2 processes;
6. each engine's serving process tree's RSS (summed over the tree) after those runs;
7. bench/load.py's mix at 64 clients (the saved queries while heavy queries run) against
   a ``carekg serve`` with a 2 s timeout: errors, p99 of the cheap requests, and whether
   every heavy query was stopped.

Servers, temporary directories and the stores are removed at the end, on failure and on
Ctrl-C alike (one ExitStack per size).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BUNDLED = "bundled"
LOOKUP_CLIENTS = 8
LOAD_CLIENTS = 64
#: bench/load.py's server timeout: heavy queries must end in 504 by then
LOAD_TIMEOUT_S = 2.0
Say = Callable[[str], None]


# -- settings ------------------------------------------------------------------------------

def plan_of(args: argparse.Namespace) -> dict[str, Any]:
    """What one ``--peers`` run does, from ``carekg bench``'s options."""
    from carekg.bench.oxigraph_server import binary
    from carekg.bench.virtuoso import installed

    quick = bool(args.quick)
    text = args.sizes or (BUNDLED if quick else f"{BUNDLED},100")
    sizes: list[str | int] = []
    for token in (t.strip() for t in text.split(",") if t.strip()):
        if token != BUNDLED and not (token.isdigit() and int(token) > 0):
            raise SystemExit(f"carekg bench --peers: --sizes takes '{BUNDLED}' or "
                             f"positive numbers of councils, not {token!r}")
        sizes.append(token if token == BUNDLED else int(token))
    rounds = args.rounds or (3 if quick else 7)
    oxigraph = None if args.no_oxigraph else binary()
    peers = {
        "oxigraph": {"run": oxigraph is not None, "command": oxigraph,
                     "reason": "--no-oxigraph" if args.no_oxigraph else
                     None if oxigraph else "no oxigraph command: pip install oxigraph"},
        "virtuoso": {"run": not args.no_virtuoso and installed(),
                     "reason": "--no-virtuoso" if args.no_virtuoso else None if installed()
                     else "no virtuoso-t: apt-get install virtuoso-opensource"},
    }
    load_s = args.load_seconds if args.load_seconds is not None else (5.0 if quick else 15.0)
    return {"mode": "quick" if quick else "full", "sizes": sizes, "rounds": rounds,
            "seed": args.seed, "peers": peers,
            "throughput_seconds": args.throughput_seconds or (1.0 if quick else 3.0),
            "load_seconds": load_s, "virtuoso_memory_mb": args.virtuoso_memory_mb,
            "json": Path(args.json) if args.json else RESULTS / "peers.json"}


# -- one size ------------------------------------------------------------------------------

def build(size: str | int, seed: int, root: Path) -> tuple[Path, float]:
    """The store of one size, built by ``carekg build`` in a child process."""
    store = root / "store"
    command = [sys.executable, "-m", "carekg", "build", "--store", str(store), "-q"]
    began = time.perf_counter()
    if size != BUNDLED:
        corpus = root / "corpus"
        subprocess.run([sys.executable, "-m", "carekg.bench.generate", "--councils",
                        str(size), "--seed", str(seed), "--out", str(corpus)],
                       check=True, capture_output=True)
        command += ["--corpus", str(corpus)]
    subprocess.run(command, check=True)
    return store, time.perf_counter() - began


def measure_size(size: str | int, plan: dict[str, Any], root: Path,
                 say: Say) -> dict[str, Any]:
    """One size end to end. The servers live in one ExitStack, so each is stopped when
    the size is done or when anything (a failure, Ctrl-C) leaves it early."""
    from carekg.bench.engines import Engine
    from carekg.bench.scale import export_nquads
    from carekg.bench.served import Served

    say(f"{size}: building")
    store, build_s = build(size, plan["seed"], root)
    nquads = root / "carekg.nq"
    export_s = export_nquads(store, nquads)
    setup: dict[str, Any] = {"build_s": build_s, "export_s": export_s,
                             "nquads_bytes": nquads.stat().st_size}
    with ExitStack() as stack:
        say(f"{size}: starting carekg serve and the peers")
        served = Served(store, root / "serve.log", 600.0)
        stack.callback(served.stop)  # before start: a Ctrl-C while it starts stops it too
        setup["carekg_start_s"] = served.start()
        assert served.process is not None
        engines = [Engine("carekg", f"{served.url}/sparql", served.process.pid, served.url)]
        if plan["peers"]["oxigraph"]["run"]:
            from carekg.bench.oxigraph_server import running_oxigraph

            oxigraph = stack.enter_context(running_oxigraph(
                root / "oxigraph", plan["peers"]["oxigraph"]["command"], nquads))
            setup["oxigraph_load_s"] = oxigraph.load_s
            assert oxigraph.process is not None
            engines.append(Engine("oxigraph", oxigraph.endpoint, oxigraph.process.pid))
        if plan["peers"]["virtuoso"]["run"]:
            from carekg.bench.virtuoso import running_virtuoso

            virtuoso = stack.enter_context(
                running_virtuoso(root / "virtuoso", plan["virtuoso_memory_mb"]))
            setup["virtuoso_load_s"] = virtuoso.load(nquads)
            assert virtuoso.process is not None
            engines.append(Engine("virtuoso", virtuoso.endpoint, virtuoso.process.pid))
        queries = saved_queries(engines, plan["rounds"], lambda m: say(f"{size}: queries {m}"))
        say(f"{size}: fixed cost")
        fixed = fixed_cost_of(engines, store, plan["rounds"])
        say(f"{size}: lookup throughput")
        lookup = lookup_throughput(engines, store, plan, root, stack,
                                   lambda m: say(f"{size}: lookup {m}"))
        memory = {e.name: tree_memory(e.pid) for e in engines}
    load = load_mix(store, plan, root, lambda m: say(f"{size}: load {m}"))
    return {"size": size, "setup": setup, "queries": queries,
            "summary": agreement(queries, [e.name for e in engines[1:]]),
            "fixed_cost_ms": fixed, "lookup": lookup, "memory": memory, "load": load}


def saved_queries(engines: list[Any], rounds: int, say: Say) -> list[dict[str, Any]]:
    """Every saved query with its defaults on every engine, interleaved."""
    from carekg.bench.engines import time_requests
    from carekg.graph.saved_queries import bind, bound_text, catalogue

    requests = {}
    for name, saved in sorted(catalogue().items()):
        text = bound_text(saved, bind(saved, {}))
        requests[name] = {e.name: e.saved(name, text) for e in engines}
    return time_requests(requests, rounds, say)


def agreement(queries: list[dict[str, Any]], peers: list[str]) -> dict[str, Any]:
    """Per peer: the median carekg/peer latency ratio over the queries where the peer gave
    carekg's row count (a time for another answer is no comparison), and over all queries
    both answered; and the queries where they disagree."""
    summary: dict[str, Any] = {}
    for peer in peers:
        agreeing, every, disagree = [], [], []
        for q in queries:
            if "carekg" not in q["ms"] or peer not in q["ms"] or not q["ms"][peer]:
                continue
            ratio = q["ms"]["carekg"] / q["ms"][peer]
            every.append(ratio)
            if q["rows"].get(peer) == q["rows"].get("carekg"):
                agreeing.append(ratio)
            else:
                disagree.append(q["query"])
        summary[peer] = {
            "median_ratio": statistics.median(agreeing) if agreeing else None,
            "agreeing_queries": len(agreeing),
            "median_ratio_all": statistics.median(every) if every else None,
            "answered_queries": len(every),
            "disagreeing": disagree,
            "errors": [q["query"] for q in queries if peer in q["errors"]],
        }
    summary["carekg_errors"] = [q["query"] for q in queries if "carekg" in q["errors"]]
    return summary


def fixed_cost_of(engines: list[Any], store: Path, rounds: int) -> dict[str, float]:
    from carekg.bench.engines import fixed_cost
    from carekg.graph.store import StoreDir

    snapshot = StoreDir(store).open()  # read-only beside the servers, as the runner does
    return fixed_cost(engines, lambda: snapshot.query("ASK {}"), rounds)


def tree_memory(pid: int | None) -> dict[str, float] | None:
    from carekg.bench.served import tree_rss_mb

    return tree_rss_mb(pid) if pid else None


# -- the lookup at 8 clients ------------------------------------------------------------

def lookup_throughput(engines: list[Any], store: Path, plan: dict[str, Any], root: Path,
                      stack: ExitStack, say: Say) -> dict[str, Any]:
    """Requests/s of the label lookup at 8 clients, every cell once per round (rotated),
    medians over the rounds; carekg with --processes 1 and 2 beside when it can."""
    import pyoxigraph as ox

    from carekg.bench.engines import Engine, rotated
    from carekg.bench.served import Served
    from carekg.bench.throughput import drain, drive, tool, top_council
    from carekg.graph.sparql_text import with_values
    from carekg.resources import system_query

    council = top_council(engines[0].endpoint)
    text = with_values(system_query("label-lookup"),
                       {ox.Variable("resource"): ox.NamedNode(council)})
    cells: list[tuple[str, str, Engine, bool]] = [("carekg", "uncached", engines[0], True),
                                                  ("carekg", "cached", engines[0], False)]
    cells += [(e.name, "uncached", e, True) for e in engines[1:]]
    processes = "measured"
    try:
        for n in (1, 2):
            served = Served(store, root / f"serve-processes-{n}.log", 600.0,
                            options=("--processes", str(n)))
            stack.callback(served.stop)
            served.start()
            assert served.process is not None
            engine = Engine(f"carekg_processes_{n}", f"{served.url}/sparql",
                            served.process.pid, served.url)
            cells.append((engine.name, "uncached", engine, True))
    except RuntimeError as exc:  # a server that did not answer: said in the report
        processes = f"not_measured: {exc}"[:300]
        cells = [c for c in cells if not c[0].startswith("carekg_processes_")]
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {(c[0], c[1]): [] for c in cells}
    for n in range(plan["rounds"]):
        say(f"round {n + 1} of {plan['rounds']}")
        for name, cache, engine, no_cache in rotated(cells, n):
            request = engine.sparql(text, no_cache)
            result = drive(request.full_url, dict(request.header_items()), LOOKUP_CLIENTS,
                           plan["throughput_seconds"])
            samples[(name, cache)].append(result)
            if engine.saved_base:
                drain(engine.saved_base)  # what closed clients left queued, worked off
    rows = []
    for (name, cache), runs in samples.items():
        rows.append({
            "engine": name, "cache": cache, "clients": LOOKUP_CLIENTS,
            "requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
            "p50_ms": _median_of(runs, "p50"), "p99_ms": _median_of(runs, "p99"),
            "errors": sum(r["non_2xx"] for r in runs), "rounds": len(runs)})
    return {"council": council, "client": tool(), "seconds_per_run": plan["throughput_seconds"],
            "processes": processes,
            "rows": rows}


def _median_of(runs: list[dict[str, Any]], percentile: str) -> float | None:
    values = [r["latency_ms"].get(percentile) for r in runs]
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


# -- bench/load.py's mix -------------------------------------------------------------------

def load_mix(store: Path, plan: dict[str, Any], root: Path, say: Say) -> dict[str, Any]:
    """bench/load.py at 64 clients for ``--load-seconds``: the cheap saved queries while
    one client sends runaway queries to a server with a 2 s timeout."""
    if not plan["load_seconds"]:
        return {"status": "not_measured", "reason": "--load-seconds 0"}
    from carekg.bench.load import held, run_level, saved_paths
    from carekg.bench.served import serving

    say(f"{LOAD_CLIENTS} clients for {plan['load_seconds']:g} s")
    with serving(store, "--no-rate-limit", "--timeout", str(LOAD_TIMEOUT_S), "-q",
                 log=root / "serve-load.log") as server:
        paths = saved_paths(server.host, server.port)
        level = run_level(server.host, server.port, paths, LOAD_CLIENTS,
                          plan["load_seconds"], 200_000)
    heavy = level["heavy"]["status"]
    return {"status": "measured", "clients": LOAD_CLIENTS, "timeout_s": LOAD_TIMEOUT_S,
            "ok_per_s": level["throughput_per_s"], "errors": level["requests"] - level["ok"],
            "p99_ms": level["latency_ms"]["p99"], "heavy": level["heavy"]["requests"],
            "statuses": level["status"],
            "heavy_stopped": bool(heavy) and set(heavy) <= {"503", "504"},
            "heavy_max_s": max(level["heavy"]["seconds"], default=None),
            "problems": held([level]), "level": level}


# -- the run ------------------------------------------------------------------------------

def run(args: argparse.Namespace, say: Say) -> int:
    """Measure every size, print the tables, write the JSON."""
    from carekg.bench import peers_report
    from carekg.bench.scale import machine, uncommitted

    plan = plan_of(args)
    began = time.perf_counter()
    result: dict[str, Any] = {
        "mode": plan["mode"], "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "uncommitted": uncommitted()},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in plan.items()},
        "engines": peers_report.engines_described(plan), "sizes": []}
    for name, peer in plan["peers"].items():
        if not peer["run"]:
            print(f"carekg bench --peers: skipping {name}: {peer['reason']}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="carekg-peers-") as tmp:
        for size in plan["sizes"]:
            result["sizes"].append(measure_size(size, plan, Path(tmp) / str(size), say))
    result["wall_s"] = time.perf_counter() - began
    result["load_average_after"] = list(os.getloadavg())
    peers_report.print_tables(result)
    target: Path = plan["json"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwall {result['wall_s']:.0f} s; results: {target}")
    return 0
