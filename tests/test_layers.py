"""The layers, read from the code: every import of every module (those inside functions and under TYPE_CHECKING
included) points down, and modules do not import each other in a loop.

    base  <  db  <  domain  <  resolvers, workers  <  app

`base/` (settings, logging, the clock) imports nothing of Rhythm's; `domain/` never imports Litestar, Strawberry
or Dramatiq; `resolvers/` and `workers/` never import each other; nothing but `app/` imports `app/`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RANK = {"base": 0, "db": 1, "domain": 2, "resolvers": 3, "workers": 3, "app": 4}
# Frameworks of the outer layers: the rules and the tables work without them.
FRAMEWORKS = {"litestar", "strawberry", "dramatiq"}
NO_FRAMEWORKS = {"base", "db", "domain"}

# GraphQL object types that name each other in their fields (a company's projects, a project's company, a task's
# time blocks, a block's task...). Strawberry resolves these references lazily, so the loop is harmless there and
# breaking it would only scatter each type's fields. No other module may take part in an import loop.
TYPE_MODULES_THAT_REFERENCE_EACH_OTHER = frozenset(
    {
        "resolvers.calendars.types",
        "resolvers.companies.types",
        "resolvers.projects.types",
        "resolvers.scheduling.habits",  # the Habit type lives beside its mutations
        "resolvers.scheduling.task_fields",
        "resolvers.scheduling.types",
        "resolvers.tasks.types",
        "resolvers.webhooks.types",
    }
)

# Imports that break a rule for now, each with the reason it may: none today.
ALLOWED_CROSSINGS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module
    target: str  # what it names: a module of Rhythm's, or a top-level package outside it
    line: int


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in RANK:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[:3] == ("db", "migrations", "versions"):
                continue  # Alembic's scripts, loaded by path and never imported
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, _nearest(alias.name, known), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                # `from domain.planner import engine` names the module engine; `from db.models import Task` names
                # db.models. The package's own __init__ runs too, but every submodule shares that edge, so it
                # is left out (it would make each package and its submodules one loop).
                submodule = f"{base}.{alias.name}"
                yield Import(name, submodule if submodule in known else _nearest(base, known), node.lineno)


def _nearest(dotted: str, known: dict[str, Path]) -> str:
    """The Rhythm module a dotted name lies in, or the outside package it starts with."""
    candidate = dotted
    while candidate:
        if candidate in known:
            return candidate
        candidate = candidate.rpartition(".")[0]
    return dotted.split(".")[0]


def all_imports() -> tuple[dict[str, Path], list[Import]]:
    known = modules()
    return known, [found for name, path in known.items() for found in imports_of(name, path, known)]


def layer(module: str) -> str:
    return module.split(".")[0]


def crossing(found: Import, known: dict[str, Path]) -> str | None:
    """Why this import breaks the layering, or None."""
    source = layer(found.module)
    if found.target not in known:
        if source in NO_FRAMEWORKS and found.target in FRAMEWORKS:
            return f"{source}/ never imports {found.target}"
        return None
    target = layer(found.target)
    if source == target:
        return None
    if source == "base":
        return "base/ imports nothing of Rhythm's"
    if RANK[target] > RANK[source]:
        return f"{source}/ may not import the layer above it, {target}/"
    if RANK[target] == RANK[source]:
        return f"{source}/ and {target}/ are siblings and never import each other"
    return None


def test_every_import_points_down_the_layers() -> None:
    known, found = all_imports()
    assert len(known) > 200, "the scan found too few modules to mean anything"
    broken = [
        f"{known[i.module].relative_to(ROOT)}:{i.line}: {i.module} imports {i.target} ({why})"
        for i in found
        if (why := crossing(i, known)) is not None and (i.module, i.target) not in ALLOWED_CROSSINGS
    ]
    assert broken == [], "\n".join(broken)


def test_the_allowed_crossings_still_exist() -> None:
    known, found = all_imports()
    present = {(i.module, i.target) for i in found if crossing(i, known) is not None}
    assert present >= ALLOWED_CROSSINGS, f"no longer needed, remove: {sorted(ALLOWED_CROSSINGS - present)}"


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def import_loops() -> list[list[str]]:
    known, found = all_imports()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for i in found:
        if i.target in known and i.target != i.module:
            edges[i.module].add(i.target)
    return loops(edges)


def test_no_module_takes_part_in_an_import_loop_but_the_graphql_types() -> None:
    outside = [sorted(set(loop) - TYPE_MODULES_THAT_REFERENCE_EACH_OTHER) for loop in import_loops()]
    assert [names for names in outside if names] == []


def test_the_graphql_types_allowed_a_loop_are_in_one() -> None:
    looping = {name for loop in import_loops() for name in loop}
    assert looping >= TYPE_MODULES_THAT_REFERENCE_EACH_OTHER, (
        f"no longer in a loop, remove: {sorted(TYPE_MODULES_THAT_REFERENCE_EACH_OTHER - looping)}"
    )


def test_the_loop_finder_finds_a_loop_and_the_crossing_check_an_upward_import() -> None:
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    known = {"domain.x": ROOT, "app.y": ROOT}
    assert crossing(Import("domain.x", "app.y", 1), known) == "domain/ may not import the layer above it, app/"
    assert crossing(Import("domain.x", "strawberry", 1), known) == "domain/ never imports strawberry"
    assert crossing(Import("app.y", "domain.x", 1), known) is None
