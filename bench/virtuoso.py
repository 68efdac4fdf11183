"""The saved queries on OpenLink Virtuoso beside carekg, on the same data, side by side.

    python bench/virtuoso.py [--councils 10 | --store DIR] [--repeat 5] [--json FILE]

Why: the remote-store backend is to hand over to a server-class triple store, so the
figure that matters is how carekg's own endpoint compares with Virtuoso's on the same
dataset and queries. The script

1. builds a synthetic corpus of ``--councils`` councils (bench/generate.py) unless
   ``--store`` names a built store, and exports it with ``carekg export --format nquads``;
2. starts ``virtuoso-t`` (Debian package ``virtuoso-opensource``) in the foreground as its
   child, on loopback ports chosen free, with a data directory and ini of its own under a
   temporary directory (nothing under /var/lib is touched);
3. bulk-loads the N-Quads with ``ld_dir`` + ``rdf_loader_run`` through ``isql-vt``;
4. times every saved query (a) through carekg's HTTP endpoint, (b) in process on
   pyoxigraph and (d) through Virtuoso's ``/sparql``, comparing row counts;
5. stops Virtuoso (``shutdown`` through isql, then terminate if needed).

Parameters of saved queries are bound for Virtuoso as a ``VALUES`` block opening the
outermost WHERE group, which restricts the same way pyoxigraph's substitution does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from carekg.bench.scale import export_nquads, fetch, rows_of, timed_ms
from carekg.bench.served import free_port, in_thread
from carekg.graph.sparql_text import with_values

HERE = Path(__file__).resolve().parent
VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
VAD_DIR = "/usr/share/virtuoso-opensource-7/vad"

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {data}, {vad}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
VADInstallDir = {vad}/

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 300
DefaultGraph =
"""


def installed() -> bool:
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


def version() -> str:
    """The installed virtuoso-t's version, as ``virtuoso-t -?`` prints it."""
    done = subprocess.run([VIRTUOSO, "-?"], capture_output=True, text=True)
    line = next((x for x in (done.stdout + done.stderr).splitlines()
                 if x.startswith("Version")), "Version unknown")
    return line.split()[1]


