"""Classify a sentence against the SKOS vocabularies: service, population group, unit,
procurement route and direction.

Synonyms live in the taxonomies (``ontology/*.ttl``, read through
:mod:`carekg.vocabularies`), never in Python: a label the classifier should know is an
altLabel or hiddenLabel there. The classifier prefers the sentence to its section heading
and the most specific concept to a broader one, because a researcher asking about
"extra care housing" should not get "accommodation-based care".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol, TypeVar

from carekg import vocabularies
from carekg.errors import InputError
from carekg.loaders.extract.quantities import NUMBER_WORDS
from carekg.loaders.extract.rules import compiled_map, load_rules, phrase_pattern


@dataclass(frozen=True)
class LabelHit:
    slug: str
    start: int
    end: int
    depth: int


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=_Span)


def outermost(hits: list[S]) -> list[S]:
    """The hits not lying inside a longer hit ("care homes" inside "dementia nursing care
    homes", "increase" inside "no significant increase")."""
    return [
        h
        for h in hits
        if not any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            for o in hits
        )
    ]


@cache
def _ancestry(scheme: str) -> dict[str, frozenset[str]]:
    """slug -> slugs of every broader concept, transitively."""
    try:
        concepts = vocabularies.concepts(scheme)
    except (InputError, FileNotFoundError):
        return {}
    by_iri = {c.iri: c for c in concepts}
    result: dict[str, frozenset[str]] = {}
    for concept in concepts:
        seen: set[str] = set()
        stack = list(concept.broader)
        while stack:
            parent = by_iri.get(stack.pop())
            if parent and parent.slug not in seen:
                seen.add(parent.slug)
                stack.extend(parent.broader)
        result[concept.slug] = frozenset(seen)
    return result


def _is_acronym(label: str) -> bool:
    letters = [ch for ch in label if ch.isalpha()]
    return bool(letters) and len(label) <= 6 and sum(ch.isupper() for ch in letters) >= 2


@dataclass(frozen=True)
class _LabelPattern:
    """A concept's labels as one pattern, with the words one of which any match contains
    (each label's longest word): a pattern whose words are all absent from a text cannot
    match it, so most of a scheme's patterns are never run over a given sentence."""

    pattern: re.Pattern[str]
    slug: str
    words: tuple[str, ...]
    folded: bool  # the words are to be looked for in the lower-cased text


def _longest_word(label: str) -> str:
    return max(re.findall(r"[^\W_]+", label), key=len, default="")


@cache
def _label_patterns(scheme: str) -> tuple[_LabelPattern, ...]:
    """One compiled pattern per concept; acronyms match case-sensitively."""
    try:
        concepts = vocabularies.concepts(scheme)
    except (InputError, FileNotFoundError):
        return ()
    patterns = []
    for concept in concepts:
        if scheme == "services" and not concept.broader and concept.slug == "services":
            continue
        plain = [label for label in concept.labels if not _is_acronym(label)]
        acronyms = [label for label in concept.labels if _is_acronym(label)]
        if plain:
            patterns.append(_LabelPattern(
                re.compile(_flexible(plain), re.IGNORECASE), concept.slug,
                tuple({_longest_word(label).lower() for label in plain}), True))
        if acronyms:
            patterns.append(_LabelPattern(
                re.compile(phrase_pattern(acronyms)), concept.slug,
                tuple({_longest_word(label) for label in acronyms}), False))
    return tuple(patterns)


def _flexible(labels: list[str]) -> str:
    """Labels as a pattern tolerant of the text's apostrophes and hyphens."""
    pattern = phrase_pattern(labels)
    return pattern.replace("'", "['’‘]?").replace(r"\-", r"[-\s]?")


_WRAP = re.compile(r"(?<=[a-z])-[ \t]*\n\s*(?=[a-z])")


def _unwrapped(text: str) -> tuple[str, list[int]]:
    """The text with words broken at line ends joined ("im-\\n\\npairment"), and for each
    of its characters the offset in ``text``, so hits keep the caller's offsets."""
    parts: list[str] = []
    index: list[int] = []
    last = 0
    for m in _WRAP.finditer(text):
        parts.append(text[last:m.start()])
        index.extend(range(last, m.start()))
        last = m.end()
    parts.append(text[last:])
    index.extend(range(last, len(text)))
    index.append(len(text))
    return "".join(parts), index


def label_hits(scheme: str, text: str) -> list[LabelHit]:
    """Every label of the scheme found in the text, most specific first where they overlap."""
    return list(_label_hits(scheme, text))


