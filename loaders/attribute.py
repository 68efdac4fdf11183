"""Stage 3, attribute: which of the document's councils each sentence speaks for.

A document may speak for several councils in two ways: a joint statement (three
boroughs writing as one, naming each borough where they differ) or a concatenation of
extracts (one council's text after another's). Both are read with the same generic
rules, in order of strength:

1. a sentence that names one listed council speaks for it, and the naming carries over to
   the following sentences (a concatenation switches council where a new one starts being
   named);
2. a sentence naming several listed councils, or using a joint phrase ("the three
   boroughs", "tri-borough", "across the councils"), speaks for those or for all;
3. a heading that names a council sets the council of its section;
4. a sentence before any council is named takes the council of the first one that is
   named; in a joint document (one whose text keeps using joint phrases) a new section
   that names no council is joint again, so a borough's aside does not leak into the
   next section;
5. within a section, a line that is only one council's name (a page's or panel's label)
   holds across joint asides ("we need more housing in each borough"): the sentences
   after the aside are still that council's.

Only listed councils are attributed: a document about Leicester that mentions
Leicestershire is still Leicester's document, and that mention is logged, not followed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.resources import files

import yaml

from carekg.councils import Register, core_name, normalise
from carekg.loaders.model import Candidate, DocumentRecord, Sentence

log = logging.getLogger(__name__)

#: Phrases that say the text is about all the councils of a joint document.
JOINT = re.compile(
    r"\b(?:tri|bi)-?\s?borough\b|\b(?:the|all|each|both|every|across)\s+(?:of\s+the\s+)?"
    r"(?:three\s+|two\s+|four\s+|partner\s+|participating\s+)?"
    r"(?:boroughs|councils|local\s+authorities|authorities)\b|\ball\s+three\b|"
    r"\beach\s+(?:borough|council|local\s+authority)\b",
    re.IGNORECASE,
)
#: Where the organisation nouns are listed (see that file for why).
ORGANISATIONS_FILE = "organisations.yaml"
#: Share of council-naming sentences that must be joint for a document to read as joint.
JOINT_DOCUMENT_SHARE = 0.2


@dataclass(frozen=True)
class Mention:
    """A council named in a text: characters [start, end) of the text searched."""

    start: int
    end: int
    gss_code: str


class CouncilMatcher:
    """Finds council names in text: official and alternative names, 'and'/'&' variants,
    abbreviations (matched case-sensitively, so 'WCC' but not 'wcc'), and the first word of
    a listed 'X and Y' council's name where no other council has that name."""

    def __init__(self, register: Register, listed: tuple[str, ...] = ()) -> None:
        keys: dict[str, set[str]] = {}
        for council in register.councils:
            for name in council.all_names:
                for variant in _variants(name):
                    keys.setdefault(variant, set()).add(council.gss_code)
        for code in listed:
            named = register.by_code.get(code)
            if named is None:
                continue
            first = re.split(r"\s+(?:and|&)\s+", named.name)
            if len(first) > 1 and core_name(first[0]) not in {core_name(k) for k in keys}:
                keys.setdefault(first[0], set()).add(code)
        self._codes = {key: codes for key, codes in keys.items()}
        alternatives = sorted(keys, key=len, reverse=True)
        pattern = "|".join(_name_pattern(key) for key in alternatives)
        self._regex = re.compile(r"(?<![\w&])(?:" + pattern + r")(?![\w&])"
                                 + _not_an_organisation())
        self._lookup = {_fold(key): codes for key, codes in keys.items()}

    def mentions(self, text: str) -> list[Mention]:
        found = []
        for match in self._regex.finditer(text):
            codes = self._lookup.get(_fold(match.group(0)), set())
            if len(codes) == 1:
                found.append(Mention(match.start(), match.end(), next(iter(codes))))
        return found


@lru_cache(maxsize=1)
def _not_an_organisation() -> str:
    """A lookahead refusing a council name that goes on as another body's name."""
    text = files("carekg.loaders").joinpath(ORGANISATIONS_FILE).read_text(encoding="utf-8")
    nouns = yaml.safe_load(text)["organisation_nouns"]
    words = sorted(nouns, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in noun.split()) for noun in words)
    return r"(?!\s+(?:" + alternatives + r")\b)"


def _variants(name: str) -> set[str]:
    variants = {name}
    if " and " in name:
        variants.add(name.replace(" and ", " & "))
    if " & " in name:
        variants.add(name.replace(" & ", " and "))
    return variants


def _name_pattern(name: str) -> str:
    words = [re.escape(word) for word in name.split()]
    return r"\s+".join(words)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@lru_cache(maxsize=64)
