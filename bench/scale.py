"""The real build on synthetic corpora of growing size: time per stage, memory, store size,
extraction recall against the planted facts, and saved-query latency, side by side.

    python bench/scale.py [--sizes 10,100] [--repeat 1] [--seed 1] [--json FILE]
                          [--profile FILE]

Each size (number of councils, five documents each, from bench/generate.py) is built in
a child process of its own, so peak RSS (``ru_maxrss``, a high-water mark) belongs to that
size alone. A child generates the corpus, runs :func:`carekg.graph.build.build` with the
pipeline's own per-stage timings collected, evaluates the store against the planted facts
with :func:`carekg.loaders.evaluate.evaluate_store`, then times every saved query in
process (pyoxigraph) and through carekg's HTTP endpoint. The parent takes medians over
``--repeat`` children and prints growth ratios between consecutive sizes (the goal: ten
times the councils within twelve times the time).

``--profile FILE`` runs the build of the largest size under cProfile and writes the top
functions (by cumulative and by own time) to FILE and to the JSON results.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Any

from carekg.config import Settings
from carekg.graph.backend import Snapshot
from carekg.graph.build import PHASES

HERE = Path(__file__).resolve().parent
#: A query slower than this on its first run is timed once, not repeated.
SLOW_QUERY_S = 20.0


def machine() -> dict[str, object]:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        memory = None
    try:  # the figures belong to the code they measured: the loaders change often
        commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"commit": commit, "python": sys.version.split()[0], "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "memory_bytes": memory,
            "load_average": os.getloadavg()}


def uncommitted() -> list[str] | None:
    """Tracked files changed since the commit ``machine()`` names: the figures belong to
    the working tree, and this says when that is not the commit."""
    try:
        done = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain",
                               "--untracked-files=no"], capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return [line[3:] for line in done.stdout.splitlines()
            if "bench/results/" not in line]


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def export_nquads(store: Path, out: Path) -> float:
    """``carekg export --format nquads``: the data every other engine loads."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "carekg", "export", "--quiet", "--store",
                           str(store), "--format", "nquads", "-o", str(out)],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"carekg export failed: {done.stderr[-2000:]}")
    return time.perf_counter() - began


# -- one size, in a child process ---------------------------------------------------------

class StageClock:
    """Collects the pipeline's own per-stage timings of every document the build loads."""

    def __init__(self, load: Callable[..., Any]) -> None:
        self.load = load
        self.seconds: dict[str, float] = defaultdict(float)
        self.chars = 0
        self.candidates = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        loaded = self.load(*args, **kwargs)
        for stage, spent in loaded.timings.items():
            self.seconds[stage] += spent
        self.chars += len(loaded.text.text)
        self.candidates += len(loaded.candidates)
        return loaded


def timed_ms(action: Callable[[], object], repeat: int) -> tuple[float, int]:
    """Median milliseconds over ``repeat`` runs after a warm-up (once if the warm-up is
    slow), and how many runs were timed."""
    began = time.perf_counter()
    action()
    first = (time.perf_counter() - began) * 1000
    if first > SLOW_QUERY_S * 1000:
        return first, 1
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), repeat


def fetch(request: urllib.request.Request) -> bytes:
    """One HTTP request's whole answer (what a timed client waits for)."""
    with urllib.request.urlopen(request, timeout=600) as answer:
        return bytes(answer.read())


def rows_of(run: Callable[..., Any], *args: Any) -> int:
    """How many rows ``run(*args)`` answers (a timed in-process query)."""
    return len(list(run(*args)))


def time_queries(settings: Settings, snapshot: Snapshot, repeat: int) -> list[dict[str, object]]:
    """Every saved query in process and over HTTP (waitress on loopback), side by side."""
    from carekg.api.app import create_app
    from carekg.bench.served import in_thread
    from carekg.graph.saved_queries import catalogue, run_saved

    rows: list[dict[str, object]] = []
    with in_thread(create_app(settings)) as url:
        for name in sorted(catalogue()):
            count = len(list(run_saved(snapshot, name)))
            local, runs = timed_ms(partial(rows_of, run_saved, snapshot, name), repeat)
            request = urllib.request.Request(
                f"{url}/queries/{name}", headers={"Accept": "application/sparql-results+json"})
            remote, _ = timed_ms(partial(fetch, request), runs)
            rows.append({"query": name, "rows": count, "in_process_ms": local,
                         "http_ms": remote, "ratio": remote / local if local else None})
    return rows


