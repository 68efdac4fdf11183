"""Spend compared across councils, each claim once: the totals of ``/compare``.

Two saved queries do the counting, so a researcher can check every number with SPARQL:
``spend-totals-by-council-and-service`` (a council's own claims: restatements,
``cc:restates``, are not added again, and figures a several-council document gives for
the group, ``cc:jointAttribution``, are not the council's own) and
``joint-spend-by-group`` (those group figures, each claim once, one row per council of
its group). A group's figure is shown as the group's ("Hammersmith and Fulham,
Kensington and Chelsea and Westminster together: £X") and never added to one council.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from carekg.graph.saved_queries import run_saved


@dataclass
class Totals:
    """Stated spend by service of one council, or of one group of councils together."""

    councils: list[str]  # IRIs: one for a council, several for a group
    name: str  # "Sefton", or "A, B and C together"
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # IRI -> name, total, figures

    @property
    def total(self) -> Decimal:
        return sum((s["total"] for s in self.services.values()), Decimal(0))

    def add(self, service: str, service_name: str, total: Decimal, figures: int) -> None:
        entry = self.services.setdefault(service, {"name": service_name, "total": Decimal(0),
                                                   "figures": 0})
        entry["total"] += total
        entry["figures"] += figures

    def as_json(self) -> dict[str, Any]:
        return {"councils": self.councils, "name": self.name, "total": float(self.total),
                "services": {iri: {"name": s["name"], "total": float(s["total"]),
                                   "figures": s["figures"]}
                             for iri, s in self.services.items()}}


def _value(row: Any, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None


def together(names: list[str]) -> str:
    """'A, B and C together' (names sorted, so a group reads the same everywhere)."""
    names = sorted(names)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} together"


def spend_comparison(snap: Any, base: str, councils: list[tuple[str, str]],
                     services: set[str] | None = None) -> tuple[list[Totals], list[Totals]]:
    """The chosen councils' own spend totals, and the groups that include any of them,
    each claim once. ``councils`` is [(IRI, name)]; ``services``, when given, keeps only
    those service IRIs (a service and its narrower ones)."""
    own = {iri: Totals([iri], name) for iri, name in councils}
    for row in run_saved(snap, "spend-totals-by-council-and-service", {}, base=base):
        council, service = _value(row, "council"), _value(row, "service") or ""
        if council in own and (services is None or service in services):
            own[council].add(service, _value(row, "serviceName") or "",
                             Decimal(_value(row, "total") or "0"),
                             int(_value(row, "figures") or "0"))
    claims: dict[tuple[str | None, ...], dict[str, Any]] = {}
    for row in run_saved(snap, "joint-spend-by-group", {}, base=base):
        key = tuple(_value(row, n) for n in ("document", "position", "service", "value", "unit"))
        claim = claims.setdefault(key, {"councils": {}, "row": row})
        claim["councils"][_value(row, "council")] = _value(row, "councilName") or ""
    groups: dict[tuple[str, ...], Totals] = {}
    for claim in claims.values():
        row, members = claim["row"], tuple(sorted(claim["councils"]))
        service = _value(row, "service") or ""
        if not set(members) & set(own) or (services is not None and service not in services):
            continue
        if members not in groups:
            groups[members] = Totals(list(members), together(list(claim["councils"].values())))
        groups[members].add(service, _value(row, "serviceName") or "(no service)",
                            Decimal(_value(row, "value") or "0"), 1)
    return list(own.values()), sorted(groups.values(), key=lambda g: g.name)


def pounds(value: Decimal | float | int) -> str:
    """£ with a unit a reader takes in at a glance: £22m, £1.42m, £450k, £900."""
    amount = Decimal(str(value))
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if amount >= 1_000_000:
        text = f"{amount / 1_000_000:.2f}".rstrip("0").rstrip(".") + "m"
    elif amount >= 10_000:
        text = f"{amount / 1000:.0f}k"
    else:
        text = f"{amount:,.0f}"
    return f"{sign}£{text}"
