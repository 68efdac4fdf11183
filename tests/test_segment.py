"""Segmenting: headings, sections, list items, table rows and sentences with exact spans."""

from __future__ import annotations

import re
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


def test_rows_without_tabs_counted_from_the_end() -> None:
    """A row's cells are found backwards from the line's end, one cell at a time (each
    search looks only a cell's width back, so a line of thousands of cells stays linear):
    the row with many cells, the "1, 234" cell broken after its comma and a row of
    column years are still told from a sentence that ends in figures."""
    many = "Home care " + " ".join(str(n) for n in range(1, 400)) + "\n\n"
    text = (many + "Day care 1, 234 £2.5m 17%\n\n2019/20 2020/21 Jan 2022\n\n"
            "We spent more on care in 2019 than 2020.\n")
    sentences = _segment(text)
    rows = [s.plain for s in sentences if s.is_table_row]
    assert rows[0].startswith("Home care 1 2 3") and rows[0].endswith(" 399")
    assert rows[1:] == ["Day care 1, 234 £2.5m 17%", "2019/20 2020/21 Jan 2022"]
    assert "We spent more on care in 2019 than 2020." in [
        s.plain for s in sentences if not s.is_table_row]


def test_a_flattened_timetable_is_split_into_its_rows() -> None:
    """Rows of an activity/date table that lost their layout, a date wrapped onto its own
    line, become one sentence each; a date that a preposition ties to the next line ("by
    June 2023") does not end a row."""
    text = ("We will set out the timetable of the review below, as agreed with partners\n"
            "Meet the current providers of respite care to discuss how the service could change\n"
            "October - \nDecember 2023\n"
            "Publish the draft plan for comment by the people who use services  May 2024\n"
            "Start the re-tendering of meals on wheels and of the laundry service for older\n"
            "Autumn \n2024\nThe panel of residents and officers will decide by\nJune 2023\n"
            "Which options to keep.\n")
    plains = [s.plain for s in _segment(text)]
    assert plains[0].endswith("how the service could change October - December 2023")
    assert plains[1:] == [
        "Publish the draft plan for comment by the people who use services May 2024",
        "Start the re-tendering of meals on wheels and of the laundry service for older "
        "Autumn 2024",
        "The panel of residents and officers will decide by June 2023 Which options to keep."]


def test_a_table_cell_holding_an_inline_list_gives_a_sentence_per_item() -> None:
    """Items after a cell's start or a full stop are sentences of the row; items that
    finish a lead-in ("which:") stay with it."""
    text = ("Service\tDetail\n"
            "Current provision\t<ul>• The Council funds a day centre. • It is open daily.\n"
            "Intentions\tWe will fund groups which: <ul><li>• meet weekly</li><li>• run "
            "trips</li></ul>\n")
    rows = [s.plain for s in _segment(text) if s.is_table_row]
    assert "The Council funds a day centre." in rows
    assert "It is open daily." in rows
    assert any(r.startswith("Intentions") and r.endswith("run trips</li></ul>") for r in rows)


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



def test_a_line_ending_in_a_preposition_is_not_a_heading() -> None:
    """ "... small awards of between" is cut off mid-sentence, not a title."""
    text = ("Our services\n\nWe fund a programme of groups.\n"
            "Clubs can apply for small awards of between\n"
            "£1,500 and £6,000 which we review each year.\n")
    sentences = _segment(text)
    assert not any(s.is_heading and s.plain.endswith("between") for s in sentences)
    assert {s.section.title for s in sentences if s.section} == {"Our services"}


def test_a_date_range_does_not_open_a_lead_in_section() -> None:
    """ "June 2023 - August 2023" is a range, not a "Topic – text" lead-in."""
    text = ("Timetable\n\nWe will consult on the new model with providers and people.\n\n"
            "June 2023 - August 2023 and then the decision.\n")
    for sentence in _segment(text):
        assert sentence.section is not None and sentence.section.title == "Timetable"


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


def _pdf_text(lines: list[str]) -> str:
    """Text as PDF extraction gives it: a blank line after every line."""
    return "\n\n".join(lines) + "\n"


_NAV = ["Home Page", "Contact us"]  # a navigation bar printed on every page


def _pdf_pages() -> list[str]:
    lines: list[str] = []
    for number, place in enumerate("North South East West Upper Lower Inner Outer Old New"
                                   .split()):
        lines += [*_NAV, f"Page topic {number}",
                  "This page describes the services that Widgetshire com-",
                  "missions for its residents and how it plans for them.",
                  "We also fund a number of schemes that help people stay",
                  f"Independent In {place} Town"]
    return lines


