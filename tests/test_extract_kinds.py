"""Extractors on sentences written for these tests in the genre of commissioning
documents (not taken from the bundled corpus)."""

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from carekg.loaders.extract import extract_candidates, extract_sentence
from carekg.loaders.model import Candidate, DocumentRecord, Section, Sentence

RECORD = DocumentRecord(
    id="test-doc",
    path=Path("test.txt"),
    title="Market Position Statement 2022-2025",
    councils=("E06000001",),
    kind="market-position-statement",
    issued="2022-05",
)


def facts(text: str, kind: str, heading: str | None = None, table: bool = False) -> list[Candidate]:
    section = Section(heading, 1, 0, len(text)) if heading else None
    sentence = Sentence(text, 100, 100 + len(text), section=section, is_table_row=table)
    return [c for c in extract_sentence(sentence, RECORD) if c.kind == kind]


def test_spend_per_year_with_service_and_approximation() -> None:
    [fact] = facts("The Council currently spends c.£8.6m per annum on domiciliary care.", "Spend")
    assert (fact.value, fact.unit, fact.service, fact.approximate) == (
        Decimal("8600000"),
        "pounds-sterling-per-year",
        "home-care",
        True,
    )
    assert fact.period_label == "2022"  # "currently": the year of issue


def test_spend_total_over_a_period() -> None:
    [fact] = facts(
        "This will need a total investment of £2.5m over the next four years in telecare.", "Spend"
    )
    assert (fact.value, fact.unit, fact.service) == (
        Decimal("2500000"),
        "pounds-sterling",
        "telecare",
    )


def test_two_amounts_get_their_own_years_and_spans() -> None:
    text = "Our budget for respite has fallen from £4m in 2015/16 to £3.1m in 2020/21."
    first, second = facts(text, "Spend")
    assert (first.value, first.period_label) == (Decimal("4000000"), "2015/16")
    assert (second.value, second.period_label) == (Decimal("3100000"), "2020/21")
    assert first.end <= second.start


def test_rates_and_savings_are_not_spend() -> None:
    assert facts("The hourly rate we pay for home care is £19.50 per hour.", "Spend") == []
    assert facts("The programme must deliver savings of £2m in 2023.", "Spend") == []


def test_a_decision_threshold_is_not_spend() -> None:
    assert facts("A key decision is one which means spending £250,000 or more on home care.",
                 "Spend") == []


def test_the_ends_of_a_between_range_are_not_spend() -> None:
    assert facts("Clubs can apply for small awards of between £1,500 and £6,000 a year.",
                 "Spend") == []


def test_the_most_one_grant_may_be_is_not_spend() -> None:
    assert facts("Our community chest funds local groups and awards up to £2,500 for new "
                 "projects.", "Spend") == []
    found = facts("The fund is worth £80,000 a year, with £3,000 available per organisation.",
                  "Spend")
    assert [f.value for f in found] == [Decimal(80000)]


def test_budget_table_row_takes_the_last_column() -> None:
    [fact] = facts(
        "Mental Health £5,100,000 £120,000 £5,220,000",
        "Spend",
        heading="Adult social care budget 2022/23",
        table=True,
    )
    assert fact.value == Decimal("5220000")
    assert fact.period_label == "2022/23"


def test_a_table_cell_of_prose_may_state_a_total() -> None:
    """A row's prose cell that says the amount covers the contract's years is a total."""
    [fact] = facts("Current provision\tThe service is bought per hour used. The estimated "
                   "contract value is £240,000 for the 4 year period.", "Spend", table=True)
    assert (fact.value, fact.unit) == (Decimal(240000), "pounds-sterling")


def test_budget_row_without_a_label_is_not_spend() -> None:
    """Figures alone (a wrapped row's tail, or a table whose labels were lost) do not say
    what the money is for."""
    assert facts("£2,400,000 £310,000 £2,090,000", "Spend",
                 heading="Adult social care budget 2022/23", table=True) == []
    assert facts("2021/22 £2,400,000 £2,090,000", "Spend",
                 heading="Adult social care budget 2022/23", table=True) == []


def test_capacity_counts_with_units() -> None:
    found = facts(
        "There are currently 6 extra care schemes in the borough providing 312 flats.", "Capacity"
    )
    assert [(c.value, c.unit) for c in found] == [(Decimal(6), "homes"), (Decimal(312), "units")]
    assert {c.service for c in found} == {"extra-care-housing"}


def test_a_count_takes_the_service_its_own_noun_phrase_names() -> None:
    """The sentence's other figure (and a service named before it) does not decide what
    a count counts when its own noun phrase names the service."""
    found = facts("We currently have 45 autism and physical disability specific supported "
                  "living tenancies locally and 18 nursing \n\ncare beds.", "Capacity")
    by_value = {c.value: c.service for c in found}
    assert by_value[Decimal(18)] == "nursing-care"


def test_hours_per_week() -> None:
    [fact] = facts(
        "We commission around 9,800 hours of home care per week from 14 providers.", "Capacity"
    )[:1]
    assert (fact.value, fact.unit, fact.approximate) == (Decimal(9800), "hours-per-week", True)


def test_hours_a_year_are_a_total_with_their_scale() -> None:
    """And a bare figure with a scale word is money only when nothing counted follows."""
    text = ("The Council commissions around 1.2 million visits and some 3 million hours of "
            "home care a year.")
    [fact] = facts(text, "Capacity")
    assert (fact.value, fact.unit, fact.approximate) == (Decimal(3000000), "hours", True)
    assert facts(text, "Spend") == []


@pytest.mark.parametrize("text", [
    "About 640 people regularly use the Council's day services.",
    "Around 300 adults attend our day centres each week.",
    "The day centres benefit around 900 people with care needs.",
])
def test_people_using_a_service_are_provision(text: str) -> None:
    [fact] = facts(text, "Capacity")
    assert (fact.unit, fact.service) == ("people", "day-opportunities")


def test_need_projection_with_population_and_source() -> None:
    [fact] = facts(
        "The number of people aged 65 and over living with dementia is projected to "
        "rise to 4,350 by 2035 (POPPI).",
        "NeedEstimate",
    )
    assert (fact.value, fact.period_label, fact.is_projection) == (Decimal(4350), "2035", True)
    assert fact.population_group in ("people-living-with-dementia", "older-people")
    assert "source: POPPI" in fact.notes


def test_need_is_not_capacity() -> None:
    text = "We estimate that 2,100 adults in the city have a learning disability."
    assert facts(text, "Capacity") == []
    assert [c.value for c in facts(text, "NeedEstimate")] == [Decimal(2100)]


def test_a_count_in_a_question_is_no_fact() -> None:
    text = ("The member noted the proposal. What estimates have been made of the cost of "
            "closing 140 care beds? The chair asked for a written answer.")
    assert facts(text, "NeedEstimate") + facts(text, "Capacity") == []
    assert facts("We estimate that 140 care beds will be needed by 2030.", "NeedEstimate")


def test_provision_expected_to_be_completed_is_no_need() -> None:
    assert facts("We expect the 48 extra care flats to be completed in 2027.",
                 "NeedEstimate") == []
    # a need for homes stays one
    [need] = facts("There will need to be 48 more extra care flats by 2027.", "NeedEstimate")
    assert need.value == Decimal(48)


def test_contract_expiry_with_month() -> None:
    [fact] = facts(
        "The current contract for carers support expires in September 2024.", "ContractEvent"
    )
    assert (fact.event_type, fact.period_label, fact.service) == (
        "expiry",
        "2024-09",
        "carers-support",
    )


def test_tender_with_route() -> None:
    [fact] = facts(
        "The service will be tendered through our dynamic purchasing system in autumn 2023.",
        "ContractEvent",
    )
    assert (fact.event_type, fact.procurement_route, fact.period_label) == (
        "tender",
        "dynamic-purchasing-system",
        "2023",
    )


def test_no_contract_event_without_a_date() -> None:
    assert facts("We will tender the contract for advocacy.", "ContractEvent") == []


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        ("We will increase the number of Shared Lives carers.", "Increase", "shared-lives"),
        ("The Council will reduce its use of residential care.", "Decrease", "residential-care"),
        ("We will review our day services by March 2024.", "Review", "day-opportunities"),
        ("We intend to commission a new advocacy service.", "Procure", "advocacy"),
        ("We will develop a new model of reablement.", "Develop", "reablement"),
        ("We will continue to invest in floating support.", "Maintain", "floating-support"),
        ("We plan to decommission the remaining day centre.", "Decommission", "day-opportunities"),
        ("We will consult on the closure of two day centres.", "Decommission",
         "day-opportunities"),
        ("We will commission an increase in telecare options.", "Increase", "telecare"),
        ("The Council will be consolidating its home care contracts across the county.",
         "Decrease", "home-care"),
        ("We will reshape our day services around community hubs.", "Develop",
         "day-opportunities"),
        ("The council proposes to establish a new framework for home care.", "Procure",
         "home-care"),
        ("Agree to extend the framework agreement for supported living to March 2027.",
         "Maintain", "supported-living"),
        ("We will be recommissioning advocacy services next year.", "Procure", "advocacy"),
    ],
)
def test_intention_directions(text: str, direction: str, service: str) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == (direction, service)


def test_forecast_of_demand_is_not_an_intention() -> None:
    assert (
        facts(
            "Demand for home care will increase as the population ages.", "CommissioningIntention"
        )
        == []
    )


def test_providers_commitments_are_not_the_councils() -> None:
    assert (
        facts("Providers will need to develop their home care workforce.", "CommissioningIntention")
        == []
    )


def test_people_a_course_is_for_do_not_make_it_theirs() -> None:
    """The people named after a preposition are whom the course serves; the council
    (here by its commissioning, or by its initials) still takes it."""
    [fact] = facts("The commissioning of nursing placements for people with dementia will "
                   "be reduced over time, with more extra care.", "CommissioningIntention")
    assert fact.direction == "Decrease"
    [fact] = facts("WCC will develop a new shared lives service.", "CommissioningIntention",
                   heading="Accommodation")
    assert (fact.direction, fact.service) == ("Develop", "shared-lives")
    # people as the subject still take their own course
    assert facts("People with dementia will be supported to reduce their use of nursing "
                 "placements.", "CommissioningIntention") == []


def test_action_item_under_an_intentions_heading() -> None:
    [fact] = facts(
        "Review the transport offer for people attending day services",
        "CommissioningIntention",
        heading="Our commissioning intentions",
    )
    assert fact.direction == "Review"


def test_strategy_reference_with_period() -> None:
    [fact] = facts(
        "This plan supports the Joint Dementia Strategy 2019-2024 agreed with the NHS.",
        "StrategyReference",
    )
    assert (fact.title, fact.period_label) == ("Joint Dementia Strategy", "2019-2024")


def test_person_level_plans_are_not_strategies() -> None:
    assert (
        facts("Each person has a Care and Support Plan reviewed annually.", "StrategyReference")
        == []
    )


def test_bodies_grant_schemes_and_bare_heads_are_not_strategies() -> None:
    """A body named after a strategy, a grants scheme, a cabinet's forward plan and a
    head with only generic words ("Local Strategy") name no strategy; a market position
    statement is a document of its own however it is introduced."""
    for text in ("The Dementia Strategy Board meets every month to agree the priorities.",
                 "This was agreed at the Home Care Strategy Meeting in June.",
                 "The service is paid for by Homeless Accommodation Programme (HAP) funding.",
                 "The Community Chest Small Grants programme opens again in the spring.",
                 "Included in Forward Plan: Yes",
                 "Local Strategy",
                 # a committee named by its remit, and a building budget
                 "The report goes next to the Adults Policy and Scrutiny Committee.",
                 "The scheme is part funded by the Northtown Capital Programme."):
        assert facts(text, "StrategyReference") == [], text
    [fact] = facts("The Market Position Statement describes the services we want.",
                   "StrategyReference")
    assert fact.title == "The Market Position Statement"


def test_evidence_stays_inside_the_text() -> None:
    text = "Intro.\nThe Council spends £3m a year on advocacy.\n"
    sentence = Sentence(text[7:49], 7, 49)
    for candidate in extract_candidates([sentence], RECORD):
        assert 7 <= candidate.start < candidate.end <= 49
        assert text[candidate.start : candidate.end].startswith("The Council")


