"""Synthetic council commissioning documents, with the facts planted in them recorded.

    python bench/generate.py --councils 100 --seed 1 --out DIR

Why synthetic: the real corpus is five documents, and the scale benchmarks need the real
loaders, shapes, store and endpoint to run on a corpus the size of England (about 150
councils, five documents each) and beyond. The documents follow the genre's shapes
(market position statements with "current provision / aspirations / opportunities"
blocks, commissioning strategies with numbered sections, cabinet reports with numbered
paragraphs, budget tables as tab-separated rows, contract timetables, POPPI/PANSI
projections) but every template here is written for this generator; none is taken from
the bundled corpus or the gold facts.

Output: ``DIR/manifest.yaml``, one ``.txt`` per document, and ``DIR/planted/<id>.jsonl``
with the planted facts in the gold format of ``/work/shared/gold/README.md`` (one file
per document, so :func:`carekg.loaders.evaluate.evaluate` reads it as a gold directory).
Everything is drawn from one seeded ``random.Random``: the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from carekg.councils import Council, default_register
from carekg.iris import slugify
from carekg.vocabularies import Concept, concepts

PLANTED_DIR = "planted"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

#: Population groups of need figures: (words in the text, gold "service" words, base
#: share of the population counted, projection source).
NEED_GROUPS = (
    ("people aged 65 and over living with dementia", "dementia", 0.012, "POPPI"),
    ("older people with a limiting long-term illness", "older people", 0.06, "POPPI"),
    ("adults aged 18-64 with a learning disability", "learning disabilities", 0.004,
     "PANSI"),
    ("adults aged 18-64 with a serious physical disability", "physical disabilities", 0.008,
     "PANSI"),
    ("people aged 85 and over unable to manage at least one self-care activity",
     "people aged 85 and over", 0.005, "POPPI"),
    ("adults predicted to have autism", "autism", 0.007, "PANSI"),
    ("unpaid carers", "carers", 0.09, "Census"),
)

#: Services a council writes about, by taxonomy slug, with the count noun used for them.
SERVICE_UNITS = {
    "home-care": ("hours of care each week", "hours/week"),
    "extra-care-housing": ("units", "units"),
    "supported-living": ("people", "people"),
    "residential-care": ("beds", "beds"),
    "nursing-care": ("beds", "beds"),
    "day-opportunities": ("places", "places"),
    "shared-lives": ("people", "people"),
    "reablement": ("people", "people"),
    "respite-care": ("beds", "beds"),
    "carers-support": ("carers", "people"),
    "advocacy": ("providers", "providers"),
    "telecare": ("people", "people"),
    "community-equipment": ("items", "items"),
    "floating-support": ("people", "people"),
    "direct-payments": ("people", "people"),
    "sheltered-housing": ("units", "units"),
    "dementia-residential-care": ("beds", "beds"),
    "mental-health-recovery-services": ("places", "places"),
    "substance-misuse-services": ("people", "people"),
    "information-and-advice": ("providers", "providers"),
}
#: Last words of service labels that already name a service ("home care services" is
#: fine, "advocacy services services" is not).
SELF_NAMED = frozenset({"services", "service", "support", "care", "opportunities", "lives",
                        "payments", "housing", "equipment", "advice", "telecare", "reablement",
                        "living"})
STRATEGY_THEMES = ("Carers", "Ageing Well", "Dementia", "Learning Disability", "Housing with Care",
                   "Mental Health", "Prevention", "Autism", "Market Sustainability",
                   "Workforce", "Homelessness", "Technology Enabled Care")
DIRECTION_VERBS = {
    "increase": ("increase the supply of", "expand", "develop additional",
                 "grow the capacity of"),
    "decrease": ("reduce its reliance on", "reduce the number of placements in",
                 "move away from block-booked"),
    "review": ("review", "carry out a full review of", "undertake a review of"),
    "procure": ("re-procure", "commission a new", "re-tender"),
    "develop": ("develop a new model of", "co-produce a new approach to",
                "design a new specification for"),
    "maintain": ("continue to commission", "maintain current levels of"),
    "decommission": ("decommission", "decommission the existing"),
}
FILLER = (
    "This section describes what the {council} market looks like today and where we want it "
    "to be.",
    "Providers told us at our engagement events that clearer information on future demand "
    "would help them plan.",
    "We want people to live independently in their own homes for as long as possible.",
    "Our approach is shaped by the Care Act duty to promote a diverse and sustainable "
    "market of high quality care and support.",
    "Feedback from residents and carers has been central to the priorities set out here.",
    "We recognise the pressures that providers face in recruiting and retaining staff.",
    "The market in {council} is mixed, with a small number of large national providers and "
    "many small local organisations.",
    "We expect providers to work with us in an open and transparent way.",
    "Partnership with the NHS, housing and the voluntary sector underpins everything in "
    "this document.",
    "Where outcomes for people are good we want to build on what already works.",
)


@dataclass(frozen=True)
class Planted:
    """One planted fact, in the gold format (``/work/shared/gold/README.md``)."""

    id: str
    council: str
    type: str
    service: str | None
    value: int | None
    unit: str | None
    date: str | None
    direction: str | None
    quote: str
    note: str | None = None


@dataclass
class DocumentSpec:
    """One generated document: its manifest entry, text and planted facts."""

    id: str
    title: str
    council: Council
    kind: str
    issued: str
    period: str | None
    blocks: list[str] = field(default_factory=list)
    facts: list[Planted] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.blocks) + "\n"

    def manifest_entry(self) -> dict[str, object]:
        entry: dict[str, object] = {"id": self.id, "file": f"{self.id}.txt", "title": self.title,
                                    "councils": [self.council.gss_code], "kind": self.kind,
                                    "issued": self.issued}
        if self.period:
            entry["period"] = self.period
        entry["licence"] = "synthetic (bench/generate.py)"
        return entry


class Writer:
    """Draws wording and figures for one document and records what it plants."""

    def __init__(self, rng: random.Random, doc: DocumentSpec, services: dict[str, Concept],
                 scale: float, year: int) -> None:
        self.rng = rng
        self.doc = doc
        self.services = services
        self.scale = scale  # relative size of the council's population
        self.year = year
        self.name = doc.council.name

    # -- wording --------------------------------------------------------------------------
    def label(self, slug: str) -> str:
        """A service's name as a writer would use it: mostly the preferred label."""
        concept = self.services[slug]
        words = [concept.pref_label] * 3 + [a for a in concept.alt_labels
                                            if len(a) > 3 and a.islower()][:2]
        return self.rng.choice(words)

    def filler(self) -> str:
        return self.rng.choice(FILLER).format(council=self.name)

    def plant(self, sentence: str, kind: str, *, service: str | None = None,
              value: int | None = None, unit: str | None = None, date: str | None = None,
              direction: str | None = None, approximate: bool = False) -> str:
        number = len(self.doc.facts) + 1
        self.doc.facts.append(Planted(
            id=f"{self.doc.id}-{number:03d}", council=self.name, type=kind,
            service=self.services[service].pref_label if service else None, value=value,
            unit=unit, date=date, direction=direction, quote=sentence,
            note="approximate" if approximate else None))
        return sentence

    # -- figures --------------------------------------------------------------------------
    def money(self, low: float, high: float) -> tuple[str, int]:
        """An amount between low and high pounds (scaled), as written and in pounds."""
        pounds = self.rng.uniform(low, high) * self.scale
        style = self.rng.choice(("m", "m", "million", "full", "k"))
        if pounds < 1_000_000 and style in ("m", "million"):
            style = "k"
        if style == "k":
            thousands = max(1, round(pounds / 1000))
            return f"£{thousands:,}k", thousands * 1000
        if style == "full":
            exact = round(pounds)
            return f"£{exact:,}", exact
        tenths = max(1, round(pounds / 100_000))
        shown = f"{tenths / 10:.1f}"
        return (f"£{shown}m" if style == "m" else f"£{shown} million"), tenths * 100_000

    def count(self, low: int, high: int) -> int:
        return max(2, round(self.rng.randint(low, high) * self.scale))

    def fy(self, offset: int = 0) -> str:
        start = self.year + offset
        return f"{start}/{(start + 1) % 100:02d}"

    def month(self, years_ahead: int) -> tuple[str, str]:
        month = self.rng.randrange(12)
        year = self.year + years_ahead
        return f"{MONTHS[month]} {year}", f"{year}-{month + 1:02d}"

    # -- facts of each kind ---------------------------------------------------------------
    def spend(self, slug: str) -> str:
        written, value = self.money(300_000, 6_000_000)
        label = self.label(slug)
        fy = self.fy()
        approx = self.rng.random() < 0.3
        about = "approximately " if approx else ""
        sentence = self.rng.choice((
            f"The Council currently spends {about}{written} a year on {label}.",
            f"In {fy} the budget for {label} was {about}{written}.",
            f"Annual expenditure on {label} is {about}{written}.",
            f"We invest {about}{written} each year in {label} across {self.name}.",
        ))
        return self.plant(sentence, "spend", service=slug, value=value, unit="GBP/year",
                          date=fy, approximate=approx)

    def quantity(self, slug: str) -> str:
        noun, unit = SERVICE_UNITS[slug]
        low, high = (40, 400) if unit != "hours/week" else (4000, 30000)
        if unit == "providers":
            low, high = (3, 25)
        n = self.count(low, high)
        label = self.label(slug)
        approx = self.rng.random() < 0.3
        about = self.rng.choice(("around ", "approximately ")) if approx else ""
        if unit in ("people", "providers"):
            verb = "deliver" if unit == "providers" else "are supported by"
            sentence = self.rng.choice((
                f"There are currently {about}{n:,} {noun} receiving {label} in {self.name}.",
                f"At present {about}{n:,} {noun} {verb} {label}.",
                f"The Council currently commissions {label} for {about}{n:,} {noun}.",
            )) if unit == "people" else self.rng.choice((
                f"There are currently {about}{n:,} {noun} of {label} in {self.name}.",
                f"{label.capitalize()} is provided by {about}{n:,} {noun} at present.",
            ))
        else:
            sentence = self.rng.choice((
                f"There are currently {about}{n:,} {noun} of {label} in {self.name}.",
                f"The Council commissions {about}{n:,} {noun} of {label}.",
                f"At present we provide {about}{n:,} {noun} of {label}.",
            ))
        return self.plant(sentence, "quantity", service=slug, value=n, unit=unit,
                          date=str(self.year), approximate=approx)

    def contract(self, slug: str) -> str:
        written, date = self.month(self.rng.randint(1, 3))
        label = self.label(slug)
        sentence = self.rng.choice((
            f"The current contract for {label} expires in {written}.",
            f"Existing {label} contracts will come to an end in {written}.",
            f"The {label} framework runs until {written} with no further options to extend.",
            f"A tender for {label} will be advertised to the market in {written}.",
        ))
        return self.plant(sentence, "contract", service=slug, date=date)

    def intention(self, slug: str, direction: str | None = None) -> str:
        direction = direction or self.rng.choice(list(DIRECTION_VERBS))
        verb = self.rng.choice(DIRECTION_VERBS[direction])
        label = self.label(slug)
        when = self.year + self.rng.randint(1, 3)
        subject = self.rng.choice(("The Council will", "We will", "The Council intends to",
                                   "Over the next three years we plan to"))
        tail = self.rng.choice((f" by {when}", f" during {when}", "", " in partnership with "
                                "the NHS"))
        noun = "" if label.split()[-1] in SELF_NAMED else " services"
        sentence = f"{subject} {verb} {label}{noun}{tail}."
        date = str(when) if str(when) in tail else None
        return self.plant(sentence, "intention", service=slug, date=date, direction=direction)

    def need(self) -> str:
        words, gold, share, source = self.rng.choice(NEED_GROUPS)
        now = round(share * 250_000 * self.scale * self.rng.uniform(0.8, 1.2))
        target = self.year + self.rng.choice((5, 7, 10))
        later = round(now * self.rng.uniform(1.08, 1.45))
        sentence = self.rng.choice((
            f"{source} projects that the number of {words} will rise from {now:,} in "
            f"{self.year} to {later:,} by {target}.",
            f"By {target} the number of {words} in {self.name} is projected to reach "
            f"{later:,} ({source}).",
            f"It is estimated that {later:,} {words} will live in {self.name} in {target}.",
        ))
        # The gold "service" of a need figure names its population group (gold README).
        self.doc.facts.append(Planted(
            id=f"{self.doc.id}-{len(self.doc.facts) + 1:03d}", council=self.name, type="need",
            service=gold, value=later, unit="people", date=str(target), direction=None,
            quote=sentence))
        return sentence

    def strategy(self) -> str:
        theme = self.rng.choice(STRATEGY_THEMES)
        start = self.year - self.rng.randint(0, 2)
        end = start + self.rng.choice((3, 4, 5))
        name = f"{self.name} {theme} Strategy {start}-{end}"
        sentence = self.rng.choice((
            f"This statement should be read alongside the {name}.",
            f"Our priorities reflect the {name}, agreed by Cabinet.",
            f"The {name} sets out how we will work with partners.",
        ))
        self.doc.facts.append(Planted(
            id=f"{self.doc.id}-{len(self.doc.facts) + 1:03d}", council=self.name,
            type="strategy", service=None, value=None, unit=None, date=f"{start}-{end}",
            direction=None, quote=name))
        return sentence

    def budget_table(self, slugs: Sequence[str]) -> str:
        """A tab-separated budget table: one row per service over two financial years."""
        years = (self.fy(-1), self.fy())
        rows = [f"Service\t{years[0]}\t{years[1]}"]
        for slug in slugs:
            before, _ = self.money(300_000, 6_000_000)
            after, value = self.money(300_000, 6_000_000)
            row = f"{self.services[slug].pref_label.capitalize()}\t{before}\t{after}"
            rows.append(row)
            self.plant(row, "spend", service=slug, value=value, unit="GBP/year", date=years[1])
        return "\n".join(rows)


