"""The learned fact-kind gate: its model file, its decisions, its generic readers, and
``carekg train`` on a small invented corpus (the real training data are ../shared's gold
files; the test of the committed model's reproducibility is in test_train_committed.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from carekg.errors import InputError
from carekg.loaders.extract import SentenceReading, gate
from carekg.loaders.extract.common import SentenceView
from carekg.loaders.extract.fallback import fallback_candidates
from carekg.loaders.kind_model import KindModel, KindWeights, decide
from carekg.loaders.model import DocumentRecord, Section, Sentence
from carekg.loaders.sentence_features import sentence_features, stem, tokens

RECORD = DocumentRecord(id="doc", path=Path("doc.txt"), title="Care market statement",
                        councils=("E06000001",), kind="market-position-statement",
                        issued="2024-05")


def _sentence(text: str, heading: str | None = None, **flags: bool) -> Sentence:
    section = Section(heading, 2, 0, 10_000) if heading else None
    return Sentence(text, 50, 50 + len(text), section=section, **flags)


def _view(text: str, heading: str | None = None, **flags: bool) -> SentenceView:
    return SentenceView.of(_sentence(text, heading, **flags), RECORD)


def _model(**kinds: tuple[float, dict[str, float], float, float]) -> KindModel:
    return KindModel({k: KindWeights(b, w, keep, add) for k, (b, w, keep, add) in kinds.items()})


# -- features ---------------------------------------------------------------------------

def test_figures_and_council_names_are_not_features() -> None:
    words = tokens("Hartlepool spends £2.5m on 120 beds in 2023, 15% more")
    assert words[:2] == ["<council>", "spends"]
    assert "<money>" in words and "<int>" in words and "<year>" in words and "<pct>" in words
    assert not any(w[0].isdigit() for w in words)


def test_forms_of_a_word_share_a_stem() -> None:
    assert stem("procured") == stem("procurement") == stem("procuring") == "procur"
    assert stem("care") == "care"


def test_features_describe_layout_context_and_rules() -> None:
    sentence = _sentence("Approve the consultation on day services", "Decisions",
                         is_list_item=True)
    features = sentence_features(sentence, RECORD, ("Cabinet report",), {"Spend"},
                                 "The cabinet is asked to:")
    assert "layout:item" in features and "rule:Spend" in features
    assert "cue:opens-with-course-verb" in features
    assert {f"h:{stem('decisions')}", "c:cabinet", "li:cabinet"} <= set(features)


# -- the model file ---------------------------------------------------------------------

def test_a_model_round_trips_through_its_file(tmp_path: Path) -> None:
    model = _model(Spend=(-1.0, {"has:money": 3.0}, 0.2, 0.8))
    path = tmp_path / "m.json"
    model.save(path)
    again = KindModel.load(path)
    assert again.kinds["Spend"].weights == {"has:money": 3.0}
    assert again.thresholds == {"Spend": (0.2, 0.8)}
    assert again.probabilities(["has:money"])["Spend"] > 0.8 > again.probabilities([])["Spend"]


@pytest.mark.parametrize("content", ["not json", json.dumps({"format": 99, "kinds": {}}),
                                     json.dumps({"format": 1, "kinds": {"Nonsense": {}}})])
def test_a_bad_model_file_is_an_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        KindModel.load(path)


# -- decisions --------------------------------------------------------------------------

def test_rules_pass_at_keep_and_the_model_adds_at_add() -> None:
    thresholds = {"Spend": (0.3, 0.9), "Capacity": (0.3, 0.9)}
    probabilities = {"Spend": 0.5, "Capacity": 0.5}
    assert decide(probabilities, {"Spend"}, thresholds) == {"Spend"}
    assert decide({"Spend": 0.1, "Capacity": 0.95}, {"Spend"}, thresholds) == {"Capacity"}


def test_provision_and_need_compete_unless_rules_read_both() -> None:
    thresholds = {"Capacity": (0.0, 0.5), "NeedEstimate": (0.0, 0.5)}
    high_need = {"Capacity": 0.6, "NeedEstimate": 0.9}
    assert decide(high_need, set(), thresholds) == {"NeedEstimate"}
    # a kind a rule read is not displaced by one the model only proposes
    assert decide(high_need, {"Capacity"}, thresholds) == {"Capacity"}
    assert decide(high_need, {"Capacity", "NeedEstimate"}, thresholds) == {
        "Capacity", "NeedEstimate"}


def test_the_gate_drops_unlikely_rule_facts_and_reads_likely_ones() -> None:
    sentence = _sentence("The framework contract for home care ends on 31 March 2027.")
    model = _model(ContractEvent=(-5.0, {"cue:contract": 10.0}, 0.5, 0.9))
    facts = gate(model, SentenceReading(sentence, (), "", (), []), RECORD)
    assert [(f.kind, f.event_type, f.period_end.isoformat()) for f in facts] == [
        ("ContractEvent", "expiry", "2027-03-31")]
    unlikely = _model(ContractEvent=(-9.0, {}, 0.5, 0.9))
    assert gate(unlikely, SentenceReading(sentence, (), "", (), facts), RECORD) == []


# -- generic readers ------------------------------------------------------------------------

def test_an_event_needs_a_date_and_something_contractual() -> None:
    assert fallback_candidates(_view("Cabinet met on 4 March 2025 at the town hall."),
                               "ContractEvent") == []
    assert fallback_candidates(_view("The tender for day care closes on 4 March 2025."),
                               "ContractEvent")[0].event_type == "tender"
    grant = _view("Approve the award of a grant to a day centre for 1 May 2026 to 31 March 2027.",
                  heading="Day care contracts")
    assert fallback_candidates(grant, "ContractEvent") == []


def test_a_pages_publication_date_is_no_event_outside_a_notice() -> None:
    stamp = "Published: 6 May 2025 (tender for day services)"
    assert fallback_candidates(_view(stamp, heading="News: day services"),
                               "ContractEvent") == []
    assert fallback_candidates(_view(stamp, heading="Day services framework"),
                               "ContractEvent")[0].event_type == "tender"


def test_a_count_reads_each_figure_that_is_no_date_or_money() -> None:
    facts = fallback_candidates(_view("Supported living tenancies 140 (2024)"), "Capacity")
    assert [(f.value, f.unit) for f in facts] == [(Decimal(140), "units")]


def test_spend_is_read_only_from_amounts_that_can_be_spend() -> None:
    """A unit price or a decision threshold is no spend, whichever reader meets it."""
    assert fallback_candidates(_view("Our usual fee for home care in 2025 is £655.00 per week."),
                               "Spend") == []
    assert fallback_candidates(_view("A key decision is one that commits £350,000 or more to "
                                     "home care."), "Spend") == []
    (fact,) = fallback_candidates(_view("We budget £350,000 for home care in 2025."), "Spend")
    assert fact.value == Decimal(350000)


def test_a_strategy_is_named_by_its_capitalised_title() -> None:
    facts = fallback_candidates(
        _view("In spring the board adopted the Ageing Well Carers Strategy for the county."),
        "StrategyReference")
    assert facts[0].title == "Ageing Well Carers Strategy"


def test_an_intention_is_read_only_with_the_direction_its_words_name() -> None:
    """No default direction: one was wrong more often than right, and intentions are
    compared across councils by their direction."""
    assert fallback_candidates(_view("Agree the approach to shared lives set out above."),
                               "CommissioningIntention") == []
    (fact,) = fallback_candidates(_view("Reduce the use of short stays in hospital beds."),
                                  "CommissioningIntention")
    assert fact.direction == "Decrease"


def test_need_has_no_generic_reader() -> None:
    assert fallback_candidates(_view("About 2,000 people will live with dementia by 2030."),
                               "NeedEstimate") == []


# -- carekg train on an invented corpus ---------------------------------------------------

_DOCS = {
    # council: lines; every other line states an intention the gold lists
    "Hartlepool": ["We will expand extra care housing in the north of the town.",
                   "The weather in the town was mild last spring.",
                   "Our aim is to develop more shared lives carers.",
                   "The library opens at nine on weekdays."],
    "Darlington": ["We will grow supported living for younger adults.",
                   "The market square hosts a fair in summer.",
                   "Our aim is to increase respite for carers.",
                   "A new bus route opened in the west of the borough."],
    "Stockton-on-Tees": ["We will reduce the use of residential care beds.",
                         "The river festival drew large crowds.",
                         "Our aim is to review day services for older people.",
                         "Parking charges are set by another department."],
}


def _invented_corpus(root: Path, exhaustive: bool = True) -> tuple[Path, Path]:
    corpus, gold = root / "corpus", root / "gold"
    corpus.mkdir()
    gold.mkdir()
    entries = []
    for n, (council, lines) in enumerate(_DOCS.items()):
        doc = f"doc-{n}"
        (corpus / f"{doc}.txt").write_text("# Plans\n\n" + "\n\n".join(lines) + "\n",
                                           encoding="utf-8")
        entries.append(f"  - id: {doc}\n    file: {doc}.txt\n    title: Plans of {council}\n"
                       f"    councils: [{council}]\n    kind: market-position-statement\n"
                       f"    issued: \"2024\"\n")
        facts = [{"id": f"{doc}-{i}", "council": council, "type": "intention",
                  "service": None, "value": None, "unit": None, "date": None,
                  "direction": None, "quote": line}
                 for i, line in enumerate(lines) if i % 2 == 0]
        (gold / f"{doc}.jsonl").write_text("".join(json.dumps(f) + "\n" for f in facts),
                                           encoding="utf-8")
    (corpus / "manifest.yaml").write_text("documents:\n" + "\n".join(entries), encoding="utf-8")
    if exhaustive:
        (gold / "exhaustive").write_text("exhaustive: true\n", encoding="utf-8")
    return corpus, gold


def test_train_writes_a_reproducible_model_measured_leave_one_council_out(
        tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (the test extra)")
    from carekg.loaders.train import train

    corpus, gold = _invented_corpus(tmp_path)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    model, reports = train([(corpus, gold)], first)
    train([(corpus, gold)], second)
    assert first.read_bytes() == second.read_bytes()
    assert set(model.trained_on) == {"doc-0", "doc-1", "doc-2"}
    (report,) = reports.values()
    assert report.exhaustive and report.overall().gold == 6
    assert report.overall().precision is not None
    held_out = json.loads(first.read_text(encoding="utf-8"))["meta"]["leave_one_council_out"]
    assert held_out["/".join(gold.resolve().parts[-2:])]["gold"] == 6
    # a word seen in one council's document only is not learnt from
    weights = model.kinds["CommissioningIntention"].weights
    assert not any("weather" in name or "librar" in name for name in weights)


def test_train_refuses_a_missing_gold_folder(tmp_path: Path) -> None:
    from carekg.errors import CarekgError
    from carekg.loaders.train import train

    corpus, _ = _invented_corpus(tmp_path)
    with pytest.raises(CarekgError, match="no such gold directory"):
        train([(corpus, tmp_path / "nowhere")], None)


def test_carekg_train_names_a_malformed_data_argument(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    from carekg.cli import main

    assert main(["train", "--data", "corpus-without-gold"]) == 2
    assert "CORPUS_DIR:GOLD_DIR" in capsys.readouterr().err


def test_a_run_of_text_no_segmenter_split_gets_no_generic_reading() -> None:
    from carekg.loaders.kind_model import MAX_GATED_CHARS

    run = "Home care places 12 " * (MAX_GATED_CHARS // 10)
    assert fallback_candidates(_view(run), "Capacity") == []
    assert fallback_candidates(_view(run[:200]), "Capacity")
    always = _model(Capacity=(9.0, {}, 0.0, 0.0))
    assert gate(always, SentenceReading(_sentence(run), (), "", (), []), RECORD) == []


def test_a_notices_identifier_dates_no_event() -> None:
    view = _view("UK4: Tender notice for home care. Notice identifier: 2026/S 000-012345",
                 heading="Home care framework")
    assert view.periods == []
    assert fallback_candidates(view, "ContractEvent") == []