def test_counts_in_words_and_elided_nouns() -> None:
    found = facts("We currently commission two extra care schemes and 40 beds in Ashby, "
                  "25 in Barford and 12 in Colton.", "Capacity")
    assert [(c.value, c.unit) for c in found] == [
        (Decimal(2), "homes"), (Decimal(40), "beds"), (Decimal(25), "beds"), (Decimal(12), "beds")
    ]


def test_need_sentence_with_several_figures_gives_one_fact_each() -> None:
    text = ("By 2031, 4,210 people aged 18-64 are predicted to have autism and 1,020 aged "
            "65 and over.")
    found = facts(text, "NeedEstimate")
    assert [c.value for c in found] == [Decimal(4210), Decimal(1020)]
    assert found[0].population_group == "autistic-people"  # the condition, not the age band
    assert found[0].end <= found[1].start


def test_just_over_a_large_number_is_not_an_age() -> None:
    [fact] = facts("The number of people aged 85 and over is projected to grow by just over "
                   "9,000 by 2040.", "NeedEstimate")
    assert (fact.value, fact.approximate, fact.population_group) == (
        Decimal(9000), True, "people-aged-85-and-over")


def test_hours_and_years_are_not_headcounts() -> None:
    assert facts("Over the next 10, 15 and 20 years the population of carers is projected to "
                 "rise.", "NeedEstimate") == []
    assert facts("Around 3,000 carers are estimated to care for 50 or more hours a week.",
                 "NeedEstimate")[0].value == Decimal(3000)


def test_house_numbers_are_not_counts() -> None:
    """A number before a street name is an address, whatever the sentence says of people."""
    text = ("The memory clinic now shares the resource centre at 17 Lower Mill Road with the "
            "dementia team, a one stop shop for people with dementia and their carers.")
    assert facts(text, "NeedEstimate") == [] and facts(text, "Capacity") == []
    [fact] = facts("We currently support 35 people with dementia at 9 Station Street.", "Capacity")
    assert fact.value == Decimal(35)


def test_a_figure_inside_a_name_is_not_a_count() -> None:
    text = "We commission care at the Anchor 24 Extra Care Schemes across the county."
    assert facts(text, "Capacity") == []
    [fact] = facts("We commission care at 24 Extra Care Schemes across the county.", "Capacity")
    assert fact.value == Decimal(24)
    [fact] = facts("Over 500 Care Homes are registered in the county.", "Capacity")
    assert fact.value == Decimal(500)


def test_a_current_figure_keeps_its_own_period() -> None:
    """A figure said to be current is dated when the document speaks, not by the year of
    the sentence's other clause (which dates the projection)."""
    found = facts("Our housing needs study finds the borough is currently short of 96 units "
                  "and by 2035, if nothing is built, it will be short of 210 units.",
                  "NeedEstimate")
    periods = {c.value: c.period_label for c in found}
    assert periods == {Decimal(96): "2022", Decimal(210): "2035"}


def test_a_people_noun_describing_another_noun_is_not_counted() -> None:
    """ "Four carers respite grant schemes" counts schemes, not carers."""
    assert facts("We currently fund four carers respite grant schemes in the borough.",
                 "Capacity") == []
    [fact] = facts("We currently support 40 carers through the respite scheme.", "Capacity")
    assert (fact.value, fact.unit) == (Decimal(40), "people")


def test_a_far_enclosing_heading_comes_after_the_nearer_ones() -> None:
    """A numbered heading pages back that seems to enclose a section (its next sibling
    was never numbered) names its service only after the headings just before it."""
    from carekg.loaders.extract.common import NEAR_ENCLOSING_CHARS, heading_context

    far = NEAR_ENCLOSING_CHARS + 1000
    top = Section("2. Home care", 1, 0, far + 500)
    day = Section("Day opportunities", 2, far - 300, far, parent=top)
    timetable = Section("Activity Date", 2, far, far + 500, parent=top)
    sentences = [Sentence(s.title, s.start, s.start + len(s.title), section=s, is_heading=True)
                 for s in (top, day, timetable)]
    assert heading_context(sentences)[far] == ("Day opportunities", "2. Home care")
    near = Section("Activity Date", 2, 400, 900, parent=top)
    sentences[2] = Sentence(near.title, 400, 413, section=near, is_heading=True)
    assert heading_context(sentences[:1] + sentences[2:])[400][0] == "2. Home care"


def test_the_workforce_is_not_people_supported() -> None:
    found = facts("Home care is currently delivered by 12 providers to about 900 clients, "
                  "through around 1,100 carers.", "Capacity")
    assert [(c.value, c.unit) for c in found] == [(Decimal(12), "providers"),
                                                  (Decimal(900), "people")]


def test_a_population_is_not_capacity() -> None:
    """A count of residents that names no care, support or service is a population."""
    assert facts("In 2021, there were approximately 310,000 residents living in the city.",
                 "Capacity") == []
    [fact] = facts("Currently, 2,870 residents access long-term adult social care services.",
                   "Capacity")
    assert fact.value == Decimal(2870)


def test_a_possessive_people_noun_is_not_counted() -> None:
    assert facts("The council currently runs three older people's lunch clubs directly.",
                 "Capacity") == []


def test_a_service_named_only_as_the_means_is_not_the_object() -> None:
    """ "..., utilising assistive technology" says how, not what the course acts on: the
    heading's service is the one moved away from."""
    [fact] = facts("We will move away from large group homes, using assistive technology "
                   "to promote independence.", "CommissioningIntention",
                   heading="Supported living")
    assert (fact.direction, fact.service) == ("Decrease", "supported-living")
    [fact] = facts("We will reduce our use of residential care, using assistive technology "
                   "to promote independence.", "CommissioningIntention")
    assert fact.service == "residential-care"


def test_a_heading_states_no_intention() -> None:
    text = "Increasing the choice of preventative support"
    sentence = Sentence(text, 0, len(text), section=Section(text, 2, 0, len(text)),
                        is_heading=True)
    assert [c for c in extract_sentence(sentence, RECORD)
            if c.kind == "CommissioningIntention"] == []
    assert facts("We will increase the choice of preventative support.",
                 "CommissioningIntention")


def test_a_council_developments_heading_takes_its_service_from_the_text_before() -> None:
    """ "Hartlepool developments" is a council's part of the topic the text before it
    introduces, like a heading that is only the council's name."""
    from carekg.loaders.extract.common import SentenceView

    text = "Site redevelopment tender (two sites) March 2024-2026"
    for heading in ("Hartlepool developments", "Hartlepool"):
        sentence = Sentence(text, 0, len(text), section=Section(heading, 2, 0, len(text)))
        view = SentenceView.of(sentence, RECORD, context=("Tri-borough housing support",))
        view.lead = ("We will build new combined residential and nursing homes.",)
        assert view.context_service() == "care-homes", heading


def test_projected_percentage_changes_are_needs() -> None:
    found = facts("Modelling predicts a 9% rise in home care hours by 2026/27 and a 15% "
                  "rise by 2031/32.", "NeedEstimate")
    assert [(c.value, c.unit, c.period_label) for c in found] == [
        (Decimal(9), "percent", "2026/27"), (Decimal(15), "percent", "2031/32")]


@pytest.mark.parametrize("text", [
    # the change's noun before its forecast, its span, or a bracket's end
    "Demand for day services is likely to stay flat, with 3% growth predicted over the "
    "next ten years.",
    "We expect demand for home care to rise over the next 15 years (14% increase).",
    "Demand for extra care will grow steadily, a 9% increase over the next 20 years.",
])
def test_a_projected_change_named_before_its_forecast_is_a_need(text: str) -> None:
    [fact] = facts(text, "NeedEstimate")
    assert (fact.unit, fact.is_projection) == ("percent", True)


def test_denied_intentions_are_not_intentions() -> None:
    assert facts("While we have no plans to recommission the lunch club, we will keep it "
                 "under watch.", "CommissioningIntention") == []
    assert facts("Whilst there are no immediate plans to tender a new lunch club, "
                 "officers will meet providers.", "CommissioningIntention") == []


def test_passive_review_marker_names_the_course() -> None:
    [fact] = facts("Respite provision is currently being reviewed, with a view to developing "
                   "a new model.", "CommissioningIntention")
    assert fact.direction == "Review"


def test_developing_more_of_a_service_is_an_increase() -> None:
    [fact] = facts("We will develop more shared lives placements across the county.",
                   "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Increase", "shared-lives")


def test_a_review_starting_is_not_a_contract_event() -> None:
    assert facts("A strategic review of advocacy services will commence in May 2024.",
                 "ContractEvent") == []
    [event] = facts("The new advocacy contract will commence in May 2024.", "ContractEvent")
    assert event.event_type == "start"
    # the verb first: the work that starts is about contracts, it is not one
    assert facts("Commence discussions with existing providers of day care to move from "
                 "contracts to direct payments  May 2025", "ContractEvent") == []
    [event] = facts("Commence the new respite contracts June 2024", "ContractEvent")
    assert event.event_type == "start"


def test_national_billions_are_not_council_spend() -> None:
    assert facts("Dementia costs the economy more than £20 billion a year.", "Spend") == []


def test_people_a_year_is_a_flow_of_need_and_hypotheticals_are_nothing() -> None:
    [need] = facts("Around 30 people a year move from children's services into adult "
                   "services.", "NeedEstimate")
    assert need.value == Decimal(30)
    assert facts("We would support 200 more people if funding were found.", "Capacity") == []


def test_a_question_is_not_a_strategy_name() -> None:
    assert facts("Plan How?", "StrategyReference") == []


def test_a_plan_named_by_its_year_and_subtitle() -> None:
    [fact] = facts("Our work supports Vision 2035: A Healthier and Fairer Borough for All.",
                   "StrategyReference")
    assert fact.title == "Vision 2035: A Healthier and Fairer Borough for All"
    assert fact.period_label == "2035"


def test_durations_do_not_count_contracts_and_webpages_are_not_strategies() -> None:
    assert facts("The tender will result in 3 year contracts being let.", "Capacity") == []
    assert facts("See the Borough Housing Strategies webpage.", "StrategyReference") == []


def test_moving_focus_is_a_new_approach() -> None:
    [fact] = facts("Move focus from residential care to more flexible support for increased "
                   "needs.", "CommissioningIntention", heading="Commissioning intentions")
    assert fact.direction == "Develop"


@pytest.mark.parametrize(
    "text",
    [
        "Where numbers allow, providers of respite services will need to develop weekend cover.",
        "We expect agencies and providers to develop their own training for home care staff.",
        "If a direct payment holder wants to increase their hours, they may top up the payment.",
        "We also want to reduce isolation among older people living alone.",
        "Reduce hospital admissions and speed up hospital discharge.",
        "We want to develop services that people value.",
    ],
)
def test_other_actors_outcomes_and_wishes_are_not_intentions(text: str) -> None:
    assert facts(text, "CommissioningIntention") == []


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        ("Commissioners are going to develop a new home care model with the market.", "Develop",
         "home-care"),
        ("We will reduce reliance on residential care over the next three years.", "Decrease",
         "residential-care"),
        ("Spending on extra care housing is expected to increase as new schemes open.",
         "Increase", "extra-care-housing"),
        # resolutions, invitations to join a framework and announced tenders
        ("That Cabinet approve the creation of a dynamic purchasing system for day services.",
         "Procure", "day-opportunities"),
        ("RESOLVED: that the Executive approve the closure of the Elm Road day centre.",
         "Decommission", "day-opportunities"),
        ("The Council invites registered providers to apply for a place on its Home Support "
         "Framework.", "Procure", "home-care"),
        ("The Council has announced a planned tender for extra care housing across the "
         "county.", "Procure", "extra-care-housing"),
        ("Over the next year we will move to the accreditation of home care providers.",
         "Procure", "home-care"),
        # decisions as the minutes record them, and a notice's procurement under way
        ("Cabinet approved capital funding to develop a new extra care scheme in the north.",
         "Develop", "extra-care-housing"),
        ("2. Approved the extension of the supported living contracts for twelve months.",
         "Maintain", "supported-living"),
        ("Cabinet delegated authority to the Director of Adult Social Care, in consultation "
         "with the Cabinet Member for Health and Wellbeing and the Director of Finance, to "
         "take all necessary steps to procure a new home care framework.",
         "Procure", "home-care"),
        ("The County Council has initiated a tender process for day opportunities across "
         "the county.", "Procure", "day-opportunities"),
        # a report's purpose and recommendation under section numbers, and a need the
        # council puts on itself
        ("1.1 To seek Cabinet approval for the commissioning strategy (CS) to tender for a "
         "new supported living framework.",
         "Procure", "supported-living"),
        ("3.2 Cabinet to approve the extension of the home care contracts to March 2027.",
         "Maintain", "home-care"),
        ("As more people live longer, it is vital that we further develop our extra care "
         "housing.", "Develop", "extra-care-housing"),
        # what a plan amounts to, a course in progress, an aim stated as what it is, and a
        # resolution in the passive
        # (new flats are capacity added: an increase, by the gold READMEs' rule)
        ("This means developing new supported living flats in each town.", "Increase",
         "supported-living"),
        ("We are in the process of recommissioning our home care contracts.", "Procure",
         "home-care"),
        ("The aim of this plan is to reduce the use of residential care for younger adults.",
         "Decrease", "residential-care"),
        ("2. That all vacant council sites be reviewed for their potential as extra care "
         "housing.", "Review", "extra-care-housing"),
    ],
)
def test_the_commissioners_own_courses_are_intentions(
    text: str, direction: str, service: str
) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == (direction, service)


