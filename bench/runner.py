"""``carekg bench``: the project's benchmarks in one run, every figure a ratio measured side by
side, medians over ``--repeat``, with the machine described.

    carekg bench [--quick] [--sizes 10,100] [--repeat N] [--json FILE]
    python -m carekg.bench ...        (the same, before the subcommand is wired)

At each size (councils, five synthetic documents each, bench/generate.py):

1. build: the real build in a child process per run (bench/scale.py), seconds, characters
   and facts per second per pipeline stage and build phase; growth between sizes;
2. queries: every saved query timed (a) through a real ``carekg serve`` over HTTP,
   (b) on pyoxigraph in process, (c) on rdflib's in-memory engine (a child process killed
   at the cap, recorded as "timeout"), (d) through Virtuoso's own ``/sparql`` on the same
   N-Quads when ``virtuoso-t`` is installed; the engines take turns query by query, so
   each query's four figures are measured under the same load. (a) sends
   ``Cache-Control: no-cache`` so the endpoint evaluates the query every time; the same
   request without it (``a_cached_ms``: what a repeat visitor gets from the endpoint's
   response cache, if it has one) is recorded beside it;
3. throughput: bench/throughput.py's measurement against that server, when present;
4. memory: peak RSS of each build and of the ``carekg serve`` process tree after the
   queries (and after the throughput runs);
5. validation: pySHACL time (carekg.graph.validate.validate) for one document's graph
   with the register and taxonomies it refers to (what ``carekg add`` validates) and for
   the whole store.

The module's top level imports only the standard library, so wiring ``add_arguments``
into the ``carekg`` parser costs nothing when another command runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: The naive baseline's cap per query run (a query past it is recorded as stopped), and
#: the lowered one of --quick.
RDFLIB_CAP_S = 120.0
QUICK_RDFLIB_CAP_S = 10.0
#: An rdflib run longer than this is not repeated (the engine has no warm cache to fill).
RDFLIB_SINGLE_RUN_S = 5.0
#: The performance goals the ratio table checks (docs/performance.md).
GOAL_HTTP_OVER_IN_PROCESS = 1.3
GOAL_HTTP_OVER_VIRTUOSO = 1.5
GOAL_VIRTUOSO_AT = 100
JSON_ACCEPT = "application/sparql-results+json"

Say = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``carekg bench`` (none clashes with carekg's common options)."""
    parser.add_argument("--quick", action="store_true",
                        help="10 councils, one run, rdflib capped at "
                             f"{QUICK_RDFLIB_CAP_S:.0f} s: a few minutes")
    parser.add_argument("--sizes", metavar="N,N",
                        help="councils per corpus, comma separated (default 10,100; "
                             "--quick: 10)")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help="builds per size and timed runs per query, medians "
                             "(default 3; --quick: 1)")
    parser.add_argument("--json", metavar="FILE",
                        help="results file (default bench/results/bench-<quick|full>.json)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic corpus")
    parser.add_argument("--rdflib-cap", type=float, metavar="SECONDS",
                        help=f"stop an rdflib query after this long (default "
                             f"{RDFLIB_CAP_S:.0f}; --quick: {QUICK_RDFLIB_CAP_S:.0f})")
    parser.add_argument("--no-virtuoso", action="store_true",
                        help="skip Virtuoso even when virtuoso-t is installed")
    parser.add_argument("--throughput-seconds", type=float, metavar="S",
                        help="seconds per throughput run (default 5; --quick: 2)")
    parser.add_argument("--virtuoso-memory-mb", type=int, default=1024, metavar="MB",
                        help="Virtuoso's buffer memory (default 1024)")
    peers = parser.add_argument_group(
        "peers", "carekg bench --peers: carekg serve against Oxigraph's server and Virtuoso "
        "on the same N-Quads (bench/peers.py, bench/README.md)")
    peers.add_argument("--peers", action="store_true",
                       help="run the peers comparison instead of the other benchmarks; "
                            "--sizes then takes 'bundled' or councils (default bundled,100; "
                            "--quick: bundled), --json defaults to bench/results/peers.json")
    peers.add_argument("--rounds", type=int, metavar="N",
                       help="interleaved rounds, medians (default 7; --quick: 3)")
    peers.add_argument("--load-seconds", type=float, metavar="S",
                       help="seconds of bench/load.py's mix at 64 clients per size "
                            "(default 15; --quick: 5; 0: skip)")
    peers.add_argument("--no-oxigraph", action="store_true",
                       help="skip Oxigraph's server even when the oxigraph command is there")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carekg.bench",
                                     description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


