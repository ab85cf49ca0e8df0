"""Dependencies point one way (DESIGN, Architecture): capacity reads referrals, commissioning
and providers; none of them imports capacity, and referrals names none of its tasks."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("app", ["referrals", "commissioning", "providers"])
def test_the_apps_capacity_reads_do_not_import_it(app):
    importing = {
        str(path.relative_to(BASE_DIR)): sorted(
            module
            for module in _imported_modules(path)
            if module == "capacity" or module.startswith("capacity.")
        )
        for path in (BASE_DIR / app).rglob("*.py")
    }
    assert {path: modules for path, modules in importing.items() if modules} == {}


def test_referrals_names_no_capacity_task_or_table():
    for path in (BASE_DIR / "referrals").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text()
        assert "capacity.tasks" not in text and "commissioning.tasks" not in text, path