def test_what_a_plan_includes_is_a_course_only_when_it_is_an_action() -> None:
    assert facts("This includes people living in residential care who could move to "
                 "supported living.", "CommissioningIntention") == []


def test_a_contents_line_states_no_course() -> None:
    assert facts("1.Introduction 2.Our vision for day services 3.What we will commission "
                 "4.How we will review home care", "CommissioningIntention") == []


def test_what_the_council_does_is_no_decision() -> None:
    # a body opens a decision only with a decision's verb: "The Council commission ..."
    # describes what it does today
    assert facts("The Council commission a housing association to run the extra care "
                 "scheme on a long-term contract.", "CommissioningIntention") == []


def test_a_firm_course_of_the_council_takes_its_sections_service() -> None:
    # no provision noun follows the verb: the council's own firm course stands on the
    # section's service, a wish to do the same does not
    heading = "Supported living"
    [fact] = facts("The Council will develop a quality framework with local providers.",
                   "CommissioningIntention", heading=heading)
    assert (fact.direction, fact.service) == ("Develop", "supported-living")
    assert facts("We want to develop a quality framework with local providers.",
                 "CommissioningIntention", heading=heading) == []
    assert facts("Providers will develop a quality framework with the Council.",
                 "CommissioningIntention", heading=heading) == []


@pytest.mark.parametrize(
    ("text", "title", "service", "period"),
    [
        ("Publish Housing Strategy April 2023", "Housing Strategy", None, "2023-04"),
        ("Aims aligned to the Route to Independence Strategy include:",
         "Route to Independence Strategy", None, None),
        ("The Joint Carers Strategy 2018-2021 sets out our aims.", "The Joint Carers Strategy",
         "carers-support", "2018-2021"),
        # a title quoted after the head names the strategy, in any of the quote marks
        ("In line with the 2011 national strategy, \u2017Caring for Carers\u2018, we want:",
         "Caring for Carers", "carers-support", "2011"),
    ],
)
def test_strategy_names_and_their_service(
    text: str, title: str, service: str | None, period: str | None
) -> None:
    [fact] = facts(text, "StrategyReference")
    assert (fact.title, fact.service, fact.period_label) == (title, service, period)


def test_contents_lines_definitions_and_intention_lists_are_not_strategies() -> None:
    assert facts("Carers Strategy .......... 12", "StrategyReference") == []
    assert facts("The Proposed Vision for Respite Care 14", "StrategyReference") == []
    # a definition of a kind of document; the council's own document is a reference
    assert facts("A Carers Strategy (CS) is a plan that a council writes with carers.",
                 "StrategyReference") == []
    assert facts("The Carers Strategy is a plan that we wrote with carers.",
                 "StrategyReference") != []
    assert facts("Summary of our commissioning intentions 2024", "StrategyReference") == []
    contents = "1.Purpose 2.Our Carers Strategy 3.Funding 4.Next steps"
    assert facts(contents, "StrategyReference") == []


def test_a_heading_of_several_strategies_names_none() -> None:
    assert facts("Northtown Market Position Statement - Commissioning Strategies",
                 "StrategyReference", heading="Commissioning Strategies")[1:] == []
    assert facts("Our Joint Commissioning Strategies are listed below.",
                 "StrategyReference") == []


def test_an_officers_title_is_not_a_strategy() -> None:
    text = "Delegate authority to the Head of Strategy and Partnerships to award the contract."
    assert facts(text, "StrategyReference") == []


def _document_facts(lines: list[str], kind: str) -> list[Candidate]:
    sentences, at = [], 0
    for line in lines:
        sentences.append(Sentence(line, at, at + len(line)))
        at += len(line) + 1
    return [c for c in extract_candidates(sentences, RECORD, model=None) if c.kind == kind]


def test_a_strategy_named_again_is_one_reference() -> None:
    """Its owner, an article or a link's file type aside, a strategy named twice is one
    reference; the mention that gives its period is the one kept."""
    found = _document_facts(["Our Dementia Strategy sets out four priorities.",
                             "Westbury's Dementia Strategy 2025-2030 was agreed in March.",
                             "Dementia Strategy PDF",
                             "The Carers Strategy is being refreshed."], "StrategyReference")
    assert [(c.title, c.period_label) for c in found] == [
        ("Westbury's Dementia Strategy", "2025-2030"), ("The Carers Strategy", None)]


def test_budget_row_takes_the_year_over_its_last_column() -> None:
    row = "Home care £4,100,000 £-200,000 £3,900,000"
    sentence = Sentence(row, 100, 100 + len(row), is_table_row=True,
                        header="Service 2021/22 Budget Change 2022/23 Budget")
    [fact] = [c for c in extract_sentence(sentence, RECORD) if c.kind == "Spend"]
    assert (fact.value, fact.period_label, fact.service) == (
        Decimal("3900000"), "2022/23", "home-care")
    assert fact.value_start == 100 + row.index("£3,900,000")


def test_a_range_is_not_read_as_one_end() -> None:
    assert facts("We predict that between 30 and 45 young people a year will need "
                 "support.", "NeedEstimate") == []


def test_a_change_between_two_figures_keeps_the_later_one() -> None:
    found = facts("The number of people estimated to have dementia rises from 900 in "
                  "2015/16 to 1,340 in 2020/21.", "NeedEstimate")
    assert Decimal("1340") in {f.value for f in found}


@pytest.mark.parametrize("text", [
    "Four more supported living flats have been released for young adults.",
    "We have commissioned 12 new units of extra care housing for the borough.",
    "The site will be redeveloped into 14 places of supported housing.",
    "Day centre review: 3 day centres to tender   June 2014",
    "People can get advice from one place whichever service they need.",
])
def test_additions_plans_and_timetable_items_are_not_current_capacity(text: str) -> None:
    assert facts(text, "Capacity") == []


@pytest.mark.parametrize(("text", "value", "unit", "period"), [
    # a date opening the sentence says when the count was made, not a timetable's entry
    ("In May 2021, there were 48 care homes registered in the county.", 48, "homes",
     "2021-05"),
    # people placed in a service are provision; a day service counts its spaces
    ("There are 35 people with a learning disability who have been placed into care "
     "homes for older people.", 35, "people", None),
    ("We provide 120 day-service spaces for people with dementia.", 120, "places", None),
])
def test_counts_of_provision_in_other_words(text: str, value: int, unit: str,
                                            period: str | None) -> None:
    [fact] = facts(text, "Capacity")
    assert (fact.value, fact.unit) == (Decimal(value), unit)
    if period:
        assert fact.period_label == period


def test_two_describing_words_joined_by_and_still_describe_the_count() -> None:
    [fact] = facts("There are 28 residential and nursing homes in the county.", "Capacity")
    assert (fact.value, fact.unit) == (Decimal(28), "homes")
    [fact] = facts("We have 4 local authority owned residential care homes.", "Capacity")
    assert (fact.value, fact.unit) == (Decimal(4), "homes")


def test_an_estimate_of_people_served_is_provision_and_of_unpaid_carers_need() -> None:
    [fact] = facts("Local agencies support an estimated 2,300 people in their own homes.",
                   "Capacity")
    assert (fact.value, fact.unit) == (Decimal(2300), "people")
    [fact] = facts("There are almost 40,000 people in the county providing support to a "
                   "family member or friend.", "NeedEstimate")
    assert fact.value == Decimal(40000)


def test_a_dated_future_event_does_not_date_current_capacity() -> None:
    [fact] = facts("We have a 12 bed respite unit which will be reviewed in 2024.", "Capacity")
    assert (fact.value, fact.period_label) == (Decimal("12"), "2022")


def test_estimated_carers_providing_care_are_need_not_capacity() -> None:
    assert facts("We estimate that there are 5,000 carers providing unpaid care in the "
                 "borough.", "Capacity") == []


def test_a_condition_broken_over_a_line_names_the_group() -> None:
    [fact] = facts("We estimate that 3,000 people aged 65+ have a visual im-\n\npairment.",
                   "NeedEstimate")
    assert fact.population_group == "people-with-a-sensory-impairment"


@pytest.mark.parametrize("text", [
    "Some initial work will be started in 2025 to look at how the day centres share space.",
    "The programme, which began mobilising in May 2024, supports providers to procure locally.",
    "The Council adopted its Social Value Procurement Strategy 2021-26.",
])
def test_work_starting_and_named_years_are_not_contract_events(text: str) -> None:
    assert facts(text, "ContractEvent") == []


def test_extending_existing_contracts_is_an_extension() -> None:
    [fact] = facts("Extend existing contracts for up to 6 months from April 2023", "ContractEvent")
    assert fact.event_type == "extension"


# -- the period of a course -------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("From October 2023 we are planning to recommission the befriending service.",
         "2023-10"),
        ("In the next three years, the Council will review its day services.", "2022-2025"),
        ("By 2026, we will have reduced the use of residential care.", "2026"),
        ("Home care is being reviewed throughout 2023, with a view to a new model.", "2023"),
        ("We will recommission the advocacy service in September.", "2022-09"),
    ],
)
def test_intention_period_as_written(text: str, label: str) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert fact.period_label == label


def test_past_opening_period_is_not_the_course() -> None:
    [fact] = facts("In 2019 we opened two schemes and we will now increase extra care.",
                   "CommissioningIntention")
    assert fact.period_label is None


def test_evidence_column_does_not_date_a_dated_intention() -> None:
    row = ("3. We will review the carers' support offer in 2024. "
           "Consultation with 40 carers was completed by June 2021. Amber")
    [fact] = facts(row, "CommissioningIntention", table=True)
    assert fact.period_label == "2024"


def test_an_evidence_cell_does_not_give_the_course() -> None:
    row = ("12.\tWhere the market for befriending is thin we will seek ways to stimulate it."
           "\tWe are currently reviewing the befriending contract.\tAmber")
    assert facts(row, "CommissioningIntention", table=True) == []


@pytest.mark.parametrize("text", [
    "A review of carers' services in 2024/25 which could result in tender opportunities.",
    "We will carry out a review of respite in spring 2025; it may or may not lead to a "
    "tender.",
    "A review in 2024/25 of the day service for older people, separate from the wider "
    "supported housing procurement.",
])
def test_a_dated_review_or_a_hedged_tender_is_no_tender(text: str) -> None:
    assert facts(text, "ContractEvent") == []


def test_a_tender_dated_after_a_review_is_still_a_tender() -> None:
    [event] = facts("Following a review, the advocacy contract will be tendered in "
                    "autumn 2024.", "ContractEvent")
    assert (event.event_type, event.period_label) == ("tender", "2024")


def test_an_expiry_takes_the_date_after_its_cue_not_a_later_start() -> None:
    [event] = facts("The advocacy service is commissioned until March 2025. A new contract "
                    "will start from April 2025.", "ContractEvent")
    assert (event.event_type, event.period_label) == ("expiry", "2025-03")


def test_places_being_procured_are_not_current_capacity() -> None:
    text = "The borough is currently procuring 60 extra care flats for older people."
    assert facts(text, "Capacity") == []


def test_capacity_takes_the_service_of_its_own_clause() -> None:
    text = ("The council currently funds 12 residential care beds, and 80 supported living "
            "places.")
    services = {c.value: c.service for c in facts(text, "Capacity")}
    assert services[Decimal(80)] == "supported-living"


