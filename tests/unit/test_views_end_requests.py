"""Views end their requests one way: `lms.core.requests.committing` (commit once, or roll back and
show the refusal) or `reading` (keep nothing). A hand-written `rollback()` in a view is a second
way, which this test finds by walking every view module's syntax tree."""
from __future__ import annotations

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"

# Where rolling back by hand is the point, each with why.
MEANT = {
    ("core/errors_views.py", None): "the error handlers end a failed request",
    ("core/views_health.py", "readyz"): "the readiness probe's own query",
    # The invitation pages' two views are being moved onto committing() with the invitation work (#22).
    ("people/views.py", "join"): "moved with the invitation work",
    ("people/views.py", "_answer_invitation"): "moved with the invitation work",
}


def _view_modules():
    for path in sorted(LMS.rglob("*.py")):
        if path.stem.startswith("views") or path.stem.endswith("views"):
            yield path


def _rollbacks(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "rollback"):
                yield function.name, node.lineno


def test_no_view_rolls_back_by_hand():
    found = {}
    for path in _view_modules():
        for function, line in _rollbacks(path):
            key = (path.relative_to(LMS).as_posix(), function)
            if key not in MEANT and (key[0], None) not in MEANT:
                found.setdefault(key, line)
    assert not found, ("end these requests through lms.core.requests.committing (or reading): "
                       + ", ".join(f"{f}:{line} in {fn}()" for (f, fn), line in sorted(found.items())))