def test_pdf_page_furniture_and_wrapped_fragments_are_not_headings() -> None:
    text = _pdf_text(_pdf_pages())
    sentences = _segment(text)
    headings = [s.plain for s in sentences if s.is_heading]
    assert "Home Page" not in headings and "Contact us" not in headings
    assert all("Home Page" not in s.text for s in sentences), "navigation is no sentence"
    assert "Page topic 3" in headings
    # "Independent In ... Town" continues the sentence of the line before it
    assert "Independent In East Town" not in headings
    joined = [s.plain for s in sentences if s.plain.startswith("We also fund")]
    assert joined and joined[2].endswith("stay Independent In East Town")


def test_figures_dates_and_single_letters_are_not_headings() -> None:
    lines = ["Current supply", "There are many homes in the borough and most are small.",
             "3,400", "The number above is the count of people helped last year.",
             "October 2015", "The strategy was agreed then by the cabinet of the council.",
             "B", "The key shows where the homes are on the map of the area.",
             "The Scheme Will Run From Spring Until It Closes In"]
    lines += ["2019 when the council will review it and decide what comes next."] * 3
    sentences = _segment(_pdf_text(lines * 3))
    headings = {s.plain for s in sentences if s.is_heading}
    assert "Current supply" in headings
    assert not headings & {"3,400", "October 2015", "B",
                           "The Scheme Will Run From Spring Until It Closes In"}


def test_unbulleted_lists_in_double_spaced_text_are_items() -> None:
    lines = ["Our priorities", "The priorities of the plan are the following ones.",
             "Choice For Residents", "Safe Homes", "Strong Communities", "Better Value",
             "Each of them is explained in the pages that follow this one."] * 4
    sentences = _segment(_pdf_text(lines))
    items = [s.plain for s in sentences if s.is_list_item]
    assert items[:4] == ["Choice For Residents", "Safe Homes", "Strong Communities",
                         "Better Value"]
    assert not any(s.is_heading and s.plain == "Safe Homes" for s in sentences)


def test_tables_without_tabs_keep_rows_and_their_header() -> None:
    lines = ["People supported", "The table shows people supported in each area.",
             "North South East", "2019 2020 2021", "Day care 120 1,340 17, 250",
             "Home care 88 90 95", "The numbers have risen in most areas since 2019."] * 3
    text = _pdf_text(lines)
    sentences = _segment(text)
    rows = [s for s in sentences if s.is_table_row]
    day = next(r for r in rows if r.text.startswith("Day care"))
    assert day.text == "Day care 120 1,340 17, 250"
    assert day.header == "North South East\n2019 2020 2021"
    assert next(r for r in rows if r.text.startswith("Home care")).header == day.header
    assert not any(s.is_heading and s.plain in ("Day care 120 1,340 17, 250",
                                                 "North South East") for s in sentences)
    # a sentence that ends with figures is not a row
    prose = _segment("We counted people in 2019 and found 120 130\n\nmore than expected.\n")
    assert not any(s.is_table_row for s in prose)


def test_timetables_are_rows_under_their_column_names() -> None:
    lines = ["What happens when", "The dates below are indicative and may change.",
             "Activity Date", "Retender the laundry service  Autumn 2016",
             "New laundry contract starts April 2017",
             "Providers will be told of each stage in good time."] * 4
    sentences = _segment(_pdf_text(lines))
    rows = [s for s in sentences if s.is_table_row]
    assert [r.plain for r in rows[:3]] == [
        "Activity Date", "Retender the laundry service Autumn 2016",
        "New laundry contract starts April 2017"]
    assert rows[1].header == "Activity Date"
    assert not any(s.is_heading and s.plain == "Activity Date" for s in sentences)


@pytest.mark.parametrize("path", sorted(corpus_dir().glob("*.txt")), ids=lambda p: p.stem)
def test_an_action_that_goes_on_ends_its_timetable_row(path: Path) -> None:
    # "Ongoing" or "TBC" stands where a date would: a timetable's rows that end so are a
    # sentence each, not one run-on sentence of several actions
    for sentence in segment(read_document(path)):
        assert len(re.findall(r"\s(?:Ongoing|TBC)\s+[A-Z]", sentence.plain)) == 0, sentence.plain


def test_tab_tables_give_rows_the_first_row_as_header() -> None:
    text = "Service\tBudget\tYear\nDay care\t£2m\t2021/22\nMeals\t£1m\t2021/22\n"
    rows = [s for s in _segment(text) if s.is_table_row]
    assert [r.header for r in rows] == [None, "Service\tBudget\tYear",
                                        "Service\tBudget\tYear"]


