"""Latency of every saved query on a built store: in-process pyoxigraph against the same
query through carekg's HTTP endpoint (waitress on loopback), side by side.

    python bench/saved_queries.py [--store var/store] [--repeat 7] [--json FILE]

Builds the bundled corpus into a temporary store when ``--store`` holds none. The ratio
HTTP / in-process is the endpoint's overhead (parsing, negotiation, serialisation, HTTP).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from carekg.config import Settings
from carekg.graph.saved_queries import catalogue, run_saved
from carekg.graph.store import StoreDir


def timed(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of ``action()`` in milliseconds (after one warm-up)."""
    action()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def serve(settings: Settings) -> tuple[str, object]:
    from waitress.server import create_server

    from carekg.api.app import create_app

    server = create_server(create_app(settings), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    host, port = server.socket.getsockname()[:2]
    return f"http://{host}:{port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=args.store or Path(tmp) / "store")
        if not StoreDir(settings.store).exists():
            from carekg.graph.build import build
            from carekg.resources import corpus_dir

            build(corpus_dir(), settings)
        snapshot = StoreDir(settings.store).open()
        url, server = serve(settings)
        rows = []
        print(f"{'saved query':<40}{'rows':>6}{'in-process ms':>15}{'HTTP ms':>10}{'ratio':>8}")
        for name in sorted(catalogue()):
            count = len(list(run_saved(snapshot, name)))
            local = timed(lambda n=name: list(run_saved(snapshot, n)), args.repeat)
            request = urllib.request.Request(f"{url}/queries/{name}",
                                             headers={"Accept": "application/sparql-results+json"})
            remote = timed(lambda r=request: urllib.request.urlopen(r, timeout=60).read(),
                           args.repeat)
            rows.append({"query": name, "rows": count, "in_process_ms": local,
                         "http_ms": remote, "ratio": remote / local if local else None})
            print(f"{name:<40}{count:>6}{local:>15.2f}{remote:>10.2f}{remote / local:>8.2f}")
        server.close()  # type: ignore[attr-defined]
        ratios = sorted(r["ratio"] for r in rows if r["ratio"])
        print(f"median HTTP/in-process ratio: {statistics.median(ratios):.2f}")
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps({"repeat": args.repeat, "queries": rows},
                                                  indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
