"""HTML documentation of the carekg ontology, generated with pyLODE from ontology/carekg.ttl.

The documentation is generated, never hand-written, so it cannot drift from the ontology:
every label, definition, domain and range shown is the one in the Turtle file.
"""

from __future__ import annotations

import logging
import sys
import types
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from carekg.errors import CarekgError
from carekg.resources import ontology_dir

ONTOLOGY_FILE = "carekg.ttl"
DOC_FILE = "ontology.html"


def _pylode_ontpub() -> type:
    """pyLODE's OntPub class, importable even where pyLODE's packaging is broken.

    pyLODE 3.4.x reads its version from a pyproject.toml that its wheel does not install
    (RDFLib/pyLODE issue 260, fixed upstream after 3.4.1), so ``import pylode`` fails in a
    normal install. Registering ``pylode.version`` with the installed distribution's
    version first sidesteps that without touching site-packages."""
    if "pylode.version" not in sys.modules:
        try:
            installed = version("pylode")
        except PackageNotFoundError as exc:
            raise CarekgError("pyLODE is not installed: pip install pylode") from exc
        stub = types.ModuleType("pylode.version")
        stub.__version__ = installed  # type: ignore[attr-defined]
        sys.modules["pylode.version"] = stub
    # pyLODE configures the root logger on import (INFO and DEBUG lines on stderr for every
    # command); keep the caller's logging as it was.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    return OntPub


def documented_graph() -> Graph:
    """The ontology as pyLODE should see it. pyLODE takes every owl:Ontology and every
    skos:ConceptScheme of the file as the document's header and joins their titles and
    labels into one heading ("...ontologycarekg ontologycarekg directions"), so the
    directions scheme's type and the ontology's rdfs:label (its dcterms:title is the
    heading) are left out; the scheme's concepts are still documented."""
    graph = Graph().parse(ontology_dir() / ONTOLOGY_FILE, format="turtle")
    for scheme in list(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        graph.remove((scheme, RDF.type, SKOS.ConceptScheme))
    for ontology in list(graph.subjects(RDF.type, OWL.Ontology)):
        if (ontology, DCTERMS.title, None) in graph:
            graph.remove((ontology, RDFS.label, None))
    return graph


def write_ontology_docs(out: Path) -> Path:
    """Write the ontology's HTML documentation into directory ``out`` (created if needed);
    returns the path of the written file, ``out/ontology.html``."""
    ontpub = _pylode_ontpub()(documented_graph())
    with warnings.catch_warnings():
        # pyLODE opens its CSS without closing it; nothing for carekg to act on.
        warnings.simplefilter("ignore", ResourceWarning)
        html = ontpub.make_html()
    out.mkdir(parents=True, exist_ok=True)
    target = out / DOC_FILE
    target.write_text(html, encoding="utf-8")
    return target
