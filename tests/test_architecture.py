"""The rooms and the way their dependencies point: config <- courses <- quizzes <- review <-
accounts <- teaching, and config <- courses <- search.

Read from the source (function-level imports included: a hidden import is still a
dependency), and proven by importing every module alone in a fresh interpreter.
"""

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import BASE_DIR

APPS = ("config", "courses", "quizzes", "review", "accounts", "teaching", "search")
# Which rooms each room may import (besides itself).
ALLOWED = {
    "config": set(),
    "courses": {"config"},
    "quizzes": {"config", "courses"},
    "review": {"config", "courses", "quizzes"},
    "accounts": {"config", "courses", "quizzes", "review"},
    "teaching": {"config", "courses", "quizzes", "review", "accounts"},
    "search": {"config", "courses"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Our modules a file imports, anywhere in it (functions and methods included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from quizzes import gift` imports the module quizzes.gift
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {module: _imports(path) - {module} for module, path in MODULES.items()}


def test_rooms_only_import_the_rooms_below_them() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if target.split(".")[0] != module.split(".")[0]
        and target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    ]
    assert wrong == []


def test_no_module_imports_itself_back_through_others() -> None:
    cycles = []
    for start in GRAPH:
        stack = [(start, [start])]
        seen = set()
        while stack:
            module, path = stack.pop()
            for target in GRAPH.get(module, ()):
                if target == start:
                    cycles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert cycles == []


def test_selectors_never_import_services() -> None:
    writes = {"services", "attempts", "grading", "importing", "import_runs"}
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.endswith(".selectors")
        for target in targets
        if target.rsplit(".", 1)[-1] in writes
    ]
    assert wrong == []


def _import_alone(module: str) -> tuple[str, int, str]:
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        f"django.setup(); import {module}"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    return module, done.returncode, done.stderr[-2000:]


@pytest.mark.parametrize("app", APPS)
def test_every_module_imports_alone_in_a_fresh_interpreter(app: str) -> None:
    modules = [m for m in MODULES if m.split(".")[0] == app]
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [r for r in pool.map(_import_alone, modules) if r[1] != 0]
    assert failures == []
