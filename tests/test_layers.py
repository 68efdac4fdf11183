"""The layer rule, read from the source: ``core`` (the kernel, ``carekg.*``) <- loaders
<- graph <- api, each importing only from the layers before it, and no module importing
itself back through others. Imports inside functions count too: a lazy import that
goes the wrong way is still a dependency the wrong way.

The data packages (ontology, shapes, queries, corpus) hold no code that imports; the
CLI and bench wire everything together and sit on top.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Lower numbers may be imported by higher ones, never the other way round.
LAYERS = {"kernel": 0, "loaders": 1, "graph": 2, "api": 3, "top": 4}
ON_TOP = {"carekg.cli", "carekg.__main__"}
#: Known cycles, by two modules on them, each with its reason; the test fails when one
#: is gone, so that its entry goes with it.
KNOWN_CYCLES = {
    frozenset({"carekg.loaders.classify", "carekg.loaders.extract"}):
        "extractors call the classifier, which reads the extraction rules from "
        "loaders/extract/; left to the rewrite of the extraction stages",
}


def modules() -> dict[str, Path]:
    """Import name -> file, from pyproject's package-dir mapping (as installed)."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"]
    found = {}
    for package, folder in mapping.items():
        base = ROOT / folder
        paths = base.glob("*.py") if package == "carekg" else base.rglob("*.py")
        for path in paths:
            parts = [p for p in path.relative_to(base).with_suffix("").parts
                     if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The carekg modules a file imports, anywhere in it; importing ``a.b.c`` runs the
    ``__init__`` of ``a.b`` too, so that counts as an import of ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known
                     else node.module for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            for end in range(2, len(parts) + 1):  # every package on the way, not carekg
                if ".".join(parts[:end]) in known:
                    found.add(".".join(parts[:end]))
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    if module in ON_TOP or parts[1:2] == ["bench"]:
        return LAYERS["top"]
    return LAYERS.get(parts[1], LAYERS["kernel"]) if len(parts) > 1 else LAYERS["kernel"]


def import_graph() -> nx.DiGraph:
    known = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in known.items():
        for target in imports(path, known):
            if target != name and not name.startswith(f"{target}."):
                graph.add_edge(name, target)
    return graph


def test_the_reader_sees_every_layer() -> None:
    """The test reads what it must: modules of each layer, and imports between them."""
    graph = import_graph()
    assert {layer(m) for m in graph} == set(LAYERS.values())
    assert graph.has_edge("carekg.graph.build", "carekg.loaders.pipeline")
    assert graph.has_edge("carekg.api.app", "carekg.graph.store")


def test_each_layer_imports_only_from_the_layers_below() -> None:
    wrong = sorted(f"{a} -> {b}" for a, b in import_graph().edges if layer(b) > layer(a))
    assert not wrong, "imports against the layer rule (core <- loaders <- graph <- api):\n" \
        + "\n".join(wrong)


def test_no_import_cycles() -> None:
    cycles = {frozenset(c) for c in nx.strongly_connected_components(import_graph())
              if len(c) > 1}
    unknown = [sorted(c) for c in cycles if not any(k <= c for k in KNOWN_CYCLES)]
    assert not unknown, f"import cycles: {unknown}"
    gone = [reason for known, reason in KNOWN_CYCLES.items()
            if not any(known <= c for c in cycles)]
    assert not gone, f"a known cycle is gone; remove its KNOWN_CYCLES entry: {gone}"


@pytest.mark.parametrize(("importer", "imported"), [
    ("carekg.iris", "carekg.graph.store"),
    ("carekg.loaders.map", "carekg.api.app"),
    ("carekg.graph.build", "carekg.api.sparql"),
])
def test_a_wrong_way_import_is_caught(importer: str, imported: str) -> None:
    """The check itself: one import added the wrong way round fails it."""
    graph = import_graph()
    graph.add_edge(importer, imported)
    assert any(layer(b) > layer(a) for a, b in graph.edges)
