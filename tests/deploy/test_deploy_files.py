"""The files Heroku's and Railway's Python builds read: they install the project and start the bot."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("discobase", "bot", "cogs")


def _declared_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]}


def test_procfile_runs_the_bot_module() -> None:
    """The Procfile's worker runs `python -m bot`, and that module exists with a __main__."""
    procfile = (ROOT / "Procfile").read_text().strip().splitlines()
    assert procfile == ["worker: python -m bot"]
    assert importlib.util.find_spec("bot.__main__") is not None


def test_python_version_is_one_the_project_supports() -> None:
    """.python-version names a Python the project declares it supports."""
    version = (ROOT / ".python-version").read_text().strip()
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert re.fullmatch(r"3\.\d+", version)
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.removeprefix(">=").split(".")))


def test_requirements_install_the_project_itself() -> None:
    """requirements.txt installs this project, so its runtime dependencies come from pyproject.toml."""
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["."]


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """What the runtime code imports from outside the standard library is in pyproject's dependencies."""
    import_names = {"discord": "discord.py", "dotenv": "python-dotenv", "pydantic_core": "pydantic"}
    optional = {"simcord", "aiohttp"}  # the playground's extra; aiohttp comes with discord.py
    declared = _declared_dependencies()
    missing = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in SOURCES or top in optional:
                        continue
                    if import_names.get(top, top).lower() not in declared:
                        missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_the_bot_starts_without_the_playground_extra() -> None:
    """On a host only the runtime dependencies are installed: `python -m bot` must not need SimCord."""
    blocked = "import sys; sys.modules['simcord'] = None; import bot.__main__, bot.runner; print('ok')"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.stdout.strip() == "ok", result.stderr
