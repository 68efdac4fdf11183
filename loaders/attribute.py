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
   next section.

Only listed councils are attributed: a document about Leicester that mentions
Leicestershire is still Leicester's document, and that mention is logged, not followed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from carekg.councils import Register, core_name, normalise
from carekg.loaders.model import DocumentRecord, Sentence

log = logging.getLogger(__name__)

#: Phrases that say the text is about all the councils of a joint document.
JOINT = re.compile(
    r"\b(?:tri|bi)-?\s?borough\b|\b(?:the|all|each|both|every|across)\s+(?:of\s+the\s+)?"
    r"(?:three\s+|two\s+|four\s+|partner\s+|participating\s+)?"
    r"(?:boroughs|councils|local\s+authorities|authorities)\b|\ball\s+three\b|"
    r"\beach\s+(?:borough|council|local\s+authority)\b",
    re.IGNORECASE,
)
#: A council name followed by these is the name of something else (a region, a body).
_NOT_THE_COUNCIL = (r"(?!\s+(?:City\s+Region|Combined\s+Authority|City\s+Region\s+Combined|"
                    r"Diocese|University|Football|Airport))")
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
            council = register.by_code.get(code)
            if council is None:
                continue
            first = re.split(r"\s+(?:and|&)\s+", council.name)
            if len(first) > 1 and core_name(first[0]) not in {core_name(k) for k in keys}:
                keys.setdefault(first[0], set()).add(code)
        self._codes = {key: codes for key, codes in keys.items()}
        alternatives = sorted(keys, key=len, reverse=True)
        pattern = "|".join(_name_pattern(key) for key in alternatives)
        self._regex = re.compile(r"(?<![\w&])(?:" + pattern + r")(?![\w&])" + _NOT_THE_COUNCIL)
        self._lookup = {_fold(key): codes for key, codes in keys.items()}

    def mentions(self, text: str) -> list[Mention]:
        found = []
        for match in self._regex.finditer(text):
            codes = self._lookup.get(_fold(match.group(0)), set())
            if len(codes) == 1:
                found.append(Mention(match.start(), match.end(), next(iter(codes))))
        return found


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
    naming = sum(1 for codes, j in zip(named, joint, strict=True) if codes or j)
    joint_document = naming > 0 and sum(joint) / naming >= JOINT_DOCUMENT_SHARE

    result: list[tuple[str, ...] | None] = []
    current: tuple[str, ...] | None = None
    section_key: tuple[int, str] | None = None
    for sentence, codes, is_joint in zip(sentences, named, joint, strict=True):
        key = (sentence.section.start, sentence.section.title) if sentence.section else None
        if key != section_key:
            section_key = key
            heading_codes = _heading_councils(matcher, sentence, listed, record.id)
            if heading_codes:
                current = heading_codes
            elif joint_document and current is not None:
                current = listed
        if is_joint:
            councils: tuple[str, ...] | None = codes if len(codes) > 1 else listed
            current = councils
        elif codes:
            councils = current = codes
        else:
            councils = current
        result.append(councils)
    first_known = next((c for c in result if c is not None), listed)
    return [replace(s, councils=c if c is not None else first_known)
            for s, c in zip(sentences, result, strict=True)]


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
        codes = _listed_mentions(matcher, normalise_space(title), listed, doc_id)
        if codes:
            return codes
    return ()


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text)


__all__ = ["CouncilMatcher", "JOINT", "Mention", "attribute", "find_mentions", "normalise",
           "normalise_space"]