def run_size(councils: int, seed: int, query_repeat: int, profile: Path | None,
             keep: Path | None = None) -> dict[str, Any]:
    """Generate, build, evaluate and query one corpus (in this process); with ``keep``,
    the corpus and store are written under that directory and left there (``carekg
    bench`` queries the store afterwards from other engines)."""
    sys.path.insert(0, str(HERE))
    import generate  # bench/generate.py

    import carekg.graph.build as build_module
    from carekg.config import Settings
    from carekg.graph.store import StoreDir
    from carekg.loaders.evaluate import evaluate_store

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    place = (nullcontext(str(keep)) if keep is not None
             else tempfile.TemporaryDirectory(prefix="carekg-scale-"))
    with place as tmp:
        corpus = Path(tmp) / "corpus"
        began = time.perf_counter()
        docs = generate.generate(councils, seed)
        generate.write_corpus(docs, corpus)
        generate_s = time.perf_counter() - began
        planted = sum(len(d.facts) for d in docs)
        del docs

        settings = Settings(store=Path(tmp) / "store")
        stages = StageClock(build_module.load_document)
        build_module.load_document = stages  # instrumentation: the real loader, timed
        profiler = cProfile.Profile() if profile else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        report = build_module.build(corpus, settings)
        if profiler:
            profiler.disable()
        build_s = time.perf_counter() - began
        build_module.load_document = stages.load
        rss_build = peak_rss_mb()

        store_bytes = directory_bytes(Path(settings.store))
        snapshot = StoreDir(Path(settings.store)).open()

        def text_of(doc_id: str) -> str:
            text = snapshot.text_of(doc_id)
            if text is None:
                raise KeyError(doc_id)
            return text

        began = time.perf_counter()
        evaluation = evaluate_store(lambda q: snapshot.query(q), corpus / "planted", text_of)
        evaluate_s = time.perf_counter() - began
        overall = evaluation.overall()
        queries = time_queries(settings, snapshot, query_repeat) if query_repeat else []
        result: dict[str, Any] = {
            "councils": councils, "documents": report.documents, "chars": stages.chars,
            "facts": report.facts, "candidates": stages.candidates, "triples": report.triples,
            "planted": planted, "generate_s": generate_s, "build_s": build_s,
            "phases_s": {p: float(report.phases.get(p, 0.0)) for p in PHASES},
            "stages_s": dict(stages.seconds),
            "peak_rss_build_mb": rss_build, "peak_rss_mb": peak_rss_mb(),
            "store_bytes": store_bytes, "evaluate_s": evaluate_s,
            "recall": overall.recall, "value_accuracy": overall.value_accuracy,
            "service_accuracy": overall.service_accuracy,
            "direction_accuracy": overall.direction_accuracy,
            "recall_by_kind": {k: s.recall for k, s in evaluation.by_kind().items()},
            "queries": queries,
        }
        if profiler and profile is not None:
            result["profile"] = profile_summary(profiler)
            profile.write_text(result["profile"]["text"], encoding="utf-8")
        return result


def profile_summary(profiler: cProfile.Profile, top: int = 30) -> dict[str, Any]:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    rows = []
    for (file, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{Path(file).name}:{line}({name})", "calls": calls,
                     "own_s": own, "cumulative_s": cumulative})
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    return {"text": out.getvalue(), "top_own": rows[:top]}


# -- the parent: sizes side by side -------------------------------------------------------

def child(councils: int, seed: int, query_repeat: int, profile: Path | None,
          keep: Path | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(councils),
               "--seed", str(seed), "--query-repeat", str(query_repeat), "--out", str(target)]
    if profile:
        command += ["--profile", str(profile)]
    if keep:
        command += ["--keep", str(keep)]
    try:
        subprocess.run(command, check=True)
        return json.loads(target.read_text(encoding="utf-8"))
    finally:
        target.unlink(missing_ok=True)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run's counts with every timing replaced by the median over the runs."""
    result = dict(runs[0])
    result["runs"] = len(runs)
    for key in ("generate_s", "build_s", "evaluate_s", "peak_rss_build_mb", "peak_rss_mb"):
        result[key] = statistics.median(r[key] for r in runs)
    for key in ("phases_s", "stages_s"):
        names = {n for r in runs for n in r[key]}
        result[key] = {n: statistics.median(r[key].get(n, 0.0) for r in runs) for n in names}
    return result