def test_a_sentence_opener_after_a_lost_full_stop_starts_a_new_sentence() -> None:
    text = (
        "Day centres are open six days a week and run by\n\n"
        "two local charities   There are 40 places in each\n\n"
        "centre and we fund the transport\n\n"
        "The service in the north is busier than in the south.\n"
    )
    plains = [s.plain for s in _segment(text)]
    assert "Day centres are open six days a week and run by two local charities" in plains
    assert "There are 40 places in each centre and we fund the transport" in plains
    assert "The service in the north is busier than in the south." in plains


def test_capitalised_words_inside_a_sentence_do_not_split_it() -> None:
    text = ("We commission floating support for older people who live in\n"
            "The Grange and in Westminster Court, our two largest sheltered housing\n"
            "Schemes in the borough.\n")
    plains = [s.plain for s in _segment(text)]
    assert plains == ["We commission floating support for older people who live in The "
                      "Grange and in Westminster Court, our two largest sheltered housing "
                      "Schemes in the borough."]


def test_a_numbered_line_that_is_a_sentence_is_a_list_item_not_a_heading() -> None:
    text = ("3. Respite services\n\nWe buy short breaks for carers.\n\n"
            "4. We must hear what worries you\n\nso that we plan together.\n\n"
            "5. It is also important that the market\n\nknows our plans.\n\n"
            "Home care costs grew by a third.\n")
    sentences = _segment(text)
    headings = [s.plain for s in sentences if s.is_heading]
    assert headings == ["3. Respite services"]
    last = _by_plain(sentences)["Home care costs grew by a third."]
    assert last.section is not None and last.section.title == "3. Respite services"


# -- layouts of web pages and notices (invented text) -------------------------------------

def test_a_table_flattened_to_a_cell_per_line_gives_one_sentence_per_row() -> None:
    text = ("## Homes by type\n\nType of home | Number of homes |\nResidential, older people |\n"
            "41 |\nNursing, dementia |\n17 |\n\nAfter the table, a sentence.\n")
    rows = [s for s in _segment(text) if s.is_table_row]
    assert [r.plain for r in rows] == ["Type of home | Number of homes |",
                                       "Residential, older people | 41 |",
                                       "Nursing, dementia | 17 |"]
    assert rows[1].header == "Type of home | Number of homes |"


def test_label_and_figure_lines_are_rows_not_headings() -> None:
    text = ("Places by town\n\nAshby: 12\nBurton: 30\n\nHome support hours 410\n"
            "Day centre places 95\n\nThe figures are for March.\n")
    sentences = _segment(text)
    rows = [s.plain for s in sentences if s.is_table_row]
    assert rows == ["Ashby: 12", "Burton: 30", "Home support hours 410", "Day centre places 95"]
    assert not any(s.section and s.section.title in ("Ashby", "Burton") for s in sentences)


def test_one_label_and_figure_line_alone_may_be_a_title() -> None:
    sentences = _segment("Priority 3\n\nWe will review the service over the coming year.\n")
    assert [s.plain for s in sentences if s.is_heading] == ["Priority 3"]


def test_a_rating_grid_row_is_cut_after_its_figure() -> None:
    text = "Care at home support 120 Increase The council will grow this service.\n"
    assert [s.plain for s in _segment(text)] == [
        "Care at home support 120", "Increase The council will grow this service."]


def test_every_row_of_a_rating_grid_is_cut_after_its_figure() -> None:
    """Rows after the first, and a row after a line that ends without a full stop, are
    rows too."""
    text = ("Care at home support 120 Increase The council will grow this service\n"
            "Shared lives 45 Maintained The council will keep this service.\n"
            "Day centre places 80 Decrease The council will reduce this service.\n")
    assert [s.plain for s in _segment(text)] == [
        "Care at home support 120", "Increase The council will grow this service",
        "Shared lives 45", "Maintained The council will keep this service.",
        "Day centre places 80", "Decrease The council will reduce this service."]


def test_a_release_time_is_no_numbered_heading_and_dates_its_stage() -> None:
    text = ("## A tender notice\n\nTender\n\n04 Feb 2026 at 10:15\n\nSummary of the notice\n\n"
            "The council seeks providers of meals services.\n")
    sentences = _segment(text)
    assert "Tender 04 Feb 2026 at 10:15" in [s.plain for s in sentences]
    assert not any(s.is_heading and s.plain.startswith("04 Feb") for s in sentences)
    last = sentences[-1]
    assert last.plain == "The council seeks providers of meals services."
    assert last.section is not None and "A tender notice" in last.section.titles


