"""A real ``carekg serve`` in a child process, for benchmarks that must see what users see.

Why a child process rather than the app on a thread: the endpoint's memory is part of
what is measured (the goal: the 1,000-council store served in under 1 GB), and ``carekg
serve`` evaluates queries in worker processes of its own, so its footprint is the whole
process tree. :func:`tree_rss_mb` reads that tree's high-water marks from ``/proc``.

Only this module's own child is ever stopped: by its pid, with SIGINT first (what Ctrl-C
sends, so waitress and the worker pool shut down as they would for a person), then SIGTERM
on its process group, which holds only the server and its workers.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@contextmanager
def in_thread(app: Any, threads: int = 4) -> Iterator[str]:
    """A WSGI ``app`` served by waitress on a thread of this process, as ``carekg serve``
    serves it (:func:`carekg.api.serve.make_server`), on a loopback port the OS chooses;
    yields its URL, and closes every socket at the end.

    The loop is waitress's own (``server.run()`` is this loop without an end), run a pass
    at a time so that it can be told to stop by a flag: the sockets are then closed on the
    loop's own thread (closing them from here races its select()), and the stop does not
    depend on the loop's wake-up pipe, which once (CI, stop 24) was found closed at the
    end of a test whose requests had all been answered."""
    from waitress import wasyncore

    from carekg.api.serve import make_server

    server: Any = make_server(app, threads, host="127.0.0.1", port=0)
    stop = threading.Event()

    def serve() -> None:
        try:
            while not stop.is_set() and server._map:
                wasyncore.loop(timeout=0.05, use_poll=server.adj.asyncore_use_poll,
                               map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map, ignore_all=True)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.task_dispatcher.shutdown(timeout=10)  # let the request threads end first
        stop.set()
        thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_store(store: Path) -> str:
    """Build the bundled corpus into ``store`` (a fresh directory) with ``carekg build``."""
    subprocess.run([sys.executable, "-m", "carekg", "build", "--store", str(store), "-q"],
                   check=True)
    return str(store)


def provenance() -> dict[str, Any]:
    """What a result file says it was measured on: the commit and the machine."""
    try:
        commit: str | None = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True,
            cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"commit": commit,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()}}


def serve_command(store: Path | str, port: int, *options: str,
                  host: str = "127.0.0.1") -> list[str]:
    """``carekg serve`` of this interpreter over ``store`` on ``host:port``."""
    return [sys.executable, "-m", "carekg", "serve", "--store", str(store), "--host", host,
            "--port", str(port), *options]


def wait_until_answers(url: str, process: subprocess.Popen[Any], seconds: float,
                       probe: str = "/queries.json", log: Path | None = None) -> float:
    """Poll ``url + probe`` until it answers 2xx; the seconds it took. RuntimeError (with
    the tail of ``log``) if the server exits first or does not answer in time."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{process.args!r} exited ({process.returncode}) {tail}".rstrip())
        try:
            with urllib.request.urlopen(url + probe, timeout=10) as response:
                response.read()
            return time.monotonic() - began
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def stop_group(process: subprocess.Popen[Any], grace: float = 15) -> None:
    """Stop a server started with ``start_new_session=True``: SIGTERM to its process group
    (the server and its query workers, nothing else), SIGKILL after ``grace`` seconds.
    ``communicate`` rather than ``wait``, so a server writing into pipes cannot block."""
    if process.poll() is not None:
        process.communicate()
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


@dataclass
class Running:
    """A ``carekg serve`` started by :func:`serving`."""

    url: str
    host: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def serving(store: Path | str, *options: str, log: Path, wait_s: float = 120,
            host: str = "127.0.0.1") -> Iterator[Running]:
    """``carekg serve <options>`` over ``store`` on a free port, output into ``log``,
    answering by the time the block starts, stopped (with its workers) when it ends."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(serve_command(store, port, *options, host=host),
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        running = Running(f"http://{host}:{port}", host, port, process)
        wait_until_answers(running.url, process, wait_s, log=log)
        yield running
    finally:
        stop_group(process)


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, ended but not yet reaped, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants still running."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def tree_rss_mb(pid: int) -> dict[str, float]:
    """Peak RSS (``VmHWM``) of the process and of its whole tree, and the current RSS of the
    tree. The tree's peak is a sum of per-process peaks: an upper bound, since the
    processes need not have peaked at the same moment."""
    tree = process_tree(pid)
    return {"main_peak_mb": _status_kb(pid, "VmHWM") / 1024,
            "tree_peak_mb": sum(_status_kb(p, "VmHWM") for p in tree) / 1024,
            "tree_current_mb": sum(_status_kb(p, "VmRSS") for p in tree) / 1024,
            "processes": len(tree)}


class Served:
    """``carekg serve`` over a built store on a free loopback port, with limits opened up
    (no rate limit, no row cap, a long timeout) so the benchmark times queries, not limits."""

    def __init__(self, store: Path, log: Path, timeout_s: float, workers: int = 4,
                 options: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = [sys.executable, "-m", "carekg", "serve", "--store", str(store),
                        "--port", str(self.port), "--no-rate-limit",
                        "--max-rows", str(10**9), "--timeout", str(timeout_s),
                        "--workers", str(workers), *options]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 300) -> float:
        """Start and wait until a query answers; seconds it took."""
        began = time.perf_counter()
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            wait_until_answers(self.url, self.process, wait_s, "/sparql?query=ASK%7B%7D",
                               self.log)
        except RuntimeError:
            self.stop()
            raise
        return time.perf_counter() - began

    def rss(self) -> dict[str, float]:
        assert self.process is not None
        return tree_rss_mb(self.process.pid)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        workers = process_tree(process.pid)[1:]
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: server and workers only
            process.wait(timeout=20)
        for pid in workers:  # query workers the server did not take down with it
            try:
                if os.getpgid(pid) == process.pid:  # still ours, not a reused pid
                    os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def __enter__(self) -> Served:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
