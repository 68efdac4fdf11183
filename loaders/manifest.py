"""The corpus manifest: which documents a build reads and what each one is.

Every problem is reported against the manifest file, with the entry it concerns, so the
person editing the YAML sees where to look; nothing is guessed silently (a council name
the register does not know stops the build with the closest names).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from carekg.councils import Register
from carekg.errors import InputError, UnknownCouncilError
from carekg.iris import slugify
from carekg.loaders.model import DocumentRecord
from carekg.vocabularies import concepts

MANIFEST_NAME = "manifest.yaml"
_ISSUED = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def document_kinds() -> tuple[str, ...]:
    """Slugs of the document-kinds scheme: the vocabulary, not code, lists the kinds."""
    return tuple(concept.slug for concept in concepts("document-kinds"))


def check_issued(value: str) -> str | None:
    """The problem with an issue date, or None when it is YYYY, YYYY-MM or YYYY-MM-DD."""
    match = _ISSUED.match(value)
    if not match:
        return f"issued {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date(year or 1, month or 1, day or 1)
    except ValueError:
        return f"issued {value!r} is not a real date"
    return None


def read_manifest(corpus_dir: Path, register: Register) -> list[DocumentRecord]:
    """The documents of a corpus directory, as its manifest.yaml describes them."""
    manifest = Path(corpus_dir) / MANIFEST_NAME
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(manifest, f"cannot read the manifest: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(manifest, f"the manifest is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise InputError(manifest, "expected a mapping with a 'documents' list")
    kinds = document_kinds()
    records: list[DocumentRecord] = []
    seen: set[str] = set()
    for number, entry in enumerate(data["documents"], start=1):
        record = _record(manifest, f"document {number}", entry, register, kinds)
        if record.id in seen:
            raise InputError(manifest, f"document {number}: duplicate id {record.id!r}")
        seen.add(record.id)
        records.append(record)
    return records


def document_record(path: Path, *, councils: list[str], kind: str, issued: str,
                    title: str | None, doc_id: str | None, register: Register,
                    source: str | None = None, retrieved: str | None = None) -> DocumentRecord:
    """One document described on the command line (``carekg add``), checked by the same
    rules as a manifest entry; problems are reported against the document's file.
    ``source`` and ``retrieved``: the address a fetched document came from, and when."""
    path = Path(path).resolve()
    entry = {"file": path.name, "id": doc_id or slugify(path.stem), "councils": councils,
             "kind": kind, "issued": issued,
             "title": title or path.stem.replace("-", " ").replace("_", " ")}
    record = _record(path, None, entry, register, document_kinds(), base=path.parent)
    if source is None:
        return record
    return replace(record, source=source, retrieved=retrieved)


def _record(source: Path, label: str | None, entry: object, register: Register,
            kinds: tuple[str, ...], base: Path | None = None) -> DocumentRecord:
    """A checked DocumentRecord; errors name ``source`` (and the entry's ``label``)."""
    where = label

    def problem(text: str) -> InputError:
        return InputError(source, f"{where}: {text}" if where else text)

    if not isinstance(entry, dict):
        raise problem("expected a mapping of fields")
    file_name = entry.get("file")
    if not isinstance(file_name, str) or not file_name.strip():
        raise problem("'file' is missing")
    path = (base or source.parent) / file_name
    doc_id = str(entry.get("id") or Path(file_name).stem)
    if label:
        where = f"{label} ({doc_id})"
    if not _ID.match(doc_id):
        raise problem(f"id {doc_id!r} must be lower-case letters, digits and hyphens")
    if not path.is_file():
        raise problem(f"file {file_name!r} does not exist" + (" next to the manifest"
                                                              if label else ""))
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise problem("'title' is missing")
    names = entry.get("councils")
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise problem("'councils' must list at least one council")
    codes: list[str] = []
    for at, name in enumerate(names):
        try:
            code = register.resolve(str(name)).gss_code
        except UnknownCouncilError as exc:
            raise problem(str(exc) + _split_name_hint(names, at, register)) from exc
        if code not in codes:
            codes.append(code)
    kind = str(entry.get("kind") or "")
    if kind not in kinds:
        raise problem(f"kind {kind!r} is not one of {', '.join(kinds)}")
    issued = entry.get("issued")
    if isinstance(issued, date):
        issued = issued.isoformat()
    if isinstance(issued, int):
        issued = str(issued)
    if not isinstance(issued, str):
        raise problem("'issued' is missing (YYYY, YYYY-MM or YYYY-MM-DD)")
    issue = check_issued(issued)
    if issue:
        raise problem(issue)
    return DocumentRecord(
        id=doc_id,
        path=path,
        title=" ".join(title.split()),
        councils=tuple(codes),
        kind=kind,
        issued=issued,
        period=_optional(entry.get("period")),
        source=_optional(entry.get("source")),
        licence=_optional(entry.get("licence") or entry.get("license")),
    )


def _optional(value: object) -> str | None:
    return str(value).strip() if value not in (None, "") else None


def _split_name_hint(names: list[object], at: int, register: Register) -> str:
    """A council whose name holds commas ("Bournemouth, Christchurch and Poole") written
    unquoted in a YAML flow list reads as several names: say so, and how to write it."""
    for end in range(at + 2, len(names) + 1):
        joined = ", ".join(str(n) for n in names[at:end])
        try:
            register.resolve(joined)
        except UnknownCouncilError:
            continue
        return (f"; did you mean {joined!r}? A name with commas must be quoted inside "
                f"[...] (councils: [\"{joined}\"])")
    return ""
