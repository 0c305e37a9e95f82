"""Apps import only from apps to their left (ARCHITECTURE.md, "Apps and the direction
of imports"), inside functions too: an import tucked into a function to dodge a cycle
is still a cycle. Tests, migrations and the project's wiring (settings, urls) may
import anything."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "responsemap"
# Position from the left; apps at the same position are siblings and import neither way.
ORDER = {
    "lib": 0,
    "protection": 1,
    "accounts": 2,
    "projects": 3,
    "geo": 4,
    "intake": 5,
    "triage": 6,
    "imports": 7,
    "analytics": 7,
    "outreach": 7,
    "sharing": 7,
    "demo": 8,  # seeds a demo project through every app's actions
}


def _exempt(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return (
        len(parts) == 1 or "tests" in parts or "migrations" in parts or parts[-1] == "conftest.py"
    )


def _imported(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.rsplit(".", node.level)[0]
                found.append((node.lineno, f"{base}.{node.module or ''}".rstrip(".")))
            elif node.module:
                found.append((node.lineno, node.module))
    return found


def test_apps_import_only_from_their_left() -> None:
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        if _exempt(path):
            continue
        app = path.relative_to(ROOT).parts[0]
        module = "responsemap." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for line, name in _imported(ast.parse(path.read_text(), str(path)), module):
            parts = name.split(".")
            if parts[0] != "responsemap" or len(parts) < 2 or parts[1] not in ORDER:
                continue
            other = parts[1]
            if other != app and ORDER[other] >= ORDER[app]:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line} {app} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_every_app_has_a_place() -> None:
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"lib"}
    assert apps <= set(ORDER), apps - set(ORDER)