def growth_of(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ratios between consecutive sizes: councils, characters, build time and each phase."""
    growth = []
    for small, large in zip(results, results[1:], strict=False):
        row = {"from": small["councils"], "to": large["councils"],
               "size_ratio": large["councils"] / small["councils"],
               "chars_ratio": large["chars"] / small["chars"],
               "build_ratio": large["build_s"] / small["build_s"]}
        for phase in PHASES:
            a, b = small["phases_s"].get(phase), large["phases_s"].get(phase)
            row[f"{phase}_ratio"] = b / a if a and b else None
        growth.append(row)
    return growth


def print_report(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    print(f"\n{'councils':>9}{'docs':>7}{'Mchars':>8}{'facts':>8}{'triples':>10}"
          f"{'build s':>9}{'RSS MB':>8}{'store MB':>9}{'recall':>8}")
    for r in results:
        print(f"{r['councils']:>9}{r['documents']:>7}{r['chars'] / 1e6:>8.2f}{r['facts']:>8}"
              f"{r['triples']:>10}{r['build_s']:>9.1f}{r['peak_rss_build_mb']:>8.0f}"
              f"{r['store_bytes'] / 1e6:>9.1f}{r['recall'] or 0:>8.3f}")
    from carekg.loaders.pipeline import STAGES

    stages = [*STAGES, *PHASES]
    print(f"\n{'stage':<16}" + "".join(f"{str(r['councils']) + ' s':>10}{'kchar/s':>9}"
                                      f"{'facts/s':>9}" for r in results))
    for stage in stages:
        line = f"{stage:<16}"
        for r in results:
            spent = r["phases_s"].get(stage, r["stages_s"].get(stage, 0.0))
            line += (f"{spent:>10.2f}{r['chars'] / spent / 1000 if spent else 0:>9.0f}"
                     f"{r['facts'] / spent if spent else 0:>9.0f}")
        print(line)
    growth = growth_of(results)
    for small, large, row in zip(results, results[1:], growth, strict=False):
        print(f"\n{large['councils']} vs {small['councils']} councils: build time x"
              f"{row['build_ratio']:.2f} for x{row['size_ratio']:.0f} councils "
              f"(x{row['chars_ratio']:.2f} characters); "
              + ", ".join(f"{p} x{row[f'{p}_ratio']:.2f}" for p in PHASES
                          if row[f"{p}_ratio"]))
    for r in results:
        if r["queries"]:
            ratios = [q["ratio"] for q in r["queries"] if q["ratio"]]
            local = [q["in_process_ms"] for q in r["queries"]]
            print(f"{r['councils']} councils: {len(local)} saved queries, median in-process "
                  f"{statistics.median(local):.1f} ms, slowest {max(local):.0f} ms, median "
                  f"HTTP/in-process {statistics.median(ratios):.2f}")
    return growth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100", help="councils, comma separated")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size (median)")
    parser.add_argument("--query-repeat", type=int, default=5,
                        help="timed runs per saved query (0: skip the queries)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--profile", metavar="FILE", type=Path,
                        help="profile the largest size's build; write the top costs here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one is not None:
        result = run_size(args.one, args.seed, args.query_repeat, args.profile, args.keep)
        args.out.write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for size in sizes:
        profile = args.profile if args.profile and size == max(sizes) else None
        runs = [child(size, args.seed, args.query_repeat, profile if n == 0 else None)
                for n in range(args.repeat)]
        results.append(median_of(runs))
        print(f"{size} councils: build {results[-1]['build_s']:.1f} s (median of "
              f"{len(runs)})", flush=True)
    growth = print_report(results)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"machine": machine(), "seed": args.seed, "repeat": args.repeat,
             "query_repeat": args.query_repeat, "sizes": results, "growth": growth},
            indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
