"""The report of ``carekg bench --peers`` (bench/peers.py): a ``#`` header naming the
engines and the machine, then the tables, in bench/README.md's plain-text conventions.

The headline is the ratio table: per size and peer, the median carekg/peer latency over
the saved queries where both gave the same number of rows (over all of them beside, when
that differs), the fixed cost of a request, the lookup's requests per second and each
engine's memory, so one table answers "what does carekg's serving cost".
"""

from __future__ import annotations

from typing import Any

from carekg.bench.tables import table

ENGINES = ("carekg", "oxigraph", "virtuoso")


def engines_described(plan: dict[str, Any]) -> dict[str, str | None]:
    import pyoxigraph

    described: dict[str, str | None] = {
        "carekg": f"carekg serve (pyoxigraph {pyoxigraph.__version__}), /queries/{{name}} "
                  "with Cache-Control: no-cache",
        "in_process": f"pyoxigraph {pyoxigraph.__version__} in process"}
    peers = plan["peers"]
    if peers["oxigraph"]["run"]:
        from carekg.bench.oxigraph_server import version

        described["oxigraph"] = (f"Oxigraph server {version(peers['oxigraph']['command'])} "
                                 "serve-read-only --union-default-graph")
    else:
        described["oxigraph"] = None
    if peers["virtuoso"]["run"]:
        from carekg.bench.virtuoso import version as virtuoso_version

        described["virtuoso"] = f"OpenLink Virtuoso Open Source {virtuoso_version()} /sparql"
    else:
        described["virtuoso"] = None
    return described


def _peers(result: dict[str, Any]) -> list[str]:
    return [p for p in ENGINES[1:] if result["engines"].get(p)]


def ratio_rows(result: dict[str, Any]) -> list[list[Any]]:
    """One row per size and peer: the headline figures."""
    rows = []
    for entry in result["sizes"]:
        fixed = entry["fixed_cost_ms"]
        lookup = {(r["engine"], r["cache"]): r["requests_per_s"] for r in entry["lookup"]["rows"]}
        memory = entry["memory"]
        for peer in _peers(result):
            s = entry["summary"][peer]
            all_differs = s["median_ratio_all"] != s["median_ratio"]
            carekg_fixed, peer_fixed = fixed.get("carekg"), fixed.get(peer)
            rows.append([
                entry["size"], peer, s["median_ratio"], s["agreeing_queries"],
                s["median_ratio_all"] if all_differs else "same",
                len(s["disagreeing"]) + len(s["errors"]),
                None if carekg_fixed is None or peer_fixed is None
                else carekg_fixed - peer_fixed,
                lookup.get(("carekg", "uncached")), lookup.get(("carekg", "cached")),
                lookup.get((peer, "uncached")),
                (memory.get("carekg") or {}).get("tree_current_mb"),
                (memory.get(peer) or {}).get("tree_current_mb")])
    return rows


