"""Generated HTML documentation of the ontology."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from carekg.graph.ontology_docs import write_ontology_docs
from carekg.vocabularies import load_graph


def test_docs_name_every_class_of_the_ontology(tmp_path: Path) -> None:
    target = write_ontology_docs(tmp_path / "docs")
    html = target.read_text(encoding="utf-8")
    assert target.name == "ontology.html"
    assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html[:500].lower()
    ontology: Graph = load_graph("carekg")
    labels = [str(ontology.value(c, RDFS.label)) for c in ontology.subjects(RDF.type, OWL.Class)
              if str(c).startswith("https://w3id.org/carekg/def#")]
    assert "Spend" in labels
    for label in labels:
        assert label in html, label


def test_published_docs_cover_every_term() -> None:
    """docs/ontology.html is committed; regenerate it with `carekg docs` when terms change."""
    published = Path(__file__).resolve().parents[1] / "docs" / "ontology.html"
    html = published.read_text(encoding="utf-8")
    ontology: Graph = load_graph("carekg")
    terms = [t for t in ontology.subjects(RDFS.isDefinedBy, None)
             if str(t).startswith("https://w3id.org/carekg/def#")]
    assert len(terms) > 30
    missing = [str(t) for t in terms if str(ontology.value(t, RDFS.label)) not in html]
    assert not missing, f"docs/ontology.html is out of date (run carekg docs): {missing}"


def test_the_header_is_the_ontologys_title_alone(tmp_path: Path) -> None:
    """pyLODE merged the directions concept scheme and the ontology's label into the
    heading: "carekg: the adult social care commissioning ontologycarekg ontologycarekg
    directions", with the scheme's IRI as the document's."""
    import re

    from rdflib.namespace import DCTERMS

    html = write_ontology_docs(tmp_path / "docs").read_text(encoding="utf-8")
    ontology: Graph = load_graph("carekg")
    iri = next(ontology.subjects(RDF.type, OWL.Ontology))
    title = str(ontology.value(iri, DCTERMS.title))
    headings = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    assert headings[0] == title, headings[:2]
    metadata = html[html.index('id="metadata"'):]
    metadata = metadata[:metadata.index("</dl>")]
    assert f"<code>{iri}</code>" in metadata and "id/scheme/directions</code>" not in metadata
    assert "What a commissioning intention says the council will do" not in metadata
