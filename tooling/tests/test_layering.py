"""The tooling package may import the apps; no app imports it. Every module of the domain
apps (their tests, migrations and settings included) is read, not imported, so that an
import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# The domain's apps, in DESIGN.md's order; those not built yet are skipped.
DOMAIN_APPS = (
    "partnership",
    "notifications",
    "providers",
    "commissioning",
    "referrals",
    "capacity",
    "support",
    "intelligence",
)
TOOLING = "tooling"
# A module path as a string names it just as well: INSTALLED_APPS, import_module, a
# gunicorn "module:app", mock.patch's target.
_MODULE_STRING = re.compile(rf"^{TOOLING}(\.\w+)*(:\w+)?$")


def _names_tooling(module: str | None) -> bool:
    return module is not None and (module == TOOLING or module.startswith(f"{TOOLING}."))


def tooling_imports(source: str, filename: str = "<source>") -> list[str]:
    """Where `source` imports the tooling package or names one of its modules, as
    "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name}" for a in node.names if _names_tooling(a.name)
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _names_tooling(node.module):
            found.append(f"{node.lineno}: from {node.module} import ...")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MODULE_STRING.match(node.value)
        ):
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def _domain_modules() -> list[Path]:
    return [
        path
        for app in DOMAIN_APPS
        if (BASE_DIR / app).is_dir()
        for path in sorted((BASE_DIR / app).rglob("*.py"))
    ]


def test_layering_no_domain_app_imports_tooling():
    modules = _domain_modules()
    # The apps are there to be read: an empty list would pass for the wrong reason.
    assert len(modules) > 100
    assert {path.relative_to(BASE_DIR).parts[0] for path in modules} >= {
        "partnership",
        "providers",
        "commissioning",
        "referrals",
    }
    offences = [
        f"{path.relative_to(BASE_DIR)}:{where}"
        for path in modules
        for where in tooling_imports(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not offences, "Domain modules that import the tooling package:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "source",
    [
        "import tooling",
        "import tooling.launcher as launcher",
        "import os, tooling.bench",
        "from tooling import backup",
        "from tooling.embedded import running",
        "def later():\n    from tooling.load import runner\n    return runner",
        "class C:\n    def m(self):\n        import tooling.supervisor",
        "INSTALLED_APPS = ['partnership', 'tooling']",
        "importlib.import_module('tooling.bench.ceiling')",
        "APP = 'tooling.bench.ceiling:application'",
    ],
)
def test_layering_every_way_of_importing_tooling_is_seen(source):
    assert tooling_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "import toolingx",
        "from partnership import db_roles",
        "from . import tooling",
        "from .tooling import thing",
        "HELP = 'run python -m tooling.launcher run'",
        '"""The tooling package may import the apps."""',
    ],
)
def test_layering_what_is_not_an_import_of_tooling_passes(source):
    assert tooling_imports(source) == []
