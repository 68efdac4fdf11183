"""Stage 2, segment: text becomes sections, sentences, list items and table rows.

Councils' documents reach us as Markdown, as text pasted from Word, or as text pulled out
of PDFs (lines broken mid-word with '-', often a blank line after every line). The rules
below read the layout of the genre, not of any one file: headings are recognised by their
shape (markdown '#', numbering, capitals, a short line without a full stop that is
followed by body text, a 'Service name – ...' lead-in), sentences are split on full stops
that are not abbreviations or decimals, and a sentence may run across line breaks; its
span still covers the original characters, so ``text[start:end] == sentence.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carekg.loaders.model import DocumentText, Section, Sentence

# Heading levels for the shapes that carry no explicit level.
CAPS_LEVEL = 1
SHORT_LEVEL = 3
LEAD_IN_LEVEL = 9  # below every heading: a lead-in names the service of one paragraph

MAX_HEADING_CHARS = 100
MAX_HEADING_WORDS = 14
MAX_LEAD_IN_WORDS = 7

_MARKDOWN = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=[A-Z‘“'\"(])")
_BULLET = re.compile(
    r"^(?:[-*•■▪◦●○·►➢✓–—]|o(?=\s)|\(\d{1,2}\)|\d{1,2}[.)](?=\s)|\([a-z]{1,3}\)|[a-z][.)](?=\s)"
    r"|\([ivx]{1,5}\))\s+"
)
_LEAD_IN = re.compile(
    r"^([A-Z][^\s.:;!?–—]*(?:\s+[^\s.:;!?–—]+){0,"
    + str(MAX_LEAD_IN_WORDS - 1)
    + r"}?)\s*(?:\s[–—-]\s|:\s)\s*(?=[A-Z0-9£“‘\"'(])"
)
_TERMINAL = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_CONNECTORS = frozenset(
    "and or of the to for with in a an by on at from as that which & - – with our their "
    "its is are be will between including into through than within via across towards "
    "whether whose".split()
)
#: A numbered line that opens like a clause ("2. It is also vital that ...", "3. We will
#: ...") is a numbered list item, however short: headings name topics, they do not assert.
_CLAUSE_OPENING = re.compile(
    r"^(?:it|we|they|there|this|these|you|i|he|she)\s+(?:\w+\s+)?"
    r"(?:is|are|was|were|will|would|can|could|must|should|may|might|have|has|had|need|do|does)\b",
    re.IGNORECASE,
)
_COLON_STARTERS = frozenset("this these it we they there our as in for such the following "
                            "if when where please".split())
#: One table cell: a count, an amount or a share. PDF extraction often puts a space after
#: a thousands comma ("17, 288"), so that is read as one figure.
_CELL = re.compile(
    r"(?:^|(?<=\s))[-–]?[£$€]?[-–]?(?:\d{1,3}(?:,\s?\d{3})+|\d+)(?:\.\d+)?(?:%|[kmKM]\b)?$"
)
_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|"
           r"November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?|Spring|"
           r"Summer|Autumn|Winter|Q[1-4]|Early|Late|Mid|End|early|late|mid|end)")
_YEAR = r"(?:19|20)\d{2}(?:/\d{2}(?:\d{2})?)?"
#: A column heading that is a year, a financial year or a month of a year.
_YEAR_CELL = re.compile(r"(?:^|(?<=\s))(?:(?:" + _MONTHS + r")\s+)?" + _YEAR + r"$")
#: A timetable row ends with when: "Retender the service  Autumn 2016", "April 2013-2015".
_DATE_TAIL = re.compile(
    r"\s(?:(?:" + _MONTHS + r")(?:\s*[-–/]\s*(?:" + _MONTHS + r"))?\s+)?" + _YEAR
    + r"(?:\s*[-–]\s*(?:(?:" + _MONTHS + r")\s+)?(?:19|20)?\d{2}(?:\d{2})?)?"
    r"(?:\s+onwards)?$"
)
#: A date alone ("February 2013", "Spring 2014") opens a range ("February 2013 - March
#: 2013"), never a "Topic – text" lead-in.
_DATE_ONLY = re.compile(r"(?:(?:" + _MONTHS + r")\s+)?" + _YEAR)
#: A label and its figure on one line ("Ashby: 12", "Day centre places 95*", "Rural: 40%",
#: an age band's "18 to 24 16 15%"): a row of a flattened table or a list of figures,
#: never a heading or a lead-in.
_LABEL_VALUE = re.compile(
    r"(?P<label>(?:[A-Z(]|\d{1,3}\s*(?:to|-|–)\s*\d{1,3}\s)[^.!?:|]{1,80}?)(?::\s*|\s+[-–]\s+|\s+)"
    r"(?P<figure>[£]?\d[\d,]*(?:\.\d+)?(?:%|[kmKM]\b)?\*?)")
#: A row of a flattened rating grid: a label, its figure, then the text of the next column
#: ("Care at home support 120 Increase The council will ..."); the row is cut after the figure.
_GRID_LABEL_FIGURE = r"(?P<label>[A-Z][^.!?:|\d]{2,80}?)\s(?P<figure>\d[\d,]*(?:\.\d+)?\*?)"
_GRID_ROW = re.compile(_GRID_LABEL_FIGURE + r"\s+(?=[A-Z])")
#: An amount in a currency's code ("Value 1500000.0 GBP"): a notice's field, not a grid
#: row's count (nor is a date's day: ``_DAY_DATE``).
_CODED_AMOUNT = re.compile(r"[\d,.]+\s+(?:GBP|EUR)\b")
#: A grid row's label names a service; one with a verb is a clause whose figure counts the
#: capitalised noun after it ("There are now 14 Extra Care Schemes").
_CLAUSE_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|funds?|"
                          r"operates?|provides?|commissions?)\b", re.IGNORECASE)
#: One cell of an HTML table flattened to a line per cell, each ending in " |".
_PIPE_CELL = re.compile(r"^[^|]*\|$")
#: A line that opens with a day of a month ("3 Mar 2027 at 09:40", "1st April 2026 ...") is
#: dated, not numbered: its number is no section's.
_DAY_DATE = re.compile(r"\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"\b")
#: A line that is only a date, maybe with its time ("3 Mar 2027 at 09:40", "March 2027,
#: 9:40am"): a notice's release stamp; it joins no paragraph.
_DATE_STAMP = (r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?" + _MONTHS + r"\s+(?:19|20)\d{2}"
               r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:am|pm)?)?")
_DATED_LINE = re.compile(r"(?:\w+\s+)?" + _DATE_STAMP)
#: A date or a span of dates opening a list item ("- 1 Apr 2026 - 31 Mar 2030"): a
#: notice's field value, listed under its field's name ("- Award Date").
_DATED_ITEM = re.compile(_DATE_STAMP + r"(?:\s*(?:-|–|to)\s*" + _DATE_STAMP + ")?")
#: Longer than a line of a wrapped (PDF) layout: a line of this length was never wrapped.
UNWRAPPED_ITEM = 120
_CONTENTS_ENTRY = re.compile(r"(?:\s{3,}|\.{3,}\s*)\d{1,3}(?:-\d{1,3})?$")
_INNER_STOP = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")
_TIME_PREPOSITIONS = frozenset("by until before after during since from in on".split())
_MODALS = frozenset("will should must would can could may shall".split())
#: Words that open a sentence and, inside one, are written in lower case. PDF extraction
#: drops the full stop between a paragraph and the next (or a table cell and the text
#: after it); a line, or a wide gap in a line, that begins with one of these capitalised
#: after text without closing punctuation starts a new sentence.
_OPENERS = frozenset(
    "the there this these those that we our it its they their in as for if when where "
    "some many most all each every a an more currently however also additionally further "
    "although while whilst following during since from until after before".split()
)
#: In a PDF a line this close to the full width of the text column is a wrapped line of a
#: paragraph, however title-like it looks.
WRAPPED_SHARE = 0.8
MAX_LABEL_WORDS = 8  # the row label of a table row without tabs
MAX_HEADER_LINES = 4  # header lines looked for above a table
#: A short line repeated this often, mostly next to other repeated lines, is page
#: furniture (a navigation bar or running header of a PDF), not a heading.
FURNITURE_REPEATS = 8
FURNITURE_ADJACENT_SHARE = 0.75

#: Words that end with a full stop without ending a sentence (compared in lower case).
ABBREVIATIONS = frozenset(
    "c ca approx approx est e.g eg i.e ie etc vs cf mr mrs ms dr cllr prof st inc ltd co "
    "dept govt fig figs para paras ref vol pp p jan feb mar apr jun jul aug sep sept oct "
    "nov dec mon tue wed thu fri sat sun min max incl excl av avg nb n.b viz".split()
)
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})  # "No. 5": only before a number


@dataclass
class _Line:
    start: int  # offset of the first non-blank character
    end: int  # offset after the last non-blank character
    text: str
    kind: str = "body"  # body, heading, bullet, table, item
    level: int = 0
    title_start: int = 0  # where the heading or item text begins (after '#', bullet)
    blanks_before: int = 0
    indent: int = 0  # blanks before the line's first character
    unmarked: bool = False  # a list item whose bullet glyph PDF extraction dropped
    header: str | None = None  # table rows: the column header lines above the table
    row_end: int | None = None  # a row whose cells run over the following lines ends here


def segment(document: DocumentText) -> list[Sentence]:
    """Sentences, list items, table rows and headings in document order, each with the
    section it sits in."""
    text = document.text
    lines = _lines(text)
    double = _double_spaced(lines)
    _classify(lines, double)
    sections = _sections(lines, len(text))
    sentences: list[Sentence] = []
    for block_lines, kind in _blocks(lines, double):
        header = block_lines[0].header if kind == "table" else None
        for start, end in _split(text, block_lines, kind):
            sentences.append(
                Sentence(
                    text=text[start:end],
                    start=start,
                    end=end,
                    section=_section_at(sections, start),
                    is_table_row=kind == "table" or _grid_cell(text, start, end),
                    is_heading=kind == "heading",
                    is_list_item=kind in ("bullet", "item"),
                    header=header,
                )
            )
    return sentences


_GRID_CELL = re.compile(_GRID_LABEL_FIGURE)  # the row's label and figure, cut from the rest


def _grid_cell(text: str, start: int, end: int) -> bool:
    """Whether a sentence is the label and figure of a rating-grid row cut from the rest
    of its line ("Care at home support 120" before "Increase The council will ..."): a row
    of a table, though its line is prose."""
    if end >= len(text) or text[end] == "\n":
        return False
    cell = _GRID_CELL.fullmatch(text, start, end)
    return bool(cell and _row_label(cell.group("label")))


def _row_label(label: str) -> bool:
    """Whether a grid row's label is one: short, no clause ("There are now 14"), and no
    ordinal, day or clause opening ("Band 2", "Monday 9", "From 3")."""
    return (_word_count(label) <= MAX_LABEL_WORDS and not _CLAUSE_VERB.search(label)
            and not _NOT_A_ROW_LABEL.search(label))


#: Labels whose figure is a number of another kind: an ordinal ("Band 2", "Table 3"), a
#: day ("Monday 9", "From 3"), or a clause's ("Members, who met on").
_NOT_A_ROW_LABEL = re.compile(
    r",|^(?:from|on|by|until|since|in|at)\b|\b(?:level|type|band|tier|phase|table|figure|"
    r"step|page|section|item|priority|stage|option|lot|chapter|appendix|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\s*$", re.IGNORECASE)


def table_cells(row: str) -> list[tuple[int, int]]:
    """The figure cells that end a table row, as [start, end) offsets into ``row``, left
    to right (tab-separated rows: every non-empty cell after the first)."""
    if "\t" in row:
        cells, offset = [], 0
        for n, part in enumerate(row.split("\t")):
            stripped = part.strip()
            if n and stripped:
                begin = offset + part.index(stripped)
                cells.append((begin, begin + len(stripped)))
            offset += len(part) + 1
        return cells
    found: list[tuple[int, int]] = []
    rest = row.rstrip()
    while (match := _CELL.search(rest)) is not None:
        found.append((match.start(), match.end()))
        rest = rest[:match.start()].rstrip()
    return found[::-1]


def sections_of(sentences: list[Sentence]) -> list[Section]:
    """The distinct sections the sentences sit in, in document order."""
    seen: dict[tuple[int, str], Section] = {}
    for sentence in sentences:
        section = sentence.section
        while section is not None:
            seen.setdefault((section.start, section.title), section)
            section = section.parent
    return sorted(seen.values(), key=lambda s: (s.start, s.level))


# -- lines -------------------------------------------------------------------------------

def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    blanks = 0
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = offset + lead
            lines.append(_Line(start, start + len(stripped), stripped, title_start=start,
                               blanks_before=blanks, indent=lead))
            blanks = 0
        else:
            blanks += 1
        offset += len(raw) + 1
    return lines


def _double_spaced(lines: list[_Line]) -> bool:
    """PDF-extracted text with a blank line after every line: there a single blank line is
    a line wrap, not a paragraph break."""
    if len(lines) < 20:
        return False
    single = sum(1 for line in lines[1:] if line.blanks_before == 1)
    return single / (len(lines) - 1) > 0.6


def _hard_break(line: _Line, double: bool) -> bool:
    return line.blanks_before >= (3 if double else 1)


def _word_count(text: str) -> int:
    return len(text.split())


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and len(text) <= 80


def _heading_shaped(text: str) -> bool:
    """Short, starts like a title and does not read as the start of a running sentence."""
    if len(text) > MAX_HEADING_CHARS or _word_count(text) > MAX_HEADING_WORDS:
        return False
    first = text[0]
    if not (first.isupper() or first.isdigit() or first in "‘“'\"("):
        return False
    last_word = text.split()[-1].casefold()
    if last_word in _CONNECTORS or text.endswith(("-", ",", "/")):
        return False
    if text.endswith(":"):
        words = text.casefold().split()
        return len(words) <= 8 and words[0] not in _COLON_STARTERS
    return not _TERMINAL.search(text)


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _lost_bullet(lines: list[_Line], index: int) -> bool:
    """A list item whose bullet glyph PDF extraction dropped, straight after a lead-in
    ending in a colon ("We will:") or after another such item (and its wrapped lines): a
    line opening in lower case either with the one space that followed the glyph (" work
    with ...") or, flush left, with a verb of a plan's actions ("develop 200 additional
    units ...") or an outcome's "more" or "fewer", unless the line before breaks off
    mid-phrase (then it is a wrap)."""
    line = lines[index]
    if index == 0 or line.indent > 1 or line.blanks_before > 1 or not _starts_lower(line.text):
        return False
    if line.indent == 0 and not ((_opens_with_item_verb(line.text) or _OUTCOME_ITEM.match(
            line.text)) and not _ends_mid_phrase(lines[index - 1].text)):
        return False
    before = index - 1
    if lines[before].text.endswith(":"):
        return True  # the lead-in, itself the wrapped end of a paragraph ("... Our aims are:")
    while before > 0 and ((not lines[before].unmarked and (
            _wraps(lines[before].text) or _ends_mid_phrase(lines[before - 1].text)))
                          or _PAGE_FOOTER.search(lines[before].text)):
        before -= 1  # the wrapped end of the item before ("place- / ments", "2028", "and /
        # Northtown"), a page's foot
    return lines[before].text.endswith(":") or lines[before].unmarked


def _wraps(text: str) -> bool:
    """A line that can only be the wrapped end of the line before: it opens in lower case
    or with a figure ("2028", when "... by" ended the line before)."""
    return text[:1].islower() or text[:1].isdigit()


#: An item stating an outcome by how much more or less there will be of something ("more
#: people living in homes of their own", "fewer admissions to hospital"): it opens a list
#: item flush left as a plan's verb does.
_OUTCOME_ITEM = re.compile(r"(?:more|fewer|less|better|greater)\s+[a-z]")

#: A page's running foot in PDF text ("Northtown Council   Carers Strategy   Page 9").
_PAGE_FOOTER = re.compile(r"\bpage\s+\d{1,3}\s*$", re.IGNORECASE)


def _ends_mid_phrase(text: str) -> bool:
    """A line that breaks off where a phrase goes on ("... we will continue to")."""
    words = text.split()
    return not words or words[-1].casefold() in _CONNECTORS or text.endswith((",", "-"))


def _opens_with_item_verb(text: str) -> bool:
    """Whether a line opens with a verb of a plan's actions (the extraction rules'
    ``action_item_verbs``; not the past forms a decision's minutes open with) and goes on."""
    from carekg.loaders.extract.rules import compiled

    verb = compiled("action_item_verbs").match(text)
    return bool(verb and not verb.group(0).endswith("ed")
                and re.match(r"\s+[a-z0-9]", text[verb.end():]))


def _runs_on(block: tuple[list[_Line], str], line: _Line, double: bool) -> bool:
    """Whether a body line continues the paragraph or list item before it: a wrapped line,
    not a web page's next paragraph after an unwrapped item, not a capitalised line after
    an item whose glyph was lost (it runs on only into a wrap in lower case, of a figure or
    after a connector), not a notice's next field after a short item."""
    lines, kind = block
    if kind not in ("body", "bullet") or not _continues(lines[-1], line, double):
        return False
    if kind == "bullet" and _unwrapped_item(lines[-1], line):
        return False
    if _glyphless(block) and not (_wraps(line.text) or _ends_mid_phrase(lines[-1].text)):
        return False  # (a name or a year after "... and" / "... by" is the item's wrap)
    return not _field_after_short_item(block, line)


def _field_after_short_item(block: tuple[list[_Line], str], line: _Line) -> bool:
    """A field's name past a blank line after a short list item ("• Northtown Carers
    Trust" / "Contract value"), or after any item when it is one of a notice's dated
    fields (the extraction rules' ``notice_release_stages``: "Estimated date of tender
    notice" after a long classification code): a notice's next field, not the item
    running on."""
    if block[1] != "bullet" or line.blanks_before == 0 or not _names_a_field(line.text, 6):
        return False
    return _word_count(block[0][-1].text) <= 6 or _release_field(line.text)


def _release_field(text: str) -> bool:
    """Whether a line is only the name of one of a notice's dated fields."""
    from carekg.loaders.extract.rules import compiled_map

    return any(pattern.fullmatch(text.strip()) for _, pattern in
               compiled_map("notice_release_stages"))


def _glyphless(block: tuple[list[_Line], str]) -> bool:
    """A block that is a list item whose bullet glyph was lost (:func:`_lost_bullet`)."""
    return block[1] == "bullet" and block[0][0].unmarked


def _numbered_sentence(text: str, following: _Line | None) -> bool:
    """A numbered line that is a sentence: it opens like a clause or runs on into the
    next line in lower case ("2. It is also vital that we know what ... / so that ...")."""
    if _CLAUSE_OPENING.match(text):
        return True
    return following is not None and following.blanks_before <= 1 and _starts_lower(
        following.text)


def _classify(lines: list[_Line], double: bool) -> None:
    for index, line in enumerate(lines):
        text = line.text
        if "\t" in text:
            line.kind = "table"
            continue
        markdown = _MARKDOWN.match(text)
        if markdown and markdown.group(2):
            line.kind, line.level = "heading", len(markdown.group(1))
            line.title_start = line.start + markdown.start(2)
            continue
        row = _table_row(text)
        if row:
            line.kind = "table"
            line.level = 1 if row == "years" else 0  # level 1: a row of column years
            continue
        if _DATED_LINE.fullmatch(text):
            line.kind = "tail"  # a date alone: when the line before happens, nothing more
            continue
        numbered = _NUMBERED.match(text) if not _DAY_DATE.match(text) else None
        if (numbered and _heading_shaped(text[numbered.end():]) and not text.endswith(":")
                and not _numbered_sentence(text[numbered.end():],
                                           lines[index + 1] if index + 1 < len(lines) else None)):
            line.kind, line.level = "heading", numbered.group(1).count(".") + 1
            continue
        bullet = _BULLET.match(text)
        if bullet and len(text) > bullet.end():
            line.kind = "tail" if _dated_item(text, bullet.end()) else "bullet"
            line.title_start = line.start + bullet.end()
            again = _BULLET.match(text[bullet.end():])  # "- (1) approve ..."
            if again and len(text) > bullet.end() + again.end():
                line.title_start += again.end()
        elif _lost_bullet(lines, index):
            line.kind, line.unmarked = "bullet", True
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if (line.kind == "table" and "\t" not in line.text and following is not None
                and following.kind == "body" and _starts_lower(following.text)):
            line.kind, line.level = "body", 0  # the figures end a line of running text
    _mark_markdown_tables(lines)
    _mark_pipe_tables(lines)
    _mark_label_values(lines)
    _mark_timetables(lines, double)
    _mark_furniture(lines)
    _mark_short_headings(lines, double)
    _mark_headers(lines, double)


#: No table cell is longer than this; looking for one only this far back from where the
#: cells so far begin keeps a line of many thousand cells linear (a search of the whole
#: line per cell, and a copy of it per cell, made a 1 MB line take minutes).
MAX_CELL_CHARS = 64


def _label_value(text: str) -> str | None:
    """'colon' for "Ashby: 12", 'space' for "Day centre places 95*", else None."""
    value = _LABEL_VALUE.fullmatch(text)
    if (value is None or _word_count(value.group("label")) > MAX_LABEL_WORDS
            or _YEAR_CELL.search(text)
            or value.group("label").split()[-1].casefold() in _CONNECTORS):
        return None
    return "colon" if ":" in text[value.end("label"):value.start("figure")] else "space"


def _mark_label_values(lines: list[_Line]) -> None:
    """Label-and-figure lines are rows of a flattened table: always with a colon, and
    without one when a neighbouring line has the same shape (one such line alone, "Page
    topic 3", may be a numbered title)."""
    shapes = [_label_value(line.text) if line.kind == "body" else None for line in lines]
    for i, shape in enumerate(shapes):
        # a neighbour of the same shape, or a row of the same table already known
        near = [shapes[k] or lines[k].kind == "table" for k in (i - 1, i + 1)
                if 0 <= k < len(shapes)]
        if shape == "colon" or (shape == "space" and any(near)):
            lines[i].kind = "table"


_CAPTION = re.compile(r"(?:Table|Figure|Chart)\s+\d+[.:]?\s+\S")
_MARKDOWN_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*")


def _mark_markdown_tables(lines: list[_Line]) -> None:
    """A table written in markdown: a line of column names, a rule ("---|---|"), then
    lines of as many cells. Every line after the rule is a row, with the names as its
    header, whatever its first word looks like (a bullet's letter, a number)."""
    for i in range(1, len(lines) - 1):
        if not _MARKDOWN_RULE.fullmatch(lines[i].text) or "|" not in lines[i - 1].text:
            continue
        names, cells = lines[i - 1], lines[i - 1].text.strip().strip("|").count("|")
        names.kind, names.level, names.title_start = "table", 1, names.start
        lines[i].kind = "furniture"
        for line in lines[i + 1:]:
            if line.text.strip().strip("|").count("|") != cells:
                break
            line.kind, line.level, line.title_start = "table", 0, line.start


def _mark_pipe_tables(lines: list[_Line]) -> None:
    """An HTML table flattened to one cell per line, each ending in '|', under a line of
    its column names ("Area | Care group | Capacity |"): every run of as many cell lines
    as there are columns is one row, so that a figure is read with its row's label."""
    i = 0
    while i < len(lines):
        columns = lines[i].text.count("|")
        if columns < 2 or not lines[i].text.endswith("|"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].text.count("|") == 1 and _PIPE_CELL.match(
                lines[j].text):
            j += 1
        if j - i - 1 < columns:
            i = j
            continue
        lines[i].kind, lines[i].level = "table", 1  # the column names
        for row in range(i + 1, j - columns + 1, columns):
            first = lines[row]
            first.kind, first.level, first.row_end = "table", 0, lines[row + columns - 1].end
            for cell in lines[row + 1: row + columns]:
                cell.kind = "cell"
        i = j


def _trailing_cells(text: str, cell: re.Pattern[str]) -> tuple[str, int]:
    """The text before the run of cells that ends the line, and how many cells there are."""
    end, count = len(text.rstrip()), 0
    while True:
        match = cell.search(text, max(0, end - MAX_CELL_CHARS), end)
        if match is None:
            return text[:end], count
        end, count = match.start(), count + 1
        while end and text[end - 1].isspace():
            end -= 1


def _table_row(text: str) -> str | None:
    """'row' for a label followed by two or more figures ("Home care 1,234 1,300", "H&F
    94 117 120"), 'years' for a row of column years ("2010/11 2011/12 Jan 2013"), else
    None. A label that starts in lower case continues a sentence, so is not a row."""
    label, years = _trailing_cells(text, _YEAR_CELL)
    if years >= 2 and _word_count(label) <= 4 and not _TERMINAL.search(label):
        return "years"
    label, cells = _trailing_cells(text, _CELL)
    if cells < 2 or _word_count(label) > MAX_LABEL_WORDS:
        return None
    if label and (label[0].islower() or _TERMINAL.search(label)
                  or label.split()[-1].casefold() in _CONNECTORS):
        return None
    return "row"


#: A timetable's "when" that is no date: the action goes on, or its date is to come.
_UNDATED_TAIL = re.compile(r"\s(?:Ongoing|ongoing|TBC|TBA)\s*$")


def _timetable_row(text: str) -> bool:
    """A short line that names an action and ends with when it happens."""
    match = _DATE_TAIL.search(text) or _UNDATED_TAIL.search(text)
    if match is None or len(text) > MAX_HEADING_CHARS:
        return False
    label = text[:match.start()].strip().removesuffix(".")
    return (_word_count(label) >= 2 and label[0].isupper() and not _TERMINAL.search(label)
            and label.split()[-1].casefold() not in _CONNECTORS - {"-", "–"})


def _mark_timetables(lines: list[_Line], double: bool) -> None:
    """Two or more timetable-shaped lines in a row, or one under a line of column names
    ("Activity Date"), are the rows of a two-column table (what, when); one alone is left
    to be read as a sentence or heading."""
    shaped = [line.kind == "body" and _timetable_row(line.text) for line in lines]
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and shaped[j] and (j == i or not _hard_break(lines[j], double)):
            j += 1
        headed = j > i and i > 0 and _column_names(lines[i - 1].text) and (
            _word_count(lines[i - 1].text) <= 4)
        if j - i >= 2 or headed:
            for line in lines[i:j]:
                line.kind = "table"
        i = max(j, i + 1)


def _mark_furniture(lines: list[_Line]) -> None:
    """Navigation labels and running headers that a PDF repeats on every page: short
    lines repeated many times, mostly beside other repeated lines."""
    counts: dict[str, int] = {}
    for line in lines:
        if _word_count(line.text) <= 5:
            counts[line.text] = counts.get(line.text, 0) + 1
    repeated = {text for text, n in counts.items() if n >= 4}
    beside: dict[str, int] = {}
    for i, line in enumerate(lines):
        if line.text not in repeated:
            continue
        near = [lines[k].text for k in (i - 1, i + 1) if 0 <= k < len(lines)]
        if any(text in repeated for text in near):
            beside[line.text] = beside.get(line.text, 0) + 1
    furniture = {text for text, n in counts.items() if n >= FURNITURE_REPEATS
                 and beside.get(text, 0) / n >= FURNITURE_ADJACENT_SHARE}
    for line in lines:
        if line.text in furniture and line.kind in ("body", "heading"):
            line.kind = "furniture"


def _mark_headers(lines: list[_Line], double: bool) -> None:
    """Give each table row the header of its table: the rows of column years at the top
    of the table and the short, unpunctuated lines just above it (column names, council
    names, the caption). A line of capitalised column names just above the rows is part
    of the table, not a heading."""
    i = 0
    while i < len(lines):
        if lines[i].kind != "table" or "\t" in lines[i].text:
            i = _tab_headers(lines, i) if lines[i].kind == "table" else i + 1
            continue
        j = i
        while j < len(lines) and "\t" not in lines[j].text and (
                lines[j].kind in ("table", "furniture", "cell") or _stray_cell(lines, j)):
            j += 1
        run = [line for line in lines[i:j] if line.kind == "table"]
        top = [line.text for line in run if line.level == 1]
        above: list[str] = []
        k = i - 1
        while k >= 0 and len(above) < MAX_HEADER_LINES and not _hard_break(lines[k + 1], double):
            line = lines[k]
            if line.kind == "furniture":
                k -= 1
                continue
            if line.kind == "table" and line.level == 1:  # column years above row labels
                above.insert(0, line.text)
                break
            if _CAPTION.match(line.text):  # "Table 2. Projected ...": what it counts
                above.insert(0, line.text)
                break
            if (line.kind not in ("body", "heading", "item") or line.level not in (0, SHORT_LEVEL,
                                                                                   CAPS_LEVEL)
                    or _TERMINAL.search(line.text) or _word_count(line.text) > MAX_HEADING_WORDS):
                break
            above.insert(0, line.text)
            if len(above) == 1 and _column_names(line.text) and line.kind != "item":
                line.kind, line.level = "table", 1
            elif line.kind == "heading":
                break  # the table's caption or section heading: the header ends there
            k -= 1
        header = "\n".join([*above, *top]) or None
        for line in run:
            if line.level != 1:
                line.header = header
        i = j


def _stray_cell(lines: list[_Line], j: int) -> bool:
    """A lone cell of a table that PDF extraction put on its own line, between rows."""
    return (j + 1 < len(lines) and lines[j + 1].kind == "table"
            and lines[j].kind in ("body", "heading") and _word_count(lines[j].text) <= 2
            and not _TERMINAL.search(lines[j].text))


def _tab_headers(lines: list[_Line], i: int) -> int:
    """A run of tab-separated rows whose first row holds no figures but years has that
    row as its header."""
    j = i
    while j < len(lines) and lines[j].kind == "table" and "\t" in lines[j].text:
        j += 1
    first = lines[i].text
    cells = [cell.strip() for cell in first.split("\t") if cell.strip()]
    if j - i >= 2 and cells and not any(_CELL.search(c) and not _YEAR_CELL.search(c)
                                        for c in cells):
        for line in lines[i + 1:j]:
            line.header = first
    return max(j, i + 1)


def _column_names(text: str) -> bool:
    """Two to six words, each capitalised or a year: "Activity Date", "Service 2021/22"."""
    words = text.replace("/", " ").split()
    dates = [w for w in words if _YEAR_CELL.search(w) or re.fullmatch(_MONTHS, w)]
    return 2 <= len(words) <= 6 and len(dates) < len(words) and all(
        w[0].isupper() or w in dates or w in ("&", "-", "–") for w in words)


def _column_width(lines: list[_Line]) -> int:
    """The length of a full line of body text in a PDF's layout (a high percentile, so
    that short headings and last lines of paragraphs do not count)."""
    lengths = sorted(len(line.text) for line in lines)
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


def _title_like(text: str) -> bool:
    """What a short line must be to be a title: words, not a figure ("3,500", "65% more
    visits"), a date ("March 2013"), a single letter of a map key, two sentences, a
    sentence with a modal verb, or a line cut off before the rest of a date."""
    letters = sum(c.isalpha() for c in text)
    if letters < 3 or text[0].isdigit() or letters <= sum(c.isdigit() for c in text):
        return False
    if not _trailing_cells(text, _YEAR_CELL)[0]:
        return False
    if _INNER_STOP.search(text):
        return False
    words = text.casefold().split()
    if len(words) >= 6 and _MODALS.intersection(words) and not text.endswith(":"):
        return False
    return not re.fullmatch(_MONTHS, text.split()[-1])


def _mark_short_headings(lines: list[_Line], double: bool) -> None:
    """Short title-like lines followed by body text are headings; a run of three or more
    such lines with no blank between them is an unbulleted list instead."""
    for line in lines:
        if line.kind == "body" and _CONTENTS_ENTRY.search(line.text):
            line.kind = "item"  # "Strategic priorities ....... 16": a contents entry
    width = _column_width(lines) if double else None
    # Where markdown headings give the structure (one excerpt per "## page"), a line in
    # capitals inside a page ("NORTHTOWN COUNCIL") labels the page, not the document.
    marked = [line.level for line in lines if line.kind == "heading"
              and _MARKDOWN.match(line.text)]
    caps_level = max(marked) + 1 if marked else CAPS_LEVEL
    candidates = [
        line.kind == "body" and _title_like(line.text)
        and (width is None or len(line.text) < WRAPPED_SHARE * width)
        and (_heading_shaped(line.text) or _is_caps(line.text))
        for line in lines
    ]
    run_start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or not candidates[i] or (i > run_start and
                                                    _hard_break(lines[i], double)):
            if i - run_start >= 3:
                for j in range(run_start, i):
                    if j == i - 1 and i < len(lines) and lines[i].kind == "bullet":
                        break  # the run's last line heads the bullets after it (a
                        # notice's "Total value (estimated)" / "• £1,200,000 ...")
                    lines[j].kind = "item"
                    candidates[j] = False
            run_start = i + 1 if i < len(lines) and not candidates[i] else i
    for i, line in enumerate(lines):
        if not candidates[i]:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else None
        previous = lines[i - 1] if i > 0 else None
        if following is not None and following.kind == "body" and _starts_lower(following.text):
            continue  # the line wraps into a running sentence
        if (previous is not None and previous.kind in ("body", "bullet")
                and not _hard_break(line, double) and not _TERMINAL.search(previous.text)
                and not candidates[i - 1]):
            continue  # the tail of a wrapped sentence
        if following is None and not _is_caps(line.text):
            continue
        line.kind = "heading"
        line.level = min(caps_level, SHORT_LEVEL) if _is_caps(line.text) else SHORT_LEVEL


# -- sections ----------------------------------------------------------------------------

def _sections(lines: list[_Line], text_end: int) -> list[Section]:
    marks: list[tuple[int, int, str]] = []  # (start, level, title)
    for line in lines:
        if line.kind == "heading":
            marks.append((line.title_start, line.level, line.text[line.title_start -
                                                                   line.start:]))
        elif line.kind in ("body", "bullet"):
            rest = line.text[line.title_start - line.start:]
            lead = _LEAD_IN.match(rest)
            if (lead and not _DATE_ONLY.fullmatch(lead.group(1).strip())
                    and not _LABEL_VALUE.fullmatch(rest)):
                marks.append((line.title_start, LEAD_IN_LEVEL, lead.group(1).strip()))
    sections: list[Section] = []
    stack: list[Section] = []
    for i, (start, level, title) in enumerate(marks):
        end = next((s for s, lv, _ in marks[i + 1:] if lv <= level), text_end)
        while stack and (stack[-1].level >= level or stack[-1].end <= start):
            stack.pop()
        section = Section(title=_squash(title), level=level, start=start, end=end,
                          parent=stack[-1] if stack else None)
        sections.append(section)
        stack.append(section)
    return sections


def _section_at(sections: list[Section], offset: int) -> Section | None:
    """The most recent heading at or before the offset (it is the innermost section)."""
    low, high = 0, len(sections)
    while low < high:
        mid = (low + high) // 2
        if sections[mid].start <= offset:
            low = mid + 1
        else:
            high = mid
    return sections[low - 1] if low else None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


# -- blocks and sentences ----------------------------------------------------------------

def _blocks(lines: list[_Line], double: bool) -> list[tuple[list[_Line], str]]:
    """Runs of lines read as one unit: a paragraph, one list item, one row, one heading."""
    blocks: list[tuple[list[_Line], str]] = []
    broken = False
    closed = False  # a dated line ends its block: what follows starts another
    for line in lines:
        if line.kind == "cell":
            continue  # read with the first cell of its row
        if _value_after_field(blocks, line):
            # a notice's value field, a line each ("Value of contract" / "£480,000"):
            # the amount is the field's
            blocks[-1] = ([*blocks[-1][0], line], "release")
            closed, broken = True, False
            continue
        if line.kind == "tail":
            # a date alone dates the open line before it ("Tender" / "04 Feb 2026 at
            # 10:15", a timetable's activity / "March 2013"); else it stands alone
            if (blocks and not closed and blocks[-1][1] == "bullet"
                    and _field_name(blocks[-1][0][-1])):
                # a notice's fields as a list ("- Award Date" / "- 30 Jan 2027")
                blocks[-1] = ([*blocks[-1][0], line], "release")
            elif (blocks and not closed and not broken and blocks[-1][1] in ("body", "item")
                    and not _TERMINAL.search(blocks[-1][0][-1].text)):
                if len(blocks[-1][0]) > 1 and _field_label(*blocks[-1][0][-2:]):
                    # a notice's fields, a line each ("Status / active / Published / 12
                    # Mar 2026, 10:05"): the date is its label's, not the run's
                    blocks.append(([blocks[-1][0].pop(), line], "release"))
                    closed, broken = True, False
                    continue
                blocks[-1][0].append(line)
                words = blocks[-1][0][-2].text.split()
                if words and words[-1].casefold() in _CONNECTORS | _TIME_PREPOSITIONS:
                    continue  # "... will decide by / June 2023 / which options": one sentence
            elif (blocks and not closed and blocks[-1][1] == "heading"
                  and _word_count(blocks[-1][0][-1].text) <= (
                      2 if _BULLET.match(line.text) else 3)):
                # a notice's release: its stage ("Tender", "Award", "Tender submission
                # deadline") and its date; a listed date ("- 1 Apr 2026 to ...") is a
                # field's value under a longer heading, read as such
                blocks[-1] = ([*blocks[-1][0], line], "release")
            else:
                blocks.append(([line], "item"))
            closed, broken = True, False
            continue
        if closed:
            blocks.append(([line], line.kind if line.kind in (
                "heading", "table", "bullet", "item") else "body"))
            closed = False
            continue
        if line.kind == "furniture":
            broken = True  # a page's navigation bar: no sentence, and no sentence runs past
            continue
        if line.kind in ("heading", "table", "bullet", "item"):
            blocks.append(([line], line.kind))
            broken = False
            continue
        if not broken and blocks and _runs_on(blocks[-1], line, double):
            blocks[-1][0].append(line)
        else:
            blocks.append(([line], "body"))
        broken = False
    return blocks


def _value_after_field(blocks: list[tuple[list[_Line], str]], line: _Line) -> bool:
    """An amount alone on its line after a line that only names a value field ("Contract
    value", "Value of contract"): the field's value, not a line of its own."""
    from carekg.loaders.extract.money import only_an_amount

    if not blocks or len(blocks[-1][0]) != 1 or blocks[-1][1] not in ("body", "item", "bullet"):
        return False
    name = blocks[-1][0][0].text.lstrip("-•* ")
    return (_names_a_field(name, 5) and re.search(r"\bvalue\b", name, re.IGNORECASE) is not None
            and only_an_amount(line.text))  # (the money reader last: it runs on few lines)


def _field_label(previous: _Line, line: _Line) -> bool:
    """A notice's field name on a line of its own ("Published", "Award date"), after
    another field's short value (not a sentence running on over the line end)."""
    last = previous.text.split()[-1:] or [""]
    return (_names_a_field(line.text, 2) and _word_count(previous.text) <= 4
            and last[0].casefold() not in _CONNECTORS | _TIME_PREPOSITIONS | {"the", "a"})


def _dated_item(text: str, at: int) -> bool:
    """A list item that opens with a date or a span of dates and says little more ("- 14
    Nov 2025 Expired", "- 1 Apr 2026 - 31 Mar 2030 Over 5 years"): a field's value."""
    date = _DATED_ITEM.match(text, at)
    return date is not None and _word_count(text[date.end():]) <= 3


def _names_a_field(text: str, most: int) -> bool:
    """A field's name ("Published", "Submission Deadline"): at most ``most`` words,
    capitalised, with no figure."""
    return (_word_count(text) <= most and text[:1].isupper()
            and not any(c.isdigit() for c in text))


def _field_name(item: _Line) -> bool:
    """A list item that is only a field's name ("- Submission Deadline")."""
    return _names_a_field(item.text[item.title_start - item.start:].strip(), 3)


def _unwrapped_item(item: _Line, line: _Line) -> bool:
    """A list item longer than any wrapped line, then a capitalised line: a web page's item
    and the paragraph after it (its text was never wrapped, so nothing runs over)."""
    return len(item.text) > UNWRAPPED_ITEM and line.text[:1].isupper()


def _continues(previous: _Line, line: _Line, double: bool) -> bool:
    open_end = not _TERMINAL.search(previous.text)
    if not _hard_break(line, double) and (line.blanks_before == 0 or double):
        return open_end or _starts_lower(line.text)
    # across a blank line only a sentence that was visibly cut off continues
    if line.blanks_before > (3 if double else 1):
        return False
    return open_end and (_starts_lower(line.text) or len(previous.text) >= 60)


def _split(text: str, lines: list[_Line], kind: str) -> list[tuple[int, int]]:
    """Sentence spans [start, end) in document offsets."""
    if kind == "table":
        first = lines[0]
        if first.row_end is not None:
            return [(first.title_start, first.row_end)]
        return _bullet_cells(text, first.title_start, first.end)
    if kind == "heading":
        first = lines[0]
        return [(first.title_start, first.end)] if first.title_start < first.end else []
    if kind == "release":
        return [(lines[0].title_start, lines[-1].end)]
    # the logical text: line contents joined by one space, each char mapped to its offset
    chars: list[str] = []
    where: list[int] = []
    line_starts: list[int] = []
    for n, line in enumerate(lines):
        begin = line.title_start if n == 0 else line.start
        if n:
            chars.append(" ")
            where.append(begin - 1)
        line_starts.append(len(where))
        chars.append(text[begin:line.end])
        where.extend(range(begin, line.end))
    logical = "".join(chars)
    cuts = {match.end() for match in _SENTENCE_END.finditer(logical)
            if _is_boundary(logical, match.start(), match.end())}
    for at in line_starts:  # a rating-grid row: its label and figure are one sentence
        grid = _GRID_ROW.match(logical, at)
        if (grid and _row_label(grid.group("label"))
                and not _YEAR_CELL.search(grid.group(0).rstrip())  # "December 2023"
                and not _DAY_DATE.match(logical, grid.start("figure"))  # "Published 12 Mar"
                and not _CODED_AMOUNT.match(logical, grid.start("figure"))):
            # the row starts a sentence even when the line before ends unpunctuated
            cuts.update((at, grid.end("figure")))
    cuts.update(_run_on_cuts(text, logical, where))
    cuts.update(_date_row_cuts(text, logical, where))
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        spans.append((start, cut))
        start = cut
    spans.append((start, len(logical)))
    result: list[tuple[int, int]] = []
    for begin, end in spans:
        piece = logical[begin:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        begin, end = begin + lead, end - trail
        if begin < end and any(c.isalnum() for c in logical[begin:end]):
            result.append((where[begin], where[end - 1] + 1))
    return result


def _bullet_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A table row as its sentences: the whole row, unless a cell holds a list written
    inline ("Current provision <tab> • The Council commissions ... • The service ..."),
    whose items (each at a cell's start or after a full stop) are each a sentence of the
    row, so that a fact's evidence is its item."""
    if start >= end:
        return []
    bullets = [m.start() for m in _INLINE_BULLET.finditer(text, start, end)
               if _ITEM_BREAK.search(_TAG.sub("", text[start:m.start()]))]
    if not bullets:
        return [(start, end)]
    spans = []
    for begin, stop in zip([start, *bullets], [*bullets, end], strict=True):
        piece = text[begin:stop]
        lead = len(piece) - len(piece.lstrip(" \t•"))
        trail = len(piece) - len(piece.rstrip())
        if begin + lead < stop - trail and any(c.isalnum() for c in piece):
            spans.append((begin + lead, stop - trail))
    return spans


_INLINE_BULLET = re.compile(r"•")
#: Where an inline item may start a new sentence of a row: after a full stop or at the
#: start of a cell (not after "which:", whose items finish the sentence).
_ITEM_BREAK = re.compile(r"(?:[.!?)]|\t)\s*$")
_TAG = re.compile(r"<[^<>]{0,200}>")


def _run_on_cuts(text: str, logical: str, where: list[int]) -> list[int]:
    """Sentence starts that lost the full stop before them: at a line break or a wide gap,
    a capitalised sentence opener after text that does not end with punctuation, a
    connector or a wrap hyphen."""
    cuts = []
    for i, char in enumerate(logical):
        if not char.isspace() or (i and logical[i - 1].isspace()):
            continue
        gap_end = i
        while gap_end < len(logical) and logical[gap_end].isspace():
            gap_end += 1
        if gap_end >= len(logical):
            continue
        if gap_end - i < 3 and "\n" not in text[where[i - 1]:where[gap_end]]:
            continue  # an ordinary space inside a line
        word = re.match(r"([A-Z][a-z]*)\s+(\S)", logical[gap_end:])
        if not word or word.group(1).casefold() not in _OPENERS:
            continue
        if word.group(1) in ("A", "An") and not word.group(2).islower():
            continue
        before = logical[:i].rstrip()
        if not before or before[-1] in ".!?:;,-–—/&(" or not (before[-1].isalnum()
                                                            or before[-1] in ")’'\"”%"):
            continue
        last = re.search(r"(\w+)\W*$", before)
        if last and last.group(1).casefold() in _CONNECTORS:
            continue
        cuts.append(gap_end)
    return cuts


_PREPOSITIONS = frozenset("by in from until till before after since to during of on at "
                          "between within around circa c".split())


def _date_row_cuts(text: str, logical: str, where: list[int]) -> list[int]:
    """Row ends of a timetable that PDF extraction flattened into running lines ("Review
    day services  June 2013 / Commence the tender  Summer 2013 / ..."): where a line ends
    with a date that closes a phrase of two or more words (not "by June 2013", whose date
    belongs to what follows) and the next line opens with a capital, a new row starts,
    so that each activity keeps its own date and evidence."""
    cuts = []
    for i in range(1, len(logical) - 1):
        if logical[i] != " " or "\n" not in text[where[i - 1]:where[i + 1]]:
            continue  # not the space standing for a line break
        if not logical[i + 1].isupper():
            continue
        tail = _DATE_TAIL.search(logical, max(0, i - 60), i)
        if tail is None:
            continue
        label = logical[max(0, i - 400):tail.start()].split()
        if len(label) < 2 or label[-1].casefold().strip(",") in _PREPOSITIONS | _CONNECTORS:
            continue
        cuts.append(i + 1)
    return cuts


def _is_boundary(logical: str, punct_start: int, cut: int) -> bool:
    rest = logical[cut:].lstrip()
    if not rest:
        return False
    following = rest[0]
    if following.islower():
        return False
    if not (following.isupper() or following.isdigit() or following in "£$€‘“'\"([•-–—■"):
        return False
    if logical[punct_start] != ".":
        return True
    word_match = re.search(r"([\w.]+)$", logical[:punct_start])
    if not word_match:
        return True
    word = word_match.group(1).casefold().strip(".")
    if word in ABBREVIATIONS:
        return False
    if word in _NUMBER_ABBREVIATIONS and following.isdigit():
        return False
    if len(word) == 1 and word.isalpha() and logical[punct_start - 2:punct_start - 1] in (
            " ", ".", "") and word_match.group(1).isupper():
        return False  # an initial: "J. Smith"
    return True