def test_a_notices_fields_a_line_each_give_its_release_its_own_sentence() -> None:
    """A field's date is its label's ("Published" / "12 Mar 2026, 10:05"), and neither its
    day nor an amount in a currency code is a rating-grid row's figure."""
    text = ("## A contract notice\n\nStatus\nopen\nValue\n1500000.0 GBP\nPublished\n"
            "12 Mar 2026, 10:05\nDeadline\nn/a\n")
    plain = [s.plain for s in _segment(text)]
    assert "Published 12 Mar 2026, 10:05" in plain
    assert not any(p.endswith(("Published 12", "Value 1500000.0")) for p in plain)


def test_a_notices_fields_as_a_list_give_each_date_its_fields_name() -> None:
    """Fields listed as items, name then value ("- Award Date" / "- 2 Mar 2027"): the
    value is its name's, and a value that is no date stays an item of its own."""
    text = ("## A contract notice\n\n- Award Date\n- 2 Mar 2027 4 days ago\n"
            "- Contract Period\n- 1 Jun 2027 - 31 May 2031 Over 3 years\n"
            "- Recurrence\n- Not specified\n")
    plain = [s.plain for s in _segment(text)]
    assert "Award Date - 2 Mar 2027 4 days ago" in plain
    assert "Contract Period - 1 Jun 2027 - 31 May 2031 Over 3 years" in plain
    assert "Not specified" in plain


def test_a_date_after_a_sentence_cut_at_a_line_end_is_not_a_release() -> None:
    text = ("The new statement will be online in the spring.\nPublished on the\n"
            "Council Website\n\nSpring 2027\n")
    assert "Published on the Council Website Spring 2027" in [s.plain for s in _segment(text)]


def test_a_clause_with_a_figure_is_no_rating_grid_row() -> None:
    text = "In the county we have 14 Extra Care Schemes.\n"
    assert [s.plain for s in _segment(text)] == [text.strip()]


def test_a_rating_grid_cell_is_a_table_row_but_an_ordinal_is_not() -> None:
    text = ("Care at home support 120 Increase The council will grow this service.\n"
            "Client Group Band 2 Residential care for adults.\n")
    rows = [s.plain for s in _segment(text) if s.is_table_row]
    assert rows == ["Care at home support 120"]


def test_a_markdown_table_is_rows_under_its_caption_and_column_names() -> None:
    text = ("Table 2. Predicted prevalence of dementia in the county\n"
            "People aged 65 and over predicted to have: | 2025 | 2030 | Change |\n"
            "---|---|---|---|\n"
            "A mild dementia | 1,200 | 1,350 | +12.5% |\n"
            "Severe dementia | 400 | 460 | +15.0% |\n"
            "The figures come from a national model.\n")
    rows = [s for s in _segment(text) if s.is_table_row and "dementia |" in s.plain]
    assert [s.plain.split(" |")[0] for s in rows] == ["A mild dementia", "Severe dementia"]
    assert all(s.header and s.header.startswith("Table 2.") for s in rows)


def test_a_capitals_line_inside_a_markdown_page_stays_under_the_page() -> None:
    text = ("## Meals service for older people\n\nMeals service for older people\n\n"
            "NORTHTOWN COUNCIL\n\nSummary of the notice\n\n"
            "The contract runs from 1 April 2026 to 31 March 2029.\n")
    last = _segment(text)[-1]
    assert last.section is not None
    assert "Meals service for older people" in last.section.titles


def test_a_web_pages_long_item_ends_at_its_line() -> None:
    """A list item longer than any wrapped line, then a capitalised line: the paragraph
    after the list, not the item's continuation. A wrapped item still runs on."""
    item = ("- people who need more support may still use a building-based service, though "
            "the aim remains that everyone can take part in community life")
    text = f"{item}\nDay centres support about 900 people across the county.\n"
    assert [s.plain for s in _segment(text)][-1] == (
        "Day centres support about 900 people across the county.")
    wrapped = "- people who need more support may still use\nDay centres in the county.\n"
    assert len(_segment(wrapped)) == 1


def test_items_whose_bullet_glyph_was_lost_are_items() -> None:
    # PDF text keeps the space after a dropped glyph: each such line in lower case after
    # a lead-in is an item, a wrapped line in lower case runs on, a capitalised line ends
    # the list
    text = ("Our plans\n"
            "We will:\n"
            " open two day centres in the east of the county and\n"
            "in the west\n"
            " close the older day centre by 2027\n"
            "Carers\n"
            "The council supports 900 carers.\n")
    sentences = _segment(text)
    items = [s.plain for s in sentences if s.is_list_item]
    assert items == ["open two day centres in the east of the county and in the west",
                     "close the older day centre by 2027"]
    assert "The council supports 900 carers." in [s.plain for s in sentences]


