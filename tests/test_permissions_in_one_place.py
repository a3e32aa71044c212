"""Views ask their app's permissions.py (or a selector) for what they show: no view module
raises Http404 or PermissionDenied itself (issue 14, part 4)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "node_modules", "tests", "static", "media", ".git"}
REFUSALS = {"Http404", "PermissionDenied"}


def _view_modules() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if SKIPPED & set(parts):
            continue
        if "view" in path.stem or path.name == "printing.py":
            found.append(path)
    return sorted(found)


def _raised_name(node: ast.Raise) -> str:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    if isinstance(exc, ast.Attribute):
        return exc.attr
    if isinstance(exc, ast.Name):
        return exc.id
    return ""


def _refusals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and _raised_name(node) in REFUSALS
    ]


def test_the_walk_finds_the_view_modules():
    names = {str(p.relative_to(ROOT)) for p in _view_modules()}
    assert "declarations/views.py" in names
    assert "appraisals/printing.py" in names


def test_no_view_module_raises_a_404_or_a_403_itself():
    found = [line for path in _view_modules() for line in _refusals(path)]
    assert found == []


def test_the_check_sees_a_raise_written_either_way(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "def a():\n    raise Http404\n"
        "def b():\n    raise http.Http404('gone')\n"
        "def c():\n    raise PermissionDenied() from None\n",
        encoding="utf-8",
    )
    tree = ast.parse(module.read_text(encoding="utf-8"))
    raised = [_raised_name(n) for n in ast.walk(tree) if isinstance(n, ast.Raise)]
    assert raised == ["Http404", "Http404", "PermissionDenied"]