def print_tables(result: dict[str, Any]) -> None:
    settings, machine = result["settings"], result["machine"]
    sizes = ",".join(str(s) for s in settings["sizes"])
    print(f"# carekg bench --peers {result['mode']}: sizes {sizes}; {settings['rounds']} "
          "interleaved rounds (medians); carekg uncached (Cache-Control: no-cache)")
    memory = machine.get("memory_bytes") or 0
    print(f"# machine: {machine['cpus']} cpus, {memory / 2**30:.1f} GB, load "
          f"{' '.join(f'{x:.2f}' for x in machine['load_average'])} at start, commit "
          f"{(machine.get('commit') or '?')[:10]}"
          + (f" + {len(machine['uncommitted'])} uncommitted files"
             if machine.get("uncommitted") else ""))
    for name, described in result["engines"].items():
        reason = settings["peers"].get(name, {}).get("reason")
        print(f"# {name} = {described or 'not run: ' + str(reason)}")

    table("ratios (carekg/peer: median latency ratio over the saved queries where the peer "
          "gave carekg's rows; fixed cost carekg minus peer, ms; lookup req/s at 8 clients; "
          "RSS MB of each process tree after the runs)",
          ["size", "peer", "median_ratio", "agreeing", "median_ratio_all", "disagreeing",
           "fixed_ms", "carekg_req/s", "carekg_cached_req/s", "peer_req/s", "carekg_rss",
           "peer_rss"], ratio_rows(result))

    query_rows = []
    for entry in result["sizes"]:
        for q in entry["queries"]:
            row: list[Any] = [entry["size"], q["query"]]
            for engine in ENGINES:
                row.append(q["rows"].get(engine, "error" if engine in q["errors"] else None))
            for engine in ENGINES:
                row.append(q["ms"].get(engine))
            for peer in ENGINES[1:]:
                carekg, other = q["ms"].get("carekg"), q["ms"].get(peer)
                row.append(carekg / other if carekg and other else None)
            row.append(len(set(q["rows"].values())) == 1 and not q["errors"])
            query_rows.append(row)
    table("queries (ms, medians of the rounds; rows per engine)",
          ["size", "query", "rows_carekg", "rows_oxigraph", "rows_virtuoso", "carekg_ms",
           "oxigraph_ms", "virtuoso_ms", "carekg/oxigraph", "carekg/virtuoso", "agree"],
          query_rows)

    disagreements = []
    for entry in result["sizes"]:
        for q in entry["queries"]:
            for engine in ENGINES[1:]:
                if engine in q["errors"]:
                    disagreements.append([entry["size"], q["query"], engine, "error",
                                          q["rows"].get("carekg")])
                elif engine in q["rows"] and q["rows"][engine] != q["rows"].get("carekg"):
                    disagreements.append([entry["size"], q["query"], engine, q["rows"][engine],
                                          q["rows"].get("carekg")])
    table("disagreements (saved queries whose row count differs from carekg's)",
          ["size", "query", "engine", "rows", "carekg_rows"],
          disagreements or [["-", "none", "-", "-", "-"]])

    table("fixed cost (ms per ASK {}, medians of 30 requests per round and engine, interleaved "
          "request by request)",
          ["size", "in_process", "carekg", "oxigraph", "virtuoso", "carekg-in_process",
           "carekg-oxigraph", "oxigraph-in_process"],
          [[e["size"], f.get("in_process"), f.get("carekg"), f.get("oxigraph"),
            f.get("virtuoso"), _minus(f, "carekg", "in_process"),
            _minus(f, "carekg", "oxigraph"), _minus(f, "oxigraph", "in_process")]
           for e in result["sizes"] for f in [e["fixed_cost_ms"]]])

    lookup_rows = []
    for entry in result["sizes"]:
        lookup = entry["lookup"]
        for r in lookup["rows"]:
            lookup_rows.append([entry["size"], r["engine"], r["cache"], r["clients"],
                                r["requests_per_s"], r["p50_ms"], r["p99_ms"], r["errors"]])
        if lookup["processes"] != "measured":
            for n in (1, 2):
                lookup_rows.append([entry["size"], f"carekg_processes_{n}", "uncached",
                                    "-", "not_measured", "-", "-", "-"])
    client = result["sizes"][0]["lookup"]["client"] if result["sizes"] else "-"
    table(f"lookup (label of one council, requests/s, medians of the rounds, client: {client})",
          ["size", "engine", "cache", "clients", "req/s", "p50_ms", "p99_ms", "errors"],
          lookup_rows)

    table("memory (MB summed over each engine's serving process tree, after the runs)",
          ["size", "engine", "rss", "peak", "processes"],
          [[e["size"], name, m["tree_current_mb"], m["tree_peak_mb"], m["processes"]]
           for e in result["sizes"] for name, m in e["memory"].items() if m])

    load_rows = []
    for entry in result["sizes"]:
        load = entry["load"]
        if load["status"] != "measured":
            load_rows.append([entry["size"], "-", "not_measured", "-", "-", "-", "-", "-",
                              "-"])
            continue
        statuses = ",".join(f"{code}:{n}" for code, n in load["statuses"].items())
        load_rows.append([entry["size"], load["clients"], load["ok_per_s"], load["errors"],
                          statuses, load["p99_ms"], load["heavy"], load["heavy_stopped"],
                          load["heavy_max_s"]])
    table("load (bench/load.py: saved queries at 64 clients while heavy queries run, "
          "2 s timeout; heavy_stopped: every heavy query ended in 503/504)",
          ["size", "clients", "ok/s", "errors", "statuses", "p99_ms", "heavy",
           "heavy_stopped", "heavy_max_s"], load_rows)


def _minus(figures: dict[str, float], a: str, b: str) -> float | None:
    if figures.get(a) is None or figures.get(b) is None:
        return None
    return figures[a] - figures[b]
