"""Periods: financial years, months, seasons, ranges and relative periods, as the model
labels them."""

from datetime import date

import pytest

from carekg.loaders.extract.periods import find_periods


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("in 2021/22", "2021/22", date(2021, 4, 1), date(2022, 3, 31)),
        ("in 2021-22", "2021/22", date(2021, 4, 1), date(2022, 3, 31)),
        ("in 1999/00", "1999/00", date(1999, 4, 1), date(2000, 3, 31)),
        ("in 2023", "2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("in July 2023", "2023-07", date(2023, 7, 1), date(2023, 7, 31)),
        ("at the end of Feb 2024", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("in spring 2022", "2022", date(2022, 3, 1), date(2022, 5, 31)),
        ("in the winter of 2022", "2022", date(2022, 12, 1), date(2023, 2, 28)),
        ("on 31st March 2023", "2023-03-31", date(2023, 3, 31), date(2023, 3, 31)),
        ("from June 3rd 2013", "2013-06-03", date(2013, 6, 3), date(2013, 6, 3)),
        ("the 2020-2025 plan", "2020-2025", date(2020, 1, 1), date(2025, 12, 31)),
        ("Strategy 2020-27", "2020-2027", date(2020, 1, 1), date(2027, 12, 31)),
        ("from 2021 to 2024", "2021-2024", date(2021, 1, 1), date(2024, 12, 31)),
        ("October 2012 - October 2016", "2012-10/2016-10", date(2012, 10, 1), date(2016, 10, 31)),
    ],
)
def test_labels_and_dates(text: str, label: str, start: date, end: date) -> None:
    [period] = find_periods(text)
    assert (period.label, period.start_date, period.end_date) == (label, start, end)


def test_relative_periods_anchor_on_issue_date() -> None:
    [period] = find_periods("over the next five years", issued="2021-08")
    assert period.label == "2021-2026"
    assert find_periods("over the next five years") == []  # no anchor, no guess


def test_deadline_flag() -> None:
    [period] = find_periods("by 2030")
    assert period.is_deadline and period.label == "2030"
    [period] = find_periods("in 2030")
    assert not period.is_deadline


@pytest.mark.parametrize("text", ["aged 16-64", "2,017 people", "£2020m", "12.2030", "45%",
                                  "SI 2019/713"])
def test_not_periods(text: str) -> None:
    assert find_periods(text) == []


def test_two_days_of_a_contract_term() -> None:
    periods = find_periods("The contract runs from 1st April 2021 to 31st March 2023.")
    assert [p.label for p in periods] == ["2021-04-01", "2023-03-31"]


@pytest.mark.parametrize(
    ("text", "issued", "label"),
    [
        # The year of a month named alone: the one year the text names...
        ("The tender opens in March; contracts start in 2024.", "2022", "2024-03"),
        # ...else the year of issue when the month is still to come in it.
        ("The new service starts in November.", "2023-06", "2023-11"),
        ("Consultation ends by the end of July.", "2023-06-01", "2023-07"),
    ],
)
def test_month_without_year_when_the_year_is_clear(text: str, issued: str, label: str) -> None:
    assert label in [p.label for p in find_periods(text, issued)]


@pytest.mark.parametrize(
    ("text", "issued"),
    [
        ("The new service starts in November.", "2023"),  # November 2023 or 2024?
        ("The new service starts in March.", "2023-06"),  # March has passed: 2024?
        ("It may be that we review it.", "2023-01"),  # "may" is a verb
        ("Reviewed in March 2021 and again in 2022, it starts in June.", "2020"),
    ],
)
def test_month_without_year_is_left_when_in_doubt(text: str, issued: str) -> None:
    assert [p for p in find_periods(text, issued) if p.kind == "month"
            and p.label.endswith(("-11", "-03", "-05", "-06"))
            and "2021-03" != p.label] == []


def test_year_before_a_comma_is_a_year() -> None:
    assert [p.label for p in find_periods("By 2021, we will have moved.")] == ["2021"]
    assert [p.label for p in find_periods("It holds 2,021 records.")] == []
