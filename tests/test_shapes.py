"""The SHACL shapes, driven by their examples (GeoSPARQL style).

Every file in shapes/examples/ is named after the shape it exercises: ``S21-valid.ttl``
must produce no result at all, ``S21-invalid-01.ttl`` must be reported by shape S21 and by
no other, failing the graph when S21 is a violation and not when it is a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from carekg.graph.validate import ShapeResult, ValidationResult, shapes_graph, validate
from carekg.namespaces import CC, SH
from carekg.resources import ontology_dir, shapes_dir

EXAMPLES = shapes_dir() / "examples"
EXAMPLE_NAME = re.compile(r"^(S\d{2})-(valid|invalid-\d{2})\.ttl$")
SHAPES = shapes_graph()


def _numbered_shapes() -> dict[str, URIRef]:
    """Shape ID ("S21") -> shape IRI, for every shape with an ID in its IRI."""
    shapes = {}
    for shape in set(SHAPES.subjects(RDF.type, SH.NodeShape)) | set(
        SHAPES.subjects(RDF.type, SH.PropertyShape)
    ):
        match = re.search(r"#(S\d{2})-", str(shape))
        if match:
            assert match.group(1) not in shapes, f"two shapes share the ID {match.group(1)}"
            shapes[match.group(1)] = shape
    return shapes


NUMBERED = _numbered_shapes()
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.ttl"))


def _severity(shape_id: str) -> str:
    return str(SHAPES.value(NUMBERED[shape_id], SH.severity)).rsplit("#", 1)[-1]


def test_examples_exist_and_are_named_after_shapes() -> None:
    assert EXAMPLE_FILES, f"no examples found in {EXAMPLES}"
    for path in EXAMPLE_FILES:
        match = EXAMPLE_NAME.match(path.name)
        assert match, f"{path.name}: expected S<nn>-valid.ttl or S<nn>-invalid-<nn>.ttl"
        assert match.group(1) in NUMBERED, f"{path.name}: no shape {match.group(1)}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example(path: Path) -> None:
    shape_id, variant = EXAMPLE_NAME.match(path.name).groups()  # type: ignore[union-attr]
    result = validate(Graph().parse(path, format="turtle"))
    reported = {r.shape for r in result.results}
    if variant == "valid":
        assert result.results == [], result.format_report()
        assert result.conforms
    else:
        assert reported == {str(NUMBERED[shape_id])}, result.format_report()
        assert result.conforms is (_severity(shape_id) != "Violation")


@pytest.mark.parametrize("shape_id", sorted(NUMBERED))
def test_every_shape_is_documented_and_has_examples(shape_id: str) -> None:
    shape = NUMBERED[shape_id]
    messages = list(SHAPES.objects(shape, SH.message))
    assert len(messages) == 1 and isinstance(messages[0], Literal) and messages[0].language == "en"
    assert _severity(shape_id) in ("Violation", "Warning")
    assert (EXAMPLES / f"{shape_id}-valid.ttl").is_file(), f"{shape_id} has no valid example"
    assert list(EXAMPLES.glob(f"{shape_id}-invalid-*.ttl")), f"{shape_id} has no invalid example"


def test_every_shape_with_a_target_has_an_id() -> None:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {s for t in targets for s in SHAPES.subjects(t, None)}
    assert targeted == set(NUMBERED.values())


def test_shapes_graph_conforms_to_shacl_shacl() -> None:
    conforms, _report, text = pyshacl.validate(Graph(), shacl_graph=SHAPES, meta_shacl=True)
    assert conforms, text


def test_fact_shapes_reach_subclasses_through_the_ontology() -> None:
    """A node typed only as a subclass of one of the six kinds is still a fact: with the
    ontology mixed in, the shapes on cc:Fact reach it through rdfs:subClassOf."""
    data = Graph().parse(EXAMPLES / "S21-invalid-01.ttl", format="turtle")
    subkind = URIRef("https://example.org/SpendOnHousing")
    fact = next(data.subjects(RDF.type, CC.Spend))
    data.remove((fact, RDF.type, CC.Spend))
    data.add((fact, RDF.type, subkind))
    ontology = Graph()
    ontology.add((subkind, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), CC.Spend))
    ontology.add((CC.Spend, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), CC.Fact))
    assert "S21-FactCouncil" not in {r.shape_id for r in validate(data).results}
    with_ontology = {r.shape_id for r in validate(data, ontology=ontology).results}
    assert "S21-FactCouncil" in with_ontology
    assert len(data) == len(Graph().parse(EXAMPLES / "S21-invalid-01.ttl")), "data was changed"


def test_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    """The council lives in one named graph, the fact that names it in another."""
    whole = Graph().parse(EXAMPLES / "S21-valid.ttl", format="turtle")
    council = URIRef("https://w3id.org/carekg/id/council/E09000019")
    dataset = Dataset()
    councils = dataset.graph(URIRef("https://w3id.org/carekg/graph/councils"))
    document = dataset.graph(URIRef("https://w3id.org/carekg/graph/document/example-mps"))
    for triple in whole:
        (councils if triple[0] == council else document).add(triple)
    assert validate(dataset).results == []
    assert "S21-FactCouncil" in {r.shape_id for r in validate(document).results}


def test_inference_mode_is_checked() -> None:
    with pytest.raises(ValueError, match="inference"):
        validate(Graph(), inference="owl")


def test_rdfs_inference_does_not_change_the_data() -> None:
    data = Graph().parse(EXAMPLES / "S20-valid.ttl", format="turtle")
    size = len(data)
    assert validate(data, inference="rdfs").conforms
    assert len(data) == size


def _result(shape_id: str, severity: str, focus: str, value: str | None = None) -> ShapeResult:
    return ShapeResult(
        severity=severity,
        shape=f"https://w3id.org/carekg/def/shapes#{shape_id}",
        shape_id=shape_id,
        focus_node=focus,
        path="https://w3id.org/carekg/def#council",
        value=value,
        message=f"message of {shape_id}",
    )


def test_warnings_do_not_fail_and_are_counted() -> None:
    result = ValidationResult([_result("S27-FactSectionTitleMissing", "Warning", "f1")])
    assert result.conforms
    assert (result.violation_count, result.warning_count) == (0, 1)
    assert "conforms (0 violations, 1 warnings)" in result.format_report()


def test_format_report_groups_by_shape_violations_first() -> None:
    result = ValidationResult([
        _result("S27-FactSectionTitleMissing", "Warning", "f1"),
        _result("S21-FactCouncil", "Violation", "f2", "<council/x>"),
        _result("S21-FactCouncil", "Violation", "f1"),
    ])
    report = result.format_report()
    lines = report.splitlines()
    assert lines[0] == "SHACL validation: does not conform (2 violations, 1 warnings)"
    headers = [line for line in lines[1:] if line.startswith("S")]
    assert headers == [
        "S21-FactCouncil [Violation] 2x: message of S21-FactCouncil",
        "S27-FactSectionTitleMissing [Warning] 1x: message of S27-FactSectionTitleMissing",
    ]
    s21 = lines[lines.index(headers[0]) + 1: lines.index(headers[0]) + 3]
    assert s21[0].startswith("  - f1  path https://w3id.org/carekg/def#council")
    assert s21[1].endswith("value <council/x>")


def test_format_report_of_a_real_validation_names_the_blank_evidence_by_its_fact() -> None:
    result = validate(Graph().parse(EXAMPLES / "S67-invalid-01.ttl", format="turtle"))
    report = result.format_report()
    assert "S67-EvidenceQuoteLength [Violation] 1x" in report
    assert "  - <https://w3id.org/carekg/id/fact/example-mps/spend-" in report
    assert "> cc:evidence []  value \"In 2021/22" in report


def test_the_shipped_taxonomies_conform() -> None:
    """The ontology and SKOS files (written by others) must satisfy the SKOS shapes."""
    files = sorted(ontology_dir().glob("*.ttl"))
    if not files:
        pytest.skip("no ontology/*.ttl yet")
    data = Graph()
    for path in files:
        data.parse(path, format="turtle")
    result = validate(data)
    assert result.conforms, result.format_report()


def test_readme_lists_every_shape_with_its_severity() -> None:
    rows = {}
    for line in (shapes_dir() / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| S") and len(cells) == 4:
            rows[cells[0]] = cells[3]
    expected = {str(iri).rsplit("#", 1)[-1]: _severity(sid) for sid, iri in NUMBERED.items()}
    assert rows == expected
