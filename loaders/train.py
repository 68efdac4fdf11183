"""``carekg train``: fit the fact-kind gate from gold files, measured leave-one-council-out.

Training data are the sentences of corpora with gold files (format: ../shared/gold/README.md).
A sentence is a positive example of a kind when a gold fact of that kind has a quote
overlapping it. Where the gold is exhaustive (:func:`carekg.loaders.evaluate.is_exhaustive`)
every other sentence is a negative example; where it is not, a sentence on which a rule
fired for a kind the gold does not list is left out for that kind (the gold may simply not
have annotated it), and only sentences neither the gold nor the rules tie to the kind are
negatives.

The figure that predicts a council never seen is the leave-one-council-out one: for each
group of documents that share a council, a model is trained on the other groups and the
whole pipeline (rules, gate, generic readers, attribution) runs on the held-out group with
it. The thresholds of each kind are chosen on those held-out predictions, then the final
model is trained on everything with them. Training is deterministic (liblinear, fixed
order), so the committed model is reproduced by running the command again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from types import SimpleNamespace

from carekg.councils import Register, default_register
from carekg.errors import InputError, UsageError
from carekg.loaders.attribute import attribute, attribute_candidates
from carekg.loaders.evaluate import (
    EvaluationReport,
    GoldFact,
    Score,
    ServiceLabels,
    evaluate,
    is_exhaustive,
    read_gold,
    rows_of_loaded,
)
from carekg.loaders.extract import SentenceReading, first_mentions, read_sentences
from carekg.loaders.extract.common import SentenceView
from carekg.loaders.extract.fallback import fallback_candidates
from carekg.loaders.kind_model import MAX_GATED_CHARS, KindModel, KindWeights, gated
from carekg.loaders.manifest import read_manifest
from carekg.loaders.model import FACT_KINDS, Candidate, DocumentRecord
from carekg.loaders.read import read_document
from carekg.loaders.segment import segment
from carekg.loaders.sentence_features import rule_kinds_of, sentence_features

#: Inverse regularisation strength of the logistic regressions.
C = 0.1
#: Weights smaller than this are dropped from the committed model (they change no decision
#: measurably and would only make the file larger).
MIN_WEIGHT = 0.1
#: A feature must occur in the documents of this many councils (or groups of councils
#: sharing documents) to be learnt from.
MIN_COUNCILS = 2
KEEP_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
ADD_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9,
            1.01)
#: Threshold choice: F-beta with precision weighed higher, and how much recall on
#: non-exhaustive gold a kind may lose against the rules alone.
BETA = 0.7
RECALL_SLACK = 0.02
VOLUME_SLACK = 1.1
ROUNDS = 2


@dataclass
class Document:
    """One document of a training corpus, read by the rules, with its gold labels."""

    record: DocumentRecord
    text: str
    readings: list[SentenceReading]
    features: list[list[str]]
    labels: list[set[str]]  # kinds of the gold facts overlapping each sentence
    unknown: list[set[str]]  # kinds left out for each sentence (non-exhaustive gold)
    fallback: list[dict[str, list[Candidate]]]  # per sentence, generic readings of the
    # kinds no rule fired on (what the gate would add at any threshold)
    gold_dir: Path
    exhaustive: bool
    groups: set[str] = field(default_factory=set)  # councils (GSS codes)


def read_training_corpus(corpus_dir: Path, gold_dir: Path,
                         register: Register | None = None) -> list[Document]:
    """Every document of a corpus that has a gold file, read and labelled."""
    register = register or default_register()
    if not Path(gold_dir).is_dir():
        raise InputError(Path(gold_dir), "no such gold directory")
    exhaustive = is_exhaustive(gold_dir)
    documents = []
    for record in read_manifest(Path(corpus_dir), register):
        gold_file = Path(gold_dir) / f"{record.id}.jsonl"
        if not gold_file.is_file():
            continue
        text = read_document(record.path)
        sentences = attribute(segment(text), record, register)
        readings = read_sentences(sentences, record)
        spans = [(g.kind, g.start, g.end)
                 for g in read_gold(Path(gold_dir), record.id, text.text, register)
                 if g.start >= 0]
        primary = _primary_sentences(readings, spans)
        features, labels, unknown, fallback = [], [], [], []
        for index, reading in enumerate(readings):
            s = reading.sentence
            touched = {kind for kind, a, b in spans if a < s.end and s.start < b}
            kinds = {kind for kind in touched if (index, kind) in primary}
            fired = rule_kinds_of(reading.candidates)
            features.append(sentence_features(s, record, reading.context, fired,
                                              reading.lead_in))
            labels.append(kinds)
            # a sentence a gold quote only runs into may state the fact or not; a fact
            # there is supported either way, so it teaches nothing
            unknown.append((touched - kinds) | (set() if exhaustive else fired - kinds))
            view = SentenceView.of(s, record, reading.context, reading.lead_in)
            view.lead = reading.lead
            fallback.append({kind: fallback_candidates(view, kind)
                             for kind in FACT_KINDS if kind not in fired})
        documents.append(Document(record, text.text, readings, features, labels, unknown,
                                  fallback, Path(gold_dir), exhaustive,
                                  set(record.councils)))
    return documents


def _primary_sentences(readings: Sequence[SentenceReading],
                       spans: Sequence[tuple[str, int, int]]) -> set[tuple[int, str]]:
    """(sentence index, kind) of the sentence that states each gold fact: of those its
    quote overlaps, the one it overlaps most (a quote may run over a table's lines)."""
    primary: set[tuple[int, str]] = set()
    for kind, a, b in spans:
        overlaps = [(min(b, r.sentence.end) - max(a, r.sentence.start), -i, i)
                    for i, r in enumerate(readings)
                    if a < r.sentence.end and r.sentence.start < b]
        if overlaps:
            primary.add((max(overlaps)[2], kind))
    return primary


def council_groups(documents: Sequence[Document]) -> list[list[Document]]:
    """Documents joined when they share a council: holding one out holds out its councils."""
    groups: list[list[Document]] = []
    for document in documents:
        joined = [g for g in groups if any(d.groups & document.groups for d in g)]
        merged = [document] + [d for g in joined for d in g]
        groups = [g for g in groups if g not in joined] + [merged]
    return sorted(groups, key=lambda g: sorted(d.record.id for d in g))


def fit(documents: Sequence[Document],
        thresholds: Mapping[str, tuple[float, float]] | None = None) -> KindModel:
    """One logistic regression per kind over the documents' sentences."""
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # an optional extra: only training needs it
        raise UsageError("carekg train needs scikit-learn: pip install 'carekg[train]'") \
            from exc
    # A feature seen in one council's documents only cannot carry to another council, and
    # would only keep that document's names and phrases: it is left out.
    seen_in: dict[str, set[frozenset[str]]] = {}
    for document in documents:
        for names in document.features:
            for name in names:
                seen_in.setdefault(name, set()).add(frozenset(document.groups))
    shared = {name for name, groups in seen_in.items() if len(groups) >= MIN_COUNCILS}
    rows = [dict.fromkeys((n for n in f if n in shared), 1)
            for d in documents for f in d.features]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows).tocsr()
    # liblinear takes 32-bit indices only; a vocabulary of this size fits them
    matrix.indices = matrix.indices.astype("int32")
    matrix.indptr = matrix.indptr.astype("int32")
    names = vectorizer.get_feature_names_out()
    kinds: dict[str, KindWeights] = {}
    for kind in FACT_KINDS:
        y = [kind in labels for d in documents for labels in d.labels]
        weight = [0.0 if kind in unknown else 1.0 for d in documents for unknown in d.unknown]
        if sum(y) == 0 or all(y):
            continue
        model = LogisticRegression(C=C, solver="liblinear", class_weight="balanced",
                                   max_iter=1000, random_state=0)
        model.fit(matrix, y, sample_weight=weight)
        weights = {str(n): round(float(w), 4) for n, w in zip(names, model.coef_[0],
                                                               strict=True)
                   if abs(w) >= MIN_WEIGHT}
        keep, add = (thresholds or {}).get(kind, (0.3, 0.8))
        kinds[kind] = KindWeights(float(model.intercept_[0]), weights, keep, add)
    return KindModel(kinds, tuple(sorted(d.record.id for d in documents)))