def test_people_in_need_of_support_are_a_need() -> None:
    text = "There are 320 adults in need of support with their housing in the district."
    assert facts(text, "Capacity") == []
    assert [c.value for c in facts(text, "NeedEstimate")] == [Decimal(320)]


def test_a_home_opened_to_meet_demand_is_no_need_but_a_required_one_is() -> None:
    opened = "Last year two new care homes opened to meet the demand for nursing care."
    assert facts(opened, "NeedEstimate") == []
    required = "We will require an additional 90 units to meet demand from older people."
    assert [c.value for c in facts(required, "NeedEstimate")] == [Decimal(90)]


def test_the_counted_noun_names_the_group() -> None:
    text = ("There are an estimated 75 rough sleepers in the town, which explains the high "
            "prevalence of people with mental health needs.")
    [fact] = facts(text, "NeedEstimate")
    assert fact.population_group == "people-experiencing-homelessness"


def test_the_cue_right_before_the_date_names_the_event() -> None:
    [fact] = facts("Contracts awarded under the recent tender start 1 July 2024.", "ContractEvent")
    assert (fact.event_type, fact.period_label) == ("start", "2024-07-01")
    [fact] = facts("The contract will be retendered in spring 2024 to start in October 2024.",
                   "ContractEvent")
    assert fact.event_type == "re-procurement"


def test_relationships_are_no_intention() -> None:
    text = "We will develop stronger relationships with housing providers."
    assert facts(text, "CommissioningIntention") == []
    text = "The council will review the feedback received before deciding on day services."
    assert facts(text, "CommissioningIntention") == []
    text = "The replies will be used to review and then revise our equality impact assessment."
    assert facts(text, "CommissioningIntention", heading="Day services") == []


def test_advice_to_providers_is_no_intention_but_a_dated_activity_is() -> None:
    advice = "Develop day services that people can buy with a personal budget"
    assert facts(advice, "CommissioningIntention", heading="Implications for providers") == []
    dated = "Review day services across the borough. March 2025"
    [fact] = facts(dated, "CommissioningIntention", heading="Implications for providers")
    assert fact.direction == "Review"


def test_reducing_providers_ad_hoc_approaches_is_an_outcome() -> None:
    text = "This will reduce the ad hoc approaches made to the council by providers."
    assert facts(text, "CommissioningIntention") == []


def test_a_conversion_is_about_its_target() -> None:
    text = "We will redevelop the old day centre into extra care housing for older people."
    [fact] = facts(text, "CommissioningIntention")
    assert fact.service == "extra-care-housing"


def test_list_items_take_the_period_of_their_lead_in() -> None:
    lines = ["In March 2021 there were:", "420 adults supported in residential care",
             "95 adults supported in supported living in 2020"]
    section = Section("Current provision", 2, 0, 200)
    sentences, at = [], 0
    for index, line in enumerate(lines):
        sentences.append(Sentence(line, at, at + len(line), section=section,
                                  is_list_item=index > 0))
        at += len(line) + 1
    found = {c.value: c.period_label for c in extract_candidates(sentences, RECORD)
             if c.kind == "Capacity"}
    assert found == {Decimal(420): "2021-03", Decimal(95): "2020"}


def test_a_menu_of_links_is_not_a_strategy_name() -> None:
    menu = ("Back to Contents Council websites Northtown Southvale Eastmoor Council plans "
            "Northtown Southvale Eastmoor Local Housing Strategies Northtown Southvale Eastmoor")
    assert facts(menu, "StrategyReference") == []
    prose = "The Northtown Housing Strategy sets out how we will meet demand for extra care."
    [fact] = facts(prose, "StrategyReference")
    assert fact.title.endswith("Northtown Housing Strategy")


def test_an_intention_is_not_dated_by_its_outcome_column() -> None:
    row = ("We will consider new ways of commissioning home care. New home care service in "
           "place from 2019 Green")
    [fact] = facts(row, "CommissioningIntention", heading="Commissioning intentions")
    assert fact.period_label is None
    dated = "Review home care services in the east of the borough. June 2023"
    [fact] = facts(dated, "CommissioningIntention", heading="Commissioning intentions")
    assert fact.period_label == "2023-06"


def test_a_projected_growth_takes_no_service_from_its_heading() -> None:
    text = "We expect a 25% growth in demand for older people's housing by 2035."
    [fact] = facts(text, "NeedEstimate", heading="Housing related support")
    assert (fact.value, fact.service) == (Decimal(25), None)


def test_a_count_of_visually_impaired_people_is_about_sensory_services() -> None:
    text = ("We commission an accommodation based service (30 units) for people who are "
            "visually impaired.")
    [fact] = facts(text, "Capacity", heading="Day opportunities")
    assert fact.service == "sensory-impairment-services"


def test_the_second_end_of_a_range_split_over_lines_is_no_spend() -> None:
    text = "and £20,000 and these grants are funded to deliver support for carers."
    assert facts(text, "Spend") == []
    assert facts(text, "Spend", table=True) == []
    pair = "£5,000 and £20,000 and these grants are funded to deliver support for carers."
    assert facts(pair, "Spend", heading="Grants are made of between") == []
    two = "£15,000 and £20,000 of carers' funding is spent on respite each year."
    assert len(facts(two, "Spend")) == 2


def test_an_age_with_a_plus_is_no_count() -> None:
    text = "We currently support 16+ young people leaving care and 40 adults in supported living."
    assert [c.value for c in facts(text, "Capacity")] == [Decimal(40)]


def test_placements_to_be_remodelled_are_no_capacity() -> None:
    text = "In 2024 we will remodel 12 residential care placements into supported living places."
    assert facts(text, "Capacity") == []


def test_the_year_of_amended_regulations_is_no_contract_event() -> None:
    text = ("The Public Contracts (Amendment) (EU Exit) Regulations) (EU Exit) 2020 amended the "
            "procurement rules for contracts.")
    assert facts(text, "ContractEvent") == []


def test_a_tender_that_commences_stays_a_tender() -> None:
    text = "We anticipate further opportunities for providers to bid would commence in May 2025."
    [fact] = facts(text, "ContractEvent")
    assert fact.event_type == "tender"


def test_a_section_named_after_a_council_takes_the_service_of_the_text_before_it() -> None:
    lines = [("Home care", "Home care", 1),
             ("Telecare is a growing part of our offer.", "Home care", 1),
             ("The handyperson service helps older people with small repairs.", "Home care", 1),
             ("Westminster", "Westminster", 2),
             ("We currently fund 3 providers with £40,000 per annum.", "Westminster", 2)]
    sections, sentences, at = {}, [], 0
    for text, title, level in lines:
        sections.setdefault(title, Section(title, level, at, at + 400))
        sentences.append(Sentence(text, at, at + len(text), section=sections[title],
                                  is_heading=text == title))
        at += len(text) + 1
    spend = [c for c in extract_candidates(sentences, RECORD) if c.kind == "Spend"]
    assert [c.service for c in spend] == ["home-improvement-agency"]


def _list_facts(lines: list[str], kind: str, heading: str = "Our services") -> list[Candidate]:
    """The facts of a lead-in line followed by its list items, under one heading."""
    section = Section(heading, 2, 0, 500)
    sentences, at = [], 0
    for index, line in enumerate(lines):
        sentences.append(Sentence(line, at, at + len(line), section=section,
                                  is_list_item=index > 0))
        at += len(line) + 1
    return [c for c in extract_candidates(sentences, RECORD, model=None) if c.kind == kind]


def test_items_counted_in_words_take_their_verb_from_the_lead_in() -> None:
    found = _list_facts(["The council's own services include:",
                         "Three residential care homes for older people",
                         "Five day centres for adults with a learning disability"], "Capacity")
    assert [(c.value, c.unit) for c in found][:1] == [(Decimal(3), "homes")]
    # a lead-in of plans or of need does not make its items current provision
    assert _list_facts(["Over the next five years we will open:",
                        "Three residential care homes for older people"], "Capacity") == []


def test_items_that_count_a_service_by_its_name_under_a_lead_in_of_provision() -> None:
    found = _list_facts(["The council's own services include:",
                         "Three day services for adults with autism",
                         "Two respite services for carers"], "Capacity")
    assert {(c.value, c.unit, c.service) for c in found} == {
        (Decimal(3), "homes", "day-opportunities"), (Decimal(2), "homes", "respite-care")}
    assert _list_facts(["Over the next five years we will open:",
                        "Three day services for adults with autism"], "Capacity") == []


def test_labelled_figures_under_a_lead_in_count_what_it_names() -> None:
    found = _list_facts(["There are 60 nursing homes in the county with these ratings:",
                         "Good: 41", "Requires improvement: 12"], "Capacity")
    assert {(c.value, c.unit, c.service) for c in found} >= {
        (Decimal(41), "homes", "nursing-care"), (Decimal(12), "homes", "nursing-care")}


def test_the_capacity_of_provision_is_a_count_of_it() -> None:
    [fact] = facts("The capacity of our extra care schemes is 640 flats.", "Capacity",
                   heading="Extra care housing")
    assert (fact.value, fact.unit, fact.service) == (Decimal(640), "units", "extra-care-housing")


def test_intentions_stated_as_reviews_needs_and_searches() -> None:
    [review] = facts("This year we are reviewing how day services are arranged.",
                     "CommissioningIntention")
    assert (review.direction, review.service) == ("Review", "day-opportunities")


def test_items_of_a_list_of_courses_are_intentions_when_they_name_a_service() -> None:
    found = _list_facts(["The new model will focus on:",
                         "specialist respite services for carers of people with dementia",
                         "Choice and control: giving people advice on home care",
                         "closer working with partners"], "CommissioningIntention")
    assert [(c.service, c.direction) for c in found] == [("respite-care", "Increase")]


def test_the_base_of_a_rate_is_not_a_count() -> None:
    assert facts("There are 31 extra care units per 1,000 residents aged 75 and over.",
                 "NeedEstimate") == []


def test_what_a_course_sets_up_or_builds_gives_its_direction() -> None:
    [framework] = facts("Commissioners will set up a framework agreement for home care.",
                        "CommissioningIntention")
    assert framework.direction == "Procure"
    [considered] = facts("We are considering the development of a new approach to home care.",
                         "CommissioningIntention")
    assert considered.direction == "Develop"


def test_shares_of_provision_are_capacity_and_rates_of_change_are_not() -> None:
    [occupancy] = facts("Care homes in the county currently report an occupancy of 91%.",
                        "Capacity")
    assert (occupancy.value, occupancy.unit, occupancy.service) == (
        Decimal(91), "percent", "care-homes")
    [share] = [c for c in facts("Two firms currently hold 60% of the supported living market "
                                "here.", "Capacity") if c.unit == "percent"]
    assert (share.value, share.unit, share.service) == (Decimal(60), "percent", "supported-living")
    # a share stated with a plain copula or "make up", without "currently"
    [beds] = facts("About 15% of nursing beds are in homes run by the council.", "Capacity")
    assert (beds.value, beds.unit, beds.service) == (Decimal(15), "percent", "nursing-care")
    [made] = [c for c in facts("Four providers make up 55% of the home care market.",
                               "Capacity") if c.unit == "percent"]
    assert (made.value, made.service) == (Decimal(55), "home-care")
    assert facts("Home care hours have seen a 12% increase in the last year.", "Capacity") == []
    assert facts("Staff turnover in care homes is currently 30%.", "Capacity") == []


def test_an_infinitive_before_a_main_clause_is_its_purpose_not_an_item() -> None:
    assert facts("To encourage providers, the council has a grant to develop day services.",
                 "CommissioningIntention", heading="Objectives") == []


@pytest.mark.parametrize(("text", "heading", "expected"), [
    # an action item named by its noun, or in its -ing or to-form
    ("- the planned closure of one day centre for older people", "Proposals",
     ("Decommission", "day-opportunities")),
    ("Withdrawing gradually from running residential care homes", "Proposals",
     ("Decommission", "residential-care")),
    ("To improve the quality of home care", "Objectives", ("Develop", "home-care")),
    # a decision recorded in minutes, and what the council's proposal would do or keep
    ("The Cabinet approved the recommissioning of the advocacy service.", "Minutes",
     ("Procure", "advocacy")),
    ("Under the proposals the council would close two of its care homes.", "Proposals",
     ("Decommission", "care-homes")),
    ("Under the plan two council nursing homes would remain in operation.", "Proposals",
     ("Maintain", "nursing-care")),
    ("The council is working towards a new framework for home care in 2027.",
     "Home care",
     ("Procure", "home-care")),
    # a procurement for an outcome is a procurement, not an outcome left out
    ("We will commission a provider to reduce isolation among older people.",
     "Day opportunities", ("Procure", "day-opportunities")),
])
def test_decisions_proposals_and_procurements_are_courses(text: str, heading: str,
                                                          expected: tuple[str, str]) -> None:
    [fact] = facts(text, "CommissioningIntention", heading=heading)
    assert (fact.direction, fact.service) == expected


