"""Classification against the SKOS vocabularies and the direction rules."""

import pytest

from carekg.loaders.classify import (
    classify_direction,
    classify_population,
    classify_route,
    classify_service,
    unit_slug,
)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("domiciliary care packages", "home-care"),
        ("our dementia nursing homes", "dementia-nursing-care"),  # most specific wins
        ("the TEC offer", "assistive-technology"),  # acronym, case-sensitive
        ("a tec-heavy approach", None),
        ("Extra-Care Housing", "extra-care-housing"),
    ],
)
def test_service_labels(text: str, slug: str | None) -> None:
    assert classify_service(text) == slug


def test_sentence_before_heading() -> None:
    assert (
        classify_service("We spend £2m on this.", heading="Supported living") == "supported-living"
    )
    assert classify_service("We spend £2m on advocacy.", heading="Supported living") == "advocacy"


def test_anchor_prefers_the_service_after_the_figure() -> None:
    text = "Alongside home care, we spend £1m on respite."
    assert classify_service(text, anchor=text.index("£")) == "respite-care"


def test_population_and_units_and_routes() -> None:
    assert classify_population("people aged 65 and over") == "older-people"
    assert unit_slug("GBP/year") == "pounds-sterling-per-year"
    assert unit_slug("hours/week") == "hours-per-week"
    assert classify_route("procured through a framework agreement") == "framework"


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("we will expand the service", "Increase"),
        ("we will develop additional units", "Increase"),
        ("there will be no significant increase in the budget", "Maintain"),
        ("we will move away from shared housing", "Decrease"),
        ("we will refresh the strategy", "Review"),
        ("we will jointly procure it", "Procure"),
        ("we will say nothing", None),
    ],
)
def test_directions(text: str, direction: str | None) -> None:
    found = classify_direction(text)
    assert (found[0] if found else None) == direction
