"""The README's two commands, the docs that repeat them and CI agree; the README's links lead somewhere."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.__main__ import parse_args

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[local]' && python -m bot --local"
TESTS = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest"


def _bash_blocks(path: Path) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", path.read_text(), re.DOTALL)]


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_the_readme_and_try_it_give_the_same_two_commands() -> None:
    """A fresh clone gets the playground and the tests with these two lines, in the README and on the site."""
    assert _bash_blocks(ROOT / "README.md") == [PLAYGROUND, TESTS]
    assert _bash_blocks(ROOT / "docs" / "try-it.md") == [PLAYGROUND, TESTS]


def test_the_playground_command_installs_simcord_and_is_a_valid_start() -> None:
    """The `local` extra brings SimCord, and `python -m bot --local` is an accepted command line."""
    assert any(spec.startswith("simcord") for spec in _extras()["local"])
    assert parse_args(["--local"]).local is True


def test_ci_runs_the_readme_test_command_and_the_strict_docs_build() -> None:
    """`.ci/run` installs the extra the README's test command installs, runs pytest, and builds the site strictly."""
    ci = (ROOT / ".ci" / "run").read_text()
    installed = re.search(r"pip install -q -e '\.\[([a-z,]+)\]'", ci)
    assert installed is not None
    assert {"test", "docs"} <= set(installed.group(1).split(","))
    assert set(installed.group(1).split(",")) <= set(_extras())
    assert re.search(r"^python -m pytest\b", ci, re.MULTILINE)
    build = re.search(r"^.*mkdocs build --strict.*$", ci, re.MULTILINE)
    assert build is not None
    assert "--quiet" not in build.group(0) and " -q" not in build.group(0), "quiet hides the warnings strict counts"


def test_every_relative_link_of_the_readme_names_a_file() -> None:
    """The README's contents list points into docs/: each link names a file of the repository."""
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", (ROOT / "README.md").read_text())
    relative = [target for target in targets if not target.startswith(("http://", "https://"))]
    assert "docs/index.md" in relative and "LICENSE" in relative
    missing = [target for target in relative if not (ROOT / target).exists()]
    assert not missing, missing