def _matcher(register: Register, listed: tuple[str, ...]) -> CouncilMatcher:
    return CouncilMatcher(register, listed)


def find_mentions(text: str, register: Register,
                  listed: tuple[str, ...] = ()) -> list[Mention]:
    """Councils named in ``text`` (any council of the register), for extractors that give
    each value of a sentence the council named next to it."""
    return _matcher(register, tuple(listed)).mentions(text)


def unlisted_councils(text: str, record: DocumentRecord, register: Register) -> str | None:
    """A warning when the text names councils but none of those it was given for (a
    document added with the wrong ``--council``), else None: its facts would be stated
    for a council the text does not speak of."""
    named: dict[str, int] = {}
    for mention in find_mentions(text, register, record.councils):
        named[mention.gss_code] = named.get(mention.gss_code, 0) + 1
    if not named or set(named) & set(record.councils):
        return None
    by_code = register.by_code
    most = sorted(named, key=lambda code: (-named[code], by_code[code].name))[:3]
    listed = " and ".join(by_code[c].name if c in by_code else c for c in record.councils)
    return (f"the text names {' and '.join(by_code[c].name for c in most)} but never "
            f"{listed}, the council it was given for (--council or the manifest): its "
            f"facts are stated for {listed}; check the council")


def attribute(sentences: list[Sentence], record: DocumentRecord,
              register: Register) -> list[Sentence]:
    """The sentences with ``councils`` set to the listed councils each speaks for."""
    listed = tuple(record.councils)
    if len(listed) <= 1:
        return [replace(s, councils=listed) for s in sentences]
    matcher = _matcher(register, listed)
    named: list[tuple[str, ...]] = []
    joint: list[bool] = []
    for sentence in sentences:
        codes = _listed_mentions(matcher, sentence.plain, listed, record.id)
        named.append(codes)
        joint.append(len(codes) > 1 or bool(JOINT.search(sentence.plain)))
    labels = _label_runs(sentences, named, matcher)
    label_headings = {s.start for s, label in zip(sentences, labels, strict=True)
                      if label and s.is_heading}
    naming = sum(1 for codes, j in zip(named, joint, strict=True) if codes or j)
    joint_document = naming > 0 and sum(joint) / naming >= JOINT_DOCUMENT_SHARE

    result: list[tuple[str, ...] | None] = []
    current: tuple[str, ...] | None = None
    section_key: tuple[int, str] | None = None
    label_key: tuple[int, str] | None = None
    named_by_label: tuple[str, ...] | None = None
    for sentence, codes, is_joint, label in zip(sentences, named, joint, labels, strict=True):
        if label or (codes and _abbreviation_row(sentence.plain)):
            # column or map labels whose layout the text lost ("HF KC WCC" over a
            # table's columns): they name no one's text
            current = listed
            result.append(listed)
            continue
        key = (sentence.section.start, sentence.section.title) if sentence.section else None
        if key != section_key:
            section_key = key
            heading_codes = _heading_councils(matcher, sentence, listed, record.id)
            if sentence.section is not None and sentence.section.start in label_headings:
                current = listed  # under a run of column labels, not one council's heading
            elif heading_codes:
                current = heading_codes
            elif joint_document and current is not None:
                current = listed
        if key != label_key:
            label_key, named_by_label = key, None
        if is_joint:
            councils: tuple[str, ...] | None = codes if len(codes) > 1 else listed
            # a joint aside ("... in each borough") under one council's label does not
            # end that council's part: the sentences after it are the labelled council's
            current = named_by_label or councils
        elif codes:
            councils = current = codes
            if len(codes) == 1 and _only_names(sentence.plain, matcher):
                named_by_label = codes
        else:
            councils = current
        result.append(councils)
    first_known = next((c for c in result if c is not None), listed)
    return [replace(s, councils=c if c is not None else first_known)
            for s, c in zip(sentences, result, strict=True)]


#: Where one clause of a sentence ends and the next begins: a figure's council is named
#: in its own clause ("453 in Westminster, 495 in Kensington & Chelsea and 300 in ...").
_CLAUSE_BREAK = re.compile(r"[;:,.()–—]|\s(?:and|or|while|whilst|but|compared\s+(?:with|to)|"
                           r"than|versus|vs)\s|\s-\s")