# -- document layouts -----------------------------------------------------------------------

def _heading(rng: random.Random, number: str, title: str) -> str:
    return rng.choice((title, f"{number} {title}", title.upper()))


def market_position_statement(w: Writer, slugs: Sequence[str]) -> None:
    doc, rng = w.doc, w.rng
    doc.blocks.append(doc.title)
    doc.facts.append(Planted(f"{doc.id}-{len(doc.facts) + 1:03d}", w.name, "strategy", None,
                             None, None, doc.period, None, doc.title, "this document"))
    doc.blocks.append(f"{w.filler()} {w.strategy()} {w.filler()}")
    doc.blocks.append(_heading(rng, "2.", "Understanding need"))
    doc.blocks.append(" ".join([w.need(), w.filler(), w.need()]))
    for n, slug in enumerate(slugs, start=3):
        doc.blocks.append(_heading(rng, f"{n}.", w.services[slug].pref_label.capitalize()))
        doc.blocks.append("Current provision")
        doc.blocks.append(f"{w.quantity(slug)} {w.spend(slug)} {w.filler()}")
        doc.blocks.append(f"{w.filler()} {w.filler()} {w.filler()}")
        doc.blocks.append("Key commissioning aspirations")
        bullet = rng.choice(("• ", "- "))
        doc.blocks.append("\n".join(bullet + w.intention(slug) for _ in range(2)))
        doc.blocks.append("Key opportunities coming up")
        doc.blocks.append(w.contract(slug))
    doc.blocks.append(_heading(rng, f"{len(slugs) + 3}.", "Budget"))
    doc.blocks.append(f"The table below shows the adult social care budget by service. "
                      f"{w.filler()}")
    doc.blocks.append(w.budget_table(slugs[:4]))


