"""Counts in rows of flattened tables (invented rows and headings)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from carekg.loaders.extract.common import SentenceView
from carekg.loaders.extract.table_rows import extract_table_counts
from carekg.loaders.model import DocumentRecord, Section, Sentence

RECORD = DocumentRecord(id="doc", path=Path("doc.txt"), title="Care market statement",
                        councils=("E06000001",), kind="market-position-statement",
                        issued="2024-05")


def _row(text: str, heading: str, header: str | None = None) -> list[tuple[object, ...]]:
    sentence = Sentence(text, 0, len(text), section=Section(heading, 2, 0, 999),
                        is_table_row=True, header=header)
    return [(c.kind, c.value, c.unit, c.service)
            for c in extract_table_counts(SentenceView.of(sentence, RECORD))]


def test_a_row_counts_what_its_heading_names() -> None:
    assert _row("Ashby: 12", "Extra care housing flats by town") == [
        ("Capacity", Decimal(12), "units", "extra-care-housing")]


def test_the_header_gives_the_unit_and_the_label_the_service() -> None:
    assert _row("Nursing care | 61 |", "Homes in the county", "Type | Number of beds |") == [
        ("Capacity", Decimal(61), "beds", "nursing-care")]


def test_rows_of_need_money_or_no_provision_are_left_alone() -> None:
    assert _row("People aged 65+ | 4,100 |", "Projected population by 2030") == []
    assert _row("Home care | £1,200,000 |", "Budget") == []
    assert _row("Town hall visitors: 300", "Visitors by month") == []


def test_a_distant_heading_of_demand_does_not_make_a_table_of_homes_need() -> None:
    sentence = Sentence("Nursing, frail elderly | 44 |", 0, 28,
                        section=Section("Table 2: care homes by client type", 2, 0, 999),
                        is_table_row=True, header="Registered for | Homes |")
    view = SentenceView.of(sentence, RECORD, ("Supply and demand",))
    assert [(c.value, c.unit) for c in extract_table_counts(view)] == [(Decimal(44), "homes")]


def test_a_label_opening_with_a_care_home_kind_counts_that_kind() -> None:
    assert _row("Nursing, frail elderly | 44 |", "Homes by registration",
                "Registered for | Homes |") == [
        ("Capacity", Decimal(44), "homes", "nursing-care")]
    assert _row("Residential - autism | 12 |", "Homes by registration",
                "Registered for | Homes |") == [
        ("Capacity", Decimal(12), "homes", "residential-care")]


def test_each_figure_of_a_row_counts_what_its_column_names() -> None:
    header = "Current services\nDistrict | Group | Number of schemes | Number of flats |"
    assert _row("Extra care housing | Older people | 9 | 410 |", "Current services",
                header) == [("Capacity", Decimal(9), "homes", "extra-care-housing"),
                            ("Capacity", Decimal(410), "units", "extra-care-housing")]
    # without named columns, only the first figure is read
    assert len(_row("Extra care housing | Older people | 9 | 410 |", "Current services")) == 1


def test_a_row_of_a_table_of_need_is_read_by_its_year_columns() -> None:
    sentence = Sentence("Severe dementia | 400 | 460 | +15.0% |", 0, 38,
                        section=Section("Demography", 2, 0, 999), is_table_row=True,
                        header="Table 2. Predicted prevalence of dementia\n"
                               "People aged 65 and over predicted to have:"
                               " | 2025 | 2030 | Change |")
    found = [(c.kind, c.value, c.unit, c.period_label, c.population_group)
             for c in extract_table_counts(SentenceView.of(sentence, RECORD))]
    group = "people-living-with-dementia"
    assert found == [("NeedEstimate", Decimal(400), "people", "2025", group),
                     ("NeedEstimate", Decimal(460), "people", "2030", group),
                     ("NeedEstimate", Decimal("15.0"), "percent", None, group)]


def test_a_row_laid_out_with_spaces_is_read_by_its_headers_columns() -> None:
    # a PDF's table flattened to lines: cells two spaces or more apart, under a header
    # line of as many cells; each figure is its column's count
    header = "Homes in the borough at 1 April 2025\nCare group    Homes    Beds    Residents funded"
    assert _row("Nursing (older people)    14    610    35", "Care homes", header) == [
        ("Capacity", Decimal(14), "homes", "nursing-care"),
        ("Capacity", Decimal(610), "beds", "nursing-care"),
        ("Capacity", Decimal(35), "people", "nursing-care")]
    # a row whose cells do not line up with the header's keeps to its first figure
    assert _row("Nursing (older people)  14  610", "Care homes", header) == [
        ("Capacity", Decimal(14), "homes", "nursing-care")]


def test_a_need_row_laid_out_with_spaces_takes_its_columns_years() -> None:
    header = "Table 4: Older people projected to live alone\nAge band    2025    2035    2040"
    sentence = Sentence("75 to 84    9,100    10,400    11,900", 0, 36,
                        section=Section("Projected need", 2, 0, 999), is_table_row=True,
                        header=header)
    found = extract_table_counts(SentenceView.of(sentence, RECORD))
    assert [(c.kind, c.value, c.period_label) for c in found] == [
        ("NeedEstimate", Decimal(9100), "2025"), ("NeedEstimate", Decimal(10400), "2035"),
        ("NeedEstimate", Decimal(11900), "2040")]


def test_provision_per_head_of_a_population_is_provision_not_need() -> None:
    # a rate of provision to people of an age is a count of provision, though the
    # population's words alone would make the table one of need
    assert _row("Northby: 112", "Care home beds per 10,000 people aged 75 and over") == [
        ("Capacity", Decimal(112), "beds", "care-homes")]
    assert _row("Northby: 4,100", "Projected population aged 75 and over") == []


def test_a_row_of_a_table_in_pounds_million_is_spend_per_column() -> None:
    # the caption gives the scale, the header line the columns, the row's label its year
    sentence = Sentence("2026/27      41.5      6.2", 0, 26,
                        section=Section("Budget", 2, 0, 999), is_table_row=True,
                        header="Table 5: Care budget (£m)\nYear      Home care      Telecare")
    found = extract_table_counts(SentenceView.of(sentence, RECORD))
    assert [(c.kind, c.value, c.unit, c.service, c.period_label) for c in found] == [
        ("Spend", Decimal("41500000"), "pounds-sterling-per-year", "home-care", "2026/27"),
        ("Spend", Decimal("6200000"), "pounds-sterling-per-year", "telecare", "2026/27")]
