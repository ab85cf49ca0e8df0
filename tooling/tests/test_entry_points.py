"""The tools' entry points: every `python -m MODULE` and `manage.py COMMAND` that the
Makefile, the README, the containers' files, CI and the systemd units name exists, and the
tools' commands answer --help."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parents[2]
FILES = [
    "Makefile",
    "README.md",
    "Dockerfile",
    "docker-compose.yml",
    ".ci/run",
    *(str(path.relative_to(BASE_DIR)) for path in sorted(BASE_DIR.glob("docs/deploy/*"))),
]
MODULE = re.compile(r"(?:\bpython[\d.]*|\$\(PY(?:THON_BIN)?\))\s+-m\s+([A-Za-z_][\w.]*)")
MANAGE = re.compile(r"(?:\bpython[\d.]*|\$\(PY\))\s+manage\.py\s+([a-z_]+)")


def _named(pattern: re.Pattern) -> list[tuple[str, str]]:
    return sorted(
        {
            (name, match.group(1))
            for name in FILES
            if (BASE_DIR / name).is_file()
            for match in pattern.finditer((BASE_DIR / name).read_text(encoding="utf-8"))
        }
    )


def test_entry_points_every_module_run_with_python_m_exists():
    named = _named(MODULE)
    assert ("Makefile", "tooling.launcher") in named
    missing = [(name, module) for name, module in named if importlib.util.find_spec(module) is None]
    assert not missing, missing


def test_entry_points_every_manage_py_command_exists():
    named = _named(MANAGE)
    assert ("docker-compose.yml", "migrate") in named
    commands = get_commands()
    missing = [(name, command) for name, command in named if command not in commands]
    assert not missing, missing


def test_entry_points_the_makefile_runs_the_tools_through_the_launcher():
    makefile = (BASE_DIR / "Makefile").read_text(encoding="utf-8")
    recipes = {
        target: recipe
        for target, recipe in re.findall(r"^([a-z-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    }
    launcher = "$(PY) -m tooling.launcher"
    assert f"{launcher} run" in recipes["run"]
    assert f"{launcher} test $(ARGS)" in recipes["test"]
    assert f"{launcher} exec $(PY) manage.py $(ARGS)" in recipes["manage"]
    assert f"{launcher} exec $(PY) -m tooling.load $(ARGS)" in recipes["load"]
    assert f"{launcher} exec $(PY) -m tooling.bench --scale $(SCALE)" in recipes["bench"]
    assert f"{launcher} exec $(PY) -m tooling.backup" in recipes["backup"]
    assert f'{launcher} exec $(PY) -m tooling.restore "$(BACKUP_FILE)"' in recipes["restore"]


def test_entry_points_the_launcher_and_the_load_test_serve_with_the_portals_gunicorn_config(
    tmp_path,
):
    from tooling import launcher
    from tooling.load import runner

    config = BASE_DIR / "partnership" / "gunicorn.conf.py"
    assert config.is_file()
    assert launcher.GUNICORN_CONFIG == runner.GUNICORN_CONFIG == config
    (web,) = [child for child in launcher.portal_children({}, tmp_path) if child.name == "web"]
    assert web.command[web.command.index("--config") + 1] == str(config)


@pytest.mark.parametrize(
    ("module", "says"),
    [
        ("tooling.backup", "--no-media"),
        ("tooling.restore", "--confirm"),
        ("tooling.bench", "--scale"),
    ],
)
def test_entry_points_the_tools_answer_help(module, says):
    completed = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"usage: python -m {module}" in completed.stdout
    assert says in completed.stdout


def test_entry_points_the_launcher_explains_itself_when_asked_nothing():
    completed = subprocess.run(
        [sys.executable, "-m", "tooling.launcher"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "python -m tooling.launcher COMMAND" in completed.stderr
