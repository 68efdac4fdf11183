"""Attribution: each sentence speaks for the listed councils the text is about."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from carekg.councils import default_register
from carekg.loaders.attribute import attribute, attribute_candidates, find_mentions
from carekg.loaders.model import Candidate, DocumentRecord, DocumentText, Sentence
from carekg.loaders.segment import segment

REGISTER = default_register()


def _code(name: str) -> str:
    return REGISTER.resolve(name).gss_code


def _record(*names: str) -> DocumentRecord:
    return DocumentRecord("doc", Path("doc.txt"), "A document",
                          tuple(_code(n) for n in names), "other", "2022")


def _councils(text: str, record: DocumentRecord) -> dict[str, set[str]]:
    sentences = attribute(segment(DocumentText(text, "text/plain")), record, REGISTER)
    return {s.plain: set(s.councils) for s in sentences}


def test_single_council_document_gets_its_council_everywhere() -> None:
    record = _record("Leicester")
    result = _councils("Leicestershire County Council runs buses. We fund day care.\n", record)
    assert all(c == {_code("Leicester")} for c in result.values())


def test_concatenated_extracts_switch_where_a_new_council_is_named() -> None:
    record = _record("Knowsley", "Liverpool", "Sefton")
    text = ("Home care\n\nThe Council spends money on home care. It will retender it.\n\n"
            "Knowsley Council has a carers service. The service grows.\n\n"
            "Day care\n\nMost day centres in Liverpool are old. They will be replaced.\n\n"
            "We work across the Liverpool City Region on standards.\n\n"
            "Sefton Council wishes to encourage new models. We will consult.\n")
    result = _councils(text, record)
    knowsley, liverpool, sefton = (_code("Knowsley"), _code("Liverpool"), _code("Sefton"))
    assert result["The Council spends money on home care."] == {knowsley}  # before first name
    assert result["The service grows."] == {knowsley}
    assert result["They will be replaced."] == {liverpool}
    assert result["We work across the Liverpool City Region on standards."] == {liverpool}
    assert result["Day care"] == {knowsley}  # a heading that names no council carries over
    assert result["We will consult."] == {sefton}


def test_joint_text_falls_back_to_every_council() -> None:
    record = _record("Hammersmith and Fulham", "Kensington and Chelsea", "Westminster")
    everyone = set(record.councils)
    text = ("Introduction\n\nThe three boroughs share one plan. We buy care together.\n\n"
            "Housing\n\nIn Westminster we run a hostel. It has ten rooms.\n\n"
            "Carers\n\nCarers are valued. H&F funds a carers centre and RBKC a helpline.\n\n"
            "Day care\n\nCentres open daily.\n")
    result = _councils(text, record)
    assert result["The three boroughs share one plan."] == everyone
    assert result["We buy care together."] == everyone
    assert result["It has ten rooms."] == {_code("Westminster")}
    assert result["Carers are valued."] == everyone  # new section in a joint document
    assert result["H&F funds a carers centre and RBKC a helpline."] == {
        _code("Hammersmith and Fulham"), _code("Kensington and Chelsea")}
    assert result["Centres open daily."] == everyone


def test_heading_naming_a_council_sets_its_section() -> None:
    record = _record("Knowsley", "Liverpool")
    text = ("Liverpool\n\nThe Council will grow shared lives. It will review respite.\n\n"
            "Knowsley\n\nThe Council will reduce care home beds.\n")
    result = _councils(text, record)
    assert result["It will review respite."] == {_code("Liverpool")}
    assert result["The Council will reduce care home beds."] == {_code("Knowsley")}


def test_mentions_are_careful_with_names_inside_other_names() -> None:
    listed = (_code("Leicester"),)
    text = "Leicestershire and Leicester City Council met; wcc and Westminster too."
    found = {(text[m.start:m.end], m.gss_code) for m in find_mentions(text, REGISTER, listed)}
    assert ("Leicester City Council", _code("Leicester")) in found
    assert ("Leicestershire", _code("Leicestershire")) in found
    assert ("Westminster", _code("Westminster")) in found
    assert not any(name == "wcc" for name, _ in found)
    assert not any(name == "Leicester" for name, _ in found)


_THREE = ("Hammersmith and Fulham", "Kensington and Chelsea", "Westminster")


def _sentences(text: str, record: DocumentRecord) -> list[Sentence]:
    return attribute(segment(DocumentText(text, "text/plain")), record, REGISTER)


def _figure(sentence: Sentence, figure: str, kind: str = "Capacity", *,
            value_start: bool = True, whole: bool = True) -> Candidate:
    """A candidate for ``figure`` as an extractor would make it: evidence the whole
    sentence (or only the figure), the value's offset given or not."""
    at = sentence.text.index(figure)
    start, end = ((sentence.start, sentence.end) if whole
                  else (sentence.start + at, sentence.start + at + len(figure)))
    return Candidate(kind, sentence, start, end,
                     value=Decimal(figure.replace(",", "").replace(" ", "")),
                     value_start=sentence.start + at if value_start else None)