def test_improve_gives_the_direction_only_when_no_other_term_does() -> None:
    [fact] = facts("We will improve access, including an increase in "
                   "reablement places.", "CommissioningIntention", heading="Reablement")
    assert fact.direction == "Increase"


def test_resolutions_and_own_aims_are_intentions() -> None:
    [resolved] = facts("Approve a public consultation on the future of two day centres.",
                       "CommissioningIntention", heading="RESOLVED to:")
    assert (resolved.direction, resolved.service) == ("Review", "day-opportunities")
    [aim] = facts("Our aim is to develop a new model with local partners.",
                  "CommissioningIntention", heading="Home care")
    assert (aim.direction, aim.service) == ("Develop", "home-care")
    # a wish of someone else's stays out
    assert facts("Providers want to develop better services for people.",
                 "CommissioningIntention", heading="Home care") == []


def test_each_figure_of_a_projection_is_a_need_and_so_is_its_rate() -> None:
    found = facts("Residents with dementia numbered some 41,200 people in 2024; the forecast "
                  "is a rise by 4.1% to 42,900 by 2026, and 47,300 by 2030.", "NeedEstimate")
    assert {(c.value, c.unit) for c in found} >= {
        (Decimal(41200), "people"), (Decimal(42900), "people"), (Decimal(47300), "people"),
        (Decimal("4.1"), "percent")}


def test_an_age_written_or_over_is_not_a_count() -> None:
    found = [c.value for kind in ("Capacity", "NeedEstimate") for c in facts(
        "Home care reaches 1,350 people 70 or over in the borough.", kind)]
    assert Decimal(70) not in found


def test_a_figure_shaped_like_a_year_counts_when_a_count_noun_follows_it() -> None:
    [served] = facts("The day service supports over 2040 people.", "Capacity")
    assert (served.value, served.unit, served.approximate) == (Decimal(2040), "people", True)
    assert served.period_label != "2040"  # the count's figure is not its date
    # after a name, it is the name's year: "the Care Act 2014 places a duty"
    assert facts("The Health Act 2014 places a duty on councils to offer respite care.", "Capacity",
                 heading="Carers support") == []
    # introduced by a preposition, it is the year the sentence speaks of
    assert Decimal(2020) not in [c.value for kind in ("Capacity", "NeedEstimate") for c in facts(
        "In 2020 people with dementia numbered 3,000 in the borough.", kind)]


def test_people_supported_through_providers_are_counted_as_people() -> None:
    [fact] = facts("The reablement team supports over 1,800 residents through local agencies.",
                   "Capacity")
    assert (fact.value, fact.unit, fact.service) == (Decimal(1800), "people", "reablement")


def test_a_notices_value_field_and_a_pound_sign_lost_to_ascii_are_money() -> None:
    text = ("## Home care framework\n\nValue of contract\n\n£42,000,000\n\n"
            "Total value (estimated)\n\n  • PS48,000,000 including VAT\n")
    found = _segmented_facts(text, "Spend")
    assert [(c.value, c.unit, c.service) for c in found] == [
        (Decimal(42000000), "pounds-sterling", "home-care"),
        (Decimal(48000000), "pounds-sterling", "home-care")]
    # a bare amount under any other field is not read as a contract's value
    assert _segmented_facts("## Home care framework\n\nLot 2\n\n£42,000,000\n", "Spend") == []


def test_a_value_fields_last_amount_stands_beside_the_next_field() -> None:
    # the notice's next field runs on into the last item: it is no part of the amount's line
    text = ("## Day services framework\n\nTotal value (estimated)\n- £8,000,000 excluding VAT\n"
            "- £9,600,000 including VAT\nBelow the relevant threshold\n")
    assert [c.value for c in _segmented_facts(text, "Spend")] == [Decimal(8000000),
                                                                  Decimal(9600000)]


@pytest.mark.parametrize("text", [
    "The contract was signed in June 2025, amounting to £3,250,000 for home care.",
    "The council also purchases 20 day centre placements at £240,000 outside the framework.",
])
def test_what_a_contract_amounts_to_or_purchases_cost_is_spend(text: str) -> None:
    assert [c.value for c in facts(text, "Spend")] in ([Decimal(3250000)], [Decimal(240000)])


@pytest.mark.parametrize("text", [
    "214 Carers Strategy and Commissioning Plan PDF 512 KB Report of the Cabinet Member.",
    "Item 7: 45 supported living places update (PDF, 300KB)",
])
def test_a_link_to_a_file_counts_nothing(text: str) -> None:
    assert facts(text, "Capacity") == [] and facts(text, "NeedEstimate") == []


@pytest.mark.parametrize(("text", "share"), [
    ("About 4 in 100 people here have a learning disability.", Decimal(4)),
    ("One in four adults will experience a mental health problem.", Decimal(25)),
])
def test_a_share_written_n_in_m_is_a_need_in_percent_and_its_base_no_count(
        text: str, share: Decimal) -> None:
    assert [(c.value, c.unit) for c in facts(text, "NeedEstimate")] == [(share, "percent")]
    assert facts(text, "Capacity") == []


def test_a_day_of_a_month_without_its_year_is_no_figure() -> None:
    found = facts("Plans for the county's growing older population go to the Cabinet on "
                  "23 July", "NeedEstimate")
    assert Decimal(23) not in [c.value for c in found]


def test_the_plans_speak_for_the_council_and_their_counts_are_targets() -> None:
    text = "The plans will increase the number of nursing beds across 11 homes."
    [fact] = facts(text, "CommissioningIntention", heading="Care homes")
    assert (fact.direction, fact.service) == ("Increase", "nursing-care")
    assert facts(text, "NeedEstimate") == [] and facts(text, "Capacity") == []


def test_homes_a_council_runs_or_owns_are_its_provision() -> None:
    [run] = facts("The council runs 9 residential homes for older people.", "Capacity")
    assert (run.value, run.unit, run.service) == (Decimal(9), "homes", "residential-care")
    [owned] = facts("The council owns 6 nursing homes.", "Capacity")
    assert (owned.value, owned.service) == (Decimal(6), "nursing-care")


def test_a_count_of_placements_in_homes_and_its_parts() -> None:
    found = facts("We support about 2,400 care home placements; some 1,500 in residential "
                  "homes and about 900 in nursing homes", "Capacity")
    assert [(c.value, c.unit, c.service) for c in found] == [
        (Decimal(2400), "places", "care-homes"), (Decimal(1500), "places", "residential-care"),
        (Decimal(900), "places", "nursing-care")]


def test_a_count_dated_in_brackets_and_a_further_stock_are_current() -> None:
    [dated] = facts("There are approximately 1,940 older people receiving home care (May 2021).",
                    "Capacity")
    assert (dated.value, dated.period_label) == (Decimal(1940), "2021-05")
    [further] = facts("Our trading company also has a further six care homes.", "Capacity")
    assert further.value == Decimal(6)
    assert facts("We will open a further six care homes by 2026.", "Capacity") == []


def test_an_age_band_in_a_title_is_not_a_need_figure() -> None:
    found = facts("Projected 75+ population of the borough: people aged 75 and over will "
                  "grow to 21,400 by 2030.", "NeedEstimate")
    assert Decimal(75) not in {c.value for c in found}


def test_a_count_of_services_is_not_a_need() -> None:
    found = facts("Adults aged 18+ with a range of needs are cared for by 38 supported "
                  "living services in the district.", "NeedEstimate")
    assert Decimal(38) not in {c.value for c in found}


def test_this_number_counts_who_the_sentence_before_counted() -> None:
    found = _document_facts(
        ["In 2024 an estimated 9,300 people aged 65 and over were unable to manage at "
         "least one mobility activity on their own.",
         "This number is projected to grow by 6.0% to 9,860 by 2030."], "NeedEstimate")
    assert {(c.value, c.population_group) for c in found} >= {
        (Decimal(9300), "older-people"), (Decimal(9860), "older-people"),
        (Decimal("6.0"), "older-people")}


def test_a_net_change_in_provision_is_not_what_exists() -> None:
    text = ("There are 120 care homes with 3,900 beds. Since 2021 the market has seen a net "
            "rise of 4 care homes and 210 care home beds.")
    assert {c.value for c in facts(text, "Capacity")} == {Decimal(120), Decimal(3900)}
    text = "Despite an increase in the number of referrals, we currently support 400 people."
    assert [c.value for c in facts(text, "Capacity")] == [Decimal(400)]


def test_the_law_of_procurement_and_a_bracketed_stamp_are_no_contract_events() -> None:
    law = ("From October 2026 councils must follow the new procurement legislation, "
           "the Procurement Act 2023.")
    assert facts(law, "ContractEvent") == []
    stamp = "It takes nine days on average to start a home care package once tendered (May 2025)."
    assert facts(stamp, "ContractEvent") == []
    # a contract under the law keeps its date
    [event] = facts("Under the Procurement Act 2023 the home care contract will be retendered "
                    "in June 2026.", "ContractEvent")
    assert event.period_label == "2026-06"


def test_a_grant_awarded_is_no_contract_event() -> None:
    text = ("Under the day services framework the council agreed to award a small "
            "grant for the period 1 May 2026 to 31 March 2027.")
    assert facts(text, "ContractEvent") == []
    [event] = facts("Under the day services framework the contract was awarded on 1 May 2026.",
                    "ContractEvent")
    assert event.event_type == "award"


def test_when_a_building_opens_is_no_contract_date() -> None:
    text = "Procurement of the care service at the new Elm Court scheme, due to open in May 2027."
    assert facts(text, "ContractEvent") == []
    [event] = facts("Procurement of the care service at Elm Court will start in May 2027.",
                    "ContractEvent")
    assert event.period_label == "2027-05"


def test_sizes_and_standards_are_not_stock() -> None:
    assert facts("We currently have a shortage of 2-bedroom flats with level access.",
                 "Capacity") == []
    assert facts("Each extra care scheme should have around 70 flats to be viable.",
                 "Capacity") == []
    [fact] = facts("Each of our extra care schemes currently has 70 flats.", "Capacity")
    assert fact.value == Decimal(70)


def test_centres_sites_and_locations_are_counted_as_homes_are() -> None:
    [fact] = facts("Our day services are currently provided in 14 locations across the county.",
                   "Capacity")
    assert (fact.value, fact.unit) == (Decimal(14), "homes")


def test_a_section_of_the_document_ends_its_name() -> None:
    [fact] = facts("Northtown Market Position Statement Introduction", "StrategyReference")
    assert fact.title == "Northtown Market Position Statement"


def test_every_change_of_a_projection_and_a_prevalence_rate_are_read() -> None:
    text = ("The number of people aged 65 and over is estimated at 48,200 in 2023 and is "
            "predicted to increase by 4.1% to 50,200 by 2025 and by 12.6% to 54,300 by 2030.")
    found = {(c.value, c.unit, c.period_label) for c in facts(text, "NeedEstimate")}
    assert {(Decimal("4.1"), "percent", "2025"), (Decimal("12.6"), "percent", "2030")} <= found
    text = ("In 2019 there was an estimated 17.2% (31,400) prevalence of anxiety or depression "
            "disorders among adults.")
    found = {(c.value, c.unit) for c in facts(text, "NeedEstimate")}
    assert (Decimal("17.2"), "percent") in found


def test_a_projection_from_one_figure_to_another_states_both() -> None:
    text = ("The population aged 65 and over is predicted to grow from 38,100 in 2021 to "
            "47,900 in 2035.")
    found = {(c.value, c.period_label) for c in facts(text, "NeedEstimate")}
    assert found == {(Decimal(38100), "2021"), (Decimal(47900), "2035")}


def test_people_a_service_supports_each_year_are_provision() -> None:
    text = "There are 30 providers on the framework who support about 4,000 people per year."
    assert Decimal(4000) in {c.value for c in facts(text, "Capacity")}
    assert facts(text, "NeedEstimate") == []