@dataclass
class HeldOut:
    """What the pipeline makes of one held-out document, for any thresholds."""

    document: Document
    probabilities: list[dict[str, float]]


def held_out_predictions(documents: Sequence[Document],
                         progress: Callable[[str], None] | None = None) -> list[HeldOut]:
    """Leave-one-council-out: each group scored by a model trained without it."""
    held: list[HeldOut] = []
    for group in council_groups(documents):
        ids = {d.record.id for d in group}
        if progress:
            progress(", ".join(sorted(ids)))
        model = fit([d for d in documents if d.record.id not in ids])
        for document in group:
            held.append(HeldOut(document, [model.probabilities(f) for f in document.features]))
    return held


def assemble(held: HeldOut, thresholds: Mapping[str, tuple[float, float]],
             register: Register, only: str | None = None) -> list[Candidate]:
    """The held-out document's facts under the given (keep, add) thresholds per kind
    (of one kind only, when ``only`` names it)."""
    out: list[Candidate] = []
    for reading, probs, extra in zip(held.document.readings, held.probabilities,
                                     held.document.fallback, strict=True):
        if len(reading.sentence.text) > MAX_GATED_CHARS:  # as the gate: the rules' alone
            out.extend(c for c in reading.candidates if only is None or c.kind == only)
            continue
        out.extend(gated(reading.candidates, probs, thresholds, partial(_read, extra), only))
    return attribute_candidates(first_mentions(out), held.document.record, register)