def _council_names(candidates: list[Candidate]) -> list[str | None]:
    names = {REGISTER.resolve(n).gss_code: n for n in _THREE}
    return [names.get(c.council) if c.council else None for c in candidates]


def test_each_figure_gets_the_council_named_in_its_clause() -> None:
    record = _record(*_THREE)
    text = ("Meals are delivered to 120 people in Westminster, 86 in Kensington &\n"
            "Chelsea and 1, 204 in Hammersmith and Fulham every week.\n")
    [sentence] = _sentences(text, record)
    assert len(sentence.councils) == 3
    given = [_figure(sentence, f) for f in ("120", "86", "1, 204")]
    found = [_figure(sentence, f, value_start=False) for f in ("120", "86", "1, 204")]
    attribute_candidates(given + found, record, REGISTER)
    expected = ["Westminster", "Kensington and Chelsea", "Hammersmith and Fulham"]
    assert _council_names(given) == expected
    assert _council_names(found) == expected  # value located in the evidence


def test_joint_or_untied_figures_keep_every_council_they_speak_for() -> None:
    record = _record(*_THREE)
    text = ("Across the three boroughs 300 people use the service, and Westminster and "
            "Kensington and Chelsea share one provider.\n"
            "We fund 12 schemes in Westminster and Kensington and Chelsea.\n")
    joint, shared = _sentences(text, record)
    candidates = [_figure(joint, "300"), _figure(shared, "12")]
    attribute_candidates(candidates, record, REGISTER)
    assert _council_names(candidates) == [None, None]
    # without a value offset and with the whole sentence as evidence nothing is moved
    no_value = Candidate("CommissioningIntention", shared, shared.start, shared.end)
    attribute_candidates([no_value], record, REGISTER)
    assert no_value.council is None


def test_table_rows_take_the_council_of_their_label_or_column() -> None:
    record = _record(*_THREE)
    lines = ["Placements", "The table shows placements in each borough by year.",
             "H&F Kensington and Chelsea Westminster", "2020 2021 2020 2021 2020 2021",
             "Nursing care 10 12 20 22 30 32", "Residential care 5 6 7 8 9 11",
             "Both tables are updated every year by the boroughs."] * 3
    text = "\n\n".join(lines) + "\n"
    rows = [s for s in _sentences(text, record) if s.is_table_row and s.header]
    nursing = rows[0]
    assert nursing.text.startswith("Nursing care")
    candidates = [_figure(nursing, n) for n in ("12", "20", "32")]  # each written once
    attribute_candidates(candidates, record, REGISTER)
    assert _council_names(candidates) == ["Hammersmith and Fulham",
                                          "Kensington and Chelsea", "Westminster"]
    labelled = _sentences("Homes for older people\n\nK&C 40 41 45\n\nWCC 50 52 58\n", record)
    k_and_c = next(s for s in labelled if s.text.startswith("K&C"))
    assert k_and_c.is_table_row and k_and_c.councils == (_code("Kensington and Chelsea"),)


def test_single_council_documents_are_left_alone() -> None:
    record = _record("Sefton")
    [sentence] = _sentences("Sefton has 40 beds and Knowsley has 30 beds.\n", record)
    candidate = _figure(sentence, "30")
    attribute_candidates([candidate], record, REGISTER)
    assert candidate.council is None and sentence.councils == (_code("Sefton"),)


def test_a_run_of_bare_council_names_is_column_labels_not_a_switch() -> None:
    record = _record("Knowsley", "Liverpool", "Sefton")
    text = ("Budgets\n\nThe councils set their budgets in March. Each publishes them.\n\n"
            "Knowsley\n\nSefton\n\nLiverpool\n\n"
            "Day care budgets fell by a tenth. Home care budgets rose.\n")
    result = _councils(text, record)
    assert result["Day care budgets fell by a tenth."] == set(record.councils)
    assert result["Liverpool"] == set(record.councils)


def test_a_lone_council_name_still_switches_council() -> None:
    record = _record("Knowsley", "Liverpool", "Sefton")
    text = ("Budgets\n\nThe councils set their budgets in March.\n\nLiverpool\n\n"
            "Day care budgets fell by a tenth. Home care budgets rose.\n")
    result = _councils(text, record)
    assert result["Day care budgets fell by a tenth."] == {_code("Liverpool")}