def test_a_count_stamped_at_a_month_is_current() -> None:
    [fact] = facts("At mid-May 2021 we were providing support to 70 people in extra care.",
                   "Capacity")
    assert (fact.value, fact.period_label) == (Decimal(70), "2021-05")


def test_a_stamp_dates_every_count_of_its_sentence() -> None:
    found = facts("There are 210 care homes with 7,300 beds in the county (as of May 2022).",
                  "Capacity")
    assert {(c.value, c.period_label) for c in found} == {
        (Decimal(210), "2022-05"), (Decimal(7300), "2022-05")}


def test_a_procedure_a_contract_requires_is_no_need() -> None:
    text = ("The care contracts for the three extra care schemes end in May 2027 and these "
            "will require re-procurement.")
    assert facts(text, "NeedEstimate") == []
    assert facts("We estimate the borough will require 3 more extra care schemes by 2030.",
                 "NeedEstimate")


def test_a_library_of_policies_and_a_vision_in_prose_are_no_strategies() -> None:
    assert facts("Add a procedure or guidance note to the Policy Library.",
                 "StrategyReference") == []
    assert facts("The director set out a broad vision for Community Health Services in the "
                 "north.", "StrategyReference") == []
    [fact] = facts("Our Vision for Community Health Services was agreed in 2024.",
                   "StrategyReference")
    assert fact.title.startswith("Our Vision for Community Health Services")


def test_an_acronym_in_brackets_does_not_part_a_count_from_its_noun() -> None:
    [fact] = facts("There are currently 12 Shared Lives (SL) schemes in the county.", "Capacity")
    assert (fact.value, fact.unit) == (Decimal(12), "homes")


def test_a_service_commissioned_from_a_date_is_a_contract_event() -> None:
    [event] = facts("From 1 April 2026 we have commissioned a new advocacy service with a "
                    "local charity.", "ContractEvent")
    assert (event.event_type, event.period_label) == ("start", "2026-04-01")
    [event] = facts("In March 2019 the council recommissioned its day services through a "
                    "dynamic purchasing system.", "ContractEvent")
    assert (event.event_type, event.period_label) == ("re-procurement", "2019-03")


def test_occupancy_said_once_applies_to_each_figure_of_its_sentence() -> None:
    found = facts("Currently (May 2022) occupancy for residential homes is 88% and for "
                  "nursing homes 92%.", "Capacity")
    assert {(c.value, c.service, c.period_label) for c in found} == {
        (Decimal(88), "residential-care", "2022-05"), (Decimal(92), "nursing-care", "2022-05")}


def test_a_projected_rise_of_a_percentage_is_a_need() -> None:
    found = facts("The number of people with dementia is predicted to rise to 3,900 by 2035, "
                  "a rise of 41%.", "NeedEstimate")
    assert (Decimal(41), "percent") in {(c.value, c.unit) for c in found}


def test_a_title_quoted_whole_is_the_name() -> None:
    [fact] = facts("Beside it sits our 'Vision for in-house care, Northtown Care' which says how "
                   "our own homes will change.", "StrategyReference")
    assert fact.title == "Vision for in-house care, Northtown Care"


def _segmented_facts(text: str, kind: str) -> list[Candidate]:
    """Facts of a text as the segmenter cuts it (a notice's layout is in its lines)."""
    from carekg.loaders.model import DocumentText
    from carekg.loaders.segment import segment

    sentences = segment(DocumentText(text=text, media_type="text/markdown"))
    return [c for c in extract_candidates(sentences, RECORD, model=None) if c.kind == kind]


@pytest.mark.parametrize(("stage", "event"), [("Planning", "tender"), ("Tender", "tender"),
                                              ("Published", "tender"), ("Award", "award"),
                                              # an update is a release too, of its stage
                                              ("TenderUpdate", "tender"),
                                              ("AwardUpdate", "award")])
def test_a_notices_release_is_an_event_of_its_stage(stage: str, event: str) -> None:
    text = (f"## Home care framework\n\n{stage}\n\n14 Jan 2026 at 09:30\n\n"
            "Summary of the contracting process\n")
    [fact] = _segmented_facts(text, "ContractEvent")
    assert (fact.event_type, fact.period_label) == (event, "2026-01-14")


@pytest.mark.parametrize(("field", "event"), [("Submission Deadline", "tender"),
                                              ("Award Date", "award"),
                                              ("Contract Period", "start")])
def test_a_notices_listed_date_field_is_an_event_of_its_field(field: str, event: str) -> None:
    text = f"## Home care framework\n\n- {field}\n- 3 Feb 2027 - 2 Feb 2032\n"
    [fact] = _segmented_facts(text, "ContractEvent")
    assert (fact.event_type, fact.period_label[:10]) == (event, "2027-02-03")


def test_dates_listed_under_a_notices_field_heading_are_events_of_the_field() -> None:
    text = ("## Day services framework\n\nContract dates (estimated)\n"
            "- 1 April 2026 to 31 March 2029\n- Possible extension to 31 March 2030\n")
    assert [(c.event_type, c.period_label) for c in _segmented_facts(text, "ContractEvent")
            ][:1] == [("start", "2026-04-01")]


@pytest.mark.parametrize("field", ["Published date", "Closing date", "Closing",
                                   "First published", "Deadline date"])
def test_a_notices_date_field_on_one_line_is_a_release(field: str) -> None:
    text = f"## Home care framework\n\n{field}: 14 January 2026, 12pm\n"
    [fact] = _segmented_facts(text, "ContractEvent")
    assert (fact.event_type, fact.period_label) == ("tender", "2026-01-14")


@pytest.mark.parametrize(("line", "event"), [
    # a field name of three words or more, its value on the next line
    ("Tender submission deadline\n\n14 January 2026, 12:00pm", "tender"),
    ("Enquiry deadline\n\n14 January 2026, 5:00pm", "tender"),
    ("Earliest date the contract will be signed\n\n14 January 2026", "award"),
    # a release and its full date on one line, no colon between
    ("Published 14 January 2026, 4:05pm", "tender"),
    # the notice's own update stamp, and the day an awarded contract was signed
    ("Last edited 14 January 2026, 9:40am", "tender"),
    ("Date signed\n\n14 January 2026", "award"),
])
def test_a_notices_long_and_run_on_fields_are_events(line: str, event: str) -> None:
    [fact] = _segmented_facts(f"## Home care framework\n\n{line}\n", "ContractEvent")
    assert (fact.event_type, fact.period_label) == (event, "2026-01-14")


def test_a_strategy_named_in_a_sentence_is_kept_over_its_bare_link_line() -> None:
    # the same strategy twice, first as a link line, then in a sentence that says what
    # the text says of it: the sentence is the mention kept (a heading would be kept)
    text = ("## Carers\n\nDocuments\n\n- Carers Breaks Strategy\n\n"
            "Our Carers Breaks Strategy sets out how we will fund breaks for carers.\n")
    [fact] = _segmented_facts(text, "StrategyReference")
    assert text[fact.start:fact.end].startswith("Our Carers Breaks Strategy sets out")


def test_a_stage_word_before_a_number_is_no_release() -> None:
    assert _segmented_facts("## Home care\n\nPlanning 14 new homes for 2026.\n",
                            "ContractEvent") == []


def test_a_year_in_a_notices_web_address_dates_no_event() -> None:
    assert facts("Tender notice: https://www.example-tenders.gov.uk/Notice/012345-2026 for "
                 "the home care framework.", "ContractEvent") == []


@pytest.mark.parametrize("text", [
    "Table 3 shows how many care homes in the county have a dementia specialism.",
    "Figure 12: the predicted number of older people receiving home care, 2020 - 2040",
])
def test_the_number_of_a_table_or_figure_is_no_count(text: str) -> None:
    assert facts(text, "Capacity") == [] and facts(text, "NeedEstimate") == []


@pytest.mark.parametrize(("text", "direction", "service"), [
    ("Agree that officers proceed with the procurement of a county-wide home care "
     "framework.", "Procure", "home-care"),
    ("To authorise the procurement of residential care for older people.", "Procure",
     "residential-care"),
    ("Northtown is initiating a tender process for care in its extra care housing.",
     "Procure", "extra-care-housing"),
    ("Officers are seeking to award six home care contracts in the spring.", "Procure",
     "home-care"),
    ("To note the planned closure of two day centres next year.", "Decommission",
     "day-opportunities"),
    ("2) authorises the Head of Commissioning to commence procurement of home care for "
     "adults.", "Procure", "home-care"),
    ("Members considered a paper with approval to tender supported living sought.",
     "Procure", "supported-living"),
    ("Review Shared Lives Scheme Contracts in Northtown, Southville and Eastwick. June 2026",
     "Review", "shared-lives"),
])
def test_committee_decisions_to_procure_or_close(text: str, direction: str,
                                                 service: str) -> None:
    [fact] = facts(text, "CommissioningIntention", heading="Decision")
    assert (fact.direction, fact.service) == (direction, service)


@pytest.mark.parametrize(("text", "heading"), [
    # the marker names the course; a procurement term much later is not it
    ("A report seeking the approval to tender supported living services, and to ask the "
     "Director of Adult Services to bring back, once the panel has scored every bid, a "
     "further report to award the contracts.", "Decision"),
    # a delegation: the course comes after the officer's titles
    ("2) authorises the Director of Adult Social Services, in consultation with the Cabinet "
     "Member for Health and Wellbeing and the Director of Finance, to commence procurement "
     "of supported living for adults.", "Is key decision?: Yes"),
    # a resolution's lead-in speaks for the council
    ("supported living will be procured through a new framework from next April.",
     "That the Cabinet"),
])
def test_a_decisions_course_in_its_own_words(text: str, heading: str) -> None:
    [fact] = facts(text, "CommissioningIntention", heading=heading)
    assert (fact.direction, fact.service) == ("Procure", "supported-living")


def test_a_grant_awarded_is_not_procured() -> None:
    assert facts("Approve the award of a one-year grant to a local day centre charity.",
                 "CommissioningIntention", heading="Decision") == []



@pytest.mark.parametrize(("heading", "expected"), [
    ("Reduce reliance on residential care for younger adults", [("Decrease", "residential-care")]),
    ("Increasing preventative services for carers", []),  # a gerund names a topic
    # ... unless it counts what it acts on: an item of a plan set out as lines
    ("Building two new extra care schemes", [("Increase", "extra-care-housing")]),
    ("TENDER: Home Care Framework for the County", []),  # a notice's title
])
def test_a_heading_that_commits_to_a_course(heading: str,
                                            expected: list[tuple[str, str]]) -> None:
    sentence = Sentence(heading, 0, len(heading), is_heading=True)
    found = [c for c in extract_sentence(sentence, RECORD)
             if c.kind == "CommissioningIntention"]
    assert [(c.direction, c.service) for c in found] == expected


@pytest.mark.parametrize("title", [
    "Proposed Changes to Day Services for Older People – Report on the Consultation "
    "Findings",
    "TENDER: Northtown Council - Framework Agreement for the Provision of Supported Living",
])
def test_a_title_proposes_nothing(title: str) -> None:
    assert facts(title, "CommissioningIntention", heading="Decision") == []


def test_a_line_repeating_its_pages_title_proposes_nothing() -> None:
    title = "Recommissioning of the advocacy services for adults in the borough"
    sentence = Sentence(f"{title}.", 200, 200 + len(title) + 1,
                        section=Section("Issue details", 2, 180, 400))
    found = [c for c in extract_sentence(sentence, RECORD, context=(f"Decision: {title}",))
             if c.kind == "CommissioningIntention"]
    assert found == []
    # the same words under another page state the course
    other = [c for c in extract_sentence(sentence, RECORD, context=("Decisions",))
             if c.kind == "CommissioningIntention"]
    assert [c.direction for c in other] == ["Procure"]
    # a plan's item read as a heading is its own section's title, not a repetition
    item = "Building two new care homes for older people"
    heading = Sentence(item, 0, len(item), section=Section(item, 3, 0, 60), is_heading=True)
    assert [c.direction for c in extract_sentence(heading, RECORD, context=(item,))
            if c.kind == "CommissioningIntention"] == ["Increase"]


def test_the_commissioning_of_a_contract_is_a_procurement() -> None:
    [fact] = facts("Approve the commissioning of a home care contract.",
                   "CommissioningIntention", heading="Recommendations")
    assert (fact.direction, fact.service) == ("Procure", "home-care")