def attribute_candidates(candidates: list[Candidate], record: DocumentRecord,
                         register: Register) -> list[Candidate]:
    """Give a candidate from a sentence or table row that names several of the document's
    councils the one council its value is about.

    Runs after extraction, because only the extractor knows which figure a fact states
    (``Candidate.value_start``, or an evidence span narrower than the sentence). The
    council is the one named in the same clause as the value (nearest to it if a clause
    names several), or, in a table row, the council heading the value's column group.
    Where the text does not tie the value to one council, or says it is joint, the
    candidate keeps the councils of its sentence: a fact is never moved to a council the
    text does not name beside it. When those are several, the candidate is marked
    ``joint_attribution``: it will be stated once per council, and its council is the
    document's joint attribution, not the text's (see ``cc:jointAttribution``)."""
    listed = tuple(record.councils)
    if len(listed) <= 1:
        return candidates
    matcher = _matcher(register, listed)
    for candidate in candidates:
        if candidate.council is None:
            council = _council_of(candidate, matcher, listed)
            if council is not None:
                candidate.council = council
        candidate.joint_attribution = len(stated_councils(candidate, record)) > 1
    return candidates


def stated_councils(candidate: Candidate, record: DocumentRecord) -> tuple[str, ...]:
    """The councils a candidate is stated for: the one attribution found, else those of
    its sentence, else the document's. The map stage and evaluation read it from here, so
    the graph, the joint marker and the counts agree."""
    if candidate.council:
        return (candidate.council,)
    return candidate.sentence.councils or record.councils


def _council_of(candidate: Candidate, matcher: CouncilMatcher,
                listed: tuple[str, ...]) -> str | None:
    sentence = candidate.sentence
    if sentence.is_table_row and sentence.header and candidate.value_start is not None:
        column = _column_council(candidate, matcher, listed)
        if column is not None:
            return column
    plain = sentence.plain
    mentions = [m for m in matcher.mentions(plain) if m.gss_code in listed]
    if len({m.gss_code for m in mentions}) < 2:
        return None  # the sentence's own attribution already says it
    located = [(m, *sentence.span(m.start, m.end)) for m in mentions]
    value = (_plain_offset(sentence, candidate.value_start)
             if candidate.value_start is not None else _value_position(candidate))
    if value is not None:
        start, end = _clause_around(plain, value, mentions)
        if JOINT.search(plain[start:end]):
            return None
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        if not inside:
            return None
        nearest = min(inside, key=lambda m: min(abs(m.start - value), abs(m.end - value)))
        if _coordinated(plain, nearest, mentions):
            return None  # "in Westminster and Kensington and Chelsea": the figure is shared
        return nearest.gss_code
    if candidate.start <= sentence.start and candidate.end >= sentence.end:
        return None  # the evidence is the whole sentence: nothing ties it to one council
    inside_codes = {m.gss_code for m, start, end in located
                    if candidate.start <= start and end <= candidate.end}
    evidence = normalise_space(sentence.text[candidate.start - sentence.start:
                                             candidate.end - sentence.start])
    if len(inside_codes) == 1 and not JOINT.search(evidence):
        return inside_codes.pop()
    return None


_COORDINATION = re.compile(r"\s*(?:,|&|and|or|,\s*and|,\s*or)\s*")


def _coordinated(plain: str, mention: Mention, mentions: list[Mention]) -> bool:
    """True when another council's name is joined to this one by 'and', '&', 'or' or a
    comma alone, so the two are named together."""
    return any(other.gss_code != mention.gss_code and (
        _COORDINATION.fullmatch(plain[mention.end:other.start])
        or _COORDINATION.fullmatch(plain[other.end:mention.start]))
        for other in mentions)


def _value_position(candidate: Candidate) -> int | None:
    """Where in ``sentence.plain`` the candidate's value is written, when the extractor
    did not say and the value is a whole number written once in the evidence ("917",
    "1,234", PDF's "1, 234"); amounts written in words or as "£1.2m" are not looked for."""
    value = candidate.value
    if value is None or value != value.to_integral_value() or value < 0:
        return None
    digits = f"{int(value):,}".replace(",", r",\s?")
    pattern = re.compile(r"(?<![\d.,])(?:" + digits + "|" + str(int(value)) + r")(?![\d]|[.,]\d)")
    sentence = candidate.sentence
    plain = sentence.plain
    low = _plain_offset(sentence, candidate.start)
    high = _plain_offset(sentence, candidate.end - 1) + 1
    found = {m.start() for m in pattern.finditer(plain, low, high)}
    return found.pop() if len(found) == 1 else None


def _plain_offset(sentence: Sentence, offset: int) -> int:
    """The position in ``sentence.plain`` of the character at document ``offset``."""
    plain = sentence.plain
    low, high = 0, len(plain)
    while low < high:  # plain positions map to increasing document offsets
        mid = (low + high) // 2
        if sentence.span(mid, mid + 1)[0] < offset:
            low = mid + 1
        else:
            high = mid
    return min(low, max(len(plain) - 1, 0))