def commissioning_strategy(w: Writer, slugs: Sequence[str]) -> None:
    doc, rng = w.doc, w.rng
    doc.blocks.append(doc.title)
    doc.blocks.append("1. Introduction")
    doc.blocks.append(f"{w.filler()} {w.strategy()} {w.strategy()}")
    doc.blocks.append("2. Our population")
    doc.blocks.append(" ".join(w.need() for _ in range(3)))
    doc.blocks.append("3. Commissioning intentions")
    for n, slug in enumerate(slugs, start=1):
        doc.blocks.append(f"3.{n} {w.services[slug].pref_label.capitalize()}")
        doc.blocks.append(f"{w.spend(slug)} {w.intention(slug)} {w.filler()}")
        if rng.random() < 0.6:
            doc.blocks.append(f"{w.intention(slug)} {w.contract(slug)}")


def cabinet_report(w: Writer, slugs: Sequence[str]) -> None:
    doc, rng = w.doc, w.rng
    slug = slugs[0]
    label = w.services[slug].pref_label
    doc.blocks.append(doc.title)
    doc.blocks.append("1. Purpose of the report")
    doc.blocks.append(f"1.1 This report seeks approval of the approach to commissioning "
                      f"{label} from {w.year + 1}.")
    doc.blocks.append("2. Recommendations")
    doc.blocks.append(f"2.1 Cabinet is recommended to approve the commencement of a "
                      f"procurement for {label}.")
    doc.blocks.append("3. Background")
    doc.blocks.append(f"3.1 {w.quantity(slug)}")
    doc.blocks.append(f"3.2 {w.contract(slug)} {w.filler()}")
    doc.blocks.append(f"3.3 {w.need()}")
    doc.blocks.append(f"3.4 {w.intention(slug, rng.choice(('procure', 'review', 'develop')))}")
    doc.blocks.append("4. Financial implications")
    doc.blocks.append(f"4.1 {w.spend(slug)}")
    if len(slugs) > 1:
        doc.blocks.append(f"4.2 {w.spend(slugs[1])}")
    doc.blocks.append("5. Procurement timetable")
    doc.blocks.append("\n".join(("Milestone\tDate", f"Tender published\t{w.month(0)[0]}",
                                 f"Contract award\t{w.month(1)[0]}",
                                 f"Contract start\t{w.month(1)[0]}")))
    doc.blocks.append(f"6. Strategic context\n\n6.1 {w.strategy()}")


