"""The council register and the resolver every part of carekg names councils through."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from carekg.councils import Register, default_register
from carekg.errors import InputError, UnknownCouncilError
from carekg.graph.register import councils_graph
from carekg.iris import Iris
from carekg.namespaces import CC, OWL, RDF, RDFS, SKOS
from carekg.resources import ontology_dir

REGISTER_CSV = ontology_dir() / "councils.csv"


def test_every_council_of_the_csv_is_registered() -> None:
    with REGISTER_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    register = default_register()
    assert len(register.councils) == len(rows) >= 150
    assert {c.gss_code for c in register.councils} == {r["gss_code"] for r in rows}


@pytest.mark.parametrize("name,code", [
    ("Islington", "E09000019"),
    ("E09000019", "E09000019"),
    ("e09000019", "E09000019"),
    ("London Borough of Islington", "E09000019"),
    ("LB Islington", "E09000019"),                 # affix the register does not list
    ("islington council", "E09000019"),            # case
    ("RBKC", "E09000020"),                         # abbreviation
    ("Kensington & Chelsea", "E09000020"),         # ampersand
    ("Royal Borough of Kensington and Chelsea", "E09000020"),
    ("St Helens", "E08000013"),                    # punctuation ("St. Helens")
    ("Hammersmith and Fulham Council", "E09000013"),
])
def test_resolver_matches_names_as_councils_write_them(name: str, code: str) -> None:
    assert default_register().resolve(name).gss_code == code


def test_unknown_name_lists_the_closest() -> None:
    with pytest.raises(UnknownCouncilError) as caught:
        default_register().resolve("Islingtn")
    assert "Islington" in caught.value.suggestions
    assert "Islingtn" in str(caught.value) and "Islington" in str(caught.value)


def test_an_ambiguous_core_name_is_not_guessed() -> None:
    """'City of London' and 'London' must not collapse into one council."""
    register = default_register()
    assert register.resolve("City of London").gss_code == "E09000001"
    with pytest.raises(UnknownCouncilError):
        register.resolve("London")


def test_a_bad_register_file_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "councils.csv"
    bad.write_text("gss_code,name,official_name,type,region,alt_names\n"
                   "X123,Nowhere,Nowhere Council,unitary,London,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"councils.csv.*line 2"):
        Register.from_csv(bad)


def test_register_graph() -> None:
    iris = Iris()
    graph = councils_graph(default_register(), iris)
    councils = set(graph.subjects(RDF.type, CC.Council))
    assert len(councils) == len(default_register().councils)
    islington = iris.council("E09000019")
    assert (islington, RDFS.label, Literal("Islington", lang="en")) in graph
    assert (islington, CC.gssCode, Literal("E09000019")) in graph
    assert (islington, SKOS.altLabel, Literal("LBI", lang="en")) in graph
    assert (islington, OWL.sameAs, URIRef(
        "http://statistics.data.gov.uk/id/statistical-geography/E09000019")) in graph
    for council in councils:
        code = str(graph.value(council, CC.gssCode))
        assert str(council).endswith("/" + code)
        assert graph.value(council, CC.region) is not None