def _clause_around(plain: str, position: int, mentions: list[Mention]) -> tuple[int, int]:
    """The clause of ``plain`` that holds ``position``; breaks inside a council's name
    ("Kensington and Chelsea") do not count."""
    breaks = [b for b in _CLAUSE_BREAK.finditer(plain)
              if not any(m.start <= b.start() < m.end for m in mentions)
              and not (plain[b.start()] in ",." and _between_digits(plain, b.start()))]
    start = max((b.end() for b in breaks if b.end() <= position), default=0)
    end = min((b.start() for b in breaks if b.start() >= position + 1), default=len(plain))
    return start, end


def _between_digits(text: str, index: int) -> bool:
    """A thousands comma or decimal point ("1,234", "£0.5m"), not a clause break."""
    return (0 < index < len(text) - 1 and text[index - 1].isdigit()
            and (text[index + 1].isdigit() or text[index + 1:index + 2] == " "
                 and text[index + 2:index + 3].isdigit() and text[index] == ","))


def _column_council(candidate: Candidate, matcher: CouncilMatcher,
                    listed: tuple[str, ...]) -> str | None:
    """In a table whose header names councils across the columns, the council over the
    value's column group (each council heads an equal share of the figures)."""
    from carekg.loaders.segment import table_cells

    sentence = candidate.sentence
    header = normalise_space(sentence.header or "")
    councils: list[str] = []
    for mention in matcher.mentions(header):
        if mention.gss_code in listed and mention.gss_code not in councils:
            councils.append(mention.gss_code)
    if len(councils) < 2:
        return None
    cells = table_cells(sentence.text)
    if not cells or len(cells) % len(councils):
        return None
    value = candidate.value_start - sentence.start  # type: ignore[operator]
    index = next((n for n, (start, end) in enumerate(cells) if start <= value < end), None)
    if index is None:
        return None
    return councils[index // (len(cells) // len(councils))]


def _label_runs(sentences: list[Sentence], named: list[tuple[str, ...]],
                matcher: CouncilMatcher) -> list[bool]:
    """Sentences that are nothing but one council's name and stand next to another such
    sentence naming a different council: the labels of a table's or map's columns, which
    text extraction lifted out of place, so they say nothing about the text after them."""
    bare = [len(codes) == 1 and _only_names(sentence.plain, matcher)
            for sentence, codes in zip(sentences, named, strict=True)]
    labels = []
    for i, is_bare in enumerate(bare):
        neighbours = [k for k in (i - 1, i + 1) if 0 <= k < len(bare) and bare[k]]
        labels.append(is_bare and any(named[k] != named[i] for k in neighbours))
    return labels


def _abbreviation_row(text: str) -> bool:
    """A line of two or more short capitalised abbreviations and nothing else ("HF KC
    WCC", "H&F RBKC WCC"): the column heads of a table, one per council, whether or not
    the register knows each abbreviation."""
    words = text.split()
    return len(words) >= 2 and all(
        re.fullmatch(r"[A-Z][A-Z&]{1,5}", word) for word in words)


def _only_names(text: str, matcher: CouncilMatcher) -> bool:
    rest = text
    for mention in reversed(matcher.mentions(text)):
        rest = rest[:mention.start] + rest[mention.end:]
    return not re.sub(r"[\W_]+", "", rest)


def _listed_mentions(matcher: CouncilMatcher, text: str, listed: tuple[str, ...],
                     doc_id: str) -> tuple[str, ...]:
    codes: list[str] = []
    for mention in matcher.mentions(text):
        if mention.gss_code in listed:
            if mention.gss_code not in codes:
                codes.append(mention.gss_code)
        else:
            log.debug("%s: mentions council %s, which the document is not listed for: %r",
                      doc_id, mention.gss_code, text[mention.start:mention.end])
    return tuple(codes)


def _heading_councils(matcher: CouncilMatcher, sentence: Sentence, listed: tuple[str, ...],
                      doc_id: str) -> tuple[str, ...]:
    """Councils named by the sentence's section title, or failing that its parents'."""
    if sentence.section is None:
        return ()
    for title in sentence.section.titles:
        if _abbreviation_row(title):
            continue  # a table's column heads, read as a heading
        codes = _listed_mentions(matcher, normalise_space(title), listed, doc_id)
        if codes:
            return codes
    return ()


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text)


__all__ = ["CouncilMatcher", "JOINT", "Mention", "attribute", "attribute_candidates",
           "find_mentions", "normalise", "stated_councils",
           "normalise_space"]
