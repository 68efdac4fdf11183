"""The committed kind model is what `carekg train` makes from the gold files: nobody can
hand-edit its weights or thresholds, and its recorded leave-one-council-out figures are
real. Needs ../shared (the gold and dev sets) and scikit-learn; about two minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from carekg.loaders.kind_model import model_path
from carekg.resources import corpus_dir

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.slow
def test_the_committed_model_is_reproduced_by_carekg_train(
        tmp_path: Path, requirement) -> None:  # type: ignore[no-untyped-def]
    if not (SHARED / "gold").is_dir() or not (SHARED / "dev" / "gold").is_dir():
        requirement(f"the gold files are not at {SHARED}")
    pytest.importorskip("sklearn", reason="training needs scikit-learn (the test extra)")
    from carekg.cli import main

    output = tmp_path / "model.json"
    assert main(["train", "-q", "--data", f"{corpus_dir()}:{SHARED / 'gold'}",
                 "--data", f"{SHARED / 'dev' / 'docs'}:{SHARED / 'dev' / 'gold'}",
                 "-o", str(output)]) == 0
    assert output.read_bytes() == model_path().read_bytes()