def test_an_indented_line_without_a_lead_in_is_no_item() -> None:
    text = "The council supports carers across\n the county with grants.\n"
    assert not any(s.is_list_item for s in _segment(text))


def test_flush_left_items_opening_with_a_plans_verb_are_items() -> None:
    # PDF text that lost its bullets and their spaces: a line opening with a plan's verb
    # after the lead-in (or after such an item, past a page's running foot) is an item;
    # a line after one that breaks off mid-phrase is its wrap
    text = ("What we will do\n"
            "Over the next five years we will:\n"
            "develop 40 more shared lives places for younger adults\n"
            "reduce the use of residential care for younger adults, and continue to\n"
            "review the day centres\n"
            "Northtown Council   Learning Disability Plan   Page 4\n"
            "expand the supported employment service\n"
            "Money\n")
    items = [s.plain for s in _segment(text) if s.is_list_item]
    assert items == [
        "develop 40 more shared lives places for younger adults",
        "reduce the use of residential care for younger adults, and continue to review the "
        "day centres",
        "expand the supported employment service"]


def test_outcome_items_after_a_lead_in_ending_a_wrapped_paragraph_are_items() -> None:
    # the lead-in is the end of a paragraph's wrapped line, and the items state outcomes
    # by "more" and "fewer" flush left: each is an item; a line opening otherwise after
    # an item is its wrap
    text = ("What we are aiming for\n"
            "We want older people to keep their independence for as long as they can,\n"
            "close to family and friends. By 2030 we want to see:\n"
            "more people helped home from hospital by reablement\n"
            "fewer people moving into residential care from a hospital\n"
            "bed\n"
            "Our progress is reported to the Health and Wellbeing Board.\n")
    items = [s.plain for s in _segment(text) if s.is_list_item]
    assert items == ["more people helped home from hospital by reablement",
                     "fewer people moving into residential care from a hospital bed"]


def test_lost_bullet_items_after_wraps_opening_with_a_figure_or_a_name() -> None:
    # an item's wrap may open with a year ("... by / 2029") or, after "and", a place's
    # name; the items after them are still items, and "cut" and "grow" open them
    text = ("Our plans\n"
            "By 2030 we will:\n"
            "expand reablement so that more people go home from hospital by\n"
            "2029\n"
            "grow extra care in the market towns of Northby and\n"
            "Southwick\n"
            "cut waiting times for a home care package\n"
            "Money\n")
    items = [s.plain for s in _segment(text) if s.is_list_item]
    assert items[1:] == ["grow extra care in the market towns of Northby and Southwick",
                         "cut waiting times for a home care package"]


def test_a_field_name_ending_a_run_of_short_lines_heads_its_bullets() -> None:
    # a notice's fields a line each, short and unpunctuated like an unbulleted list; the
    # last of them introduces the bullets after it, so it heads them and is no item
    text = ("Care at home framework\n"
            "The council is buying care at home for adults across the borough through a "
            "framework.\n"
            "Commercial tool\nEstablishes a dynamic market\nTotal value (estimated)\n"
            "  • £2,400,000 excluding VAT\n  • £2,880,000 including VAT\n")
    values = [s for s in _segment(text) if "VAT" in s.plain]
    assert [s.plain for s in values] == ["£2,400,000 excluding VAT",
                                         "£2,880,000 including VAT"]
    assert all(s.section and s.section.title == "Total value (estimated)" for s in values)


def test_a_notices_field_after_a_short_item_starts_anew() -> None:
    # a supplier's name as a short item, then the next field's name past a blank line (read
    # as a body line, as on a long notice page): the field is not the item running on
    from carekg.loaders.segment import _blocks, _lines

    lines = _lines("  • Northtown Carers Trust\n\nContract value\n")
    lines[0].kind, lines[1].kind = "bullet", "body"
    assert [len(block) for block, _ in _blocks(lines, double=True)] == [1, 1]
    lines = _lines("  • Support for carers who look after\n\nsomeone at home\n")
    lines[0].kind, lines[1].kind = "bullet", "body"
    assert [len(block) for block, _ in _blocks(lines, double=True)] == [2]
    # after a longer item (a classification code), a notice's dated field still starts anew
    lines = _lines("  • 85312000 - Social work services without accommodation for adults\n\n"
                   "Estimated date of tender notice\n")
    lines[0].kind, lines[1].kind = "bullet", "body"
    assert [len(block) for block, _ in _blocks(lines, double=True)] == [1, 1]
