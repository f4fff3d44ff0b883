"""DESIGN.md's import rules, checked by import-linter's contracts in pyproject.toml."""
from __future__ import annotations

import re
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


def _console_modules() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "console").glob("*.py"))}


def test_no_console_page_checks_who_is_signed_in_by_hand():
    """The signed-in person comes from console/dependencies.py; only app.py's error pages ask
    themselves (a page for any visitor, signed in or not)."""
    by_hand = {
        name: len(found)
        for name, text in _console_modules().items()
        if name not in ("dependencies.py", "app.py")
        and (found := re.findall(r"\.viewer\(request\)|\.signed_form\(", text))
    }
    assert by_hand == {}, by_hand
    app = _console_modules()["app.py"]
    assert app.count(".viewer(request)") == 1 and "async def page_viewer" in app


def test_console_handlers_are_at_module_level_not_closures_of_a_routes_function():
    nested = {name for name, text in _console_modules().items() if re.search(r"^def routes\(", text, re.MULTILINE)}
    assert nested == set(), nested
    indented_routes = {name for name, text in _console_modules().items() if re.search(r"^[ \t]+@router\.", text, re.MULTILINE)}
    assert indented_routes == set(), indented_routes


def test_every_refusal_of_the_core_shares_one_base():
    from intake.casework.casework import CaseworkError
    from intake.casework.duplicates import ColourRefused
    from intake.casework.supervision import SupervisionRefused
    from intake.casework.translations import TranslationRefused
    from intake.domain.refusals import Refused
    from intake.prevention.warnings import WarningRefused
    from intake.reporting.lookups import LookupRefused, ReplyRefused
    from intake.reports.ledger import LedgerRefused
    from intake.reports.statistics import StatisticsRefused
    from intake.rewards.work import RewardError

    kinds = (CaseworkError, RewardError, ColourRefused, SupervisionRefused, TranslationRefused, ReplyRefused,
             LookupRefused, LedgerRefused, StatisticsRefused, WarningRefused)
    assert [kind.__name__ for kind in kinds if not issubclass(kind, Refused)] == []


def test_no_file_keeps_a_merge_conflict_marker():
    """A catalog once kept `<<<<<<<`/`>>>>>>>` lines from a merge: Babel read past them, so no
    other test failed, and the entries between them were never sorted or updated."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.split(b"\0")
    marked = []
    for name in filter(None, tracked):
        path = root / name.decode()
        if path.suffix in {".png", ".pdf", ".jpg", ".amr", ".ogg", ".mo", ".xlsx", ".ico", ".woff2"} or not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if line.startswith((b"<<<<<<< ", b">>>>>>> ")) or line == b"=======" and path.suffix == ".po":
                marked.append(f"{name.decode()}:{number}")
    assert not marked, marked

