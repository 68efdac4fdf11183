"""The development set (../shared/dev) built for real: every fact the loaders make of ten
councils' documents they were not written for passes the shapes and keeps exact evidence,
and `carekg evaluate --corpus` measures the store as the pipeline measures itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parents[2] / "shared" / "dev"


@pytest.fixture(scope="module")
def dev(requirement) -> Path:  # type: ignore[no-untyped-def]
    if not (DEV / "docs" / "manifest.yaml").is_file():
        requirement(f"the development set is not at {DEV}")
    return DEV


@pytest.mark.slow
def test_evaluate_builds_the_corpus_and_agrees_with_the_pipeline(
        dev: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from carekg.cli import main
    from carekg.loaders.evaluate import evaluate_corpus

    store = tmp_path / "store"
    # the common options work before the command's name as after it
    assert main(["--store", str(store), "evaluate", "--corpus", str(dev / "docs"),
                 "--gold", str(dev / "gold"), "--json", "-q"]) == 0
    measured = json.loads(capsys.readouterr().out)["overall"]
    pipeline, _ = evaluate_corpus(dev / "docs", dev / "gold")
    expected = pipeline.overall()
    assert (measured["gold"], measured["found"], measured["extracted"], measured["supported"]
            ) == (expected.gold, expected.found, expected.extracted, expected.supported)
    assert measured["precision"] == pytest.approx(expected.precision)
    # the second run reuses the store: nothing changed, nothing is rebuilt
    assert main(["evaluate", "--store", str(store), "--corpus", str(dev / "docs"),
                 "--gold", str(dev / "gold"), "--errors"]) == 0
    out, err = capsys.readouterr()
    assert "10 unchanged" in err and "precision" in out and "unsupported\t" in out


#: Words in a row that, shared with a development document (and not with the bundled
#: corpus, whose wording is the project's own), can only have been copied from it.
COPIED_RUN = 12
_SOURCES = (".py", ".yaml", ".yml", ".md", ".ttl", ".rq", ".json", ".html", ".js", ".txt")
_NOT_SOURCE = ("corpus/", "bench/results/")  # input data and measurements, not source


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9£%]+", text.lower())


def _runs(words: list[str]) -> set[str]:
    return {" ".join(words[i:i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN + 1)}


def test_no_development_text_is_copied_into_the_project(dev: Path) -> None:
    """The development set measures the loaders; its sentences may not become rules,
    comments or test cases (../shared/dev/README.md)."""
    root = Path(__file__).resolve().parents[1]
    dev_runs: dict[str, str] = {}
    for doc in sorted((dev / "docs").glob("*.txt")):
        if not doc.name.endswith(".sources.txt"):
            dev_runs.update(dict.fromkeys(_runs(_words(doc.read_text(encoding="utf-8"))),
                                          doc.stem))
    for doc in (root / "corpus").glob("*.txt"):
        for run in _runs(_words(doc.read_text(encoding="utf-8"))):
            dev_runs.pop(run, None)
    copied = []
    for name in _tracked_files(root):
        path = root / name
        if not name.endswith(_SOURCES) or name.startswith(_NOT_SOURCE) or not path.is_file():
            continue
        for run in _runs(_words(path.read_text(encoding="utf-8", errors="replace"))):
            if run in dev_runs:
                copied.append(f"{name}: '{run}' ({dev_runs[run]})")
    assert copied == []


def _tracked_files(root: Path) -> list[str]:
    """The project's files as git knows them (local stores and builds are not source)."""
    import subprocess

    listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                            check=False)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout, so its source files cannot be listed: {root}")
    return listed.stdout.splitlines()
