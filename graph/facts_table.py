"""One table of every fact, for people who do not write SPARQL: ``facts.csv`` and its
W3C CSVW description ``facts.csv-metadata.json``.

The rows are the system query ``facts-table`` (one per fact, so a fact that several
councils share is one row per council, as in the graph); its projection is the column
order. The CSVW metadata (W3C "Metadata Vocabulary for Tabular Data") says what each
column is and how it maps back to the graph's terms, so a CSVW processor (csv2rdf,
csv2json) reads the table as the same RDF: ``aboutUrl`` is the fact's IRI, label columns
describe their concept (``aboutUrl`` of the concept), IRI columns link the fact to it.
Values are written as the graph has them (£ in pounds, dates ISO 8601), booleans as
``true``/``false``, an absent value as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from carekg.config import DEFAULT_BASE
from carekg.graph.backend import Snapshot
from carekg.iris import rebase_iri
from carekg.namespaces import PREFIXES
from carekg.resources import system_query

QUERY = "facts-table"
CSV_NAME = "facts.csv"
METADATA_NAME = "facts.csv-metadata.json"

_CC = "cc:"


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    datatype: str = "string"
    property: str | None = None  # propertyUrl, as a CURIE of carekg.namespaces.PREFIXES
    value_url: str | None = None  # valueUrl template: the cell is an IRI
    about_url: str | None = None  # aboutUrl template: the cell describes another node
    lang: str | None = None


#: The columns, in the order of the system query's projection.
COLUMNS: tuple[Column, ...] = (
    Column("fact", "fact IRI", "anyURI"),
    Column("council", "council", property="rdfs:label",
           about_url="{base}id/council/{gss_code}", lang="en"),
    Column("gss_code", "council GSS code", property=_CC + "council",
           value_url="{base}id/council/{gss_code}"),
    Column("kind", "kind of fact", property="rdf:type", value_url="{base}def#{kind}"),
    Column("service", "service", property="skos:prefLabel", about_url="{+service_iri}",
           lang="en"),
    Column("service_iri", "service IRI", "anyURI", _CC + "service", "{+service_iri}"),
    Column("population_group", "population group", property="skos:prefLabel",
           about_url="{+population_group_iri}", lang="en"),
    Column("population_group_iri", "population group IRI", "anyURI",
           _CC + "populationGroup", "{+population_group_iri}"),
    Column("value", "value", "decimal", _CC + "value"),
    Column("unit", "unit", property="skos:notation", about_url="{+unit_iri}"),
    Column("unit_iri", "unit IRI", "anyURI", _CC + "unit", "{+unit_iri}"),
    Column("period_start", "period start", "date", _CC + "periodStart"),
    Column("period_end", "period end", "date", _CC + "periodEnd"),
    Column("period", "period as written", property=_CC + "periodLabel"),
    Column("direction", "direction", property="skos:prefLabel",
           about_url="{+direction_iri}", lang="en"),
    Column("direction_iri", "direction IRI", "anyURI", _CC + "direction", "{+direction_iri}"),
    Column("event_type", "contract event type", property="skos:prefLabel",
           about_url="{+event_type_iri}", lang="en"),
    Column("event_type_iri", "contract event type IRI", "anyURI", _CC + "eventType",
           "{+event_type_iri}"),
    Column("approximate", "approximate", "boolean", _CC + "approximate"),
    Column("joint", "the group's figure (joint attribution)", "boolean",
           _CC + "jointAttribution"),
    Column("restates", "restates (first statement of the same claim)", "anyURI",
           _CC + "restates", "{+restates}"),
    Column("quote", "quote", property="oa:exact", about_url="{+fact}#quote"),
    Column("document", "document IRI", "anyURI", "prov:wasDerivedFrom", "{+document}"),
    Column("document_title", "document title", property="dcterms:title",
           about_url="{+document}"),
    Column("page", "page", "integer", _CC + "page", about_url="{+fact}#evidence"),
    Column("section", "section", property=_CC + "sectionTitle"),
)
NAMES = tuple(c.name for c in COLUMNS)


def rows(snapshot: Snapshot) -> list[dict[str, str]]:
    """Every fact as a row of text cells (empty for an absent value)."""
    result = snapshot.query(system_query(QUERY))
    names = [v.value for v in result.variables]
    if tuple(names) != NAMES:
        raise RuntimeError(f"the {QUERY} query's columns {names} are not {list(NAMES)}")
    return [{n: ("" if s[n] is None else s[n].value) for n in names} for s in result]


def write_csv(snapshot: Snapshot, out: IO[bytes]) -> int:
    """Write the table as UTF-8 CSV (RFC 4180, CRLF); returns the number of rows."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=NAMES, lineterminator="\r\n")
    writer.writeheader()
    table = rows(snapshot)
    writer.writerows(table)
    out.write(text.getvalue().encode("utf-8"))
    return len(table)


def metadata(csv_url: str = CSV_NAME, base: str = DEFAULT_BASE,
             title: str = "carekg facts") -> dict[str, Any]:
    """The CSVW metadata of the table at ``csv_url`` (relative to the metadata's own
    location, or absolute), with IRIs under the deployment's ``base``."""
    cc = rebase_iri(PREFIXES["cc"], DEFAULT_BASE, base)

    def template(text: str) -> str:
        return text.replace("{base}", base)

    columns = []
    for column in COLUMNS:
        spec: dict[str, Any] = {"name": column.name, "titles": column.title,
                                "datatype": column.datatype}
        if column.property:  # full IRIs: not every CSVW processor expands CURIEs
            prefix, local = column.property.split(":", 1)
            spec["propertyUrl"] = (cc if prefix == "cc" else PREFIXES[prefix]) + local
        if column.value_url:
            spec["valueUrl"] = template(column.value_url)
        if column.about_url:
            spec["aboutUrl"] = template(column.about_url)
        if column.lang:
            spec["lang"] = column.lang
        if column.name == "fact":
            spec["suppressOutput"] = True  # it is every row's subject (aboutUrl)
        columns.append(spec)
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_url,
        "dc:title": title,
        "dc:description": "One row per fact of the carekg graph (a fact several councils "
                          "share is one row per council; joint is true on those), with its "
                          "quote and source. restates names the first statement of a claim "
                          "its document states again: count rows whose restates is empty "
                          "to count each claim once.",
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {"columns": columns, "primaryKey": "fact", "aboutUrl": "{+fact}"},
    }


def write_metadata_beside(csv_path: Path, base: str = DEFAULT_BASE) -> Path:
    """``{csv}-metadata.json`` next to a written table: where CSVW processors look."""
    target = csv_path.with_name(csv_path.name + "-metadata.json")
    target.write_text(json.dumps(metadata(csv_path.name, base), indent=2) + "\n",
                      encoding="utf-8")
    return target
