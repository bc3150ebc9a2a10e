"""The folder tree is the architecture: the core below three rooms, arrows pointing down, no circles.

Read from the code's own imports (every `import`, at module level or inside a function), so a
shortcut taken anywhere shows up here before a maintainer trips over it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "crawler", "feeds", "scheduler", "deptfeeds")
# Who may import whom: each room stands on the floors below it.
ALLOWED = {
    "core": {"core"},
    "crawler": {"core", "crawler"},
    "feeds": {"core", "feeds"},
    "scheduler": {"core", "crawler", "feeds", "scheduler"},
    "deptfeeds": set(PACKAGES),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The project modules a file imports, wherever in the file the import stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, `level - 1` packages up
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


MODULES = {module_name(p): p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))}
GRAPH = {name: {i for i in imports(path) if i in MODULES} for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    room = module.split(".")[0]
    upward = sorted(i for i in imports(MODULES[module]) if i.split(".")[0] not in ALLOWED[room])
    assert upward == [], f"{module} imports a room above it"


def test_no_import_circles() -> None:
    """Depth-first search for a cycle among the project's modules."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, " -> ".join(cycle)
