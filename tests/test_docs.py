"""The README cannot drift from the CLI: every command has its own section, and the quick
start is the two commands CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from registry.cli import main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_readme_section() -> None:
    documented = set(re.findall(r"^### `cityreg ([a-z-]+)`$", README, flags=re.MULTILINE))
    commands = set(main.commands)
    assert sorted(commands - documented) == [], "add a '### `cityreg NAME`' section"
    assert sorted(documented - commands) == [], "the README documents commands that are gone"


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    blocks = re.findall(r"```\n(.*?)\n```", README.split("## Quick start", 1)[1], flags=re.S)
    main_job, test_command = blocks[0].strip(), blocks[1].strip()
    assert main_job.endswith("cityreg serve")
    assert "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
