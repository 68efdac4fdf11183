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
        ("Care and support in the home", "home-care"),
        ("our dementia nursing homes", "dementia-nursing-care"),  # most specific wins
        ("the TEC offer", "assistive-technology"),  # acronym, case-sensitive
        ("a tec-heavy approach", None),
        ("Extra-Care Housing", "extra-care-housing"),
        # dementia support is its own service; a dementia care home stays a care home
        ("a new dementia resource centre for the borough", "dementia-support"),
        ("a dementia support service in every locality", "dementia-support"),
        ("specialist dementia residential care", "dementia-residential-care"),
        ("a framework for specialist residential care homes", "specialist-residential-care"),
        # the Care Act's words for prevention, before the care they prevent
        ("funding aimed at preventing and delaying care needs at home",
         "prevention-and-early-intervention"),
        # transport to day services is commissioned too (Interweave's "Transport")
        ("all existing transport routes will be re-procured", "transport"),
        ("expanding personal travel budgets and travel training", "transport"),
        # nursing named by what is added of it, with or without its client group
        ("more nursing capacity in the west", "nursing-care"),
        ("to grow nursing dementia capacity where homes are few", "dementia-nursing-care"),
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


# -- client groups and services ---------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # A budget line named by its client group is about that group's services.
        ("Learning Disabilities £3,100,000 £150,000 £3,250,000",
         "learning-disability-and-autism-services"),
        ("Mental Health £2,000,000", "mental-health-support"),
        ("Carers £410,000", "carers-support"),
        # A kind of provision named beside the group wins over the group.
        ("We will expand supported living for people with learning disabilities.",
         "supported-living"),
        ("Twelve adults with mental health needs live in residential care.",
         "residential-care"),
        # A group named in other words gives its services when no provision is named.
        ("We will work with partners to identify hidden carers.", "carers-support"),
        # A group without services of its own gives none.
        ("The number of older people will rise.", None),
    ],
)
def test_client_group_gives_its_services(text: str, slug: str | None) -> None:
    assert classify_service(text) == slug


def test_by_kind_only_ignores_client_groups() -> None:
    text = "We will co-produce the new model with carers."
    assert classify_service(text) == "carers-support"
    assert classify_service(text, by_kind_only=True) is None


def test_anchor_sentence_of_a_row_comes_first() -> None:
    # A flattened table row: the intention, then its evidence column.
    row = ("4. We will review the mental health pathway with the NHS. "
           "Home care is part of the offer but more work is needed. Green")
    anchor = row.index("review")
    assert classify_service(row, anchor=anchor) == "mental-health-support"
    # Without a service in the anchor's sentence, what follows it does not give one.
    row2 = "4. We will review the pathway with the NHS. Home care is part of the offer."
    assert classify_service(row2, anchor=row2.index("review")) is None


def test_evidence_columns_after_the_course_give_no_service() -> None:
    # A row: number, the intention, its evidence, a rating, in tab-separated cells.
    row = "7.\tWe will consider payment by results\tTrialled in home care last year\tGreen"
    assert classify_service(row, anchor=row.index("consider")) is None
    # A row label before the course still names its service.
    row2 = "Day services\tWe will retender the contract\tNew model agreed\tAmber"
    assert classify_service(row2, anchor=row2.index("retender")) == "day-opportunities"


def test_client_groups_named_either_way_compete_by_position() -> None:
    text = "£40,000 of carers' funding supports people with learning disabilities."
    assert classify_service(text, anchor=text.index("of")) == "carers-support"


def test_developing_new_capacity_is_an_increase() -> None:
    # capacity added is an increase, a new model or approach a development
    from carekg.loaders.classify import classify_direction

    assert classify_direction("We will develop 80 new extra care flats by 2029.")[0] == "Increase"
    assert classify_direction("work to create new nursing capacity in the west")[0] == "Increase"
    assert classify_direction("We will develop a new model of day support.")[0] == "Develop"
    # a scheme opened, beds added, homes delivered: capacity added
    for text in ("A new 60-bed nursing home will open in 2026.",
                 "We will add 40 beds to the reablement service.",
                 "We will deliver 300 new homes for older people by 2035."):
        assert classify_direction(text)[0] == "Increase", text
    assert classify_direction("We will provide new services.") is None
    # the development of a counted number of new schemes, and extra flats delivered
    assert classify_direction("support the development of two new schemes by 2028")[0] == (
        "Increase")
    assert classify_direction("deliver 900 extra flats by 2030")[0] == "Increase"