@lru_cache(maxsize=8192)
def _label_hits(scheme: str, text: str) -> tuple[LabelHit, ...]:
    """Cached: the same headings are classified for every sentence under them, and the
    rules and the kind gate's features ask about the same sentence; matching every label
    of a scheme is the costliest step of extraction."""
    ancestry = _ancestry(scheme)
    joined, index = _unwrapped(text)
    lowered = joined.lower()
    hits = []
    for label in _label_patterns(scheme):
        within = lowered if label.folded else joined
        if not any(word in within for word in label.words):
            continue
        for m in label.pattern.finditer(joined):
            hits.append(LabelHit(label.slug, index[m.start()], index[m.end() - 1] + 1,
                                 len(ancestry.get(label.slug, ()))))
    # Drop a hit inside a longer hit ("care homes" inside "dementia nursing care homes")
    # and a concept whose narrower concept was also found.
    kept = outermost(hits)
    found = {h.slug for h in kept}
    kept = [h for h in kept if not any(h.slug in ancestry.get(o, ()) for o in found)]
    kept.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return tuple(kept)


def _choose(hits: list[LabelHit], anchor: int | None) -> str | None:
    if not hits:
        return None
    if anchor is not None:
        after = [h for h in hits if h.start >= anchor]
        if after:
            return after[0].slug
    return hits[0].slug


def classify_service(
    text: str, heading: str | None = None, anchor: int | None = None,
    by_kind_only: bool = False,
) -> str | None:
    """Slug of the service the text is about: the first named at or after ``anchor``
    (the figure or verb the fact hangs on), else the first in the text, else the heading's.

    A service named by the kind of provision ("supported living") wins over one named
    only by its client group ("learning disabilities", a label both of a group and of the
    services for it), and either wins over a group named in other words ("carers"), which
    gives the group's services (``group_services`` of the rules). ``by_kind_only`` asks
    whether a kind of provision is named at all: an extractor may require one."""
    chosen = _service_of(text, anchor, by_kind_only)
    if chosen is None and heading:
        chosen = _service_of(heading, None, by_kind_only)
    return chosen


# A sentence ends at a full stop before a capital, and a table cell at a tab.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9])|\t+")


def _service_of(text: str, anchor: int | None, by_kind_only: bool = False) -> str | None:
    """The service of the text; with an anchor, of the anchor's own sentence first, since
    a table row or list item may run several sentences (an intention and its evidence)."""
    if anchor is not None:
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, anchor)), default=0)
        end = next((m.end() for m in _SENTENCE_END.finditer(text, anchor)), len(text))
        if (start, end) != (0, len(text)):
            found, named = _service_in(text[start:end], anchor - start, by_kind_only)
            if named:
                return found
            # What follows the anchor's sentence (a row's evidence column, the next
            # point) is about something else; what precedes it (a row label) is not.
            return _service_in(text[:end], anchor, by_kind_only)[0]
    return _service_in(text, anchor, by_kind_only)[0]


def _service_in(text: str, anchor: int | None, by_kind_only: bool) -> tuple[str | None, bool]:
    """(the service chosen, whether the text names any service or client group)."""
    hits = label_hits("services", text)
    groups = label_hits("population-groups", text)
    by_kind = [h for h in hits
               if not any(g.start <= h.start and h.end <= g.end for g in groups)]
    group_hits = group_service_hits(groups)
    named = bool(hits or group_hits)
    if by_kind_only or by_kind:
        return _choose(by_kind, anchor), named
    # Services named by their client group, in either way, compete by position.
    return _choose(sorted([*hits, *group_hits], key=lambda h: h.start), anchor), named


def group_service_hits(groups: list[LabelHit]) -> list[LabelHit]:
    """Population-group hits turned into hits of their groups' services, where mapped."""
    mapping = load_rules()["group_services"]
    return [LabelHit(mapping[g.slug], g.start, g.end, g.depth)
            for g in groups if g.slug in mapping]


def classify_population(
    text: str, heading: str | None = None, anchor: int | None = None
) -> str | None:
    """Slug of the population group the text counts or describes.

    A group named by a condition or circumstance ("learning disability", "carers") wins
    over an age band or a generic group ("people aged 18-64", "service users") in the same
    text: "6,066 people aged 18-64 predicted to have a learning disability" counts people
    with a learning disability, the age only bounds the count (``population_bands``)."""
    chosen = _choose(_without_bands(label_hits("population-groups", text)), anchor)
    if chosen is None and heading:
        chosen = _choose(_without_bands(label_hits("population-groups", heading)), None)
    return chosen


def _without_bands(hits: list[LabelHit]) -> list[LabelHit]:
    bands = set(load_rules()["population_bands"])
    specific = [h for h in hits if h.slug not in bands]
    return specific or hits


