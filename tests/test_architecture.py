"""The architecture of docs/architecture.md, checked on the source.

- Domain apps never import the tooling package.
- Apps depend one way (partnership ← notifications ← providers ← commissioning, referrals ←
  capacity ← intelligence), and reach another app through its public modules: never its
  views, admin, tasks or private names, and never its table names in SQL.
- Who may do what is decided only in `*/rules.py`: no other module compares a user's role
  or relationship ids.
- Writes dispatch on their own method: no view treats a request as a write because it is
  not a GET.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent

# Lower numbers sit lower: an app may import an app of a lower level only.
LAYERS = {
    "partnership": 0,
    "caserecord": 1,
    "notifications": 1,
    "providers": 2,
    "commissioning": 3,
    "referrals": 3,
    "capacity": 4,
    "support": 4,
    "integrations": 4,
    "intelligence": 5,
}
DOMAIN_APPS = [app for app in LAYERS if (ROOT / app).is_dir()]
TOOLING = "tooling"

# The project package wires every app together: its URLs, settings, the Celery app and the
# demo orchestration name the apps above it by design.
WIRING = {
    "partnership/urls.py",
    "partnership/api/urls.py",
    "partnership/demo.py",
    "partnership/celery.py",
}
# Another app's modules that are its internals: reach it through selectors, services,
# rules, models or signals instead. The project package shares its API conventions (`api`)
# and its admin base with every app (DESIGN, Architecture).
INTERNAL_MODULES = {"views", "admin", "tasks", "api", "demo", "tests"}
SHARED_MODULES = {"partnership": {"api", "admin"}}
# An app's demo data may build on another app's demo (each app's `demo.py`).
# Where a role or relationship may be compared: the policies, the models' own properties,
# and what builds or exercises data rather than deciding access.
RULE_EXEMPT_PARTS = {"tests", "migrations"}
RULE_EXEMPT_NAMES = {"rules.py", "models.py", "demo.py", "factories.py", "conftest.py"}
ROLE_ATTRIBUTES = {"role"}
RELATIONSHIP_ATTRIBUTES = {"pdu_id", "organisation_id", "commissioning_body_id", "lead_body_id"}


def _sources(top: str, *, skip_tests: bool = True) -> list[Path]:
    paths = []
    for path in sorted((ROOT / top).rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if "migrations" in parts or (skip_tests and "tests" in parts):
            continue
        paths.append(path)
    return paths


@cache
def _tree(path: Path) -> ast.Module:
    return _parse(path.read_text(), filename=str(path))


def _parse(source: str, filename: str = "<test>") -> ast.Module:
    """`ast.parse`, tried again when CPython 3.11's parser raises SystemError ("AST
    constructor recursion depth mismatch"): its depth count is shared by threads, and a
    thread an earlier test left running (a test server formatting a traceback, which parses
    the failing line) can upset it mid-parse. The source is fine; a second parse reads it."""
    for attempt in range(3):
        try:
            return ast.parse(source, filename=filename)
        except SystemError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import in the module, lazy ones included: (line, module, imported names)."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return found


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_architecture_domain_apps_never_import_tooling():
    offenders = [
        f"{_where(path, line)} imports {module}"
        for app in DOMAIN_APPS
        for path in _sources(app, skip_tests=False)
        for line, module, _ in _imports(path)
        if module == TOOLING or module.startswith(TOOLING + ".")
    ]
    assert not offenders, "Domain code importing tooling:\n" + "\n".join(offenders)


def test_architecture_apps_depend_one_way_through_public_modules():
    offenders = []
    for app in DOMAIN_APPS:
        for path in _sources(app):
            relative = str(path.relative_to(ROOT))
            for line, module, names in _imports(path):
                other, *rest = module.split(".")
                if other not in LAYERS or other == app:
                    continue
                if relative not in WIRING and LAYERS[other] >= LAYERS[app]:
                    offenders.append(f"{_where(path, line)}: {app} imports {module} (upward)")
                shared = SHARED_MODULES.get(other, set()) | (
                    {"demo"} if path.name == "demo.py" else set()
                )
                internal = rest and rest[0] in INTERNAL_MODULES - shared
                if internal and relative not in WIRING:
                    offenders.append(f"{_where(path, line)}: {module} is {other}'s internals")
                private = [name for name in names if name.startswith("_")]
                if private:
                    offenders.append(f"{_where(path, line)}: private {private} of {module}")
    assert not offenders, "Imports across apps that break the layers:\n" + "\n".join(offenders)


def _string_constants(path: Path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_architecture_no_app_names_another_apps_tables():
    owner_of = {
        model._meta.db_table: model._meta.app_label
        for model in django_apps.get_models(include_auto_created=True)
        if model._meta.app_label in LAYERS
    }
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, owner_of)) + r")\b")
    offenders = [
        f"{_where(path, line)}: {table} belongs to {owner_of[table]}"
        for app in DOMAIN_APPS
        for path in _sources(app)
        for line, text in _string_constants(path)
        for table in pattern.findall(text)
        if owner_of[table] != app
    ]
    assert not offenders, "SQL naming another app's tables:\n" + "\n".join(offenders)


def _compared_attributes(node: ast.Compare) -> set[str]:
    return {
        side.attr
        for side in (node.left, *node.comparators)
        if isinstance(side, ast.Attribute)
        and (side.attr in ROLE_ATTRIBUTES or side.attr in RELATIONSHIP_ATTRIBUTES)
    }


def _is_relationship_check(node: ast.Compare) -> bool:
    """`x.role == ...`, `x.role in (...)`, or two relationship ids compared
    (`user.pdu_id == referral.pdu_id`)."""
    attributes = _compared_attributes(node)
    if attributes & ROLE_ATTRIBUTES:
        return True
    sides = [s for s in (node.left, *node.comparators) if isinstance(s, ast.Attribute)]
    return bool(attributes & RELATIONSHIP_ATTRIBUTES) and len(sides) >= 2


def test_architecture_only_rules_modules_check_roles_and_relationships():
    offenders = []
    for app in DOMAIN_APPS:
        for path in _sources(app):
            parts = set(path.relative_to(ROOT).parts)
            if path.name in RULE_EXEMPT_NAMES or parts & RULE_EXEMPT_PARTS:
                continue
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.Compare) and _is_relationship_check(node):
                    offenders.append(f"{_where(path, node.lineno)}: {ast.unparse(node)}")
    template_check = re.compile(r"\.role\s*(==|!=|in\b)|\b(pdu_id|organisation_id)\s*==")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            if template_check.search(text):
                offenders.append(f"{_where(path, number)}: {text.strip()}")
    assert not offenders, "Role or relationship checks outside rules.py:\n" + "\n".join(offenders)


def _method_compare(node) -> tuple[ast.cmpop, bool] | None:
    """For `request.method <op> <methods>`: the operator, and whether HEAD is among the
    methods (written out, or as DRF's SAFE_METHODS)."""
    if not (
        isinstance(node, ast.Compare)
        and isinstance(node.left, ast.Attribute)
        and node.left.attr == "method"
        and len(node.ops) == 1
    ):
        return None
    methods = ast.unparse(node.comparators[0])
    return node.ops[0], "HEAD" in methods or "SAFE_METHODS" in methods


def _writes_when_not_get(tree: ast.Module) -> list[ast.AST]:
    """Tests that send a HEAD down a write path: `method != "GET"` (or `not in` a list
    without HEAD) anywhere, and `if method == "GET": ... else: <a call>`."""
    found = []
    for node in ast.walk(tree):
        compared = _method_compare(node)
        if compared and isinstance(compared[0], (ast.NotEq, ast.NotIn)) and not compared[1]:
            found.append(node)
        if isinstance(node, (ast.If, ast.IfExp)):
            compared = _method_compare(node.test)
            orelse = node.orelse if isinstance(node.orelse, list) else [node.orelse]
            calls = any(isinstance(n, ast.Call) for part in orelse for n in ast.walk(part))
            reads_only_get = (
                compared
                and isinstance(compared[0], (ast.Eq, ast.In))
                and "GET" in ast.unparse(node.test.comparators[0])
            )
            if reads_only_get and not compared[1] and calls:
                found.append(node.test)
    return found


@pytest.mark.parametrize(
    "source, flagged",
    [
        ("if request.method != 'GET':\n    save()", True),
        ("if request.method not in ('GET', 'OPTIONS'):\n    save()", True),
        ("if request.method == 'GET':\n    show()\nelse:\n    save()", True),
        ("if request.method in ('GET', 'HEAD'):\n    show()\nelse:\n    save()", False),
        ("if request.method not in SAFE_METHODS:\n    save()", False),
        ("token = pop() if request.method == 'GET' else None", False),
    ],
)
def test_architecture_method_check_finds_writes_on_head(source, flagged):
    assert bool(_writes_when_not_get(_parse(source))) is flagged


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_architecture_writes_dispatch_on_their_own_method(app):
    offenders = [
        f"{_where(path, node.lineno)}: {ast.unparse(node)}"
        for path in _sources(app)
        for node in _writes_when_not_get(_tree(path))
    ]
    assert not offenders, "Views deciding a write from 'not GET':\n" + "\n".join(offenders)