def _read(extra: Mapping[str, list[Candidate]], kind: str) -> list[Candidate]:
    """The generic readings of a kind, read once when the document was (held.fallback)."""
    return extra.get(kind, [])


def score(held: Iterable[HeldOut], thresholds: Mapping[str, tuple[float, float]],
          register: Register, only: str | None = None) -> dict[str, EvaluationReport]:
    """Evaluation reports per gold folder of the held-out documents."""
    by_gold: dict[Path, list[HeldOut]] = {}
    for item in held:
        by_gold.setdefault(item.document.gold_dir, []).append(item)
    reports = {}
    for gold_dir, items in by_gold.items():
        facts = {}
        texts = {}
        for item in items:
            loaded = SimpleNamespace(record=item.document.record,
                                     candidates=assemble(item, thresholds, register, only))
            facts[item.document.record.id] = rows_of_loaded(loaded)
            texts[item.document.record.id] = item.document.text
        reports[str(gold_dir)] = evaluate(facts, gold_dir, texts, register, _services(),
                                          _populations(), _golds(items, register))
    return reports


@cache
def _services() -> ServiceLabels:
    return ServiceLabels.from_ontology()


@cache
def _populations() -> ServiceLabels:
    return ServiceLabels.from_ontology("population-groups.ttl")


_GOLD_CACHE: dict[tuple[Path, str], list[GoldFact]] = {}


def _golds(items: Sequence[HeldOut], register: Register) -> dict[str, list[GoldFact]]:
    """The gold facts of the held-out documents, read once: thresholds are chosen by
    evaluating the same documents thousands of times."""
    out = {}
    for item in items:
        key = (item.document.gold_dir, item.document.record.id)
        if key not in _GOLD_CACHE:
            _GOLD_CACHE[key] = read_gold(key[0], key[1], item.document.text, register)
        out[key[1]] = _GOLD_CACHE[key]
    return out


