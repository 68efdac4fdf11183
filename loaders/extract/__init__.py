"""Extract candidate facts of the six kinds from segmented sentences.

The entry point :func:`extract_candidates` runs every extractor over every sentence; each
extractor reads the sentence through the same :class:`SentenceView` (figures, periods and
clause spans found once). Extractors are general rules of the genre (``rules.yaml``), not
knowledge of particular documents.
"""

from __future__ import annotations

from carekg.loaders.model import Candidate, DocumentRecord, Sentence

__all__ = ["extract_candidates", "extract_sentence"]


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

    view = SentenceView.of(sentence, record, context, lead_in)
    view.lead = lead
    intentions = extract_intentions(view)
    candidates = [
        *extract_spend(view),
        *extract_counts(view, has_intention=bool(intentions)),
        *extract_contract_events(view),
        *intentions,
        *extract_strategy_references(view),
    ]
    return candidates


def extract_candidates(sentences: list[Sentence], record: DocumentRecord) -> list[Candidate]:
    """Candidate facts of a document's sentences, in document order, without duplicates.

    The same fact stated twice at different places stays twice: each is evidence."""
    from carekg.loaders.extract.common import (
        heading_context,
        lead_sentences,
        list_lead_ins,
    )

    contexts = heading_context(sentences)
    lead_ins = list_lead_ins(sentences)
    leads = lead_sentences(sentences)
    out: list[Candidate] = []
    for sentence in sentences:
        seen: set[tuple[object, ...]] = set()
        context = contexts.get(sentence.section.start, ()) if sentence.section else ()
        lead_in = lead_ins.get(sentence.start, "")
        lead = leads.get(sentence.section.start, ()) if sentence.section else ()
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
                out.append(candidate)
    return out