def test_a_council_label_holds_across_a_joint_aside() -> None:
    """Under a page labelled with one council, a joint aside ("in each borough") speaks
    for all, and the sentences after it are the labelled council's again; where no label
    set the council, a joint sentence carries on as before."""
    record = _record("Knowsley", "Liverpool", "Sefton")
    text = ("Housing plans\n\nMost day centres are old. They will be replaced.\n\nLiverpool\n\n"
            "We need more supported housing in each borough. We will convert the Mill Lane "
            "centre into six flats.\n")
    result = _councils(text, record)
    assert result["We need more supported housing in each borough."] == set(record.councils)
    assert result["We will convert the Mill Lane centre into six flats."] == {
        _code("Liverpool")}
    text = ("Housing plans\n\nThe scheme in Sefton began first. Across the three councils we "
            "fund respite. We also fund 20 places.\n")
    assert _councils(text, record)["We also fund 20 places."] == set(record.councils)


def test_a_row_of_column_abbreviations_does_not_switch_council() -> None:
    """ "XX YY WCC" heads a table's columns; that one abbreviation is known to the
    register does not make the text after it that council's."""
    text = ("Sensory support\n\nAcross the three councils we fund sign language support.\n\n"
            "XX YY WCC\n\nWe commission a charity to run ten flats for blind people.\n")
    westminster = _record("Westminster", "Kensington and Chelsea", "Hammersmith and Fulham")
    result = _councils(text, westminster)
    assert result["We commission a charity to run ten flats for blind people."] == set(
        westminster.councils)


def test_an_organisation_named_after_a_council_does_not_switch_council() -> None:
    record = _record("Knowsley", "Liverpool", "Sefton")
    text = ("Knowsley Council funds day care. Places are full.\n\n"
            "Referrals come through the Liverpool Society for the Blind. "
            "The Council will retender the service.\n\n"
            "Sefton Mencap runs two clubs. We will review them.\n\n"
            "The Liverpool Housing Trust owns the building. Rents are rising.\n")
    result = _councils(text, record)
    knowsley = {_code("Knowsley")}
    assert result["Referrals come through the Liverpool Society for the Blind."] == knowsley
    assert result["The Council will retender the service."] == knowsley
    assert result["Sefton Mencap runs two clubs."] == knowsley
    assert result["Rents are rising."] == knowsley


def test_organisation_nouns_are_matched_as_written() -> None:
    liverpool = _code("Liverpool")
    # Lower case, the word is prose: homes in Liverpool, so Liverpool is named.
    assert [m.gss_code for m in find_mentions("There are 40 Liverpool homes.", REGISTER)] == [
        liverpool]
    assert find_mentions("Liverpool Homes is a landlord.", REGISTER) == []
    assert find_mentions("Liverpool City Council and Liverpool Mind.", REGISTER)[0].gss_code \
        == liverpool


def test_facts_the_text_does_not_tie_to_one_council_are_marked_joint() -> None:
    record = _record("Camden", "Islington", "Hackney")
    text = ("Respite\n\nThe partner councils buy respite care together. We commission 45 "
            "respite beds.\n\nDay care\n\nIslington runs a day centre with 60 places. "
            "Camden and Hackney share a lunch club for 25 people.\n")
    sentences = {s.plain: s for s in _sentences(text, record)}
    together = sentences["The partner councils buy respite care together."]
    joint_phrase = Candidate("CommissioningIntention", together, together.start, together.end)
    untied = _figure(sentences["We commission 45 respite beds."], "45")
    named = _figure(sentences["Islington runs a day centre with 60 places."], "60")
    pair = _figure(sentences["Camden and Hackney share a lunch club for 25 people."], "25")
    candidates = [joint_phrase, untied, named, pair]
    attribute_candidates(candidates, record, REGISTER)
    # no council named: stated for all three, each copy marked
    assert untied.council is None and len(untied.sentence.councils) == 3
    assert untied.joint_attribution
    # the text says it is the group's: marked too (one rule: not tied to one council)
    assert joint_phrase.joint_attribution
    assert pair.council is None and pair.joint_attribution  # two councils named together
    assert named.council is None and named.sentence.councils == (_code("Islington"),)
    assert not named.joint_attribution


def test_a_figure_given_its_council_by_its_clause_is_not_joint() -> None:
    record = _record("Camden", "Islington", "Hackney")
    [sentence] = _sentences("There are 30 carers groups in Camden and 40 in Hackney.\n",
                            record)
    first, second = _figure(sentence, "30"), _figure(sentence, "40")
    attribute_candidates([first, second], record, REGISTER)
    assert (first.council, second.council) == (_code("Camden"), _code("Hackney"))
    assert not first.joint_attribution and not second.joint_attribution


def test_single_council_documents_never_carry_the_joint_marker() -> None:
    record = _record("Islington")
    [sentence] = _sentences("Across the three boroughs we fund 45 respite beds.\n", record)
    candidate = _figure(sentence, "45")
    attribute_candidates([candidate], record, REGISTER)
    assert not candidate.joint_attribution
