"""Evaluation arithmetic on synthetic gold, and the real corpus against shared gold."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from carekg.loaders.evaluate import (
    QUERY_VARIABLES,
    FactRow,
    ServiceLabels,
    evaluate,
    evaluate_corpus,
    evaluation_query,
    rows_from_results,
)
from carekg.resources import corpus_dir

TEXT = ("We spend £2m on home care. We will grow shared lives. The hostel has 40 beds. "
        "We spend £2m on home care.")
H, K, W = "E09000013", "E09000020", "E09000033"
SERVICES = ServiceLabels({"home-care": {"home care", "domiciliary care"},
                          "shared-lives": {"shared lives"}, "hostels": {"hostels"}},
                         {"hostels": {"housing"}, "housing": set()})


def _gold(tmp_path: Path, *facts: dict[str, object]) -> Path:
    lines = [json.dumps({"id": f"t-{n}", "service": None, "value": None, "unit": None,
                         "date": None, "direction": None, **fact})
             for n, fact in enumerate(facts, start=1)]
    (tmp_path / "doc.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _span(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def test_recall_and_accuracies_are_exact(tmp_path: Path) -> None:
    gold = _gold(
        tmp_path,
        {"council": "Westminster", "type": "spend", "service": "home care", "value": 2000000,
         "quote": "We spend £2m on home care."},
        {"council": "Westminster", "type": "intention", "service": "shared lives",
         "direction": "increase", "quote": "grow shared lives"},
        {"council": "Tri-borough", "type": "quantity", "service": "housing", "value": 40,
         "quote": "40 beds"},
        {"council": "Hammersmith and Fulham", "type": "quantity", "value": 40,
         "quote": "40 beds"},
    )
    spend = _span("We spend £2m on home care.")
    facts = [
        FactRow("doc", "Spend", W, *spend, Decimal("2000000"), "home-care"),
        FactRow("doc", "Spend", W, *spend, Decimal("3"), "home-care"),  # the other is chosen
        FactRow("doc", "CommissioningIntention", W, *_span("We will grow shared lives."),
                None, "home-care", "maintain"),
        FactRow("doc", "Capacity", K, *_span("The hostel has 40 beds."), Decimal("40"),
                "hostels"),
        # the same quote later in the text: gold quotes mean the first occurrence
        FactRow("doc", "Spend", H, TEXT.rindex("We spend"), len(TEXT), Decimal("2000000")),
    ]
    report = evaluate({"doc": facts}, gold, {"doc": TEXT}, services=SERVICES)
    overall = report.overall()
    assert (overall.gold, overall.found) == (4, 3)
    assert report.missed == {"doc": ["t-4"]}  # H&F capacity: only K&C has one
    assert (overall.value_total, overall.value_right) == (2, 2)
    assert (overall.service_total, overall.service_right) == (3, 2)  # intention's is wrong
    assert (overall.direction_total, overall.direction_right) == (1, 0)
    assert overall.extracted == 5
    assert report.by_kind()["Spend"].recall == 1.0
    assert report.by_kind()["Capacity"].recall == 0.5
    assert "t-2" in report.wrong
    table = report.table()
    assert "CommissioningIntention" in table and "0.75 (4)" in table
    assert json.loads(json.dumps(report.to_json(), default=str))["overall"]["found"] == 3


def test_joint_facts_are_counted_per_kind_without_changing_the_metrics(
        tmp_path: Path) -> None:
    gold = _gold(tmp_path, {"council": "Westminster", "type": "spend", "value": 2000000,
                            "service": "home care", "quote": "We spend £2m on home care."})
    spend = _span("We spend £2m on home care.")
    beds = _span("The hostel has 40 beds.")
    plain = [FactRow("doc", "Spend", W, *spend, Decimal("2000000"), "home-care"),
             FactRow("doc", "Capacity", W, *beds, Decimal("40"), "hostels")]
    joint = [FactRow("doc", "Spend", council, *spend, Decimal("2000000"), "home-care",
                     joint=True) for council in (W, K)] + plain[1:]
    before = evaluate({"doc": plain}, gold, {"doc": TEXT}, services=SERVICES)
    after = evaluate({"doc": joint}, gold, {"doc": TEXT}, services=SERVICES)
    assert before.overall().joint == 0
    assert (after.by_kind()["Spend"].joint, after.by_kind()["Capacity"].joint) == (2, 0)
    assert (after.overall().extracted, after.overall().joint) == (3, 2)
    assert (after.overall().recall, after.overall().value_accuracy) == (1.0, 1.0)
    assert after.table().splitlines()[0].split()[-2:] == ["extracted", "joint"]
    assert after.to_json()["by_kind"]["Spend"]["joint"] == 2  # type: ignore[index]


def test_wrong_council_or_kind_is_not_found(tmp_path: Path) -> None:
    gold = _gold(tmp_path, {"council": "Westminster", "type": "spend", "value": 2000000,
                            "quote": "We spend £2m on home care."})
    span = _span("We spend £2m on home care.")
    facts = [FactRow("doc", "Spend", K, *span, Decimal("2000000")),
             FactRow("doc", "Capacity", W, *span, Decimal("2000000"))]
    report = evaluate({"doc": facts}, gold, {"doc": TEXT}, services=SERVICES)
    assert report.overall().found == 0


def test_need_service_words_may_name_the_population_group(tmp_path: Path) -> None:
    text = "About 900 people with dementia live here. Some 300 carers look after them."
    gold = _gold(
        tmp_path,
        {"council": "Westminster", "type": "need", "service": "dementia",
         "quote": "About 900 people with dementia live here."},
        {"council": "Westminster", "type": "need", "service": "carers support",
         "quote": "Some 300 carers look after them."},
        {"council": "Westminster", "type": "need", "service": "dementia",
         "quote": "Some 300 carers look after them."},
    )
    groups = ServiceLabels({"dementia": {"people living with dementia", "dementia"},
                            "carers": {"unpaid carers", "carers"}})
    first, second = text.index("About"), text.index("Some")
    facts = [FactRow("doc", "NeedEstimate", W, first, second - 1, population="dementia"),
             FactRow("doc", "NeedEstimate", W, second, len(text), population="carers")]
    report = evaluate({"doc": facts}, gold, {"doc": text}, services=SERVICES,
                      populations=groups)
    score = report.by_kind()["NeedEstimate"]
    assert (score.service_total, score.service_right) == (3, 2)  # the third names another
    assert "t-3" in report.wrong


def test_rows_from_store_results() -> None:
    base = "https://w3id.org/carekg/"
    row = (f"{base}id/fact/doc/spend-1-abc", f"{base}def#Spend", f"{base}id/council/{W}",
           f"{base}id/document/doc", "3", "9", "2000000", f"{base}id/service/home-care",
           None)
    (fact,) = rows_from_results([row])
    assert fact == FactRow("doc", "Spend", W, 3, 9, Decimal("2000000"), "home-care", None,
                           f"{base}id/fact/doc/spend-1-abc")
    (same,) = rows_from_results([dict(zip(QUERY_VARIABLES, (*row, None, None), strict=True))])
    assert same == fact
    (joint,) = rows_from_results([(*row, None, "true")])
    assert joint.joint and not fact.joint
    assert "?start" in evaluation_query()


def test_bundled_corpus_against_shared_gold(gold_dir: Path) -> None:
    report, loaded = evaluate_corpus(corpus_dir(), gold_dir)
    print()
    print(report.table())
    assert report.overall().gold > 100
    assert len(loaded) == 5
    # the joint marker: never on a single-council document, and on a share of the facts
    # of the several-council ones (the tri-borough statement names no borough in most)
    by_document = report.by_document()
    for doc in loaded:
        if len(doc.record.councils) == 1:  # type: ignore[attr-defined]
            assert by_document[doc.record.id].joint == 0  # type: ignore[attr-defined]
    assert 0 < report.overall().joint < report.overall().extracted


def test_exhaustive_gold_measures_precision_and_lists_what_it_does_not_support(
        tmp_path: Path) -> None:
    from carekg.loaders.evaluate import errors_text, is_exhaustive

    gold = _gold(tmp_path, {"council": "Westminster", "type": "spend", "value": 2000000,
                            "service": "home care", "quote": "We spend £2m on home care."})
    facts = [FactRow("doc", "Spend", W, *_span("We spend £2m on home care."),
                     Decimal("2000000"), "home-care"),
             FactRow("doc", "Capacity", W, *_span("The hostel has 40 beds."), Decimal("40"),
                     "hostels"),
             # right sentence, wrong kind: no support
             FactRow("doc", "CommissioningIntention", W,
                     *_span("We spend £2m on home care."), None, "home-care", "increase")]
    assert not is_exhaustive(gold)
    partial = evaluate({"doc": facts}, gold, {"doc": TEXT}, services=SERVICES)
    assert partial.overall().precision is None and partial.unsupported == {}
    (gold / "exhaustive").write_text("exhaustive: true\n", encoding="utf-8")
    assert is_exhaustive(gold)
    report = evaluate({"doc": facts}, gold, {"doc": TEXT}, services=SERVICES)
    overall = report.overall()
    assert (overall.extracted, overall.supported) == (3, 1)
    assert overall.precision == pytest.approx(1 / 3)
    assert overall.f1 == pytest.approx(2 * 1 * (1 / 3) / (1 + 1 / 3))
    assert report.by_kind()["Spend"].precision == 1.0
    assert report.by_kind()["Capacity"].precision == 0.0
    assert [f.kind for f in report.unsupported["doc"]] == ["Capacity",
                                                           "CommissioningIntention"]
    listing = errors_text(report, gold, {"doc": TEXT})
    assert "unsupported\tdoc\tCapacity\t40 hostels\tThe hostel has 40 beds." in listing
    assert report.to_json()["overall"]["precision"] == pytest.approx(1 / 3)  # type: ignore


def test_a_readme_that_says_so_marks_gold_exhaustive(tmp_path: Path) -> None:
    from carekg.loaders.evaluate import is_exhaustive

    (tmp_path / "gold").mkdir()
    (tmp_path / "README.md").write_text("Gold for ten councils: **this gold is exhaustive**.\n",
                                        encoding="utf-8")
    assert is_exhaustive(tmp_path / "gold")
    (tmp_path / "README.md").write_text("Hand-checked facts; not exhaustive.\n",
                                        encoding="utf-8")
    assert not is_exhaustive(tmp_path / "gold")


def test_words_in_parentheses_qualify_the_gold_service() -> None:
    # the service is the words outside the parentheses; a broader concept stays wrong
    labels = ServiceLabels({"day-opportunities": {"day opportunities"},
                            "care-homes": {"care homes"}, "residential-care": {"residential care"}},
                           {"residential-care": {"care-homes"}})
    assert labels.matches("day-opportunities", "day opportunities (people with dementia)")
    assert labels.matches("residential-care", "residential care (older adults, in-house)")
    assert not labels.matches("care-homes", "residential care (older adults)")
    assert not labels.matches("day-opportunities", "home care (day opportunities)")
