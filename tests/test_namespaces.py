"""``cc:`` is closed: a term the ontology does not define is refused, so a typo fails
where it is written instead of minting an IRI no shape or query knows."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from carekg.namespaces import CC, prefixed


def test_defined_terms_are_iris() -> None:
    assert CC.Spend == URIRef("https://w3id.org/carekg/def#Spend")
    assert CC["jointAttribution"] == URIRef("https://w3id.org/carekg/def#jointAttribution")
    assert CC.Increase in CC


@pytest.mark.parametrize("typo", ["Spnd", "gssCod", "value_"])
def test_an_undefined_term_is_refused(typo: str) -> None:
    with pytest.raises(AttributeError, match=f"'{typo}' not in namespace"):
        CC.term(typo)
    with pytest.raises(AttributeError):
        CC[typo]


def test_prefixed_names() -> None:
    assert prefixed(str(CC.Spend)) == "cc:Spend"
    assert prefixed("http://www.w3.org/2004/02/skos/core#Concept") == "skos:Concept"
    assert prefixed(str(CC)) is None
    assert prefixed("http://example.org/x") is None
