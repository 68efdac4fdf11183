"""Generated text and bytes thrown at the loaders: whatever arrives, the loader either
refuses it with a CarekgError (a clear message, no traceback in the CLI) or makes a graph
that passes the shapes and whose every piece of evidence is the text it points at.

Bounded: SHACL validation costs ~0.5-1 s per document on the development machine, so the
pipeline tests run a few dozen examples each; read_document alone runs more.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import RDF

from carekg.councils import default_register
from carekg.errors import CarekgError
from carekg.graph.build import static_graphs
from carekg.graph.validate import validate
from carekg.iris import DEFAULT_IRIS
from carekg.loaders.model import DocumentRecord, DocumentText
from carekg.loaders.pipeline import LoadedDocument, load_document
from carekg.loaders.read import read_document
from carekg.namespaces import OA

REGISTER = default_register()
SUFFIXES = (".txt", ".md", ".html")
# Councils as GSS codes, one to three of them, as a manifest or `carekg add` gives them.
COUNCILS = ("E09000019", "E08000011", "E08000012", "E08000014", "E06000016")

QUICK = settings(max_examples=60, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PIPELINE = settings(max_examples=8, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def shapes_context() -> tuple[Graph, Graph]:
    """The ontology and the union of the other static graphs, built once per module."""
    graphs = static_graphs(REGISTER)
    ontology_iri = str(DEFAULT_IRIS.graph("ontology"))
    static = Graph()
    for iri, graph in graphs.items():
        if iri != ontology_iri:
            static += graph
    return graphs[ontology_iri], static


def _write(data: bytes, suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="fuzz-", suffix=suffix, delete=False)
    with handle:
        handle.write(data)
    return Path(handle.name)


def _read_or_refuse(data: bytes, suffix: str) -> DocumentText | None:
    path = _write(data, suffix)
    try:
        return read_document(path)
    except CarekgError as exc:
        _assert_clear(exc)
        return None
    finally:
        path.unlink()


def _assert_clear(exc: CarekgError) -> None:
    message = str(exc)
    assert message.strip(), "a refusal must say why"
    assert "Traceback" not in message


def _load_or_refuse(data: bytes, suffix: str, councils: tuple[str, ...]) -> LoadedDocument | None:
    path = _write(data, suffix)
    record = DocumentRecord(id="fuzz", path=path, title="Fuzzed document", councils=councils,
                            kind="other", issued="2024")
    try:
        return load_document(record, DEFAULT_IRIS, REGISTER)
    except CarekgError as exc:
        _assert_clear(exc)
        return None
    finally:
        path.unlink()


def _evidence(graph: Graph) -> list[tuple[int, int, str]]:
    """(start, end, exact) of every evidence resource, read back from the graph."""
    found = []
    for evidence in graph.subjects(RDF.type, OA.SpecificResource):
        starts, ends, exacts = [], [], []
        for selector in graph.objects(evidence, OA.hasSelector):
            starts += [o.toPython() for o in graph.objects(selector, OA.start)]
            ends += [o.toPython() for o in graph.objects(selector, OA.end)]
            exacts += [str(o) for o in graph.objects(selector, OA.exact)]
        assert len(starts) == len(ends) == len(exacts) == 1, (evidence, starts, ends, exacts)
        found.append((starts[0], ends[0], exacts[0]))
    return found


def _check_loaded(loaded: LoadedDocument | None, context: tuple[Graph, Graph]) -> None:
    if loaded is None:
        return
    text = loaded.text.text
    evidence = _evidence(loaded.graph)
    # every fact has exactly one evidence resource, so the counts must agree
    assert len(evidence) == loaded.fact_count
    for start, end, exact in evidence:
        assert isinstance(start, int) and isinstance(end, int)
        assert 0 <= start < end <= len(text), (start, end, len(text))
        assert text[start:end] == exact, (start, end, exact[:80], text[start:end][:80])
    ontology, static = context
    result = validate(static + loaded.graph, ontology=ontology)
    assert result.conforms, result.format_report()[:3000]


# -- strategies ------------------------------------------------------------------------

councils = st.lists(st.sampled_from(COUNCILS), min_size=1, max_size=3, unique=True).map(tuple)
suffixes = st.sampled_from(SUFFIXES)

huge_numbers = st.one_of(
    st.integers(min_value=10**12, max_value=10**400).map(str),
    st.integers(min_value=0, max_value=10**30).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "9" * 500, "0.000000000000001", "1,2,3,4,5,6,7", "-0", "٣٤٥",
                     "１２３", "£-5m", "£.5bn", "£5..5m", "£1,00,000", "½m"]),
)
pound_tokens = st.sampled_from(["£", "££", "£ ", "£m", "£k", "£bn", "million", "billion", "per",
                                "annum", "pa", "p.a.", "over", "by", "in", "2023/24", "2025",
                                "beds", "hours", "home care", "carers", ".", ",", "\n", "\t",
                                "(", ")", "-", "–", "%"])
pound_text = st.lists(st.one_of(pound_tokens, huge_numbers, st.text(max_size=5)),
                      max_size=120).map(" ".join)


@st.composite
def nested_headings(draw: st.DrawFn) -> tuple[str, str]:
    """Markdown or HTML with headings nested up to 12 levels deep, skipping levels."""
    markdown = draw(st.booleans())
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        level = draw(st.integers(1, 12))
        title = draw(st.one_of(pound_text, st.text(max_size=40))).replace("\n", " ")
        body = draw(st.one_of(pound_text, st.text(max_size=80)))
        if markdown:
            parts.append(f"{'#' * level} {title}\n\n{body}\n")
        else:
            tag = f"h{min(level, 6)}"
            nest = draw(st.integers(0, 30))
            parts.append("<div>" * nest + f"<{tag}>{title}</{tag}><p>{body}</p>" + "</div>" * nest)
    if markdown:
        return "\n".join(parts), ".md"
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>", ".html"


SERVICES = ["home care", "domiciliary care", "supported living", "extra care housing",
            "residential care", "nursing care", "day services", "carers' support",
            "direct payments", "reablement", "shared lives", "respite care"]
GROUPS = ["older people", "people with learning disabilities", "autistic adults",
          "people with mental health needs", "adults with physical disabilities"]
VERBS = ["spent", "spends", "will spend", "invested", "budgeted", "commissions", "awarded",
         "will increase", "will reduce", "plans to decommission", "will re-procure"]
UNITS = ["beds", "hours of care a week", "places", "units", "packages", "people"]
MONTHS = ["January", "April", "September", "December"]


@st.composite
def money(draw: st.DrawFn) -> str:
    amount = draw(st.one_of(st.integers(1, 999), st.decimals(0, 9999, places=2).map(str)))
    scale = draw(st.sampled_from(["", "m", " million", "k", "bn", " billion", ",000"]))
    return f"£{amount}{scale}"


@st.composite
def when(draw: st.DrawFn) -> str:
    year = draw(st.integers(1990, 2040))
    return draw(st.sampled_from([
        f"{year}", f"{year}/{(year + 1) % 100:02d}", f"{year}-{year + 3}",
        f"{draw(st.sampled_from(MONTHS))} {year}", f"by {year}", f"in {year}/{year + 1}",
        f"from {year} to {year + 2}"]))


@st.composite
def sentence(draw: st.DrawFn) -> str:
    """A sentence of the kind councils write: who, a verb, money or a count, a service, when."""
    subject = draw(st.sampled_from(["The Council", "We", "The partnership", "Adult Social Care",
                                    "The authority", "Commissioners"]))
    verb = draw(st.sampled_from(VERBS))
    quantity = draw(st.one_of(money(), st.integers(1, 5000).map(
        lambda n: f"{n} {draw(st.sampled_from(UNITS))}")))
    service = draw(st.sampled_from(SERVICES))
    group = draw(st.sampled_from(GROUPS + [""]))
    tail = draw(st.sampled_from(["", " per annum", " a year", " over three years", " in total"]))
    text = (f"{subject} {verb} {quantity}{tail} on {service}"
            f"{' for ' + group if group else ''} {draw(when())}.")
    return text


@st.composite
def genre_document(draw: st.DrawFn) -> tuple[str, str]:
    """Headings, paragraphs of genre sentences, and the odd table row (tab-separated)."""
    markdown = draw(st.booleans())
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        heading = draw(st.sampled_from(SERVICES + GROUPS + ["Market overview", "Our intentions",
                                                            "Spend", "Demand"]))
        lines.append(("## " if markdown else "") + heading.capitalize())
        lines.append("")
        for _ in range(draw(st.integers(1, 4))):
            if draw(st.integers(0, 4)) == 0:
                row = [draw(st.sampled_from(SERVICES)), draw(money()), draw(when())]
                lines.append("\t".join(row))
            else:
                lines.append(" ".join(draw(st.lists(sentence(), min_size=1, max_size=3))))
            lines.append("")
    return "\n".join(lines), ".md" if markdown else ".txt"


# -- read_document ---------------------------------------------------------------------

@QUICK
@given(data=st.binary(max_size=3000), suffix=suffixes)
@example(data=b"\x00", suffix=".txt")
@example(data=b"plain text with a NUL \x00 in it", suffix=".md")
@example(data=b"<html>\x00</html>", suffix=".html")
@example(data=b"\xff\xfe\x00\x00", suffix=".txt")
@example(data=b"   \n\t  ", suffix=".txt")
@example(data=b"%PDF-1.4 not really a pdf", suffix=".txt")
def test_read_document_takes_any_bytes(data: bytes, suffix: str) -> None:
    text = _read_or_refuse(data, suffix)
    if b"\x00" in data and not data.startswith(b"%PDF-"):
        assert text is None, "a file with NUL bytes is binary and must be refused"
    if text is not None:
        assert text.text.strip()
        assert "\x00" not in text.text


@QUICK
@given(text=st.text(max_size=3000), suffix=st.sampled_from((".txt", ".md")))
def test_read_document_keeps_utf8_text_exactly(text: str, suffix: str) -> None:
    """Plain text and Markdown are read as open(path, encoding='utf-8').read() reads them,
    so a researcher can check a quote against the file with one line of Python."""
    data = text.encode("utf-8")
    read = _read_or_refuse(data, suffix)
    if read is None or read.media_type == "text/html":
        return
    path = _write(data, suffix)
    try:
        with path.open(encoding="utf-8") as handle:
            assert read.text == handle.read()
    finally:
        path.unlink()


# -- load_document: the whole pipeline -------------------------------------------------

@PIPELINE
@given(text=st.text(max_size=2000), suffix=suffixes, councils=councils)
@example(text="£" * 2000, suffix=".txt", councils=("E09000019",))
@example(text="# £\n## £1\n### £" + "9" * 400 + "m\n", suffix=".md", councils=("E09000019",))
def test_pipeline_on_random_unicode(shapes_context: tuple[Graph, Graph], text: str,
                                    suffix: str, councils: tuple[str, ...]) -> None:
    _check_loaded(_load_or_refuse(text.encode("utf-8"), suffix, councils), shapes_context)


@PIPELINE
@given(data=st.binary(max_size=2000), suffix=suffixes, councils=councils)
def test_pipeline_on_random_bytes(shapes_context: tuple[Graph, Graph], data: bytes,
                                  suffix: str, councils: tuple[str, ...]) -> None:
    _check_loaded(_load_or_refuse(data, suffix, councils), shapes_context)


@PIPELINE
@given(text=pound_text, suffix=suffixes, councils=councils)
def test_pipeline_on_pounds_and_huge_numbers(shapes_context: tuple[Graph, Graph], text: str,
                                             suffix: str, councils: tuple[str, ...]) -> None:
    _check_loaded(_load_or_refuse(text.encode("utf-8"), suffix, councils), shapes_context)


@PIPELINE
@given(document=nested_headings(), councils=councils)
def test_pipeline_on_nested_headings(shapes_context: tuple[Graph, Graph],
                                     document: tuple[str, str], councils: tuple[str, ...]) -> None:
    text, suffix = document
    _check_loaded(_load_or_refuse(text.encode("utf-8"), suffix, councils), shapes_context)


@settings(PIPELINE, max_examples=15)
@given(document=genre_document(), councils=councils)
def test_pipeline_on_genre_sentences(shapes_context: tuple[Graph, Graph],
                                     document: tuple[str, str], councils: tuple[str, ...]) -> None:
    """Sentences built from a small grammar reach the extractors, so the facts, their
    evidence and the shapes are exercised, not only the refusals."""
    text, suffix = document
    loaded = _load_or_refuse(text.encode("utf-8"), suffix, councils)
    assert loaded is not None, "well-formed UTF-8 prose must not be refused"
    _check_loaded(loaded, shapes_context)


def test_genre_sentences_do_reach_the_extractors(shapes_context: tuple[Graph, Graph]) -> None:
    """Guards the grammar: if it stopped producing facts, the test above would prove little."""
    text = ("The Council spent £4.5m on home care for older people in 2023/24.\n\n"
            "We will increase supported living by 40 places by 2026.\n")
    loaded = _load_or_refuse(text.encode("utf-8"), ".txt", ("E09000019",))
    assert loaded is not None and loaded.fact_count >= 2
    _check_loaded(loaded, shapes_context)


def _one_line(unit: str, size: int = 1_000_000) -> bytes:
    return ((unit * (size // len(unit) + 1))[:size] + "\n").encode("utf-8")


def test_pipeline_on_a_one_megabyte_line(shapes_context: tuple[Graph, Graph]) -> None:
    """One line of a million characters, pounds and prose without a full stop."""
    loaded = _load_or_refuse(_one_line("care home £ and the council £ "), ".txt", ("E09000019",))
    _check_loaded(loaded, shapes_context)


def test_a_one_megabyte_line_of_amounts_is_read_in_bounded_time(
        shapes_context: tuple[Graph, Graph]) -> None:
    import time

    started = time.monotonic()
    loaded = _load_or_refuse(_one_line("£1 "), ".txt", ("E09000019",))
    assert time.monotonic() - started < 20
    _check_loaded(loaded, shapes_context)
