"""DESIGN.md's import rules, checked by import-linter's contracts in pyproject.toml."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_layers_keep_their_import_rules():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", "pyproject.toml", "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept, 0 broken" in result.stdout


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module: each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(edges[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_the_core_has_no_import_cycle_not_even_inside_a_function():
    import grimp

    graph = grimp.build_graph("intake", exclude_type_checking_imports=True)  # function-body imports count
    modules = {m for m in graph.modules if not m.startswith("intake.migrations")}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    cycles = _strongly_connected(edges)
    assert cycles == [], "import cycles in intake/: " + "; ".join(" <-> ".join(c) for c in cycles)



def test_no_module_of_the_core_is_longer_than_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "intake").rglob("*.py"))
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert too_long == {}, too_long