# -- settings ----------------------------------------------------------------------------

def _plan(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(args.quick)
    sizes = ([int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes
             else [10] if quick else [10, 100])
    if not sizes or min(sizes) < 1:
        raise SystemExit("carekg bench: --sizes needs positive numbers of councils")
    repeat = args.repeat or (1 if quick else 3)
    cap = args.rdflib_cap or (QUICK_RDFLIB_CAP_S if quick else RDFLIB_CAP_S)
    virtuoso = not args.no_virtuoso and _virtuoso_installed()
    mode = "quick" if quick else "full"
    target = Path(args.json) if args.json else RESULTS / f"bench-{mode}.json"
    return {"mode": mode, "sizes": sizes, "repeat": repeat, "seed": args.seed,
            "rdflib_cap_s": cap, "virtuoso": virtuoso,
            "virtuoso_memory_mb": args.virtuoso_memory_mb, "json": target,
            "http_timeout_s": max(600.0, cap),
            "throughput_seconds": args.throughput_seconds}


def _virtuoso_installed() -> bool:
    from carekg.bench.virtuoso import installed

    return installed()


def _sayer(quiet: bool) -> Say:
    """Progress on a terminal only: piped output stays the parseable tables."""
    if quiet or not sys.stderr.isatty():
        return lambda _message: None
    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", file=sys.stderr, flush=True)
    return say


# -- the run -----------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    """Run every benchmark, print the tables, write the JSON; 0 when all ran."""
    say = _sayer(bool(getattr(args, "quiet", False)))
    if getattr(args, "peers", False):
        from carekg.bench import peers

        return peers.run(args, say)
    from carekg.bench import scale

    plan = _plan(args)
    began = time.perf_counter()
    machine = scale.machine()
    machine["uncommitted"] = scale.uncommitted()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    sizes = []
    with tempfile.TemporaryDirectory(prefix="carekg-bench-") as tmp:
        for councils in plan["sizes"]:
            sizes.append(measure_size(councils, plan, Path(tmp) / str(councils), say))
    growth = scale.growth_of([s["build"] for s in sizes])
    result = {
        "mode": plan["mode"], "started": started,
        "wall_s": time.perf_counter() - began, "machine": machine,
        "load_average_after": list(_load_average()),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in plan.items()},
        "engines": engines_described(plan),
        "sizes": sizes, "growth": growth,
    }
    result["ratios"] = ratio_rows(result)
    print_tables(result)
    target: Path = plan["json"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwall {result['wall_s']:.0f} s; results: {target}")
    return 0


def _load_average() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


def engines_described(plan: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph
    import pyshacl
    import rdflib

    engines: dict[str, Any] = {
        "a": "carekg serve (waitress, query worker processes), HTTP on loopback, "
             "/queries/{name} as application/sparql-results+json",
        "b": f"pyoxigraph {pyoxigraph.__version__} in process: list(run_saved(...))",
        "c": f"rdflib {rdflib.__version__} in-memory Dataset (default graph = union), "
             f"child process killed at {plan['rdflib_cap_s']:.0f} s",
        "d": None, "pyshacl": pyshacl.__version__,
    }
    if plan["virtuoso"]:
        from carekg.bench.virtuoso import version

        engines["d"] = f"OpenLink Virtuoso Open Source {version()}, /sparql on loopback"
    return engines


def measure_size(councils: int, plan: dict[str, Any], root: Path, say: Say) -> dict[str, Any]:
    """Build ``councils`` councils ``repeat`` times, then query, serve and validate the
    first build's store."""
    from carekg.bench import scale

    runs = []
    for n in range(plan["repeat"]):
        say(f"{councils} councils: build {n + 1} of {plan['repeat']}")
        runs.append(scale.child(councils, plan["seed"], 0, None,
                                keep=root if n == 0 else None))
    build = scale.median_of(runs)
    build.pop("queries", None)
    store = root / "store"
    nquads = root / "carekg.nq"
    say(f"{councils} councils: exporting N-Quads")
    export_s = scale.export_nquads(store, nquads)
    queries, engines = time_queries(store, nquads, plan, root, say)
    say(f"{councils} councils: validating")
    validation = time_validation(store, plan["repeat"])
    return {
        "councils": councils, "build": build, "stages": stage_rates(build),
        "export_s": export_s, "nquads_bytes": nquads.stat().st_size,
        "queries": queries, "summary": query_summary(queries, plan["rdflib_cap_s"]),
        "throughput": engines.pop("throughput"),
        "memory": {"build_peak_mb": build["peak_rss_build_mb"], **engines.pop("serve_rss")},
        "validation": validation, "engine_setup": engines,
    }


def stage_rates(build: dict[str, Any]) -> list[dict[str, Any]]:
    """Seconds, characters per second and facts per second of each stage and phase."""
    from carekg.graph.build import PHASES
    from carekg.loaders.pipeline import STAGES

    rows = []
    order = {stage: n for n, stage in enumerate(STAGES)}
    stages = sorted(build["stages_s"].items(), key=lambda item: order.get(item[0], len(order)))
    spans = [*stages, *((p, build["phases_s"].get(p, 0.0)) for p in PHASES),
             ("build", build["build_s"])]
    for stage, seconds in spans:
        rows.append({"stage": stage, "seconds": seconds,
                     "chars_per_s": build["chars"] / seconds if seconds else None,
                     "facts_per_s": build["facts"] / seconds if seconds else None})
    return rows


# -- queries, side by side -----------------------------------------------------------------

def time_queries(store: Path, nquads: Path, plan: dict[str, Any], root: Path,
                 say: Say) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every saved query on the four engines in turn; then throughput and the server's
    memory while it is still up."""
    from contextlib import ExitStack

    from carekg.bench.rdflib_engine import RdflibEngine
    from carekg.bench.served import Served
    from carekg.graph.saved_queries import catalogue
    from carekg.graph.store import StoreDir

    repeat = plan["repeat"]
    setup: dict[str, Any] = {}
    rows = []
    with ExitStack() as stack:
        served = Served(store, root / "serve.log", plan["http_timeout_s"])
        say("starting carekg serve")
        setup["serve_start_s"] = served.start()
        stack.callback(served.stop)
        virtuoso = None
        if plan["virtuoso"]:
            from carekg.bench.virtuoso import running_virtuoso

            say("starting Virtuoso and bulk-loading the N-Quads")
            began = time.perf_counter()
            virtuoso = stack.enter_context(
                running_virtuoso(root / "virtuoso", plan["virtuoso_memory_mb"]))
            setup["virtuoso_start_s"] = time.perf_counter() - began
            setup["virtuoso_load_s"] = virtuoso.load(nquads)
        say("loading the N-Quads into rdflib")
        rdflib = stack.enter_context(RdflibEngine(nquads))
        snapshot = StoreDir(store).open()
        for name, saved in sorted(catalogue().items()):
            say(f"query {name}")
            rows.append(time_one_query(name, saved, snapshot, served.url, virtuoso, rdflib,
                                       repeat, plan["rdflib_cap_s"]))
        setup["rdflib_load_s"] = rdflib.load_s
        setup["rdflib_quads"] = rdflib.quads
        setup["rdflib_restarts_after_timeout"] = rdflib.kills
        serve_rss = {"serve_after_queries": served.rss()}
        say("throughput")
        setup["throughput"] = measure_throughput(
            served.url, plan, served.process.pid if served.process else None, say)
        serve_rss["serve_after_throughput"] = served.rss()
        setup["serve_rss"] = serve_rss
        del snapshot
    return rows, setup


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    from carekg.bench.scale import timed_ms

    return timed_ms(action, repeat)[0]


def time_one_query(name: str, saved: Any, snapshot: Any, url: str, virtuoso: Any,
                   rdflib: Any, repeat: int, cap_s: float) -> dict[str, Any]:
    from carekg.graph.saved_queries import bind, run_saved
    from carekg.graph.sparql_text import with_values

    bound = bind(saved, {})
    row: dict[str, Any] = {"query": name}
    # (b) pyoxigraph in process
    row["rows_b"] = len(list(run_saved(snapshot, name)))
    row["b_ms"] = _median_ms(lambda: list(run_saved(snapshot, name)), repeat)
    # (a) carekg serve over HTTP
    request = urllib.request.Request(f"{url}/queries/{name}", headers={
        "Accept": JSON_ACCEPT, "Cache-Control": "no-cache"})

    def fetch() -> bytes:
        with urllib.request.urlopen(request, timeout=3600) as response:
            return response.read()
    row["rows_a"] = len(json.loads(fetch())["results"]["bindings"])
    row["a_ms"] = _median_ms(fetch, repeat)
    # (a, cached) the same request as a browser sends it: the endpoint may answer from its
    # response cache (keyed by snapshot); "no-cache" above asked it to evaluate each time
    cached = urllib.request.Request(f"{url}/queries/{name}", headers={"Accept": JSON_ACCEPT})
    row["a_cached_ms"] = _median_ms(
        lambda: urllib.request.urlopen(cached, timeout=3600).read(), repeat)
    # (d) Virtuoso's /sparql, parameters as a VALUES block
    if virtuoso is not None:
        text = with_values(saved.text, bound)
        try:
            row["rows_d"] = len(json.loads(virtuoso.select(text))["results"]["bindings"])
            row["d_ms"] = _median_ms(lambda: virtuoso.select(text), repeat)
        except (OSError, ValueError, KeyError) as exc:
            row["d_error"] = str(exc)[:300]
    # (c) rdflib, capped
    n3 = {variable.value: str(term) for variable, term in bound.items()}
    samples: list[float] = []
    for _ in range(repeat):
        ms, rows = rdflib.run(saved.text, n3, cap_s)
        if ms == "timeout" or ms == "error":
            row["c_status"] = ms
            if ms == "error":
                row["c_error"] = rows
            break
        row["rows_c"] = rows
        samples.append(ms)
        if ms > RDFLIB_SINGLE_RUN_S * 1000:
            break
    if samples and "c_status" not in row:
        row["c_ms"] = statistics.median(samples)
        row["c_runs"] = len(samples)
    # ratios
    row["a_over_b"] = row["a_ms"] / row["b_ms"] if row["b_ms"] else None
    if "d_ms" in row and row["d_ms"]:
        row["a_over_d"] = row["a_ms"] / row["d_ms"]
    if "c_ms" in row and row["b_ms"]:
        row["c_over_b"] = row["c_ms"] / row["b_ms"]
    elif row.get("c_status") == "timeout" and row["b_ms"]:
        row["c_over_b_at_least"] = cap_s * 1000 / row["b_ms"]
    rows_seen = {row[k] for k in ("rows_a", "rows_b", "rows_c", "rows_d") if k in row}
    row["same_rows"] = len(rows_seen) == 1
    return row


def query_summary(rows: list[dict[str, Any]], cap_s: float) -> dict[str, Any]:
    """Median ratios over the saved queries. rdflib's timeouts enter the speed-up median
    at the cap (a lower bound), and the summary says so."""
    def median(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    speedups = [s for s in (r.get("c_over_b", r.get("c_over_b_at_least")) for r in rows)
                if s is not None]
    timeouts = sum(1 for r in rows if r.get("c_status") == "timeout")
    return {
        "queries": len(rows),
        "median_a_ms": median([r["a_ms"] for r in rows]),
        "median_b_ms": median([r["b_ms"] for r in rows]),
        "median_c_ms": median([r["c_ms"] for r in rows if "c_ms" in r]),
        "median_d_ms": median([r["d_ms"] for r in rows if "d_ms" in r]),
        "median_a_over_b": median([r["a_over_b"] for r in rows if r["a_over_b"]]),
        "median_a_cached_ms": median([r["a_cached_ms"] for r in rows]),
        "median_a_cached_over_b": median([r["a_cached_ms"] / r["b_ms"] for r in rows
                                          if r["b_ms"]]),
        "median_c_over_b": median(speedups),
        "median_c_over_b_is_lower_bound": timeouts > 0,
        # Virtuoso binds parameters through VALUES and differs on a few queries' answers;
        # a time for a different answer is no comparison, so the goal is read on the
        # queries where it returned as many rows as carekg, and the median of all is kept
        "median_a_over_d": median([r["a_over_d"] for r in rows
                                   if "a_over_d" in r and r.get("rows_d") == r["rows_b"]]),
        "median_a_over_d_all": median([r["a_over_d"] for r in rows if "a_over_d" in r]),
        "virtuoso_different_rows": sum(1 for r in rows
                                       if "rows_d" in r and r["rows_d"] != r["rows_b"]),
        "rdflib_different_rows": sum(1 for r in rows
                                     if "rows_c" in r and r["rows_c"] != r["rows_b"]),
        "rdflib_timeouts": timeouts, "rdflib_cap_s": cap_s,
        "rdflib_errors": sum(1 for r in rows if r.get("c_status") == "error"),
        "virtuoso_errors": sum(1 for r in rows if "d_error" in r),
        "same_rows": sum(1 for r in rows if r["same_rows"]),
    }


# -- throughput (bench/throughput.py, written separately) --------------------------------

def measure_throughput(url: str, plan: dict[str, Any], server_pid: int | None,
                       say: Say) -> dict[str, Any]:
    """Requests per second for a cheap lookup and an aggregate saved query at 1, 8 and 32
    clients, cached and not, by bench/throughput.py's ``measure`` (bounded runs of 2 s
    each with --quick, 5 s otherwise, or --throughput-seconds). Without that module the
    result says "not measured" rather than a figure of this module's own."""
    try:
        from carekg.bench import throughput
    except ImportError:
        return {"status": "not measured", "reason": "bench/throughput.py is not there"}
    measure = getattr(throughput, "measure", None)
    if measure is None:
        return {"status": "not measured",
                "reason": "bench/throughput.py has no measure(url, ...) function"}
    result = measure(url, quick=plan["mode"] == "quick", server_pid=server_pid,
                     seconds=plan["throughput_seconds"],
                     say=lambda row: say(f"throughput {row['query']} {row['cache']} "
                                         f"{row['clients']} clients: "
                                         f"{row['requests_per_s']} req/s"))
    return {"status": "measured", **result}


# -- validation --------------------------------------------------------------------------

def time_validation(store: Path, repeat: int) -> dict[str, Any]:
    """pySHACL over one document's graph (with the register and taxonomies, the ontology
    given, as ``carekg add`` validates) and over the whole store (as a build does)."""
    from carekg.graph.store import StoreDir
    from carekg.graph.validate import validate
    from carekg.iris import DEFAULT_IRIS

    snapshot = StoreDir(store).open()
    names = snapshot.graph_names()
    documents = str(DEFAULT_IRIS.document_graph(""))
    ontology_name = str(DEFAULT_IRIS.graph("ontology"))
    inferred = str(DEFAULT_IRIS.graph("inferred"))
    doc_graphs = [n for n in names if n.startswith(documents)]
    static = [n for n in names if not n.startswith(documents)
              and n not in (ontology_name, inferred)]
    ontology = snapshot.to_rdflib([ontology_name])
    one = snapshot.to_rdflib([*static, doc_graphs[0]])
    whole = snapshot.to_rdflib([*static, *doc_graphs])
    del snapshot

    def timed(graph: Any) -> tuple[float, bool]:
        samples, conforms = [], True
        for _ in range(repeat):
            began = time.perf_counter()
            conforms = validate(graph, ontology=ontology).conforms and conforms
            samples.append(time.perf_counter() - began)
        return statistics.median(samples), conforms

    one_s, one_ok = timed(one)
    whole_s, whole_ok = timed(whole)
    return {"one_document_s": one_s, "one_document_triples": len(one),
            "one_document_graph": doc_graphs[0], "store_s": whole_s,
            "store_triples": len(whole), "documents": len(doc_graphs),
            "conforms": one_ok and whole_ok}


# -- the report --------------------------------------------------------------------------

def ratio_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline ratios, one row each, with its goal where one is set."""
    rows: list[dict[str, Any]] = []

    def add(size: Any, metric: str, value: Any, goal: str = "-", met: Any = None) -> None:
        rows.append({"size": size, "metric": metric, "value": value, "goal": goal,
                     "met": met})

    for entry in result["sizes"]:
        size, summary = entry["councils"], entry["summary"]
        a_b = summary["median_a_over_b"]
        add(size, "median_a/b", a_b, f"<={GOAL_HTTP_OVER_IN_PROCESS}",
            None if a_b is None else a_b <= GOAL_HTTP_OVER_IN_PROCESS)
        add(size, "median_a_cached/b", summary["median_a_cached_over_b"])
        add(size, "median_c/b" + (">=" if summary["median_c_over_b_is_lower_bound"] else ""),
            summary["median_c_over_b"])
        a_d = summary["median_a_over_d"]
        counts = size >= GOAL_VIRTUOSO_AT
        add(size, "median_a/d", a_d,
            f"<={GOAL_HTTP_OVER_VIRTUOSO}" + ("" if counts else f"@{GOAL_VIRTUOSO_AT}"),
            a_d <= GOAL_HTTP_OVER_VIRTUOSO if a_d is not None and counts else None)
        if summary.get("virtuoso_different_rows"):
            add(size, "median_a/d_all_queries", summary["median_a_over_d_all"])
            add(size, "virtuoso_different_rows", summary["virtuoso_different_rows"])
    for row in result["growth"]:
        add(row["to"], f"build_x_vs_{row['from']}", row["build_ratio"],
            f"<={1.2 * row['size_ratio']:.0f}",
            row["build_ratio"] <= 1.2 * row["size_ratio"])
    return rows


def print_tables(result: dict[str, Any]) -> None:
    from carekg.bench.tables import cell as _num
    from carekg.bench.tables import table as _table

    settings, machine = result["settings"], result["machine"]
    cap = settings["rdflib_cap_s"]
    note = (f" (lowered by --quick; the full run stops rdflib at {RDFLIB_CAP_S:.0f} s)"
            if result["mode"] == "quick" else "")
    print(f"# carekg bench {result['mode']}: sizes {','.join(map(str, settings['sizes']))} "
          f"councils; repeat {settings['repeat']} (medians); rdflib stopped at "
          f"{cap:.0f} s{note}")
    memory = machine.get("memory_bytes") or 0
    print(f"# machine: {machine['cpus']} cpus, {memory / 2**30:.1f} GB, load "
          f"{' '.join(f'{x:.2f}' for x in machine['load_average'])} at start, commit "
          f"{(machine.get('commit') or '?')[:10]}"
          + (f" + {len(machine['uncommitted'])} uncommitted files" if machine.get("uncommitted")
             else ""))
    engines = result["engines"]
    print("# a = carekg serve over HTTP; b = pyoxigraph in process; c = rdflib in memory; "
          f"d = {engines['d'] or 'Virtuoso: not run (virtuoso-t not installed or --no-virtuoso)'}")

    _table("build (per stage: seconds, characters/s, facts/s)",
           ["size", "stage", "seconds", "chars/s", "facts/s"],
           [[s["councils"], r["stage"], r["seconds"], r["chars_per_s"], r["facts_per_s"]]
            for s in result["sizes"] for r in s["stages"]])
    if result["growth"]:
        _table("growth between sizes (ratios)",
               ["from", "to", "councils", "chars", "build", "extracting", "validating",
                "inferring", "storing"],
               [[g["from"], g["to"], g["size_ratio"], g["chars_ratio"], g["build_ratio"],
                 g["extracting_ratio"], g["validating_ratio"], g["inferring_ratio"],
                 g["storing_ratio"]] for g in result["growth"]])
    query_rows = []
    for s in result["sizes"]:
        for q in s["queries"]:
            c = q.get("c_ms", q.get("c_status"))
            c_b = q.get("c_over_b")
            if c_b is None and "c_over_b_at_least" in q:
                c_b = f">={_num(q['c_over_b_at_least'], 1)}"
            query_rows.append([s["councils"], q["query"], q["rows_b"], q["a_ms"], q["b_ms"],
                               c, q.get("d_ms", q.get("d_error") and "error"), q["a_over_b"],
                               c_b, q.get("a_over_d"), q["same_rows"]])
    _table("queries (ms, medians; a/b endpoint overhead, c/b speed-up over rdflib, "
           "a/d carekg vs Virtuoso)",
           ["size", "query", "rows", "a_ms", "b_ms", "c_ms", "d_ms", "a/b", "c/b", "a/d",
            "same_rows"], query_rows)
    throughput_rows = []
    for s in result["sizes"]:
        t = s["throughput"]
        if t.get("status") != "measured":
            throughput_rows.append([s["councils"], "-", "-", "-", t.get("status"), "-", "-",
                                    "-"])
            continue
        for level in t.get("levels", []):
            latency = level.get("latency_ms") or {}
            throughput_rows.append([s["councils"], level.get("query"), level.get("cache"),
                                    level.get("clients"), level.get("requests_per_s"),
                                    latency.get("p50"), latency.get("p99"),
                                    level.get("non_2xx")])
    tool = next((s["throughput"].get("tool") for s in result["sizes"]
                 if s["throughput"].get("tool")), None)
    _table(f"throughput (requests/s on loopback{', client: ' + tool if tool else ''})",
           ["size", "query", "cache", "clients", "req/s", "p50_ms", "p99_ms", "errors"],
           throughput_rows)
    _table("memory (peak RSS MB; serve = carekg serve's process tree, after the queries)",
           ["size", "build", "serve_main", "serve_tree", "serve_tree_after_throughput"],
           [[s["councils"], s["memory"]["build_peak_mb"],
             s["memory"]["serve_after_queries"]["main_peak_mb"],
             s["memory"]["serve_after_queries"]["tree_peak_mb"],
             s["memory"]["serve_after_throughput"]["tree_peak_mb"]] for s in result["sizes"]])
    _table("validation (pySHACL seconds)",
           ["size", "one_document", "triples", "store", "triples", "conforms"],
           [[s["councils"], s["validation"]["one_document_s"],
             s["validation"]["one_document_triples"], s["validation"]["store_s"],
             s["validation"]["store_triples"], s["validation"]["conforms"]]
            for s in result["sizes"]])
    _table("ratios", ["size", "metric", "value", "goal", "met"],
           [[r["size"], r["metric"], r["value"], r["goal"], r["met"]]
            for r in result["ratios"]])


if __name__ == "__main__":
    sys.exit(main())
