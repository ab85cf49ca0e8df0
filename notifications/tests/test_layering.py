"""Notifications sit between the core and the domain apps: `partnership` ← `notifications` ←
`providers`, `commissioning`, `referrals`, `capacity`. The core's sign-in code sends email
through notifications without an import circle (auth → services → tasks → auth, as it once
was), and notifications import nothing from the apps above them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
ABOVE = ("providers", "commissioning", "referrals", "capacity", "intelligence")


def _module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The modules a file imports: at its top level only, or anywhere in it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = (package or _module_name(path)).split(".")
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            found.add(base)
            # `from notifications import tasks` imports the module `notifications.tasks`.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in ("partnership", "notifications", *ABOVE):
        folder = BASE_DIR / app
        for path in folder.rglob("*.py") if folder.exists() else []:
            if "migrations" not in path.parts and "tests" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def test_layering_the_core_reaches_no_task_module_at_import():
    """Following only the imports made as modules load, sign-in's code never reaches a
    tasks module (whose tasks import it back)."""
    modules = _project_modules()
    graph = {
        name: {
            imported
            for imported in _imports(path, top_level_only=True)
            if imported in modules and imported != name
        }
        for name, path in modules.items()
    }
    reached, path_to, stack = (
        set(),
        {"partnership.auth": ["partnership.auth"]},
        ["partnership.auth"],
    )
    while stack:
        module = stack.pop()
        if module in reached:
            continue
        reached.add(module)
        for imported in graph[module]:
            path_to.setdefault(imported, [*path_to[module], imported])
            stack.append(imported)

    for tasks in ("notifications.tasks", "partnership.tasks"):
        assert tasks not in reached, " → ".join(path_to[tasks])


def test_layering_signing_in_loads_no_task_module_in_a_fresh_interpreter():
    """The same, as Python runs it: with the apps loaded, importing sign-in's code and the
    core's tasks loads no notifications task before a worker asks for it."""
    code = (
        "import sys, django; django.setup(); import partnership.auth, partnership.views; "
        "print(sorted(m for m in sys.modules if m.endswith('.tasks') "
        "and m.split('.')[0] in ('partnership', 'notifications')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "partnership.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_layering_notifications_import_nothing_from_the_apps_above_them():
    offending = {
        name: sorted(
            imported
            for imported in _imports(path, top_level_only=False)
            if imported.split(".")[0] in ABOVE
        )
        for name, path in _project_modules().items()
        if name.split(".")[0] == "notifications"
    }
    assert {name: found for name, found in offending.items() if found} == {}