@cache
def _unit_index() -> dict[str, str]:
    index: dict[str, str] = {}
    try:
        concepts = vocabularies.concepts("units")
    except (InputError, FileNotFoundError):
        return index
    for concept in concepts:
        for label in (*concept.labels, concept.slug, concept.notation or ""):
            if label:
                index.setdefault(label.lower(), concept.slug)
    return index


def unit_slug(name: str | None) -> str | None:
    """Slug of the unit concept with this label, slug or notation ("GBP/year", "beds")."""
    if not name:
        return None
    return _unit_index().get(name.lower())


def classify_route(text: str) -> str | None:
    """Slug of the procurement route the text names, if any."""
    hits = label_hits("procurement-routes", text)
    return hits[0].slug if hits else None


@dataclass(frozen=True)
class DirectionHit:
    direction: str  # local name of a cc: direction ("Increase")
    start: int
    end: int


def direction_hits(text: str, start: int = 0) -> list[DirectionHit]:
    """Direction terms of ``rules.yaml`` from ``start`` on, earliest and longest first."""
    return [hit for hit in _direction_hits(text) if hit.start >= start]


@lru_cache(maxsize=4096)
def _direction_hits(text: str) -> tuple[DirectionHit, ...]:
    """Cached per text: a sentence is asked for its direction from several offsets (after
    each commitment), and the kind gate asks again."""
    hits = []
    for direction, pattern in compiled_map("direction_terms"):
        for m in pattern.finditer(text):
            hits.append(DirectionHit(direction, m.start(), m.end()))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    # A shorter term inside a longer one ("increase" in "no significant increase") goes.
    return tuple(outermost(hits))


@cache
def _weak_direction() -> re.Pattern[str]:
    """Direction terms that name a course only when no other term does (``rules.yaml``
    ``weak_direction_terms``): "improve" says less than the "increase" beside it."""
    return re.compile(phrase_pattern(load_rules()["weak_direction_terms"]), re.IGNORECASE)


#: New provision counted or named as capacity after a developing verb ("develop 120 new
#: supported living units", "the development of two new schemes", "create new nursing
#: capacity"): capacity added, an increase.
_NEW_CAPACITY = re.compile(
    r"\s+(?:of\s+)?(?:(?:\d[\d,]*|" + "|".join(NUMBER_WORDS) + r")\s+)?"
    r"(?:new|extra|additional|further)\s+(?:[\w-]+\s+){0,4}?(?:units|beds|places|flats|"
    r"apartments|homes|schemes|capacity)\b", re.IGNORECASE)


#: A providing verb with new capacity counted or named ("deliver 300 new homes",
#: "provide 40 extra beds"), where no direction term comes first.
_ADDED_CAPACITY = re.compile(r"\b(?:deliver|provid|build|buil|open)\w*" + _NEW_CAPACITY.pattern,
                             re.IGNORECASE)


def classify_direction(text: str, start: int = 0) -> tuple[str, int] | None:
    """(direction, offset of its term) that the words after ``start`` commit to.

    The first direction term wins, except that an increase or decrease named as the object
    of a procuring, developing or reviewing verb ("commission an increase in", "develop
    additional"), a procurement set up by a developing verb ("establish a framework
    agreement") or a closure reviewed ("consult on the closure of"), wins over that verb,
    because the object says what changes."""
    hits = direction_hits(text, start)
    added = _ADDED_CAPACITY.search(text, start)
    if added and (not hits or added.start() < hits[0].start):
        return "Increase", added.start()  # "deliver 300 new homes": capacity added
    if not hits:
        return None
    firm = [hit for hit in hits if not _weak_direction().fullmatch(text, hit.start, hit.end)]
    hits = firm or hits  # "improve access ..., including an increase in places": an increase
    first = hits[0]
    if first.direction == "Develop" and _NEW_CAPACITY.match(text, first.end):
        return "Increase", first.start  # "develop 120 new supported living units": capacity added
    if first.direction in ("Procure", "Develop", "Review"):
        for other in hits[1:]:
            if other.start - first.end > 25:
                break
            if other.direction in ("Increase", "Decrease") or (
                    first.direction == "Develop" and other.direction == "Procure") or (
                    first.direction == "Review" and other.direction == "Decommission"):
                # "establish a framework agreement": what is set up is a procurement;
                # "consult on the closure of": what is proposed is a closure
                return other.direction, other.start
    return first.direction, first.start


def need_source(text: str) -> str | None:
    """Name of the data source a need figure cites (POPPI, PANSI, Census...), if any."""
    for name, pattern in compiled_map("need_sources"):
        if pattern.search(text):
            return name
    return None


def strategy_stop_words() -> frozenset[str]:
    return frozenset(load_rules()["strategy_connectors"])
