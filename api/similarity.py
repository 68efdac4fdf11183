"""Councils alike and unlike: a weighted graph of councils linked by what they share.

Two councils are linked when they

* state the same direction for the same service (both intend to increase supported
  living): weight ``INTENTION_WEIGHT`` for each such (service, direction), once however
  many times either council's documents state it, and
* put their stated spend on the same services: the overlap of their spend profiles
  (each council's share of its stated spend per service; overlap = sum of the smaller
  shares, 0..1), times ``SPEND_WEIGHT``; the profiles hold each council's own spend
  claims once (restatements and group figures are left out by the saved query).

Every edge keeps its reasons (the shared facts, with both councils' quotes), so a
similarity is never a bare number. Clusters are Louvain communities (networkx, fixed
seed, so the same graph gives the same clusters). The inputs are saved queries,
``shared-intentions`` (once per council: it is bounded by one) and
``spend-totals-by-council-and-service``, so a researcher can check every link with SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from carekg.graph.backend import Snapshot
from carekg.graph.saved_queries import run_saved

if TYPE_CHECKING:  # imported where used: 18 MB of every server process, for one page
    import networkx as nx

INTENTION_WEIGHT = 1.0
SPEND_WEIGHT = 2.0
#: Spend overlaps below this are noise (one small shared line), not emphasis.
MIN_SPEND_OVERLAP = 0.05
LOUVAIN_SEED = 7


@dataclass
class Similar:
    council: str
    name: str
    weight: float
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _value(solution: Any, name: str) -> str | None:
    term = solution[name]
    return term.value if term is not None else None


def council_graph(snap: Snapshot, base: str) -> nx.Graph:
    """Councils with facts as nodes (``name`` attribute); shared facts as weighted edges."""
    import networkx as nx

    graph = nx.Graph()
    for row in run_saved(snap, "facts-by-council-and-kind", {}, base=base):
        graph.add_node(_value(row, "council"), name=_value(row, "councilName"))
    seen: set[tuple[str | None, ...]] = set()
    for council in sorted(graph.nodes):
        # shared-intentions is bounded by one council; each pair is taken from its first
        for row in run_saved(snap, "shared-intentions", {"council": council}, base=base):
            a, b = _value(row, "councilA"), _value(row, "councilB")
            if a != council:
                continue
            # weight once per (service, direction) a pair shares, however many sentences
            # or tables state it: the first pair of statements is the reason shown
            key = (a, b, _value(row, "service"), _value(row, "direction"))
            if key in seen:
                continue
            seen.add(key)
            reason: dict[str, Any] = {
                "kind": "intention", "service": _value(row, "serviceName"),
                "direction": (_value(row, "direction") or "").rsplit("#", 1)[-1],
                "facts": [_value(row, "factA"), _value(row, "factB")],
                "quotes": [_value(row, "quoteA"), _value(row, "quoteB")]}
            _link(graph, a, b, INTENTION_WEIGHT, reason, (row, "nameA"), (row, "nameB"))
    profiles = _spend_profiles(snap, base)
    councils = sorted(profiles)
    for i, a in enumerate(councils):
        for b in councils[i + 1:]:
            shared = set(profiles[a]) & set(profiles[b])
            overlap = sum(min(profiles[a][s][1], profiles[b][s][1]) for s in shared)
            if overlap < MIN_SPEND_OVERLAP:
                continue
            reason = {"kind": "spend", "overlap": round(overlap, 3),
                      "services": sorted(({"service": profiles[a][s][0],
                                           "shares": [round(profiles[a][s][1], 3),
                                                      round(profiles[b][s][1], 3)]}
                                          for s in shared), key=lambda r: -min(r["shares"]))}
            _link(graph, a, b, SPEND_WEIGHT * overlap, reason)
    return graph


def _spend_profiles(snap: Snapshot, base: str) -> dict[str, dict[str, tuple[str, float]]]:
    """Each council's share of its stated spend by service: {council: {service: (name, share)}}."""
    totals: dict[str, dict[str, tuple[str, Decimal]]] = {}
    for row in run_saved(snap, "spend-totals-by-council-and-service", {}, base=base):
        total = Decimal(_value(row, "total") or "0")
        if total > 0:
            totals.setdefault(_value(row, "council") or "", {})[_value(row, "service") or ""] = (
                _value(row, "serviceName") or "", total)
    profiles = {}
    for council, services in totals.items():
        whole = sum(t for _, t in services.values())
        profiles[council] = {s: (n, float(t / whole)) for s, (n, t) in services.items()}
    return profiles


def _link(graph: nx.Graph, a: str | None, b: str | None, weight: float,
          reason: dict[str, Any], *names: tuple[Any, str]) -> None:
    if not a or not b or a == b:
        return
    for node, (row, var) in zip((a, b), names, strict=False):
        graph.add_node(node, name=_value(row, var))
    if graph.has_edge(a, b):
        graph[a][b]["weight"] += weight
        graph[a][b]["reasons"].append(reason)
    else:
        graph.add_edge(a, b, weight=weight, reasons=[reason])


def most_similar(graph: nx.Graph, council: str, limit: int = 10) -> list[Similar]:
    """Neighbours of a council, heaviest link first, each with its reasons."""
    if council not in graph:
        return []
    found = [Similar(other, graph.nodes[other].get("name") or other, data["weight"],
                     data["reasons"]) for other, data in graph[council].items()]
    return sorted(found, key=lambda s: (-s.weight, s.name))[:limit]


def clusters(graph: nx.Graph) -> list[list[str]]:
    """Louvain communities by weight, largest first; isolated councils are singletons."""
    if graph.number_of_nodes() == 0:
        return []
    import networkx as nx

    communities = nx.community.louvain_communities(graph, weight="weight", seed=LOUVAIN_SEED)
    return sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c))
