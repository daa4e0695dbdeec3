"""The code's shape, measured from the source with ``ast`` (nothing is imported).

- no import cycle among the modules of ``discobase``, nor among those of
  ``cogs`` and ``bot``: every import counts, the type-only ones under ``if
  TYPE_CHECKING:`` and the ones inside functions too (the usual way to hide a
  cycle), since each is a dependency a reader has to follow; relative imports
  are resolved, and ``from . import x`` imports the submodule ``x`` when it is one;
- no class in ``discobase/``, ``cogs/`` or ``bot/`` with more than 25 methods
  (``def`` and ``async def`` in the class body, properties included);
- at most 12 modules directly in ``discobase/``: the rest live in its layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "discobase"
UI_PACKAGES = ("cogs", "bot")
MAX_METHODS = 25
MAX_TOP_MODULES = 12


def module_name(path: Path) -> str:
    """``discobase/write/gate.py`` -> ``discobase.write.gate``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(packages: tuple[str, ...] = (PACKAGE,)) -> dict[str, Path]:
    return {module_name(path): path for package in packages for path in sorted((ROOT / package).rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that this module imports, wherever the import statement stands."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def known(target: str) -> None:
        # ``import discobase.a.b`` or ``from discobase.a import b``: the deepest module of the package named
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            found.add(target)

    roots = {module.partition(".")[0] for module in modules}

    def ours(target: str) -> bool:
        return target.partition(".")[0] in roots

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if ours(alias.name):
                    known(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not ours(target):
                continue
            submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in modules]
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in ``target`` itself
                known(target)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest import loop through the component's first module, for the message."""
    start = component[0]
    members = set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & members):
                if succ == start:
                    return [*paths[node], start]
                if succ not in paths:
                    paths[succ] = [*paths[node], succ]
                    following.append(succ)
        frontier = following
    return component


def graph_of(packages: tuple[str, ...]) -> dict[str, set[str]]:
    modules = package_modules(packages)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_scan_sees_hidden_imports(tmp_path: Path) -> None:
    """Imports inside functions and under TYPE_CHECKING count; relative ones resolve to their module."""
    probe = tmp_path / "_probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..utils import errors\n"
        "def f():\n    from ._buttons import answer_record\n"
    )
    found = imports_of("cogs.record._probe", probe, package_modules(UI_PACKAGES))
    assert found == {"cogs.utils.errors", "cogs.record._buttons"}


def test_the_scan_finds_a_cycle() -> None:
    """A loop of three modules is one cycle; a module that only leads into it is not part of it."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_cogs_or_bot() -> None:
    """No module of cogs/ or bot/ reaches itself again through its imports."""
    graph = graph_of(UI_PACKAGES)
    found = cycles(graph)
    assert not found, "import cycles among cogs and bot: " + "; ".join(" -> ".join(one_cycle(graph, c)) for c in found)


def test_no_import_cycle_in_discobase() -> None:
    """Every import among discobase's modules points one way (type-only and function-local imports included)."""
    graph = graph_of((PACKAGE,))
    found = cycles(graph)
    shown = "\n".join(
        f"  {len(component)} modules: {', '.join(component)}\n    e.g. {' -> '.join(one_cycle(graph, component))}"
        for component in found
    )
    assert not found, f"{len(found)} import cycle(s) among discobase's modules:\n{shown}"


def test_no_class_has_more_than_25_methods() -> None:
    """No class in discobase/, cogs/ or bot/ has more than 25 methods (properties included)."""
    offenders = []
    for folder in ("discobase", "cogs", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
                    if len(methods) > MAX_METHODS:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        offenders.append(f"  {node.name} ({where}): {len(methods)} methods")
    assert not offenders, f"classes with more than {MAX_METHODS} methods:\n" + "\n".join(offenders)


def test_at_most_12_modules_directly_in_discobase() -> None:
    """discobase/ itself holds at most 12 modules; the others live in its layers (model/, cache/, write/, backend/)."""
    top = sorted(path.name for path in (ROOT / PACKAGE).glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, f"{len(top)} modules directly in discobase/: {', '.join(top)}"
