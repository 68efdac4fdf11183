"""Regression floors of extraction quality: the pipeline over the bundled corpus against
the hand-checked gold facts (../shared/gold). The floors sit about 0.02 below what the
loaders reached when they were set, so a change that makes extraction worse fails here;
raise them when the loaders improve. Nothing is built: only the pipeline runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from carekg.loaders.evaluate import EvaluationReport, Score, evaluate_corpus
from carekg.resources import corpus_dir

# Reached (loaders round 5, precision): recall 0.87, value 0.98, service 0.89,
# direction 0.96.
OVERALL_FLOORS = {
    "recall": 0.85,
    "value_accuracy": 0.96,
    "service_accuracy": 0.87,
    "direction_accuracy": 0.94,
}
# Recall per kind, reached: Spend 0.96, Capacity 0.79, ContractEvent 0.97,
# NeedEstimate 0.76, CommissioningIntention 0.89, StrategyReference 0.88.
RECALL_FLOORS = {
    "Spend": 0.94,
    "Capacity": 0.77,
    "ContractEvent": 0.95,
    "NeedEstimate": 0.74,
    "CommissioningIntention": 0.87,
    "StrategyReference": 0.86,
}
# Extracted facts beyond this many per gold fact of their kind mean the loaders have
# started emitting noise again. Per kind, because the bundled gold is not exhaustive and
# kinds differ in how much of what a document states it lists: reached (session 12) Spend
# 100/24, Capacity 77/38, ContractEvent 98/33, NeedEstimate 82/33, CommissioningIntention
# 233/53, StrategyReference 73/17. (One cap of 3.3 for all kinds, reached at 653/198, was
# set while intentions were read less; a hand check of 40 random bundled intentions found
# 37 that the text states, so the caps were set per kind, each about 4 % above its figure.
# Session 13: intentions 244/53 once resolutions in the passive, items under a heading of
# intentions and "more people ..." were read; 42 of 45 random bundled intentions were
# stated by the text, so their cap went 4.6 -> 4.8.)
MAX_FACTS_PER_GOLD = {
    "Spend": 4.3,
    "Capacity": 2.1,
    "ContractEvent": 3.05,
    "NeedEstimate": 2.6,
    "CommissioningIntention": 4.8,
    "StrategyReference": 4.5,
}


@pytest.fixture(scope="module")
def report(gold_dir: Path) -> EvaluationReport:
    result, _ = evaluate_corpus(corpus_dir(), gold_dir)
    return result


@pytest.mark.parametrize("metric", sorted(OVERALL_FLOORS))
def test_overall_floor(report: EvaluationReport, metric: str) -> None:
    value = getattr(report.overall(), metric)
    assert value is not None and value >= OVERALL_FLOORS[metric], report.table()


@pytest.mark.parametrize("kind", sorted(RECALL_FLOORS))
def test_recall_floor_per_kind(report: EvaluationReport, kind: str) -> None:
    score: Score = report.by_kind()[kind]
    assert score.recall is not None and score.recall >= RECALL_FLOORS[kind], report.table()


@pytest.mark.parametrize("kind", sorted(MAX_FACTS_PER_GOLD))
def test_extraction_is_not_a_fact_per_number(report: EvaluationReport, kind: str) -> None:
    score: Score = report.by_kind()[kind]
    assert score.extracted <= MAX_FACTS_PER_GOLD[kind] * score.gold, report.table()


# -- councils the bundled corpus does not cover: ../shared/dev (exhaustive gold) ---------

DEV_DIR = Path(__file__).resolve().parents[2] / "shared" / "dev"
# Reached with the committed model (2026-12-04, session 13): recall 0.736, precision 0.88,
# value 0.90, service 0.75, direction 0.87 (session 12: 0.713 / 0.87) (service read with
# the gold's parenthesised qualifiers aside, loaders/evaluate.py; 0.70 without that
# reading). The model was trained with these documents, so these are in-sample figures;
# the leave-one-council-out ones below are the honest guide to a new council. (The
# floors were set back once, to 0.59 / 0.76, after removing intention markers that only
# one development document used, which the development set's rules forbid; they have only
# risen since.)
DEV_FLOORS = {
    "recall": 0.73,
    "precision": 0.87,
    "value_accuracy": 0.90,
    "service_accuracy": 0.74,
    "direction_accuracy": 0.86,
}
# Reached leave-one-council-out (recorded by `carekg train` in the committed model, and
# reproduced by tests/test_train_committed.py): recall 0.734, precision 0.87 (session 12:
# 0.711 / 0.87).
LOCO_FLOORS = {"recall": 0.73, "precision": 0.86}


@pytest.fixture(scope="module")
def dev_report(requirement) -> EvaluationReport:  # type: ignore[no-untyped-def]
    if not (DEV_DIR / "docs" / "manifest.yaml").is_file():
        requirement(f"the development set is not at {DEV_DIR} (shared/ is not beside the "
                    "repository)")
    result, _ = evaluate_corpus(DEV_DIR / "docs", DEV_DIR / "gold")
    return result


def test_dev_gold_is_exhaustive(dev_report: EvaluationReport) -> None:
    assert dev_report.exhaustive


@pytest.mark.parametrize("metric", sorted(DEV_FLOORS))
def test_dev_floor(dev_report: EvaluationReport, metric: str) -> None:
    value = getattr(dev_report.overall(), metric)
    assert value is not None and value >= DEV_FLOORS[metric], dev_report.table()


@pytest.mark.parametrize("metric", sorted(LOCO_FLOORS))
def test_leave_one_council_out_floor_of_the_committed_model(metric: str) -> None:
    from carekg.loaders.kind_model import default_model

    model = default_model()
    assert model is not None, "the loaders ship a trained kind model"
    held_out = model.meta["leave_one_council_out"]["dev/gold"]  # type: ignore[index]
    assert held_out[metric] >= LOCO_FLOORS[metric], held_out
