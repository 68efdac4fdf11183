"""The synthetic corpus generator of bench/: deterministic, readable by the real loaders,
its planted facts quoted exactly, and a small corpus builds with its facts found."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from carekg.config import Settings
from carekg.councils import default_register
from carekg.graph.build import build
from carekg.graph.store import StoreDir
from carekg.loaders.evaluate import GOLD_TYPES, evaluate_store
from carekg.loaders.manifest import read_manifest

GENERATOR = Path(__file__).resolve().parents[1] / "bench" / "generate.py"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(generate: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate.write_corpus(generate.generate(2, seed=7), out)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_text(generate: ModuleType,
                                                    tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate.write_corpus(generate.generate(3, seed=seed), tmp_path / name)
    first, again, other = (_files(tmp_path / n) for n in "abc")
    assert first == again
    assert first != other


def test_five_documents_per_council_and_repeats_get_their_own_ids(
        generate: ModuleType) -> None:
    size = len(default_register().councils)
    docs = generate.generate(size + 2, seed=1)
    assert len(docs) == 5 * (size + 2)
    assert len({d.id for d in docs}) == len(docs)
    # every council of the register appears before any council repeats
    first_round = {d.council.gss_code for d in docs[: 5 * size]}
    assert len(first_round) == size


def test_manifest_reads_and_every_quote_is_in_its_text(corpus: Path) -> None:
    records = read_manifest(corpus, default_register())
    assert len(records) == 10
    kinds = {r.kind for r in records}
    assert kinds == {"market-position-statement", "commissioning-strategy", "cabinet-report"}
    for record in records:
        text = record.path.read_text(encoding="utf-8")
        lines = (corpus / "planted" / f"{record.id}.jsonl").read_text(
            encoding="utf-8").splitlines()
        facts = [json.loads(line) for line in lines]
        assert facts, record.id
        assert {f["type"] for f in facts} <= set(GOLD_TYPES)
        for fact in facts:
            assert fact["quote"] in text, fact["id"]
            if fact["value"] is not None and fact["type"] == "spend":
                assert isinstance(fact["value"], int) and fact["value"] > 0
            assert (fact["direction"] is None) == (fact["type"] != "intention")
            default_register().resolve(fact["council"])


def test_two_councils_build_and_the_planted_facts_are_found(corpus: Path,
                                                              tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "store")
    report = build(corpus, settings)
    assert report.documents == 10
    snapshot = StoreDir(settings.store).open()

    def text_of(doc_id: str) -> str:
        text = snapshot.text_of(doc_id)
        if text is None:
            raise KeyError(doc_id)
        return text

    evaluation = evaluate_store(lambda q: snapshot.query(q), corpus / "planted", text_of)
    overall = evaluation.overall()
    assert overall.gold >= 150
    # The synthetic genre is regular, so recall is far above the real corpus's floor;
    # a fall here means the generator or the loaders changed what they agree on.
    assert overall.recall is not None and overall.recall >= 0.9
    for kind, score in evaluation.by_kind().items():
        assert score.gold > 0, kind
        assert score.recall is not None and score.recall >= 0.75, kind
    assert overall.value_accuracy is not None and overall.value_accuracy >= 0.9