def choose_thresholds(held: Sequence[HeldOut], register: Register
                      ) -> dict[str, tuple[float, float]]:
    """Per kind, the (keep, add) pair with the best held-out F-beta on exhaustive gold
    (beta :data:`BETA` < 1 weighs precision higher: a wrong fact costs a researcher more
    than a missed one), among the pairs that :func:`_guarded` accepts on non-exhaustive
    gold (which cannot measure precision, so it only guards what the rules already do)."""
    rules_alone = {k: (0.0, 1.01) for k in FACT_KINDS}
    baseline = {gold: report.by_kind() for gold, report in
                score(held, rules_alone, register).items() if not report.exhaustive}
    chosen: dict[str, tuple[float, float]] = dict(rules_alone)
    for _ in range(ROUNDS):  # rival kinds depend on each other's thresholds
        for kind in FACT_KINDS:
            best: tuple[tuple[float, float], tuple[float, float]] | None = None
            for keep in KEEP_GRID:
                # highest first: where adding facts gains nothing held out, none are
                # added (an add threshold is only lowered on evidence that it helps)
                for add in sorted(ADD_GRID, reverse=True):
                    trial = {**chosen, kind: (keep, add)}
                    guarded, quality = True, 0.0
                    for gold, report in score(held, trial, register, kind).items():
                        s = report.by_kind()[kind]
                        if report.exhaustive:
                            quality = _f_beta(s.recall or 0.0, s.precision or 0.0)
                        elif not _guarded(s, baseline[gold][kind]):
                            guarded = False
                    key = (float(guarded), quality)
                    if best is None or key > best[0]:
                        best = (key, (keep, add))
            if best is not None:
                chosen[kind] = best[1]
    return chosen


def _guarded(trial: Score, rules: Score) -> bool:
    """On gold that is not exhaustive, a kind's thresholds may not cost recall, value or
    service accuracy, nor make many more facts than the rules alone: there, with no precision to
    measure, more facts are as likely noise as news (the quality floors of the tests)."""
    return ((trial.recall or 0.0) >= (rules.recall or 0.0) - RECALL_SLACK
            and (trial.service_accuracy or 0.0) >= (rules.service_accuracy or 0.0)
            - RECALL_SLACK
            and (trial.value_accuracy or 0.0) >= (rules.value_accuracy or 0.0)
            - RECALL_SLACK
            and trial.extracted <= VOLUME_SLACK * rules.extracted + 2)


def _f_beta(recall: float, precision: float) -> float:
    if not recall or not precision:
        return 0.0
    b2 = BETA * BETA
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def train(corpora: Sequence[tuple[Path, Path]], output: Path | None,
          progress: Callable[[str], None] | None = None
          ) -> tuple[KindModel, dict[str, EvaluationReport]]:
    """Read the corpora, measure leave-one-council-out, choose thresholds on it, fit the
    final model on everything and write it to ``output`` (when given)."""
    register = default_register()
    documents = [d for corpus, gold in corpora
                 for d in read_training_corpus(corpus, gold, register)]
    if not documents:
        raise UsageError("no document of the corpora has a gold file")
    held = held_out_predictions(documents, progress)
    thresholds = choose_thresholds(held, register)
    reports = score(held, thresholds, register)
    model = fit(documents, thresholds)
    model = KindModel(model.kinds, model.trained_on, {
        "C": C, "min_weight": MIN_WEIGHT, "min_councils": MIN_COUNCILS, "beta": BETA,
        "recall_slack": RECALL_SLACK, "volume_slack": VOLUME_SLACK,
        "leave_one_council_out": {_short(gold): _summary(r) for gold, r in reports.items()},
    })
    if output is not None:
        model.save(output)
    return model, reports


def _short(gold: str) -> str:
    """A gold folder by its last two names ("dev/gold"): the model file must not depend on
    where the checkout is or how the command named the folder."""
    return "/".join(Path(gold).resolve().parts[-2:])


def _summary(report: EvaluationReport) -> dict[str, object]:
    overall = report.overall()
    return {name: (round(v, 3) if isinstance(v, float) else v) for name, v in (
        ("recall", overall.recall), ("precision", overall.precision),
        ("value_accuracy", overall.value_accuracy),
        ("service_accuracy", overall.service_accuracy),
        ("direction_accuracy", overall.direction_accuracy), ("gold", overall.gold),
        ("extracted", overall.extracted))}
