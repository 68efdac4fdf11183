"""Features of one sentence for the learned fact-kind gate (:mod:`carekg.loaders.kind_model`).

The rules of ``extract/`` read what a fact says (its value, service, period, direction);
whether a sentence states a fact of a kind at all is where they were fitted to too few
documents. The gate learns that decision from gold files, from features that describe the
genre rather than any document: the sentence's words with figures folded into shape tokens
(a value never becomes a feature), the first words (imperatives of decisions and action
lists), the words of the headings above it, its layout (table row, list item, heading),
what figures and dates it holds, and which rule extractors fired on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from carekg.loaders.extract.money import find_money
from carekg.loaders.extract.periods import find_periods
from carekg.loaders.model import Candidate, DocumentRecord, Sentence

_TOKEN = re.compile(r"£?\d[\d,]*(?:\.\d+)?(?:%|[kmKM]\b|bn\b)?|[a-z][a-z'’-]*", re.IGNORECASE)
_YEARISH = re.compile(r"(?:19|20)\d{2}$")
#: Words too common to say anything on their own (they still count in bigrams).
_STOP = frozenset("the a an of and to in for on at by is are be as with this that it its "
                  "from or".split())


def _shape(token: str) -> str:
    """A figure becomes the kind of figure it is; a word stays itself, in lower case."""
    if token.startswith("£"):
        return "<money>"
    if token.endswith("%"):
        return "<pct>"
    if token[0].isdigit():
        bare = token.replace(",", "")
        if _YEARISH.match(bare):
            return "<year>"
        if re.fullmatch(r"\d+", bare):
            return "<int>" if len(bare) < 4 else "<bigint>"
        return "<num>"
    return token.casefold().replace("’", "'")


#: Suffixes folded away so that the forms of one word share a feature ("procure",
#: "procured", "procurement", "procuring"): a council never seen uses other forms.
_SUFFIXES = ("ments", "ment", "ings", "ing", "ised", "ized", "ises", "izes", "ise", "ize",
             "ions", "ion", "ers", "er", "ed", "es", "s", "e")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.startswith("<") or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    # "procurement" -> "procure" -> "procur", like "procured" and "procuring"
    return word[:-1] if word.endswith("e") and len(word) > 5 else word


def tokens(text: str) -> list[str]:
    names = council_words()
    return ["<council>" if (shaped := _shape(m.group())) in names else shaped
            for m in _TOKEN.finditer(text)]


#: Words of councils' names that are ordinary words too, kept as themselves.
_GENERIC_NAME_WORDS = frozenset("and of the upon on city county borough council district "
                                "north south east west royal london metropolitan".split())


@cache
def council_words() -> frozenset[str]:
    """The words of every council's names in the register: a council's name is no feature
    (what is learnt must carry to councils never seen), so it reads as ``<council>``."""
    from carekg.councils import default_register

    words = {word.casefold().replace("’", "'")
             for council in default_register().councils
             for name in council.all_names for word in re.findall(r"[A-Za-z'’-]+", name)}
    return frozenset(words - _GENERIC_NAME_WORDS)


def sentence_features(sentence: Sentence, record: DocumentRecord,
                      context: tuple[str, ...], rule_kinds: Iterable[str],
                      lead_in: str = "") -> list[str]:
    """The feature names of one sentence (binary features: present or not); ``lead_in``
    is the sentence that opens the sentence's list ("Over the next year we will:")."""
    plain = sentence.plain
    words = tokens(plain)
    stems = [stem(w) for w in words]
    features: list[str] = [f"w:{w}" for w in stems if w not in _STOP]
    features += [f"b:{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]
    features += [f"f:{w}" for w in stems[:1]] + ["f2:" + "_".join(stems[:2])]
    heading = sentence.section.title if sentence.section else ""
    features += [f"h:{stem(w)}" for w in tokens(heading) if w not in _STOP]
    for title in context[:3]:
        features += [f"c:{stem(w)}" for w in tokens(title) if w not in _STOP]
    features += [f"li:{stem(w)}" for w in tokens(lead_in) if w not in _STOP]
    if sentence.header:
        features += [f"hd:{stem(w)}" for w in tokens(sentence.header) if w not in _STOP]
    features.append(f"doc:{record.kind}")
    features += [f"rule:{kind}" for kind in sorted(set(rule_kinds))]
    if sentence.is_table_row:
        features.append("layout:row")
    if sentence.is_list_item:
        features.append("layout:item")
    if sentence.is_heading:
        features.append("layout:heading")
    length = len(words)
    features.append("len:" + ("1-3" if length <= 3 else "4-8" if length <= 8
                              else "9-20" if length <= 20 else "21-40" if length <= 40
                              else "41+"))
    features += _figures(plain, record)
    features += _cues(plain, words)
    return features


def _cues(plain: str, words: list[str]) -> list[str]:
    """Which of the rules' vocabularies the sentence uses: these carry across councils
    where the words themselves vary (a direction term, an intention marker, a count of a
    provision noun, a contract-event cue, a service or client group named)."""
    from carekg.loaders.classify import direction_hits, label_hits
    from carekg.loaders.extract.quantities import find_quantities
    from carekg.loaders.extract.rules import compiled, compiled_map, gate_cue, load_rules

    out = [f"cue:direction:{hit.direction}" for hit in direction_hits(plain)]
    for name in ("intention_markers", "intention_negations", "need_cues", "capacity_cues",
                 "spend_cues", "strategy_heads", "spend_exclusions"):
        rules = load_rules().get(name)
        if isinstance(rules, list) and compiled(name).search(plain):
            out.append(f"cue:{name}")
    out += [f"cue:event:{event}" for event, pattern in compiled_map("contract_event_cues")
            if pattern.search(plain)]
    out += [f"cue:count:{q.unit}" for q in find_quantities(plain)]
    cues = load_rules()["gate_cues"]
    for name in cues:
        if name != "course_verbs" and gate_cue(name).search(plain):
            out.append(f"cue:{name}")
    verbs, stems = _course_verbs()
    first = next((w for w in words if w not in ("to", "and", "<int>")), "")
    if first in verbs:
        out.append("cue:opens-with-course-verb")
    elif first.endswith("ing") and first[:-3] in stems:
        out.append("cue:opens-with-course-gerund")
    if label_hits("services", plain):
        out.append("cue:service")
    if label_hits("population-groups", plain):
        out.append("cue:group")
    if any(w in ("<int>", "<bigint>", "<num>") for w in words):
        out.append("cue:figure")
    if "<pct>" in words:
        out.append("cue:percent")
    return out


@cache
def _course_verbs() -> tuple[frozenset[str], frozenset[str]]:
    """The verbs that open a course ("review", "develop") and the stems their gerunds
    keep ("review" of "reviewing", "develop" of "developing", "procur" of "procuring")."""
    from carekg.loaders.extract.rules import load_rules

    rules = load_rules()
    verbs = frozenset({*rules["gate_cues"]["course_verbs"],
                       *(v.split()[-1] for v in rules["action_item_verbs"])})
    return verbs, verbs | {v[:-1] for v in verbs}


def _figures(plain: str, record: DocumentRecord) -> list[str]:
    """What figures and dates the sentence holds, relative to the document's issue."""
    out: list[str] = []
    if find_money(plain):
        out.append("has:money")
    periods = find_periods(plain, record.issued)
    issued = int(record.issued[:4]) if record.issued[:4].isdigit() else None
    for period in periods:
        out.append(f"period:{period.kind}")
        if issued is not None:
            if period.start_date.year > issued:
                out.append("period:future")
            elif period.end_date.year < issued - 1:
                out.append("period:past")
            else:
                out.append("period:current")
    if not periods:
        out.append("period:none")
    return out


def rule_kinds_of(candidates: Iterable[Candidate]) -> set[str]:
    return {candidate.kind for candidate in candidates}