LAYOUTS = {
    "mps": ("market-position-statement", market_position_statement, 6),
    "strategy": ("commissioning-strategy", commissioning_strategy, 5),
    "cabinet": ("cabinet-report", cabinet_report, 2),
}
#: The five documents of one council: a market position statement, a commissioning
#: strategy, two cabinet reports and a themed market position statement.
COUNCIL_DOCUMENTS = ("mps", "strategy", "cabinet", "cabinet", "mps")


def council_documents(rng: random.Random, council: Council, edition: int,
                      services: dict[str, Concept]) -> list[DocumentSpec]:
    """The documents of one council; ``edition`` tells apart repeats of a council."""
    year = 2018 + (edition * 2 + rng.randrange(6)) % 10
    scale = rng.uniform(0.5, 3.0) if council.type == "county" else rng.uniform(0.4, 1.6)
    base = slugify(council.name)
    suffix = f"-e{edition}" if edition else ""
    out = []
    used: set[str] = set()
    for n, layout in enumerate(COUNCIL_DOCUMENTS, start=1):
        kind, write, count = LAYOUTS[layout]
        slugs = rng.sample(sorted(SERVICE_UNITS), count)
        if layout == "cabinet":
            title = (f"Cabinet report: {services[slugs[0]].pref_label.capitalize()} – "
                     f"commissioning and procurement approach")
            period = None
            issued = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif layout == "strategy":
            title = f"{council.name} Adult Social Care Commissioning Strategy {year}-{year + 5}"
            period = f"{year}-{year + 5}"
            issued = str(year)
        else:
            theme = "" if n == 1 else f"{rng.choice(STRATEGY_THEMES)} "
            title = (f"{council.name} {theme}Market Position Statement for Adult Social Care "
                     f"{year}-{year + 3}")
            period = f"{year}-{year + 3}"
            issued = f"{year}-{rng.randint(1, 12):02d}"
        doc_id = f"{base}{suffix}-{layout}-{n}"
        assert doc_id not in used
        used.add(doc_id)
        doc = DocumentSpec(doc_id, title, council, kind, issued, period)
        write(Writer(rng, doc, services, scale, year), slugs)
        out.append(doc)
    return out


