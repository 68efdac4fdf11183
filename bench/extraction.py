"""Extraction throughput per pipeline stage, on the bundled corpus and on a corpus ten
times larger, run side by side so the ratio shows whether cost grows linearly.

    python bench/extraction.py [--scale 10] [--repeat 3] [--json bench/results/extraction.json]

The larger corpus is the bundled one with every document repeated ``scale`` times (as
one longer document each), so the pipeline sees the same genre at ten times the size.
Figures are medians over ``--repeat`` runs; validation and inference of the resulting
graphs are timed too, since a build pays for them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from rdflib import Graph

from carekg.councils import default_register
from carekg.graph.build import static_graphs
from carekg.graph.infer import infer_and_check
from carekg.graph.validate import validate
from carekg.iris import DEFAULT_IRIS
from carekg.loaders.manifest import read_manifest
from carekg.loaders.model import DocumentRecord
from carekg.loaders.pipeline import STAGES, load_document
from carekg.resources import corpus_dir


def scaled(records: list[DocumentRecord], scale: int, workdir: Path) -> list[DocumentRecord]:
    """Each document's text repeated ``scale`` times, as a new file of the same kind."""
    if scale == 1:
        return records
    out = []
    for record in records:
        text = record.path.read_text(encoding="utf-8")
        path = workdir / f"{record.id}-x{scale}{record.path.suffix}"
        path.write_text("\n\n".join([text] * scale), encoding="utf-8")
        out.append(replace(record, id=f"{record.id}-x{scale}", path=path))
    return out


def run_once(records: list[DocumentRecord]) -> dict[str, Any]:
    """One pass of every stage over ``records``, then validation and inference."""
    seconds: dict[str, float] = defaultdict(float)
    chars = facts = 0
    graph = Graph()
    for record in records:
        loaded = load_document(record)
        for stage, spent in loaded.timings.items():
            seconds[stage] += spent
        chars += len(loaded.text.text)
        facts += loaded.fact_count
        graph += loaded.graph
    static = static_graphs(default_register())
    ontology = static[str(DEFAULT_IRIS.graph("ontology"))]
    data = Graph()
    for g in static.values():
        if g is not ontology:
            data += g
    data += graph
    began = time.perf_counter()
    validate(data, ontology=ontology)
    seconds["validate"] = time.perf_counter() - began
    began = time.perf_counter()
    infer_and_check(ontology, data)
    seconds["infer"] = time.perf_counter() - began
    return {"seconds": dict(seconds), "chars": chars, "facts": facts, "triples": len(graph)}


def median_run(records: list[DocumentRecord], repeat: int) -> dict[str, Any]:
    runs = [run_once(records) for _ in range(repeat)]
    stages = [*STAGES, "validate", "infer"]
    seconds = {s: statistics.median(r["seconds"].get(s, 0.0) for r in runs)
               for s in stages}
    return {**runs[0], "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)

    records = read_manifest(corpus_dir(), default_register())
    with tempfile.TemporaryDirectory() as tmp:
        base = median_run(records, args.repeat)
        large = median_run(scaled(records, args.scale, Path(tmp)), args.repeat)

    header = (f"{'stage':<16}{'1x s':>9}{'1x kchar/s':>12}{'1x facts/s':>12}"
              f"{f'{args.scale}x s':>9}{f'{args.scale}x kchar/s':>12}{'time ratio':>12}")
    print(f"corpus 1x: {base['chars']:,} chars, {base['facts']:,} facts; "
          f"{args.scale}x: {large['chars']:,} chars, {large['facts']:,} facts "
          f"(median of {args.repeat})")
    print(header)
    rows = []
    for stage in base["seconds"]:
        b = base["seconds"][stage]
        lg = large["seconds"][stage]
        row = {"stage": stage, "base_s": b, "large_s": lg, "ratio": lg / b if b else None,
               "base_chars_per_s": base["chars"] / b if b else None,
               "base_facts_per_s": base["facts"] / b if b else None,
               "large_chars_per_s": large["chars"] / lg if lg else None}
        rows.append(row)
        print(f"{stage:<16}{b:>9.3f}{(row['base_chars_per_s'] or 0) / 1000:>12.0f}"
              f"{row['base_facts_per_s'] or 0:>12.0f}{lg:>9.3f}"
              f"{(row['large_chars_per_s'] or 0) / 1000:>12.0f}"
              f"{row['ratio'] or 0:>12.2f}")
    print(f"(a linear stage shows a time ratio near {args.scale})")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                        "processor": platform.processor()},
            "scale": args.scale, "repeat": args.repeat, "stages": rows,
            "base": {k: base[k] for k in ("chars", "facts", "triples")},
            "large": {k: large[k] for k in ("chars", "facts", "triples")},
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
