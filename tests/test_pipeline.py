"""The pipeline runs every stage on one document and reports timings and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.namespace import RDF

from carekg.errors import InputError
from carekg.iris import Iris
from carekg.loaders.model import DocumentRecord
from carekg.loaders.pipeline import STAGES, load_document

IRIS = Iris()


def _record(path: Path) -> DocumentRecord:
    return DocumentRecord(path.stem, path, "Test", ("E09000019",), "other", "2022")


def test_document_without_facts_is_recorded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "quiet.txt"
    path.write_text("Hello there.\n\nNothing to see in this note.\n", encoding="utf-8")
    calls: list[tuple[str, str]] = []
    loaded = load_document(_record(path), IRIS,
                           on_stage=lambda doc, stage, seconds, chars, facts:
                           calls.append((doc, stage)))
    assert [stage for _, stage in calls] == list(STAGES)
    assert set(loaded.timings) == set(STAGES)
    assert loaded.candidates == []
    assert any("no facts" in w for w in loaded.warnings)
    assert (IRIS.document("quiet"), RDF.type, IRIS.term("Document")) in loaded.graph
    assert [s.plain for s in loaded.sentences] == ["Hello there.", "Nothing to see in this note."]
    assert all(s.councils == ("E09000019",) for s in loaded.sentences)


def test_bad_input_raises_before_anything_is_made(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_document(_record(path), IRIS)


def test_facts_have_evidence_inside_the_text(tmp_path: Path) -> None:
    path = tmp_path / "spend.txt"
    path.write_text("Home care\n\nThe Council spends £2.5m per annum on home care. "
                    "We will increase extra care housing by 2025.\n", encoding="utf-8")
    loaded = load_document(_record(path), IRIS)
    for candidate in loaded.candidates:
        assert 0 <= candidate.start < candidate.end <= len(loaded.text.text)
    assert loaded.fact_count >= len({(c.kind, c.start, c.end) for c in loaded.candidates})


def test_a_projection_of_this_number_counts_the_group_the_sentence_before_names(
        tmp_path: Path) -> None:
    path = tmp_path / "needs.txt"
    path.write_text("Needs\n\nThere are about 1,250 older people receiving home care (March "
                    "2024). Based on ONS projections this number is predicted to rise by 8% "
                    "to 1,350 people by 2030.\n", encoding="utf-8")
    needs = [c for c in load_document(_record(path), IRIS).candidates
             if c.kind == "NeedEstimate" and c.is_projection]
    assert needs and {c.population_group for c in needs} == {"older-people"}



def test_rows_of_a_table_of_people_waiting_count_need_after_their_age_band(
        tmp_path: Path) -> None:
    # the caption says whom the rows count: people waiting for a service, so each row's
    # one count (its share aside) is a need for that service, and an age band's figures
    # are ages, not counts
    path = tmp_path / "waiting.txt"
    path.write_text("## Supported living\n\nIn March 2024 there were 60 people waiting for "
                    "supported living.\n\nNumber of people waiting for supported living by "
                    "age\nAge band Number %\nUnder 25 15 25%\n25 to 64 40 67%\nOver 64 5 8%\n",
                    encoding="utf-8")
    loaded = load_document(_record(path), IRIS)
    rows = [(c.kind, c.value, c.service) for c in loaded.candidates
            if loaded.text.text[c.start:c.end].strip()[:1] in ("U", "2", "O")]
    assert sorted(rows) == sorted([("NeedEstimate", 15, "supported-living"),
                                   ("NeedEstimate", 40, "supported-living"),
                                   ("NeedEstimate", 5, "supported-living")])
