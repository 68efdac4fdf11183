"""The register of English councils with adult social care duties, and the resolver
used everywhere a council is named (manifest, ``carekg add --council``, attribution).

The register is reference data shipped with the ontology (``ontology/councils.csv``,
sources in ``ontology/README.md``); councils are keyed by their ONS GSS code.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from carekg.errors import InputError, UnknownCouncilError
from carekg.resources import ontology_dir

_GSS = re.compile(r"^E\d{8}$")
# "City of" is not stripped: it would turn "City of London" into plain "London".
_AFFIXES = re.compile(
    r"^(?:the\s+)?(?:lb|rb|london borough of|royal borough of|borough of|county of)\s+"
    r"|\s+(?:metropolitan borough council|borough council|city council|county council|"
    r"district council|council|mbc|cc)$"
)


def normalise(name: str) -> str:
    """Case, punctuation and '&'-insensitive form of a council name."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def core_name(name: str) -> str:
    """The name without 'London Borough of', 'Council' and similar affixes."""
    text = normalise(name)
    previous = None
    while previous != text:
        previous, text = text, _AFFIXES.sub("", text).strip()
    return text


@dataclass(frozen=True)
class Council:
    gss_code: str
    name: str
    official_name: str
    type: str
    region: str
    alt_names: tuple[str, ...]

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.alt_names)


class Register:
    """All councils, with lookup by code and by any of their names."""

    def __init__(self, councils: list[Council]) -> None:
        self.councils = councils
        self.by_code = {c.gss_code: c for c in councils}
        self._by_norm: dict[str, set[str]] = {}
        self._by_core: dict[str, set[str]] = {}
        for council in councils:
            for name in council.all_names:
                self._by_norm.setdefault(normalise(name), set()).add(council.gss_code)
                self._by_core.setdefault(core_name(name), set()).add(council.gss_code)

    @classmethod
    def from_csv(cls, path: Path) -> Register:
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(path, f"cannot read the council register: {exc}") from exc
        councils = []
        for line, row in enumerate(rows, start=2):
            code = (row.get("gss_code") or "").strip()
            if not _GSS.match(code):
                raise InputError(path, f"line {line}: {code!r} is not an English GSS code")
            alt = tuple(a.strip() for a in (row.get("alt_names") or "").split(";") if a.strip())
            councils.append(
                Council(code, row["name"].strip(), row["official_name"].strip(),
                        row["type"].strip(), row["region"].strip(), alt)
            )
        return cls(councils)

    def resolve(self, name: str) -> Council:
        """The council a name or GSS code means; UnknownCouncilError lists the closest."""
        council = self.find(name)
        if council is None:
            raise UnknownCouncilError(name, self.suggest(name))
        return council

    def find(self, name: str) -> Council | None:
        """The council a name or GSS code means, or None: for callers that only ask
        whether a text names a council (the suggestions of an error cost a fuzzy search)."""
        text = name.strip()
        if text.upper() in self.by_code:
            return self.by_code[text.upper()]
        for table, key in ((self._by_norm, normalise(text)), (self._by_core, core_name(text))):
            codes = table.get(key, set())
            if len(codes) == 1:
                return self.by_code[next(iter(codes))]
        return None

    def suggest(self, name: str, n: int = 5) -> list[str]:
        names = {c.name: c for c in self.councils}
        keys = {normalise(alt): c.name for c in self.councils for alt in c.all_names}
        close = difflib.get_close_matches(normalise(name), list(keys), n=n * 3, cutoff=0.5)
        seen: list[str] = []
        for key in close:
            if keys[key] not in seen:
                seen.append(keys[key])
        return [n_ for n_ in seen if n_ in names][:n]


@cache
def default_register() -> Register:
    """The register shipped with carekg (read once per process)."""
    return Register.from_csv(ontology_dir() / "councils.csv")
