"""The loader pipeline: read -> segment -> attribute -> extract -> attribute facts -> map.

Each stage is its own module and takes only what the previous stages produced; this
module runs them in order for one document, times each stage (the benchmark reads the
timings) and collects warnings, so the builder and the CLI deal with one call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib import Graph

from carekg.councils import Register, default_register
from carekg.iris import Iris
from carekg.loaders.attribute import attribute, attribute_candidates
from carekg.loaders.map import to_graph
from carekg.loaders.model import Candidate, DocumentRecord, DocumentText, Sentence
from carekg.loaders.read import read_document
from carekg.loaders.segment import segment

log = logging.getLogger(__name__)

STAGES = ("read", "segment", "attribute", "extract", "attribute-facts", "map")
#: Called after each stage with (document id, stage name, seconds, characters, facts).
TimingHook = Callable[[str, str, float, int, int], None]


@dataclass
class LoadedDocument:
    """Everything the pipeline made of one document."""

    record: DocumentRecord
    text: DocumentText
    sentences: list[Sentence]
    candidates: list[Candidate]
    graph: Graph
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def fact_count(self) -> int:
        """Facts as stated in the graph (a candidate shared by councils counts per council)."""
        from carekg.namespaces import PROV

        return sum(1 for _ in self.graph.subjects(PROV.wasGeneratedBy, None))


def extract_stage() -> Callable[[list[Sentence], DocumentRecord], list[Candidate]]:
    """The extraction helper's entry point, imported when first needed; until that package
    provides it, a stage that finds nothing (so the rest of the pipeline still runs)."""
    try:
        from carekg.loaders.extract import extract_candidates
    except ImportError as exc:
        log.warning("carekg.loaders.extract.extract_candidates is not available (%s); "
                    "no facts will be extracted", exc)
        return lambda sentences, record: []
    return extract_candidates


def load_document(record: DocumentRecord, iris: Iris | None = None,
                  register: Register | None = None,
                  on_stage: TimingHook | None = None) -> LoadedDocument:
    """Run every stage on one document. Bad input raises InputError from ``read``."""
    iris = iris or Iris()
    register = register or default_register()
    timings: dict[str, float] = {}
    size = 0
    facts = 0

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - began
        if on_stage is not None:
            on_stage(record.id, name, timings[name], size, facts)

    with stage("read"):
        text = read_document(record.path)
        size = len(text.text)
    with stage("segment"):
        sentences = segment(text)
    with stage("attribute"):
        sentences = attribute(sentences, record, register)
    with stage("extract"):
        candidates = list(extract_stage()(sentences, record))
        facts = len(candidates)
    with stage("attribute-facts"):
        candidates = attribute_candidates(candidates, record, register)
    with stage("map"):
        graph = to_graph(record, text, candidates, iris)
    warnings = list(text.warnings)
    if not candidates:
        message = f"{record.path}: no facts found; the document is recorded without facts"
        log.warning(message)
        warnings.append(message)
    return LoadedDocument(record, text, sentences, candidates, graph, warnings, timings)
