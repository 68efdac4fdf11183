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
