"""What Heroku's and Railway's builds read (they install the project, start the bot), and what the wheel ships."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import setuptools

from bot.runner import SHUTDOWN_GRACE

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


def _procfile_processes() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().strip().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def _settings_in_env_example() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


# Heroku's app.json schema (devcenter "app.json Schema"): the top-level keys it knows, and the fields of an env entry.
HEROKU_KEYS = {
    "name",
    "description",
    "keywords",
    "website",
    "repository",
    "logo",
    "success_url",
    "scripts",
    "env",
    "formation",
    "addons",
    "buildpacks",
    "environments",
    "stack",
    "image",
}
HEROKU_ENV_FIELDS = {"description", "value", "required", "generator"}


def test_heroku_app_json_asks_for_the_token_and_starts_the_procfile_worker() -> None:
    """The Deploy button's manifest: known keys only, DISCORD_TOKEN asked for, one worker dyno of the Procfile's."""
    manifest = json.loads((ROOT / "app.json").read_text())
    assert set(manifest) <= HEROKU_KEYS
    assert isinstance(manifest["name"], str) and 3 <= len(manifest["name"]) <= 30
    token = manifest["env"]["DISCORD_TOKEN"]
    assert token["required"] is True and "value" not in token and token["description"]
    for name, entry in manifest["env"].items():
        assert set(entry) <= HEROKU_ENV_FIELDS, name
        assert name in _settings_in_env_example(), f"{name} is no setting of .env.example"
        assert all(isinstance(entry.get(field, ""), str) for field in ("description", "value"))
    assert set(manifest["formation"]) == set(_procfile_processes()) == {"worker"}
    assert manifest["formation"]["worker"]["quantity"] == 1
    assert manifest["buildpacks"] == [{"url": "heroku/python"}]


# Railway's config-as-code reference: the build and deploy fields it reads.
RAILWAY_BUILD = {"builder", "buildCommand", "watchPatterns", "dockerfilePath"}
RAILWAY_DEPLOY = {
    "startCommand",
    "preDeployCommand",
    "numReplicas",
    "healthcheckPath",
    "healthcheckTimeout",
    "restartPolicyType",
    "restartPolicyMaxRetries",
    "cronSchedule",
    "sleepApplication",
    "overlapSeconds",
    "drainingSeconds",
    "region",
    "multiRegionConfig",
    "runtime",
}


def test_railway_config_starts_the_procfile_command_and_drains_within_its_grace() -> None:
    """railway.json: documented fields only, the Procfile's command, no overlap, draining longer than the shutdown."""
    config = json.loads((ROOT / "railway.json").read_text())
    assert config["$schema"] == "https://railway.com/railway.schema.json"
    assert set(config) == {"$schema", "build", "deploy"}
    assert set(config["build"]) <= RAILWAY_BUILD
    assert config["build"]["builder"] in {"RAILPACK", "DOCKERFILE"}
    deploy = config["deploy"]
    assert set(deploy) <= RAILWAY_DEPLOY
    assert deploy["startCommand"] == _procfile_processes()["worker"]
    assert deploy["restartPolicyType"] in {"ON_FAILURE", "ALWAYS", "NEVER"}
    # Numbers, not strings: Railway's parser refuses "25" ("Expected number, received string").
    assert all(type(deploy[key]) is int for key in ("numReplicas", "overlapSeconds", "drainingSeconds"))
    assert deploy["overlapSeconds"] == 0, "two overlapping deployments would both receive every command"
    assert deploy["drainingSeconds"] > SHUTDOWN_GRACE, "the bot needs its grace to finish writes before SIGKILL"


def test_the_distribution_ships_the_library_only_with_its_license() -> None:
    """The wheel's packages are discobase's (no top-level bot, cogs, bench); setuptools can build PEP 639's license."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = setuptools.find_packages(str(ROOT), include=include)
    assert "discobase" in packages
    assert all(package.split(".")[0] == "discobase" for package in packages), packages
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
    assert pyproject["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
