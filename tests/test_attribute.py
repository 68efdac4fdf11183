"""Attribution: each sentence speaks for the listed councils the text is about."""

from __future__ import annotations

from pathlib import Path

from carekg.councils import default_register
from carekg.loaders.attribute import attribute, find_mentions
from carekg.loaders.model import DocumentRecord, DocumentText
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