class Virtuoso:
    """A private virtuoso-t: its own directory, ini and loopback ports."""

    def __init__(self, root: Path, memory_mb: int = 1024) -> None:
        self.root = root
        self.db = root / "db"
        self.data = root / "data"
        self.sql_port = free_port()
        self.http_port = free_port()
        buffers = memory_mb * 1024 * 1024 // 8192 * 2 // 3  # 2/3 of the memory, 8 KB pages
        self.ini = root / "virtuoso.ini"
        self.db.mkdir(parents=True)
        self.data.mkdir()
        self.ini.write_text(INI.format(db=self.db, data=self.data, vad=VAD_DIR,
                                       sql_port=self.sql_port, http_port=self.http_port,
                                       buffers=buffers, dirty=buffers * 3 // 4),
                            encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None
        self.command = [VIRTUOSO, "-f", "-c", str(self.ini)]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self, timeout: float = 120) -> float:
        """Start virtuoso-t; the seconds until both its SQL and its SPARQL ports answer."""
        began = time.perf_counter()
        # The child has its own copy of the log's descriptor: this process closes its own.
        with (self.root / "stdout.log").open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=self.db, stdout=log,
                                            stderr=subprocess.STDOUT)
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited: {(self.db / 'virtuoso.log').read_text()}")
            try:
                self.isql("status();", timeout=10)
                with urllib.request.urlopen(f"{self.endpoint}?query=ASK%7B%7D", timeout=5) as r:
                    r.read()
                return time.perf_counter() - began
            except (subprocess.SubprocessError, OSError):
                time.sleep(0.5)
        raise RuntimeError("virtuoso-t did not answer in time")

    def isql(self, script: str, timeout: float = 3600) -> str:
        done = subprocess.run([ISQL, str(self.sql_port), "dba", "dba"], input=script.encode(),
                              capture_output=True, timeout=timeout, check=True)
        out = done.stdout.decode("utf-8", "replace")
        if "*** Error" in out:
            raise subprocess.SubprocessError(out)
        return out

    def load(self, nquads: Path) -> float:
        """Bulk-load one N-Quads file (its graphs as written) and checkpoint."""
        target = self.data / nquads.name
        shutil.copyfile(nquads, target)
        began = time.perf_counter()
        self.isql(f"ld_dir('{self.data}', '{nquads.name}', 'urn:carekg:unused');\n"
                  "rdf_loader_run();\ncheckpoint;\n")
        return time.perf_counter() - began

    def select(self, query: str) -> bytes:
        body = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(self.endpoint, data=body, headers={
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.read()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.isql("shutdown;", timeout=60)
        except (subprocess.SubprocessError, OSError):
            pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextmanager
def running_virtuoso(root: Path, memory_mb: int) -> Iterator[Virtuoso]:
    server = Virtuoso(root, memory_mb)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def build_store(councils: int, seed: int, root: Path) -> Path:
    sys.path.insert(0, str(HERE))
    import generate  # bench/generate.py

    from carekg.config import Settings
    from carekg.graph.build import build

    corpus = root / "corpus"
    generate.write_corpus(generate.generate(councils, seed), corpus)
    store = root / "store"
    build(corpus, Settings(store=store))
    return store


def compare(store: Path, server: Virtuoso, repeat: int) -> list[dict[str, Any]]:
    from carekg.api.app import create_app
    from carekg.config import Settings
    from carekg.graph.saved_queries import bind, catalogue, run_saved
    from carekg.graph.store import StoreDir

    settings = Settings(store=store)
    snapshot = StoreDir(store).open()
    rows: list[dict[str, Any]] = []
    with in_thread(create_app(settings)) as url:
        for name, saved in sorted(catalogue().items()):
            expected = len(list(run_saved(snapshot, name)))
            text = with_values(saved.text, bind(saved, {}))
            row: dict[str, Any] = {"query": name, "rows": expected}
            try:
                answer = json.loads(server.select(text))
                row["virtuoso_rows"] = len(answer["results"]["bindings"])
                row["virtuoso_ms"], _ = timed_ms(partial(server.select, text), repeat)
            except (OSError, ValueError, KeyError) as exc:
                row["virtuoso_error"] = str(exc)[:300]
            row["in_process_ms"], _ = timed_ms(partial(rows_of, run_saved, snapshot, name),
                                               repeat)
            request = urllib.request.Request(
                f"{url}/queries/{name}", headers={"Accept": "application/sparql-results+json"})
            row["http_ms"], _ = timed_ms(partial(fetch, request), repeat)
            if isinstance(row.get("virtuoso_ms"), float):
                row["http_over_virtuoso"] = row["http_ms"] / row["virtuoso_ms"]
            rows.append(row)
            print(f"{name:<38}{expected:>7}{row.get('virtuoso_rows', '-')!s:>8}"
                  f"{row['in_process_ms']:>10.1f}{row['http_ms']:>10.1f}"
                  f"{row.get('virtuoso_ms', float('nan')):>10.1f}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a built store (else one is built)")
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="Virtuoso buffer memory (NumberOfBuffers from it)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    if not shutil.which(VIRTUOSO) or not shutil.which(ISQL):
        print("virtuoso-t/isql-vt not found: apt-get install -y virtuoso-opensource",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="carekg-virtuoso-") as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        store = args.store or build_store(args.councils, args.seed, root)
        build_s = time.perf_counter() - began
        nquads = root / "carekg.nq"
        export_s = export_nquads(store, nquads)
        with running_virtuoso(root / "virtuoso", args.memory_mb) as server:
            load_s = server.load(nquads)
            triples = json.loads(server.select(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
            count = int(triples["results"]["bindings"][0]["n"]["value"])
            print(f"Virtuoso on 127.0.0.1:{server.http_port} (SQL {server.sql_port}): "
                  f"{count:,} quads loaded in {load_s:.1f} s ({nquads.stat().st_size / 1e6:.1f}"
                  f" MB N-Quads exported in {export_s:.1f} s)")
            print(f"{'saved query':<38}{'rows':>7}{'V rows':>8}{'in-proc':>10}{'HTTP':>10}"
                  f"{'Virtuoso':>10}  (ms, median of {args.repeat})")
            rows = compare(store, server, args.repeat)
            command = " ".join(server.command)
            ini = server.ini.read_text(encoding="utf-8")
    ratios = [r["http_over_virtuoso"] for r in rows if "http_over_virtuoso" in r]
    overhead = [r["http_ms"] / r["in_process_ms"] for r in rows if r["in_process_ms"]]
    same = sum(1 for r in rows if r.get("virtuoso_rows") == r["rows"])
    print(f"median carekg HTTP / Virtuoso: {statistics.median(ratios):.2f}; median HTTP / "
          f"in-process: {statistics.median(overhead):.2f}; same row count on {same} of "
          f"{len(rows)} queries")
    if args.json:
        sys.path.insert(0, str(HERE))
        from scale import machine

        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "machine": machine(), "councils": None if args.store else args.councils,
            "seed": args.seed, "repeat": args.repeat, "build_s": build_s,
            "export_s": export_s, "load_s": load_s, "quads": count,
            "virtuoso_command": command, "virtuoso_ini": ini, "queries": rows,
            "median_http_over_virtuoso": statistics.median(ratios),
            "median_http_over_in_process": statistics.median(overhead),
            "same_rows": same}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
