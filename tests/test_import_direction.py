"""Imports point one way (docs/architecture.md, DESIGN §1): no cycle between the
parts of `registry/` (its folders and its base modules such as `registry/actor.py`),
none between the folders of `service/` (api → pages → resolver), and neither
`registry/` nor `labels/` imports `service/`.

Every import counts, at module level or inside a function, under TYPE_CHECKING or
not: an import moved into a function still ties the two folders together.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the imported module or name, dotted

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, module: str, *, is_package: bool = False) -> Iterator[Import]:
    # What a relative import is relative to: the package itself for an __init__.py.
    anchor = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = anchor.split(".")[: len(anchor.split(".")) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            yield Import(module, node.lineno, base)
            for alias in node.names:
                yield Import(module, node.lineno, f"{base}.{alias.name}")


def imports_under(package: str) -> Iterator[Import]:
    for path in sorted((REPO / package).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        yield from imports_in(source, _module_name(path), is_package=path.name == "__init__.py")


def _part(dotted: str, package: str = "registry", *, folders_only: bool = False) -> str | None:
    """The part of `package` a dotted name belongs to: `registry.scans.models` -> `scans`,
    `registry.actor.Actor` -> `actor`; None outside the package or for a name that is
    neither a folder nor a module there (`from registry import models` names a module)."""
    pieces = dotted.split(".")
    if len(pieces) < 2 or pieces[0] != package:
        return None
    name = pieces[1]
    if (REPO / package / name).is_dir():
        return name
    if not folders_only and (REPO / package / f"{name}.py").is_file():
        return name
    return None


# registry/models.py only gathers every folder's tables so that a process's metadata is
# complete (migrations, the worker processes): it is imported for that side effect and
# adds no dependency of one folder on another.
TABLE_REGISTRY = "models"


def part_graph(
    package: str = "registry", *, folders_only: bool = False
) -> dict[str, dict[str, list[Import]]]:
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for found in imports_under(package):
        source = _part(found.module, package, folders_only=folders_only)
        target = _part(found.target, package, folders_only=folders_only)
        if target == TABLE_REGISTRY:
            continue
        if source is not None and target is not None and source != target:
            graph[source][target].append(found)
    return graph


def strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's algorithm: every group of parts that reach each other (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _describe(group: list[str], graph: dict[str, dict[str, list[Import]]]) -> str:
    lines = [" <-> ".join(group)]
    for source in group:
        for target in sorted(set(graph[source]) & set(group)):
            first = min(graph[source][target], key=lambda found: (found.module, found.line))
            lines.append(f"  {source} -> {target}: {first}")
    return "\n".join(lines)


def test_the_parts_of_registry_import_each_other_one_way() -> None:
    graph = part_graph()
    assert {"accounts", "scans", "stats", "products"} <= set(graph), "the scan found the folders"
    cycles = [_describe(group, graph) for group in strongly_connected(graph)]
    assert not cycles, "import cycles between registry/ parts:\n" + "\n".join(cycles)


def test_the_folders_of_service_import_each_other_one_way() -> None:
    """The JSON API may use pages and the scan path, pages the scan path, never back.
    Only folders: the base modules (app, deps, problems, …) serve them all, and app.py
    puts every folder together."""
    graph = part_graph("service", folders_only=True)
    assert {"api", "pages"} <= set(graph), "the scan found the folders"
    cycles = [_describe(group, graph) for group in strongly_connected(graph)]
    assert not cycles, "import cycles between service/ folders:\n" + "\n".join(cycles)
    assert "resolver" not in graph, "the scan path imports no other folder of service/"


def test_the_cycle_finder_sees_a_cycle() -> None:
    found = Import("registry.a.x", 1, "registry.b.y")
    graph = {"a": {"b": [found]}, "b": {"c": [found]}, "c": {"a": [found]}, "d": {"a": [found]}}
    assert strongly_connected(graph) == [["a", "b", "c"]]  # type: ignore[arg-type]


def test_imports_inside_functions_and_type_checking_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from registry.scans.recorder import ScanRecord\n"
        "def late():\n"
        "    from ..resolution import verdict\n"
        "    import registry.recalls.models\n"
    )
    found = {i.target for i in imports_in(source, "registry.stats.rollups")}
    assert {"registry.scans.recorder", "registry.resolution.verdict"} <= found
    assert "registry.recalls.models" in found
    parts = {_part(target) for target in found}
    assert {"scans", "resolution", "recalls"} <= parts


def _importers_of(package: str, target: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        str(found)
        for found in imports_under(package)
        if (found.target == target or found.target.startswith(f"{target}."))
        and not any(found.target.startswith(module) for module in allowed)
    ]


def test_registry_never_imports_service() -> None:
    assert _importers_of("registry", "service") == []


def test_labels_never_imports_service() -> None:
    assert _importers_of("labels", "service") == []


# The one page that queries on purpose: the health check's `SELECT 1` is what it checks.
PAGES_THAT_QUERY = ("service.pages.health",)


def test_pages_ask_the_registry() -> None:
    """Pages build no query: they call registry/<domain>/service.py (a session, no SQL)."""
    queries = [
        found
        for found in _importers_of("service/pages", "sqlalchemy", allowed=("sqlalchemy.orm",))
        if not found.startswith(PAGES_THAT_QUERY)
    ]
    assert queries == []


# What tests/data holds, and the hostile spreadsheets both measure: files, not registry rows.
BENCH_MAY_READ = ("tests.testdata", "tests.hostile_tables")


def test_bench_builds_its_own_data() -> None:
    """Benchmarks build their registry data themselves (bench/builders.py), not with the
    test factories and worlds, which change with the tests."""
    assert _importers_of("bench", "tests", allowed=BENCH_MAY_READ) == []
