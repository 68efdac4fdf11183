"""Segmenting: headings, sections, list items, table rows and sentences with exact spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from carekg.loaders.model import DocumentText, Sentence
from carekg.loaders.read import read_document
from carekg.loaders.segment import segment
from carekg.resources import corpus_dir


def _segment(text: str) -> list[Sentence]:
    sentences = segment(DocumentText(text, "text/plain"))
    _check_spans(text, sentences)
    return sentences


def _check_spans(text: str, sentences: list[Sentence]) -> None:
    previous_end = 0
    for sentence in sentences:
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert sentence.start >= previous_end, "sentences overlap or are out of order"
        assert text[sentence.start:sentence.end] == sentence.text
        previous_end = sentence.end


def _by_plain(sentences: list[Sentence]) -> dict[str, Sentence]:
    return {s.plain: s for s in sentences}


def test_markdown_and_numbered_headings_make_sections() -> None:
    text = ("# Widgetshire plan\n\n## 4. Resources\n\nWe pay for things. More follows.\n\n"
            "4.2 Home care\n\nHome care costs a lot in our area.\n")
    sentences = _by_plain(_segment(text))
    assert sentences["Widgetshire plan"].is_heading
    assert sentences["We pay for things."].section.title == "4. Resources"
    assert sentences["More follows."].section.title == "4. Resources"
    care = sentences["Home care costs a lot in our area."]
    assert care.section.title == "4.2 Home care"
    assert care.section.titles[-1] == "Widgetshire plan"


def test_abbreviations_decimals_and_numbers_do_not_end_sentences() -> None:
    text = ("We spend c. £1.5m on day care, e.g. in centres, approx. 20 sites. "
            "See No. 4 for detail. The budget is £0.75m. It rose in 2020.\n")
    plains = [s.plain for s in _segment(text)]
    assert plains == [
        "We spend c. £1.5m on day care, e.g. in centres, approx. 20 sites.",
        "See No. 4 for detail.",
        "The budget is £0.75m.",
        "It rose in 2020.",
    ]


def test_bullets_and_table_rows() -> None:
    text = ("Our priorities are:\n\n- Grow shared lives. Then review it.\n"
            "• Reduce residential placements\n(3) Procure a new service\n\n"
            "Service\tBudget\tYear\nDay care\t£2m\t2021/22\n")
    sentences = _segment(text)
    items = [s.plain for s in sentences if s.is_list_item]
    assert items == ["Grow shared lives.", "Then review it.",
                     "Reduce residential placements", "Procure a new service"]
    rows = [s for s in sentences if s.is_table_row]
    assert [r.text for r in rows] == ["Service\tBudget\tYear", "Day care\t£2m\t2021/22"]


def test_short_title_lines_and_lead_ins_name_sections() -> None:
    text = ("Current provision\n\nThere are 12 homes in the area. Most are small.\n\n"
            "Key commissioning aspirations\n\nWe will build two more homes.\n\n"
            "Night Support – The council will retender this service in 2024. "
            "It is valued highly.\n\nGarden Services: We fund a scheme.\n")
    sentences = _by_plain(_segment(text))
    assert sentences["Current provision"].is_heading
    assert sentences["Most are small."].section.title == "Current provision"
    assert sentences["We will build two more homes."].section.title == (
        "Key commissioning aspirations")
    assert sentences["It is valued highly."].section.title == "Night Support"
    assert sentences["It is valued highly."].section.parent.title == (
        "Key commissioning aspirations")
    assert sentences["Garden Services: We fund a scheme."].section.title == "Garden Services"


def test_unbulleted_run_of_short_lines_is_a_list_not_headings() -> None:
    text = "Our aims include:\nKeeping people well\nSupporting carers\nWorking together\n"
    sentences = _segment(text)
    assert [s.plain for s in sentences if s.is_list_item] == [
        "Keeping people well", "Supporting carers", "Working together"]
    assert not any(s.is_heading for s in sentences)


def test_pdf_style_wraps_join_across_lines_and_hyphens() -> None:
    body = []
    for n in range(12):
        body.append(f"Line {n} of a long paragraph that keeps going and going across the "
                    f"page wid-")
        body.append("th without stopping at all, and then it ends here. ")
    text = "\n\n".join(body) + "\n"
    sentences = _segment(text)
    first = sentences[0]
    assert first.plain.startswith("Line 0 of a long paragraph")
    assert "width without stopping" in first.plain
    assert first.plain.endswith("ends here.")
    assert "\n\n" in first.text
    start, end = first.span(first.plain.index("width"), first.plain.index("width") + 5)
    assert text[start:end] == "wid-\n\nth"


def test_headings_need_body_after_them() -> None:
    text = "The service\nis run by volunteers who give their time freely.\n"
    sentences = _segment(text)
    assert len(sentences) == 1 and not sentences[0].is_heading


@pytest.mark.parametrize("path", sorted(corpus_dir().glob("*.txt")), ids=lambda p: p.stem)
def test_spans_on_bundled_corpus(path: Path) -> None:
    document = read_document(path)
    sentences = segment(document)
    assert len(sentences) > 50
    _check_spans(document.text, sentences)
    for sentence in sentences:
        if sentence.section is not None:
            assert sentence.section.start <= sentence.start
