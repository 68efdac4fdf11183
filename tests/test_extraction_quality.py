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
# Extracted facts beyond this many per gold fact mean the loaders have started emitting
# noise again (reached: 616 facts for 198 gold facts).
MAX_FACTS_PER_GOLD = 3.3


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


def test_extraction_is_not_a_fact_per_number(report: EvaluationReport) -> None:
    overall = report.overall()
    assert overall.extracted <= MAX_FACTS_PER_GOLD * overall.gold, report.table()
