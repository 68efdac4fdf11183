"""Money parsing: exact Decimal values in pounds, rates and approximation flags."""

from decimal import Decimal

import pytest

from carekg.loaders.extract.money import find_money, to_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("£0.252m", Decimal("252000")),
        ("£17.4m", Decimal("17400000")),
        ("£13 million", Decimal("13000000")),
        ("£1,424,000", Decimal("1424000")),
        ("£4.8m", Decimal("4800000")),
        ("£1.2bn", Decimal("1200000000")),
        ("£392k", Decimal("392000")),
        ("£2.75 thousand", Decimal("2750")),
    ],
)
def test_values_are_exact_pounds(text: str, value: Decimal) -> None:
    [money] = find_money(f"The budget is {text} this year.")
    assert money.value == value
    assert str(money.value) == str(value)  # no "17400000.0", no exponent


def test_decimal_never_rounds() -> None:
    assert to_decimal("17.4", "m") == Decimal("17400000")
    assert to_decimal("0.1", "k") + to_decimal("0.2", "k") == Decimal("300")


@pytest.mark.parametrize(
    ("text", "approximate"),
    [
        ("c.£392k", True),
        ("c£1.3m", True),
        ("circa £2m", True),
        ("around £22 million", True),
        ("approximately £5m", True),
        ("just under £3m", True),
        ("nearly £1m", True),
        ("at least £40,000", True),
        ("an estimated £7m", True),
        ("£7m", False),
    ],
)
def test_approximation_markers(text: str, approximate: bool) -> None:
    [money] = find_money(f"We spend {text} on it.")
    assert money.approximate is approximate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("£1,424,000 per annum", "year"),
        ("£22m per annum", "year"),
        ("£100,000 a year", "year"),
        ("an annual budget of £392k", "year"),
        ("£15.50 per hour", "hour"),
        ("£650 per week", "week"),
        ("£3m", None),
    ],
)
def test_rates(text: str, rate: str | None) -> None:
    [money] = find_money(text)
    assert money.rate == rate


def test_range_keeps_both_ends_with_shared_scale() -> None:
    [money] = find_money("a contract worth £1-2m")
    assert (money.value, money.high) == (Decimal("1000000"), Decimal("2000000"))


def test_amount_without_pound_sign_only_after_circa() -> None:
    assert [m.value for m in find_money("at a cost of c.18.3m per annum")] == [Decimal("18300000")]
    assert find_money("a population of 2.5m people") == []


def test_offsets_index_the_text() -> None:
    text = "Spend rose from £358m to £294m."
    assert [text[m.start : m.start + 5] for m in find_money(text)] == ["£358m", "£294m"]


def test_table_row_amounts_in_order() -> None:
    row = "Older People £10,100,000  £250,000 £10,350,000"
    assert [m.value for m in find_money(row)] == [
        Decimal("10100000"),
        Decimal("250000"),
        Decimal("10350000"),
    ]


def test_thousands_separator_broken_by_a_line_wrap() -> None:
    assert [m.value for m in find_money("a total budget of £12, 345,000 a year")] == [
        Decimal("12345000")
    ]
    # a comma and a space before three digits with nothing after: a list, not one figure
    assert [m.value for m in find_money("fees of £5, 100 hours")] == [Decimal("5")]


def test_amounts_by_the_currency_code_of_tender_notices() -> None:
    found = [(m.value, m.start) for m in find_money("The framework is valued at GBP 12 million.")]
    assert found == [(Decimal(12_000_000), 27)]
    assert [m.value for m in find_money("a total value of 4,500,000 GBP")] == [Decimal(4_500_000)]
    # the pound sign and the code are one amount, read once
    assert [m.value for m in find_money("worth £4,500,000 GBP in all")] == [Decimal(4_500_000)]
