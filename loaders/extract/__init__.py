"""Extract candidate facts of the six kinds from segmented sentences.

The entry point :func:`extract_candidates` runs every extractor over every sentence; each
extractor reads the sentence through the same :class:`SentenceView` (figures, periods and
clause spans found once). Extractors are general rules of the genre (``rules.yaml``), not
knowledge of particular documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from carekg.loaders.model import Candidate, DocumentRecord, Sentence

if TYPE_CHECKING:
    from carekg.loaders.kind_model import KindModel

__all__ = ["extract_candidates", "extract_sentence", "read_sentences", "gate"]


def extract_sentence(
    sentence: Sentence, record: DocumentRecord, context: tuple[str, ...] = (),
    lead_in: str = "", lead: tuple[str, ...] = (),
) -> list[Candidate]:
    """Every candidate fact of one sentence (a sentence may hold several)."""
    # Imported here: carekg.loaders.classify reads this package's rules module, so the
    # extractors (which use the classifier) must not load while the package initialises.
    from carekg.loaders.extract.common import SentenceView
    from carekg.loaders.extract.contract_event import extract_contract_events
    from carekg.loaders.extract.counts import extract_counts
    from carekg.loaders.extract.intention import extract_intentions
    from carekg.loaders.extract.spend import extract_spend
    from carekg.loaders.extract.strategy_reference import extract_strategy_references
    from carekg.loaders.extract.table_rows import extract_table_counts

    view = SentenceView.of(sentence, record, context, lead_in)
    view.lead = lead
    intentions = extract_intentions(view)
    candidates = [
        *extract_spend(view),
        *extract_counts(view, has_intention=bool(intentions)),
        *extract_table_counts(view),
        *extract_contract_events(view),
        *intentions,
        *extract_strategy_references(view),
    ]
    return candidates


class _Default:
    """The committed kind model (a sentinel, so that None can mean 'rules alone')."""


DEFAULT_MODEL = _Default()


@dataclass(frozen=True)
class SentenceReading:
    """One sentence, the context the extractors read it in, and what the rules found."""

    sentence: Sentence
    context: tuple[str, ...]
    lead_in: str
    lead: tuple[str, ...]
    candidates: list[Candidate]


def read_sentences(sentences: list[Sentence], record: DocumentRecord) -> list[SentenceReading]:
    """The rule extractors over every sentence, in document order, without duplicates
    within a sentence (the same fact stated twice at different places stays twice: each
    is evidence)."""
    from carekg.loaders.extract.common import (
        ANAPHOR,
        heading_context,
        lead_sentences,
        list_lead_ins,
    )

    contexts = heading_context(sentences)
    lead_ins = list_lead_ins(sentences)
    leads = lead_sentences(sentences)
    out: list[SentenceReading] = []
    for sentence in sentences:
        seen: set[tuple[object, ...]] = set()
        context = contexts.get(sentence.section.start, ()) if sentence.section else ()
        lead_in = lead_ins.get(sentence.start, "")
        lead = leads.get(sentence.section.start, ()) if sentence.section else ()
        found: list[Candidate] = []
        for candidate in extract_sentence(sentence, record, context, lead_in, lead):
            key = (
                candidate.kind,
                candidate.start,
                candidate.end,
                candidate.value,
                candidate.direction,
                candidate.title,
            )
            if key not in seen:
                seen.add(key)
                found.append(candidate)
        # "Based on ONS projections this number is predicted to rise": the anaphor opens
        # the sentence's main clause, after a lead-in phrase
        if out and ANAPHOR.search(sentence.plain, 0, _ANAPHOR_REACH):
            _share_population(out[-1], found)
        out.append(SentenceReading(sentence, context, lead_in, lead, found))
    return out




#: How far into a sentence its anaphor may open the main clause.
_ANAPHOR_REACH = 40


def _share_population(before: SentenceReading, found: list[Candidate]) -> None:
    """Need figures of an anaphoric sentence take the population group (and service) of
    the previous sentence's need, when they name none themselves; when the previous
    sentence states no need ("There are 2,000 older people receiving a service."), the
    group it names is the one "this number" counts."""
    from carekg.loaders.classify import classify_population

    source = next((c for c in before.candidates
                   if c.kind == "NeedEstimate" and c.population_group), None)
    group = (source.population_group if source
             else classify_population(before.sentence.plain))
    if group is None:
        return
    for candidate in found:
        if candidate.kind == "NeedEstimate" and candidate.population_group is None:
            candidate.population_group = group
            if source is not None:
                candidate.service = candidate.service or source.service


def extract_candidates(sentences: list[Sentence], record: DocumentRecord,
                       model: KindModel | None | _Default = DEFAULT_MODEL) -> list[Candidate]:
    """Candidate facts of a document's sentences, in document order: what the rules read,
    decided by the learned kind gate (``model``; the committed one by default, None for
    the rules alone)."""
    from carekg.loaders.kind_model import default_model

    chosen = default_model() if isinstance(model, _Default) else model
    out: list[Candidate] = []
    for reading in read_sentences(sentences, record):
        if chosen is None:
            out.extend(reading.candidates)
        else:
            out.extend(gate(chosen, reading, record))
    return first_mentions(out)


_NAME_NOISE = re.compile(r"[\d/–—-]+|[^\w\s]|\b(?:the|this|our|a|an|new|draft|welcome to|"
                         r"pdf|docx?)\b")
#: An owner named before a strategy ("Sutton's", "the County Council's"): the same
#: document as the name without it.
_OWNER = re.compile(r"^(?:[\w-]+\s+){0,3}?[\w-]+['’]s\s+")


def strategy_key(title: str) -> str:
    """What two mentions of one strategy share: its name without years, articles, its
    owner ("Sutton's", a council's name) or a link's file type ("... Strategy PDF")."""
    from carekg.loaders.sentence_features import council_words

    name = _OWNER.sub("", title.casefold())
    words = _NAME_NOISE.sub(" ", name).split()
    names = council_words()
    while len(words) > 1 and words[0] in names:
        words = words[1:]
    return " ".join(words)


def _bare_title(candidate: Candidate) -> bool:
    """A mention that is only the strategy's name on a line of its own that is no heading
    (a link, an entry in a list of documents), where a sentence naming it says what the
    text says of it. A heading is the document's or section's own title, kept."""
    if candidate.sentence.is_heading:
        return False
    line = re.sub(r"[\W\d_]+", " ", candidate.sentence.text).strip().casefold()
    return line == re.sub(r"[\W\d_]+", " ", candidate.title or "").strip().casefold()


def _sentence_mention(candidate: Candidate) -> bool:
    """A mention in running text, not a page's breadcrumb trail ("Home > ... > ...")."""
    return not _bare_title(candidate) and ">" not in candidate.sentence.text


def first_mentions(candidates: list[Candidate]) -> list[Candidate]:
    """A strategy named again later in its document is the same reference (its years,
    articles and owner aside, "Sutton's Carers Strategy 2026-2031" is the "Carers
    Strategy" named earlier): one mention is kept, the first that gives its period, else
    the first. Figures restated are kept: each is evidence."""
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.kind == "StrategyReference" and candidate.title:
            key = strategy_key(candidate.title)
            chosen = best.get(key)
            if chosen is None or (candidate.period_label and not chosen.period_label) or (
                    bool(candidate.period_label) == bool(chosen.period_label)
                    and _bare_title(chosen) and _sentence_mention(candidate)):
                best[key] = candidate
    kept = {id(c) for c in best.values()}
    return [c for c in candidates
            if c.kind != "StrategyReference" or not c.title or id(c) in kept]


def gate(model: KindModel, reading: SentenceReading, record: DocumentRecord) -> list[Candidate]:
    """The rules' candidates of the kinds the model finds likely enough, and generic
    readings of the kinds it is confident of where no rule fired."""
    from carekg.loaders.extract.common import SentenceView
    from carekg.loaders.extract.fallback import fallback_candidates
    from carekg.loaders.kind_model import MAX_GATED_CHARS, gated
    from carekg.loaders.sentence_features import rule_kinds_of, sentence_features

    if len(reading.sentence.text) > MAX_GATED_CHARS:
        return reading.candidates
    features = sentence_features(reading.sentence, record, reading.context,
                                 rule_kinds_of(reading.candidates), reading.lead_in)
    views: list[SentenceView] = []

    def read(kind: str) -> list[Candidate]:
        if not views:  # built only when a kind no rule read is chosen
            views.append(SentenceView.of(reading.sentence, record, reading.context,
                                         reading.lead_in))
            views[0].lead = reading.lead
        return fallback_candidates(views[0], kind)

    return gated(reading.candidates, model.probabilities(features), model.thresholds, read)