def test_this_is_projected_to_rise_counts_the_figure_before() -> None:
    found = _document_facts(["In 2024 about 2,400 older people receive home care.",
                             "This is projected to rise to 3,100 in 2040."], "NeedEstimate")
    assert [(c.value, c.period_label) for c in found][-1:] == [(Decimal(3100), "2040")]


def test_a_decade_of_age_is_no_figure() -> None:
    assert facts("Demand for home care is much the same among older people in their 70s and 80s.",
                 "NeedEstimate") == []


def test_a_page_heading_names_the_statement_with_its_years() -> None:
    heading = "Market Position Statement 2026 - 2031 Day Opportunities - Current supply"
    sentence = Sentence(heading, 0, len(heading), is_heading=True)
    [fact] = [c for c in extract_sentence(sentence, RECORD) if c.kind == "StrategyReference"]
    assert (fact.title, fact.period_label) == ("Market Position Statement", "2026-2031")


def test_counts_joined_by_and_share_the_verb_after_the_last() -> None:
    counted = facts("30 respite beds and 6 nursing care beds were open in the county.",
                    "Capacity")
    assert [(f.value, f.unit) for f in counted] == [(Decimal(30), "beds"), (Decimal(6), "beds")]


def test_carers_in_an_area_are_a_need_and_carers_a_service_counts_are_provision() -> None:
    [need] = facts("There are 8,100 carers in the district.", "NeedEstimate")
    assert need.value == Decimal(8100)
    assert facts("There are 8,100 carers in the district.", "Capacity") == []
    [served] = facts("In 2021, 450 carers were registered with the carers hub.", "Capacity")
    assert served.value == Decimal(450)
    assert facts("Care is given through around 900 carers.", "NeedEstimate") == []



def test_a_plan_that_includes_a_change_of_provision_is_an_intention() -> None:
    heading = "Our commissioning intentions"
    [fact] = facts("This will include an increase in the use of shared lives.",
                   "CommissioningIntention", heading=heading)
    assert (fact.direction, fact.service) == ("Increase", "shared-lives")
    [fact] = facts("The county needs more respite care for carers.", "CommissioningIntention",
                   heading=heading)
    assert fact.direction == "Increase"
    # what a plan or document does for others is not a course of provision
    assert facts("This will help providers plan their respite services.",
                 "CommissioningIntention", heading=heading) == []


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        ("New supported living schemes are being created for people with autism.", "Develop",
         "supported-living"),
        ("The proposals include the possible closure of two day centres.", "Decommission",
         "day-opportunities"),
        ("A new day opportunities offer is in development.", "Develop", "day-opportunities"),
        ("There is a requirement to develop respite care for carers.", "Develop",
         "respite-care"),
    ],
)
def test_courses_said_of_the_provision_itself(text: str, direction: str, service: str) -> None:
    [fact] = facts(text, "CommissioningIntention", heading="Our commissioning intentions")
    assert (fact.direction, fact.service) == (direction, service)


@pytest.mark.parametrize(("text", "title"), [
    ("In May 2024 the Board approved the Living Well Strategic Framework 2024-2027.",
     "Living Well Strategic Framework"),
    ("Cabinet adopted the Supported Living Strategic Statement 2024-2027 in May 2024.",
     "Supported Living Strategic Statement"),
])
def test_a_strategic_framework_or_statement_is_a_strategy(text: str, title: str) -> None:
    [fact] = facts(text, "StrategyReference")
    assert (fact.title, fact.period_label) == (title, "2024-2027")


def test_admissions_to_a_care_service_are_provision_and_hospital_admissions_an_outcome(
) -> None:
    heading = "Our commissioning intentions"
    [fact] = facts("- reduce admissions to nursing homes", "CommissioningIntention",
                   heading=heading)
    assert (fact.direction, fact.service) == ("Decrease", "nursing-care")
    assert facts("- reduce hospital admissions", "CommissioningIntention", heading=heading) == []
    assert facts("- reduce admissions to hospital", "CommissioningIntention",
                 heading=heading) == []



def test_a_plan_given_up_is_no_intention_and_a_contents_line_no_count() -> None:
    assert facts("We were originally going to tender for all home care in one lot.",
                 "CommissioningIntention") == []
    assert facts("We are going to tender for all home care in one lot.",
                 "CommissioningIntention") != []
    contents = "1.Introduction 2.Local context 3.Demand is projected to grow 4.Carers 10"
    assert facts(contents, "NeedEstimate") == facts(contents, "Capacity") == []


def test_beds_planned_to_be_added_are_no_capacity() -> None:
    assert facts("Planning permission has been agreed to add 30 care home beds.",
                 "Capacity") == []
    assert facts("The council has 30 care home beds.", "Capacity") != []


def test_the_supplier_a_contract_went_to_names_no_service() -> None:
    text = ("The contract is valued at £1,200,000 and was awarded to Northtown Crossroads - "
            "Caring for Carers, as of 3rd May 2024.")
    [spend] = facts(text, "Spend", heading="24-hour home care response service")
    [event] = facts(text, "ContractEvent", heading="24-hour home care response service")
    assert spend.service == event.service == "home-care"
    [event] = facts("The home care contract was awarded to Action for Carers in May 2024.",
                    "ContractEvent")
    assert event.service == "home-care"


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        # the plan's own voice: the place it serves, or the report itself, as the subject
        ("The borough needs more extra care housing for older people.", "Increase",
         "extra-care-housing"),
        ("This paper seeks authority to tender a new home care framework.", "Procure",
         "home-care"),
        ("Cabinet approval is sought to recommission the carers support service.", "Procure",
         "carers-support"),
        # a passive course whose subject is the provision it acts on
        ("New supported living schemes are being created in each town.", "Develop",
         "supported-living"),
        # an action item whose verb follows a degree adverb
        ("Gradually reduce the use of residential care for younger adults.", "Decrease",
         "residential-care"),
        # more of a provision made available, or built, is an increase of it
        ("We will develop greater availability of extra care housing.", "Increase",
         "extra-care-housing"),
        ("We will support the design and construction of extra care housing.", "Increase",
         "extra-care-housing"),
    ],
)
def test_courses_the_plan_states_without_naming_the_council(
    text: str, direction: str, service: str
) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == (direction, service)


@pytest.mark.parametrize(
    "text",
    [
        # a service, or the people it serves, as the subject: not the council's course
        "The home care agreement aims to help people stay in their own homes.",
        "Local care homes are looking to expand their nursing capacity.",
        "Residents of the borough want to see more extra care housing.",
        # a relative clause has its subject before it: minutes of what was proposed
        "Members considered the report which proposed a framework for supported living.",
    ],
)
def test_a_course_of_someone_else_is_no_own_voice(text: str) -> None:
    assert facts(text, "CommissioningIntention") == []


def test_items_under_what_we_want_to_do_are_intentions() -> None:
    found = _list_facts(["Over the next four years we want to:",
                         "buy fewer residential placements for younger adults",
                         "make more use of telecare beside home care",
                         "listen to what people tell us"], "CommissioningIntention")
    assert [(c.direction, c.service) for c in found] == [
        ("Decrease", "residential-care"), ("Increase", "telecare")]


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        # a resolution's item numbered in roman numerals, its verb as minutes write it
        ("(ii) agrees that the day services for older people are reviewed by March.",
         "Review", "day-opportunities"),
        # a decision to award, opened by its infinitive
        ("To award the contract for extra care support to the preferred bidder.", "Procure",
         "extra-care-housing"),
        # a procurement to come, in the passive
        ("The advocacy contracts end next year and will be re-procured together.",
         "Procure", "advocacy"),
        ("We intend to replace the home care framework with an open framework.", "Procure",
         "home-care"),
    ],
)
def test_decisions_and_procurements_to_come(text: str, direction: str, service: str) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == (direction, service)


def test_an_item_asking_for_more_of_a_service_is_an_increase() -> None:
    found = _list_facts(["There is a need to develop:",
                         "more supported living flats, reducing reliance on shared houses"],
                        "CommissioningIntention")
    assert [(c.direction, c.service) for c in found] == [("Increase", "supported-living")]


@pytest.mark.parametrize(
    ("text", "direction", "service"),
    [
        # more people served by a provision it names: an increase of it, and the council's
        # own course (not the people's, as in "help people to increase their skills")
        ("Over the next three years we will help more people to use direct payments.",
         "Increase", "direct-payments"),
        ("We will support the growth of Shared Lives across the county.",
         "Increase", "shared-lives"),
        # a purchasing system opened again, and an award made directly: procurements
        ("We will re-open the supported living framework to new providers in 2026.",
         "Procure", "supported-living"),
        ("The council intends to use a direct award for the extra care contract.",
         "Procure", "extra-care-housing"),
        # what a report asks its decision-makers to do
        ("Cabinet is asked to agree the closure of two day centres in 2027.",
         "Decommission", "day-opportunities"),
        # care paid for where it is
        ("We will provide revenue funding to the extra care schemes for their care teams.",
         "Maintain", "extra-care-housing"),
        # more people, the service named further on
        ("Our vision is for more people to live independently in a home of their own, "
         "with home care when they need it.", "Increase", "home-care"),
        # minutes record what was decided, and market engagement opens a procurement
        ("It was agreed that officers would begin market engagement on a new day "
         "services model.", "Procure", "day-opportunities"),
        ("Over the next three years we expect to reduce our use of residential care for "
         "younger adults.", "Decrease", "residential-care"),
        # a decision or resolution under its label
        ("Decision: To approve the award of the day services framework to the providers in "
         "Appendix B.", "Procure", "day-opportunities"),
        ("RESOLVED: That the Director be authorised to extend the advocacy contract for up "
         "to 12 months.", "Maintain", "advocacy"),
        ("Approval is sought to commence a procurement for a new telecare service.",
         "Procure", "telecare"),
        ("We confirm our intention to recommission the carers' service from April 2027.",
         "Procure", "carers-support"),
    ],
)
def test_courses_in_the_genres_own_words(text: str, direction: str, service: str) -> None:
    """Courses as plans, minutes and reports state them (each case says what it shows)."""
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == (direction, service)


def test_a_count_of_the_stock_a_course_acts_on_is_capacity_not_its_target() -> None:
    text = "The council intends to re-tender the care at the six extra care schemes it funds."
    [count] = facts(text, "Capacity")
    [course] = facts(text, "CommissioningIntention")
    assert (count.value, count.service) == (Decimal(6), "extra-care-housing")
    assert (course.direction, course.value) == ("Procure", None)
    # a course's own figure stays its target, and no capacity
    text = "We will develop 45 additional supported living flats."
    assert facts(text, "Capacity") == []
    assert facts(text, "CommissioningIntention")[0].value == Decimal(45)


def test_resolutions_in_the_passive_under_resolved_that_are_courses() -> None:
    # the items' numbering was taken off as their mark; the passive verb is the course
    # and what comes before it the provision acted on
    found = _list_facts(["RESOLVED that:",
                         "the day services contract be extended for six months;",
                         "a new advocacy service be procured to start in June 2027;",
                         "the number of council-funded respite beds be reduced from 20 to 14;",
                         "the Director's report be noted."],
                        "CommissioningIntention", heading="Minutes")
    assert [(c.direction, c.service) for c in found] == [
        ("Maintain", "day-opportunities"), ("Procure", "advocacy"),
        ("Decrease", "respite-care")]
    # an offer extended to more people is widened, not a term kept
    assert facts("The scheme will be extended to carers of all ages.",
                 "CommissioningIntention") == []


@pytest.mark.parametrize(
    ("lines", "direction", "service"),
    [
        # more providers, fewer short calls: the market and what home care is bought in
        (["In home care we want to:", "grow the number of providers in the rural north"],
         "Increase", "home-care"),
        (["In home care we want to:", "cut the number of 15-minute calls"],
         "Decrease", "home-care"),
        # a target item by its figure and "new"
        (["Our priorities are:", "60 new extra care apartments by 2029"],
         "Increase", "extra-care-housing"),
    ],
)
def test_items_acting_on_the_market_and_target_items(lines: list[str], direction: str,
                                                     service: str) -> None:
    found = _list_facts(lines, "CommissioningIntention", heading="Home care")
    assert [(c.direction, c.service) for c in found] == [(direction, service)]


def test_items_under_a_heading_of_intentions_without_a_lead_in() -> None:
    section = Section("Our commissioning intentions", 2, 0, 200)
    items = ["30 new shared lives placements by 2028", "A market position statement"]
    sentences, at = [], 0
    for item in items:
        sentences.append(Sentence(item, at, at + len(item), section=section,
                                  is_list_item=True))
        at += len(item) + 1
    found = [c for c in extract_candidates(sentences, RECORD, model=None)
             if c.kind == "CommissioningIntention"]
    assert [(c.direction, c.service) for c in found] == [("Increase", "shared-lives")]


