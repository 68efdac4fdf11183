"""Measure extraction against hand-checked gold facts (format: ../shared/gold/README.md).

Definitions (the numbers in the issue's floors mean exactly these):

- **recall**: share of gold facts found. A gold fact is found when an extracted fact of
  the same kind and council has an evidence span overlapping the gold quote's span. The
  quote is located at its FIRST occurrence in the document text. A gold council that the
  register does not know but that reads as joint ("Tri-borough") matches a fact of any
  council.
- of the found gold facts, one extracted fact is taken as *the* match: the one whose value
  equals the gold value if there is one, else the one overlapping the quote most;
- **value accuracy**: matched gold facts with a value whose match has the same value in
  base units;
- **service accuracy**: matched gold facts with a service whose match's service concept
  carries the gold words as its prefLabel or an altLabel, or whose broader concepts do
  (a more specific concept than the gold words is right: "extra care housing" for
  "housing"; a more general one is not, since the graph promises the most specific);
  For **need estimates** the gold "service" words usually name a population group
  ("dementia", "older people", "learning disabilities") rather than a service, because a
  need figure counts people, not provision. So for a NeedEstimate the match is also right
  when its population group concept (or a broader one) carries the gold words as a label,
  or when one of that concept's labels appears as whole words inside the gold words
  ("carers support" for the group labelled "carers"). This is a decision about what the
  gold means, not a loosening: a need fact with the wrong group still counts as wrong.
  Words in parentheses qualify the service with who it is for or who runs it ("day
  opportunities (dementia)", "residential care (older adults, in-house)"), which the
  service scheme does not split; the words outside them are the service the fact must
  name. Another decision about the gold's meaning: "care homes" for "residential care
  (older adults)" is still wrong (a broader concept than the gold's);
- **direction accuracy**: matched gold intentions whose match has the same direction;
- **precision** (only against a gold folder marked exhaustive, see :func:`is_exhaustive`):
  share of extracted facts that are *supported*: a gold fact of the same kind and council
  (or a joint gold council) has a quote overlapping the fact's evidence. Against gold that
  is not exhaustive an unsupported fact may still be right, so no precision is reported;
- **F1**: the harmonic mean of recall and precision;
- **extracted**: facts extracted, counted as stated in the graph (once per council);
- **joint**: of those, the facts marked ``cc:jointAttribution`` (the text did not tie them
  to one of the document's councils, so each is stated for each council). Not a metric:
  it says how much of the extracted count is the group's figure repeated per council.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from carekg.councils import Register, default_register
from carekg.errors import InputError, UnknownCouncilError
from carekg.iris import slugify
from carekg.loaders.attribute import JOINT, stated_councils
from carekg.loaders.model import FACT_KINDS
from carekg.resources import ontology_dir, queries_dir

if TYPE_CHECKING:
    from carekg.loaders.pipeline import LoadedDocument

GOLD_TYPES = {
    "spend": "Spend",
    "quantity": "Capacity",
    "contract": "ContractEvent",
    "need": "NeedEstimate",
    "intention": "CommissioningIntention",
    "strategy": "StrategyReference",
}
QUERY_FILE = "system/evaluation-facts.rq"
ANY_COUNCIL = "*"


@dataclass(frozen=True)
class FactRow:
    """One extracted fact as evaluation sees it (from the pipeline or from the store)."""

    document: str
    kind: str  # cc class local name
    council: str  # GSS code
    start: int
    end: int
    value: Decimal | None = None
    service: str | None = None  # concept slug
    direction: str | None = None  # lower-case local name: "increase"
    iri: str | None = None
    population: str | None = None  # population group slug (need estimates)
    joint: bool = False  # carries cc:jointAttribution true


@dataclass(frozen=True)
class GoldFact:
    id: str
    document: str
    kind: str
    council: str  # GSS code or ANY_COUNCIL
    start: int  # -1: quote not in the text
    end: int
    value: Decimal | None
    service: str | None
    direction: str | None


@dataclass
class Score:
    gold: int = 0
    found: int = 0
    value_total: int = 0
    value_right: int = 0
    service_total: int = 0
    service_right: int = 0
    direction_total: int = 0
    direction_right: int = 0
    extracted: int = 0
    joint: int = 0  # extracted facts marked cc:jointAttribution
    supported: int = 0  # extracted facts a gold fact supports (exhaustive gold only)
    exhaustive: int = 0  # 1 per document whose gold is exhaustive, 0 otherwise

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def recall(self) -> float | None:
        return self._ratio(self.found, self.gold)

    @property
    def precision(self) -> float | None:
        """None unless every document counted here has exhaustive gold."""
        if not self.extracted and not self.gold:
            return None
        return self._ratio(self.supported, self.extracted) if self.exhaustive else None

    @property
    def f1(self) -> float | None:
        recall, precision = self.recall, self.precision
        if recall is None or precision is None:
            return None
        return 2 * recall * precision / (recall + precision) if recall + precision else 0.0

    @property
    def value_accuracy(self) -> float | None:
        return self._ratio(self.value_right, self.value_total)

    @property
    def service_accuracy(self) -> float | None:
        return self._ratio(self.service_right, self.service_total)

    @property
    def direction_accuracy(self) -> float | None:
        return self._ratio(self.direction_right, self.direction_total)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["exhaustive"] = bool(self.exhaustive)
        for name in ("recall", "precision", "f1", "value_accuracy", "service_accuracy",
                     "direction_accuracy"):
            data[name] = getattr(self, name)
        return data


@dataclass
class EvaluationReport:
    """Scores per document and kind; ``missed`` lists the gold ids not found."""

    scores: dict[str, dict[str, Score]] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=dict)
    wrong: dict[str, str] = field(default_factory=dict)  # gold id: what was wrong
    #: Exhaustive gold only: the extracted facts no gold fact supports, per document.
    unsupported: dict[str, list[FactRow]] = field(default_factory=dict)
    exhaustive: bool = False

    def score(self, document: str, kind: str) -> Score:
        return self.scores.setdefault(document, {}).setdefault(kind, Score())

    def by_kind(self) -> dict[str, Score]:
        totals = {kind: Score() for kind in FACT_KINDS}
        for kinds in self.scores.values():
            for kind, score in kinds.items():
                totals[kind].add(score)
        return totals

    def by_document(self) -> dict[str, Score]:
        totals: dict[str, Score] = {}
        for document, kinds in self.scores.items():
            total = totals.setdefault(document, Score())
            for score in kinds.values():
                total.add(score)
        return totals

    def overall(self) -> Score:
        total = Score()
        for score in self.by_kind().values():
            total.add(score)
        return total

    def to_json(self) -> dict[str, object]:
        return {
            "overall": self.overall().to_dict(),
            "by_kind": {k: s.to_dict() for k, s in self.by_kind().items()},
            "by_document": {d: s.to_dict() for d, s in self.by_document().items()},
            "by_document_and_kind": {d: {k: s.to_dict() for k, s in kinds.items()}
                                     for d, kinds in self.scores.items()},
            "exhaustive": self.exhaustive,
            "missed": self.missed,
            "wrong": self.wrong,
            "unsupported": {d: [_fact_json(f) for f in facts]
                            for d, facts in self.unsupported.items()},
        }

    def table(self) -> str:
        """A plain-text table: one row per document and kind, then totals."""
        header = ("document", "kind", "gold", "found", "recall", "precision", "f1", "value",
                  "service", "direction", "extracted", "joint")
        rows: list[tuple[str, ...]] = []
        for document in sorted(self.scores):
            for kind in FACT_KINDS:
                if kind in self.scores[document]:
                    rows.append(_row(document, kind, self.scores[document][kind]))
            rows.append(_row(document, "all", self.by_document()[document]))
        for kind, score in self.by_kind().items():
            rows.append(_row("ALL", kind, score))
        rows.append(_row("ALL", "all", self.overall()))
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                           for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                 for r in (header, *rows)]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines)


def _row(document: str, kind: str, score: Score) -> tuple[str, ...]:
    def pct(value: float | None, total: int) -> str:
        return "-" if value is None else f"{value:.2f} ({total})"

    return (document, kind, str(score.gold), str(score.found), pct(score.recall, score.gold),
            pct(score.precision, score.extracted),
            "-" if score.f1 is None else f"{score.f1:.2f}",
            pct(score.value_accuracy, score.value_total),
            pct(score.service_accuracy, score.service_total),
            pct(score.direction_accuracy, score.direction_total), str(score.extracted),
            str(score.joint))


# -- service labels ---------------------------------------------------------------------

class ServiceLabels:
    """Labels and broader concepts of one SKOS scheme (services by default), by slug."""

    def __init__(self, labels: Mapping[str, set[str]] | None = None,
                 broader: Mapping[str, set[str]] | None = None) -> None:
        self.labels = {k: {_norm(v) for v in vs} for k, vs in (labels or {}).items()}
        self.broader = dict(broader or {})

    @classmethod
    def from_ontology(cls, file: str = "services.ttl") -> ServiceLabels:
        """From a scheme file of ontology/ when it exists (else slugs alone are compared)."""
        path = ontology_dir() / file
        if not path.is_file():
            return cls()
        from rdflib import Graph
        from rdflib.namespace import SKOS

        graph = Graph().parse(path)
        labels: dict[str, set[str]] = {}
        broader: dict[str, set[str]] = {}
        for predicate in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for concept, label in graph.subject_objects(predicate):
                labels.setdefault(_slug_of(str(concept)), set()).add(str(label))
        for concept, parent in graph.subject_objects(SKOS.broader):
            broader.setdefault(_slug_of(str(concept)), set()).add(_slug_of(str(parent)))
        return cls(labels, broader)

    def matches(self, slug: str | None, gold_words: str) -> bool:
        if not slug:
            return False
        unqualified = _QUALIFIER.sub(" ", gold_words).strip()
        if unqualified and unqualified != gold_words.strip():
            return self.matches(slug, unqualified)  # "day opportunities (dementia)"
        wanted = _norm(gold_words)
        seen: set[str] = set()
        todo = [slug]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if wanted in self.labels.get(current, set()) or slugify(gold_words) == current:
                return True
            todo.extend(self.broader.get(current, ()))
        return False

    def named_within(self, slug: str | None, gold_words: str) -> bool:
        """True when a label of the concept (or a broader one) occurs as whole words in
        the gold words: the group "carers" within "carers support"."""
        if self.matches(slug, gold_words):
            return True
        wanted = f" {_norm(gold_words)} "
        seen: set[str] = set()
        todo = [slug] if slug else []
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if any(f" {label} " in wanted for label in self.labels.get(current, ())):
                return True
            todo.extend(self.broader.get(current, ()))
        return False


#: A parenthesised qualifier of gold service words: who the service is for or who runs it.
_QUALIFIER = re.compile(r"\s*\([^()]*\)")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.casefold())).strip()


def _fact_json(fact: FactRow) -> dict[str, object]:
    return {"kind": fact.kind, "council": fact.council, "start": fact.start, "end": fact.end,
            "value": None if fact.value is None else str(fact.value),
            "service": fact.service, "direction": fact.direction, "iri": fact.iri}


def _slug_of(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# -- gold -------------------------------------------------------------------------------

def read_gold(gold_dir: Path, document: str, text: str, register: Register) -> list[GoldFact]:
    """The gold facts of one document, located in its text."""
    path = Path(gold_dir) / f"{document}.jsonl"
    facts: list[GoldFact] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            kind = GOLD_TYPES[data["type"]]
        except (json.JSONDecodeError, KeyError) as exc:
            raise InputError(path, f"line {number}: not a gold fact ({exc})") from exc
        quote = data.get("quote") or ""
        start = text.find(quote) if quote else -1
        facts.append(GoldFact(
            id=str(data.get("id", f"{document}-{number}")),
            document=document,
            kind=kind,
            council=_gold_council(str(data.get("council") or ""), register),
            start=start,
            end=start + len(quote) if start >= 0 else -1,
            value=_decimal(data.get("value")),
            service=data.get("service") or None,
            direction=(data.get("direction") or None),
        ))
    return facts


def _gold_council(name: str, register: Register) -> str:
    try:
        return register.resolve(name).gss_code
    except UnknownCouncilError:
        if JOINT.search(name) or not name:
            return ANY_COUNCIL
        raise


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# -- comparison -------------------------------------------------------------------------

def evaluate(facts_by_document: Mapping[str, Sequence[FactRow]], gold_dir: Path,
             texts: Mapping[str, str], register: Register | None = None,
             services: ServiceLabels | None = None,
             populations: ServiceLabels | None = None,
             golds: Mapping[str, list[GoldFact]] | None = None) -> EvaluationReport:
    """Compare extracted facts with the gold facts of every document that has a gold file
    (``texts`` gives each document's text, to locate the gold quotes; ``golds``, the gold
    facts already read, for a caller that evaluates the same documents many times)."""
    register = register or default_register()
    services = services if services is not None else ServiceLabels.from_ontology()
    if populations is None:
        populations = ServiceLabels.from_ontology("population-groups.ttl")
    report = EvaluationReport(exhaustive=is_exhaustive(gold_dir))
    for document, text in sorted(texts.items()):
        if not (Path(gold_dir) / f"{document}.jsonl").is_file():
            continue
        facts = list(facts_by_document.get(document, ()))
        known = golds.get(document) if golds is not None else None
        gold_facts = known if known is not None else read_gold(gold_dir, document, text,
                                                               register)
        for fact in facts:
            score = report.score(document, fact.kind)
            score.extracted += 1
            score.joint += fact.joint
            if report.exhaustive:
                score.exhaustive = 1
                if any(_supports(gold, fact) for gold in gold_facts):
                    score.supported += 1
                else:
                    report.unsupported.setdefault(document, []).append(fact)
        for gold in gold_facts:
            _judge(report, gold, facts, services, populations)
            if report.exhaustive:
                report.score(document, gold.kind).exhaustive = 1
    return report


#: A file in a gold folder that says its gold is exhaustive: every fact of the six kinds
#: the documents state is annotated, so an extracted fact no gold fact supports is wrong.
EXHAUSTIVE_MARKER = "exhaustive"
_EXHAUSTIVE_WORDS = re.compile(r"\bthis\s+gold\s+is\s+exhaustive\b|^exhaustive:\s*true\b",
                               re.IGNORECASE | re.MULTILINE)


def is_exhaustive(gold_dir: Path) -> bool:
    """True when the gold folder (or its parent, whose README describes it) says so: a
    file ``exhaustive`` holding ``exhaustive: true``, or a README.md stating "this gold is
    exhaustive" (the dev set's README does; the bundled corpus' gold README does not)."""
    gold_dir = Path(gold_dir)
    for candidate in (gold_dir / EXHAUSTIVE_MARKER, gold_dir / f"{EXHAUSTIVE_MARKER}.yaml",
                      gold_dir / "README.md", gold_dir.parent / "README.md"):
        if candidate.is_file() and _EXHAUSTIVE_WORDS.search(
                candidate.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def _supports(gold: GoldFact, fact: FactRow) -> bool:
    return (gold.kind == fact.kind and gold.start >= 0
            and (gold.council == ANY_COUNCIL or gold.council == fact.council)
            and fact.start < gold.end and gold.start < fact.end)


def _judge(report: EvaluationReport, gold: GoldFact, facts: Sequence[FactRow],
           services: ServiceLabels, populations: ServiceLabels) -> None:
    score = report.score(gold.document, gold.kind)
    score.gold += 1
    matches = [f for f in facts if _supports(gold, f)]
    if not matches:
        report.missed.setdefault(gold.document, []).append(gold.id)
        return
    score.found += 1
    chosen = max(matches, key=lambda f: (gold.value is not None and f.value == gold.value,
                                         min(f.end, gold.end) - max(f.start, gold.start)))
    problems = []
    if gold.value is not None:
        score.value_total += 1
        if chosen.value is not None and chosen.value == gold.value:
            score.value_right += 1
        else:
            problems.append(f"value {chosen.value} != {gold.value}")
    if gold.service:
        score.service_total += 1
        right = services.matches(chosen.service, gold.service) or (
            gold.kind == "NeedEstimate"
            and populations.named_within(chosen.population, gold.service))
        if right:
            score.service_right += 1
        else:
            problems.append(f"service {chosen.service}/{chosen.population} "
                            f"!= {gold.service!r}")
    if gold.direction:
        score.direction_total += 1
        if (chosen.direction or "").casefold() == gold.direction.casefold():
            score.direction_right += 1
        else:
            problems.append(f"direction {chosen.direction} != {gold.direction}")
    if problems:
        report.wrong[gold.id] = "; ".join(problems)


# -- from the pipeline ------------------------------------------------------------------

def rows_of_loaded(loaded: object) -> list[FactRow]:
    """The facts of a pipeline result, one row per council as the graph states them."""
    record = loaded.record  # type: ignore[attr-defined]
    rows: list[FactRow] = []
    seen: set[tuple[object, ...]] = set()
    for candidate in loaded.candidates:  # type: ignore[attr-defined]
        councils = stated_councils(candidate, record)
        joint = candidate.joint_attribution and len(councils) > 1
        for council in councils:
            row = FactRow(record.id, candidate.kind, council, candidate.start, candidate.end,
                          _decimal(candidate.value), candidate.service,
                          candidate.direction.casefold() if candidate.direction else None,
                          population=candidate.population_group, joint=joint)
            # the graph states two facts of one sentence that differ in what the row
            # does not show (two strategies named in one sentence) as two facts
            key = (row.kind, row.council, row.start, row.end, row.value, row.service,
                   row.direction, candidate.title, candidate.unit, candidate.event_type,
                   candidate.period_label)
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


# -- from the store ---------------------------------------------------------------------

def evaluation_query() -> str:
    """The SPARQL that lists facts for evaluation (queries/evaluation-facts.rq)."""
    return (queries_dir() / QUERY_FILE).read_text(encoding="utf-8")


# "population" (the need's cc:populationGroup) and "joint" (its cc:jointAttribution) are
# read when the query selects them.
QUERY_VARIABLES = ("fact", "kind", "council", "document", "start", "end", "value", "service",
                   "direction", "population", "joint")


def rows_from_results(results: Iterable[Mapping[str, object] | Sequence[object]]) -> list[
        FactRow]:
    """FactRows from the query's result rows (mappings by variable name, or sequences in
    the order of :data:`QUERY_VARIABLES`); terms may be rdflib or pyoxigraph terms."""
    rows = []
    for result in results:
        if isinstance(result, Mapping):
            get = {name: result.get(name) for name in QUERY_VARIABLES}
        else:
            get = dict(zip(QUERY_VARIABLES, result, strict=False))
        value = {name: _term(term) for name, term in get.items()}
        rows.append(FactRow(
            document=_slug_of(value["document"] or ""),
            kind=_slug_of(value["kind"] or ""),
            council=_slug_of(value["council"] or ""),
            start=int(value["start"] or 0),
            end=int(value["end"] or 0),
            value=_decimal(value["value"]),
            service=_slug_of(value["service"]) if value["service"] else None,
            direction=_slug_of(value["direction"]).casefold() if value["direction"] else None,
            iri=value["fact"],
            population=_slug_of(value["population"] or "") if value.get("population") else None,
            joint=(value.get("joint") or "").strip().casefold() in ("true", "1"),
        ))
    return rows


def _term(term: object) -> str | None:
    if term is None:
        return None
    value = getattr(term, "value", None)  # pyoxigraph terms
    return str(value) if isinstance(value, str) else str(term)


def evaluate_store(query_fn: Callable[[str], Iterable[object]], gold_dir: Path,
                   text_of: Callable[[str], str], register: Register | None = None,
                   services: ServiceLabels | None = None) -> EvaluationReport:
    """Evaluate the facts of a built store. ``query_fn`` runs SPARQL on the store;
    ``text_of`` gives the text a document's offsets index (the stored text for PDF/HTML).
    Documents with a gold file but no facts in the store still count (recall 0)."""
    rows = rows_from_results(query_fn(evaluation_query()))  # type: ignore[arg-type]
    by_document: dict[str, list[FactRow]] = {}
    for row in rows:
        by_document.setdefault(row.document, []).append(row)
    documents = {p.stem for p in Path(gold_dir).glob("*.jsonl")}
    texts = {}
    for document in documents:
        try:
            texts[document] = text_of(document)
        except (KeyError, FileNotFoundError, InputError):
            continue
    return evaluate(by_document, gold_dir, texts, register, services)


# -- command line (for developers: `python -m carekg.loaders.evaluate`) ------------------

def evaluate_corpus(corpus_dir: Path, gold_dir: Path
                    ) -> tuple[EvaluationReport, list[LoadedDocument]]:
    """Run the pipeline over a corpus and evaluate it."""
    from carekg.iris import Iris
    from carekg.loaders.manifest import read_manifest
    from carekg.loaders.pipeline import load_document

    register = default_register()
    records = read_manifest(corpus_dir, register)
    loaded = [load_document(record, Iris(), register) for record in records]
    facts = {doc.record.id: rows_of_loaded(doc) for doc in loaded}
    texts = {doc.record.id: doc.text.text for doc in loaded}
    return evaluate(facts, gold_dir, texts, register), loaded


def main(argv: list[str] | None = None) -> int:
    from carekg.resources import corpus_dir

    parser = argparse.ArgumentParser(prog="python -m carekg.loaders.evaluate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus_dir())
    parser.add_argument("--gold", type=Path, default=Path("/work/shared/gold"))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--errors", action="store_true",
                        help="list missed, wrong and unsupported facts with their quotes")
    args = parser.parse_args(argv)
    if not args.gold.is_dir():
        print(f"{args.gold}: no gold directory", file=sys.stderr)
        return 1
    report, loaded = evaluate_corpus(args.corpus, args.gold)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    else:
        print(report.table())
        if args.errors:
            texts = {doc.record.id: doc.text.text for doc in loaded}
            print(errors_text(report, args.gold, texts))
    return 0


def errors_text(report: EvaluationReport, gold_dir: Path, texts: Mapping[str, str]) -> str:
    """Error analysis in one listing: each missed gold fact, each matched gold fact with a
    wrong property, and (exhaustive gold) each unsupported extracted fact, with quotes."""
    lines: list[str] = []
    quotes: dict[str, tuple[str, str]] = {}
    for path in sorted(Path(gold_dir).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                quotes[str(data.get("id"))] = (str(data.get("type")), str(data.get("quote")))
    for document, ids in sorted(report.missed.items()):
        for gold_id in ids:
            kind, quote = quotes.get(gold_id, ("?", "?"))
            lines.append(f"missed\t{document}\t{gold_id}\t{kind}\t{_one_line(quote)}")
    for gold_id, problem in sorted(report.wrong.items()):
        kind, quote = quotes.get(gold_id, ("?", "?"))
        lines.append(f"wrong\t{gold_id}\t{kind}\t{problem}\t{_one_line(quote)}")
    for document, facts in sorted(report.unsupported.items()):
        text = texts.get(document, "")
        for fact in facts:
            what = " ".join(str(x) for x in (fact.value, fact.service, fact.direction) if x)
            lines.append(f"unsupported\t{document}\t{fact.kind}\t{what}\t"
                         f"{_one_line(text[fact.start:fact.end])}")
    return "\n".join(lines)


def _one_line(text: str, width: int = 160) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= width else flat[: width - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
