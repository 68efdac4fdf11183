"""The README's main job end to end: `carekg serve` on an empty store builds the bundled
corpus, then answers SPARQL over HTTP; a new snapshot is served without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from carekg.bench.served import free_port, running, stop_group, wait_until_answers

COUNT_COUNCILS = ("PREFIX cc: <https://w3id.org/carekg/def#> "
                  "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cc:Council }")


def ask(url: str, query: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{url}/sparql?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Until the endpoint answers a query (bench/served.py's poll, as the benchmarks use)."""
    wait_until_answers(url, process, seconds, probe="/sparql?query=ASK%7B%7D")


def test_serve_builds_when_there_is_no_store(tmp_path: Path) -> None:
    port = free_port()
    store = tmp_path / "store"
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "carekg", "serve", "--store", str(store), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process, 300)
        rows = ask(url, COUNT_COUNCILS)["results"]["bindings"]  # type: ignore[index]
        assert int(rows[0]["n"]["value"]) == 153
        facts = ask(url, "PREFIX cc: <https://w3id.org/carekg/def#> "
                         "SELECT (COUNT(?f) AS ?n) WHERE { ?f a cc:Fact }")
        assert int(facts["results"]["bindings"][0]["n"]["value"]) > 100  # type: ignore[index]
        assert (store / "current").is_symlink()
        # the ready line names the UI a person opens, not only the endpoint
        said = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert f"query UI at {url}/ " in said and f"{url}/sparql" in said, said
    finally:
        # the whole group: a query worker still busy with the heavy query goes too
        stop_group(process, grace=30)
        log.close()


def test_serve_flags_set_the_endpoint_limits(built_settings) -> None:  # type: ignore[no-untyped-def]
    """`carekg serve --timeout/--max-rows` reach the running endpoint."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "carekg", "serve", "--store", str(built_settings.store),
         "--port", str(port), "--timeout", "1", "--max-rows", "3", "--no-rate-limit", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process, 120)
        councils = "SELECT ?c WHERE { ?c a <https://w3id.org/carekg/def#Council> }"
        request = urllib.request.Request(
            f"{url}/sparql?{urllib.parse.urlencode({'query': councils})}",
            headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
            assert len(rows) == 3 and response.headers.get("X-Carekg-Truncated")
        heavy = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        began = time.monotonic()
        try:
            ask(url, heavy)
            raise AssertionError("the heavy query was not stopped")
        except urllib.error.HTTPError as error:
            assert error.code == 504
        assert time.monotonic() - began < 20
    finally:
        # the whole group: a query worker still busy with the heavy query goes too
        stop_group(process, grace=30)


def test_queue_depth_warnings_are_let_through_once_a_minute(caplog) -> None:  # type: ignore[no-untyped-def]
    """waitress's "Task queue depth" warning, logged on every queued request, reaches the
    log once per interval, then with how many were held back; other loggers are not
    filtered. (A clock of our own: the interval is exact, not timed.)"""
    import logging

    from carekg.api.serve import QUEUE_LOGGER, AtMostEvery, quiet_queue_warnings

    now = [0.0]
    limiter = AtMostEvery(60.0, clock=lambda: now[0])
    queue = logging.getLogger(QUEUE_LOGGER + ".test")
    queue.addFilter(limiter)
    caplog.set_level(logging.WARNING)
    for depth in (1, 5, 3):
        queue.warning("Task queue depth is %d", depth)
    now[0] = 59.0
    queue.warning("Task queue depth is %d", 2)
    now[0] = 61.0
    queue.warning("Task queue depth is %d", 4)
    logging.getLogger("waitress").error("a real error")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Task queue depth is 1",
                        "Task queue depth is 4 (3 like it held back in the last 61 s, "
                        "largest 5)",
                        "a real error"]
    installed = quiet_queue_warnings()
    assert quiet_queue_warnings() is installed  # once, however often serve() starts
    assert logging.getLogger(QUEUE_LOGGER).filters.count(installed) == 1
    logging.getLogger(QUEUE_LOGGER).removeFilter(installed)


def test_a_busy_worker_ends_when_its_server_is_killed(built_settings, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      until) -> None:
    """A server killed outright runs no exit handlers; its query worker, busy with a
    runaway query, must not go on computing for nobody, and its server processes (one
    per core by default) must not go on serving for nobody either."""
    import signal
    import threading

    from carekg.bench.served import process_tree, serving

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with serving(built_settings.store, "--timeout", "600", "--workers", "1",
                 "--no-rate-limit", "-q", log=tmp_path / "serve.log") as server:
        asking = threading.Thread(target=lambda: _ask_quietly(server.url, heavy), daemon=True)
        asking.start()
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and not workers:
            workers = [p for p in process_tree(server.process.pid) if _is_worker(p)]
            time.sleep(0.2)
        assert workers, "no query worker was started"
        started = {p: _cpu_seconds(p) for p in workers}
        until(lambda: any(_cpu_seconds(p) > started[p] + 0.3 for p in workers),
              "a worker is evaluating the heavy query (its CPU time grows)", seconds=60)
        workers = [p for p in process_tree(server.process.pid) if p != server.process.pid]
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 20
        alive = workers
        while time.monotonic() < deadline and alive:
            alive = [p for p in alive if running(p)]
            time.sleep(0.2)
        assert not alive, f"workers {alive} outlived their server"


def _ask_quietly(url: str, query: str) -> None:
    try:
        ask(url, query)
    except (urllib.error.URLError, OSError):
        pass  # the server is killed while this waits


def _is_worker(pid: int) -> bool:
    try:
        return b"worker_from_fd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