def test_provision_kept_down_is_a_decrease() -> None:
    # the decrease is stated after what it keeps down
    [fact] = facts("We will keep the use of residential care as low as possible.",
                   "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Decrease", "residential-care")


def test_a_wish_for_fewer_is_a_decrease() -> None:
    [fact] = facts("We want fewer adults to be placed in nursing homes outside the borough.",
                   "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Decrease", "nursing-care")


def test_people_who_answered_a_consultation_are_no_need_and_no_provision() -> None:
    text = "In total 245 carers responded to the consultation on the new carers plan."
    assert facts(text, "NeedEstimate") == facts(text, "Capacity") == []
    # carers counted where they live are still a need
    assert facts("There are 4,500 carers in the borough.", "NeedEstimate")


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        # a procurement reported as planned, its subject a pronoun
        ("Members heard that it would be re-tendered as one contract from April 2027.",
         "Extra care housing"),
        # whatever the subject's own clause says of providers, the commissioner procures
        ("The open framework that new providers can join will be procured in 2026.",
         "Home care"),
    ],
)
def test_a_procurement_in_the_passive_is_the_commissioners(text: str, heading: str) -> None:
    [fact] = facts(text, "CommissioningIntention", heading=heading)
    assert fact.direction == "Procure"


def test_this_summing_up_the_plan_states_its_course() -> None:
    [fact] = facts("This will include an increase in the use of Shared Lives for younger "
                   "adults.", "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Increase", "shared-lives")
    # "the" alone is no such subject: "the need for more costly services" is no course
    assert facts("Advocacy can prevent problems and the need for more costly services.",
                 "CommissioningIntention") == []


def test_a_bid_deadline_in_prose_is_a_tender_event() -> None:
    [fact] = facts("Tenders must be submitted by 12:00 noon on 9 March 2026.", "ContractEvent")
    assert (fact.event_type, fact.period_label) == ("tender", "2026-03-09")


def test_a_change_in_spend_is_no_spend() -> None:
    for text in ("We intend to reduce spend on out-of-area placements by £1.5m.",
                 "The budget for home care will be cut by £2m next year."):
        assert facts(text, "Spend") == [], text
    # what is spent stays spend
    assert facts("We spend £2m a year on home care.", "Spend")


def test_a_count_of_some_of_an_earlier_count_takes_its_noun_and_kind() -> None:
    text = ("Northtown has 14 extra care schemes with 820 apartments, and the council holds "
            "nomination rights to 610 of them.")
    assert [(c.value, c.unit) for c in facts(text, "Capacity")] == [
        (Decimal(14), "homes"), (Decimal(820), "units"), (Decimal(610), "units")]
    # some of a need are a need too
    text = ("There are an estimated 21,000 unpaid carers in the borough, of whom 4,300 "
            "provide 50 or more hours of care a week.")
    assert [c.value for c in facts(text, "NeedEstimate")] == [Decimal(21000), Decimal(4300)]
    assert facts(text, "Capacity") == []


def test_two_counts_without_a_clause_break_are_cut_where_a_phrase_starts() -> None:
    # each count's evidence is its own phrase, not the sentence cut at its middle space
    text = "The council funds 240 supported living flats across 31 properties in the city."
    found = facts(text, "Capacity")
    assert [(c.value, c.unit, text[c.start - 100:c.end - 100]) for c in found] == [
        (Decimal(240), "units", "The council funds 240 supported living flats"),
        (Decimal(31), "homes", "across 31 properties in the city.")]


def test_people_waiting_for_care_are_a_need() -> None:
    for text in ("There are currently 420 people on the waiting list for a home care package.",
                 "In May, 130 people were waiting for a package of care to start."):
        assert facts(text, "Capacity") == [], text
        assert facts(text, "NeedEstimate"), text


def test_a_share_of_a_population_with_a_condition_is_a_need_in_percent() -> None:
    for text, value in (("It is estimated that 11% of people aged 65 and over have a mental "
                         "health need.", 11),
                        ("Around 12% of the population are unpaid carers.", 12)):
        [fact] = facts(text, "NeedEstimate")
        assert (fact.value, fact.unit) == (Decimal(value), "percent"), text
    # a share of the people a service supports is no population's need
    assert facts("About 60% of people who use day services have a learning disability.",
                 "NeedEstimate") == []


@pytest.mark.parametrize(("text", "event", "date"), [
    # an extension, a past tender, a termination and an invitation named without the
    # word "contract"
    ("A two-year extension to 30 June 2027 was agreed in May 2025.", "extension",
     "2027-06-30"),
    ("The service was last tendered in 2019.", "tender", "2019"),
    ("The council gave notice to terminate the contract on 31 January 2025.", "termination",
     "2025-01-31"),
    ("Expressions of interest are invited by 28 February 2026.", "tender", "2026-02-28"),
])
def test_contract_events_named_by_their_own_words(text: str, event: str, date: str) -> None:
    [fact] = facts(text, "ContractEvent")
    assert (fact.event_type, fact.period_label) == (event, date)


def test_a_courses_target_in_people_is_no_need() -> None:
    text = "The council plans to expand the Shared Lives scheme to 80 carers by 2027."
    assert facts(text, "NeedEstimate") == []
    assert facts(text, "CommissioningIntention")[0].direction == "Increase"


def test_not_intending_to_commission_more_is_a_decrease() -> None:
    [fact] = facts("We do not intend to commission any new nursing beds before 2028.",
                   "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Decrease", "nursing-care")


def test_a_row_counting_a_dated_group_of_people_is_a_need() -> None:
    [fact] = facts("People aged 85 and over (2031, projected) 12,300", "NeedEstimate",
                   table=True)
    assert (fact.value, fact.period_label, fact.population_group, fact.is_projection) == (
        Decimal(12300), "2031", "people-aged-85-and-over", True)
    # people already served are counted, not a need
    assert facts("Council-funded placements, people aged 65+ (March 2024) 2,340",
                 "NeedEstimate", table=True) == []


@pytest.mark.parametrize(
    ("text", "heading", "direction", "service"),
    [
        # a procurement in the passive is the commissioner's, for the section's service
        ("The current contracts end in May 2026 and will be re-procured together.",
         "Extra care housing", "Procure", "extra-care-housing"),
        ("The council is preparing to re-procure its home care contracts.", None, "Procure",
         "home-care"),
        ("The council is inviting bids for its new home care framework.", None,
         "Procure", "home-care"),
        # a refusal to buy more is a decrease
        ("We will not commission any new residential care places in the city.", None,
         "Decrease", "residential-care"),
    ],
)
def test_procurements_under_way_and_refusals(text: str, heading: str | None, direction: str,
                                             service: str) -> None:
    [fact] = facts(text, "CommissioningIntention", heading=heading)
    assert (fact.direction, fact.service) == (direction, service)


def test_an_item_refusing_new_provision_is_a_decrease() -> None:
    found = _list_facts(["We will:", "not commission new residential care beds for younger "
                         "adults"], "CommissioningIntention")
    assert [(c.direction, c.service) for c in found] == [("Decrease", "residential-care")]


def test_a_denied_course_is_still_no_intention() -> None:
    assert facts("We will not recommission the day centre contract.",
                 "CommissioningIntention", heading="Day services") == []


def test_a_pages_publication_date_is_no_release_outside_a_notice() -> None:
    report = replace(RECORD, kind="cabinet-report")

    def events(heading: str) -> list[Candidate]:
        sentence = Sentence("Published: 6 May 2025", 100, 121,
                            section=Section(heading, 1, 0, 200))
        return [c for c in extract_sentence(sentence, report) if c.kind == "ContractEvent"]

    assert events("Cabinet to decide on the future of day services") == []
    assert [c.event_type for c in events("Tender notice: day services framework")] == [
        "tender"]


def test_a_strategy_named_only_by_its_years_is_no_reference() -> None:
    assert facts("Much was achieved during the 2019-2022 Strategy.", "StrategyReference") == []
    [fact] = facts("Much was achieved during the Carers Strategy 2019-2022.",
                   "StrategyReference")
    assert (fact.title, fact.period_label) == ("Carers Strategy", "2019-2022")


def test_a_dated_row_of_carers_is_a_need_and_a_whole_population_is_not() -> None:
    [fact] = facts("Unpaid carers (Census 2021) 48,300", "NeedEstimate", table=True)
    assert (fact.value, fact.population_group) == (Decimal(48300), "unpaid-carers")
    assert facts("Adults aged 18 and over (2023) 512,000", "NeedEstimate", table=True) == []


def test_items_under_the_councils_priorities_speak_for_it() -> None:
    found = _list_facts(["Our priorities are:",
                         "increasing dementia capacity in the north of the county"],
                        "CommissioningIntention", heading="Care homes")
    assert [(c.direction, c.service) for c in found] == [("Increase", "dementia-support")]
    found = _list_facts(["We expect to see:", "more capacity in the rural west"],
                        "CommissioningIntention", heading="Home care")
    assert [(c.direction, c.service) for c in found] == [("Increase", "home-care")]
    # the market's own course is not the council's
    assert _list_facts(["Opportunities for providers to explore:",
                        "increasing dementia capacity in the north of the county"],
                       "CommissioningIntention", heading="Care homes") == []


@pytest.mark.parametrize("field", ["Value of contract\n£480,000",
                                   "Contract value\n  • £480,000 excluding VAT"])
def test_a_notices_value_field_a_line_each_is_spend(field: str) -> None:
    # a run of field lines, read as a list: the field's name is no heading here
    text = ("## Carers support service\n\nDescription\n\nAn information and advice "
            "service for carers across the borough, with one hub.\n\n"
            f"Lot One Carers Hub\nSupplier\nNorthtown Carers Trust\n{field}\n\n"
            "Procurement reference\n\nABC-123\n")
    [fact] = _segmented_facts(text, "Spend")
    assert (fact.value, fact.service) == (Decimal(480000), "carers-support")


def test_a_row_labelled_by_its_year_in_a_table_of_costs_is_that_years_spend() -> None:
    text = ("## Home care framework\n\nTable 2: Estimated cost of the framework\n\n"
            "Year Estimated hours per week Estimated cost\n"
            "2027/28 21,000 £40.5m\n2028/29 22,400 £42.6m\n")
    found = _segmented_facts(text, "Spend")
    assert [(f.value, f.service, f.period_label) for f in found] == [
        (Decimal("40500000"), "home-care", "2027/28"),
        (Decimal("42600000"), "home-care", "2028/29")]


@pytest.mark.parametrize("text", [
    "A provider engagement event for the new framework will be held on 11 May 2026.",
    "Market engagement event: 3 March 2026",
])
def test_a_dated_market_engagement_opens_a_procurement(text: str) -> None:
    [fact] = facts(text, "ContractEvent", heading="Home care")
    assert fact.event_type == "tender"


def test_inviting_tenders_is_a_procurement() -> None:
    [fact] = facts("The council is inviting tenders for its advocacy service.",
                   "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Procure", "advocacy")


def test_an_undated_row_of_people_by_age_is_a_need_dated_by_the_document() -> None:
    [fact] = facts("Adults aged 65 and over 91,200", "NeedEstimate", table=True)
    assert (fact.value, fact.population_group, fact.period_label) == (
        Decimal(91200), "older-people", "2022")
    assert facts("Adults aged 18 and over 400,100", "NeedEstimate", table=True) == []
    assert facts("Learning disability 64", "NeedEstimate", table=True) == []


@pytest.mark.parametrize("text", [
    "Our housing plan identifies a need for a further 320 extra care flats by 2032.",
    "We will support the development of new schemes of extra care housing by 2028.",
])
def test_a_further_need_and_new_schemes_are_increases(text: str) -> None:
    [fact] = facts(text, "CommissioningIntention")
    assert (fact.direction, fact.service) == ("Increase", "extra-care-housing")


def test_a_tenders_award_criteria_are_no_counts() -> None:
    heading = "Home care framework: award criteria"
    assert facts("Quality 65", "Capacity", heading=heading, table=True) == []
    assert facts("Social value 15", "Capacity", heading=heading, table=True) == []
    assert facts("Providers 60", "Capacity", heading=heading, table=True) != []