def generate(councils: int, seed: int) -> list[DocumentSpec]:
    """Documents for ``councils`` councils drawn from the register (each council once
    before any repeats; a repeat is a later edition with its own document ids)."""
    rng = random.Random(seed)
    services = {c.slug: c for c in concepts("services")}
    missing = set(SERVICE_UNITS) - set(services)
    if missing:
        raise SystemExit(f"services not in the taxonomy: {sorted(missing)}")
    register = sorted(default_register().councils, key=lambda c: c.gss_code)
    docs: list[DocumentSpec] = []
    order: list[Council] = []
    for number in range(councils):
        if number % len(register) == 0:
            order = rng.sample(register, len(register))
        council = order[number % len(register)]
        docs.extend(council_documents(rng, council, number // len(register), services))
    return docs


def write_corpus(docs: Sequence[DocumentSpec], out: Path) -> None:
    """Documents, manifest.yaml and planted/<id>.jsonl under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    planted = out / PLANTED_DIR
    planted.mkdir(exist_ok=True)
    for doc in docs:
        (out / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8")
        lines = [json.dumps(asdict(f), ensure_ascii=False) for f in doc.facts]
        (planted / f"{doc.id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = {"documents": [doc.manifest_entry() for doc in docs]}
    header = ("# Synthetic corpus written by bench/generate.py; planted facts are in "
              f"{PLANTED_DIR}/.\n")
    (out / "manifest.yaml").write_text(
        header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True),
        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    docs = generate(args.councils, args.seed)
    write_corpus(docs, args.out)
    chars = sum(len(d.text) for d in docs)
    facts = sum(len(d.facts) for d in docs)
    print(f"{args.out}: {len(docs)} documents, {chars:,} characters, {facts:,} planted facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
