"""The README cannot drift from the CLI: every command has its own section, and the quick
start is the two commands CI runs, and the graded journalist example answers as it says."""

from __future__ import annotations

import re
from pathlib import Path

from registry.api import GraphQLService
from registry.cli import main
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry

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


def test_the_graded_journalist_example_answers_as_its_table_says() -> None:
    """The README's graded answer (section "Answers that say what they do not know") is what
    the seed answers: same organisations, in the same order, with the same grades."""
    section = README.split("### Answers that say what they do not know", 1)[1]
    query = re.findall(r"```graphql\n(.*?)\n```", section, flags=re.S)[0]
    table = re.findall(r"^\| ([^|]+?) \| (asserted|inferred|undisclosed) \|", section,
                       flags=re.M)
    with Registry.memory() as registry:
        registry.load(seed_dir())
        result = GraphQLService(RegistryContext(registry)).run(query)
    assert result.errors is None, result.errors
    answer = result.data["whoCanAccess"]
    assert [(o["label"], o["grade"]) for o in answer["organisations"]] == table
    assert answer["complete"] is True
    assert answer["fullyDisclosed"] is False
    assert f"{len(answer['disclosure'])} gaps" in section.replace("seven gaps", "7 gaps")


def test_the_validate_example_is_what_the_seed_answers() -> None:
    """The README's `cityreg validate --rule GDPR-35-3` example: every line it shows (the
    elided ones cut at '...') begins a line of the real output, and the summary is exact."""
    from click.testing import CliRunner

    block = README.split("$ cityreg validate --as-of 2026-06-01 --rule GDPR-35-3\n", 1)[1]
    shown = block.split("\n```", 1)[0].splitlines()
    output = CliRunner().invoke(main, ["validate", "--as-of", "2026-06-01", "--rule",
                                       "GDPR-35-3"]).output.splitlines()
    assert shown[-1] == output[-1]
    for line in shown[:-1]:
        if line == "...":
            continue
        head = line.split(" ... ", 1)[0].split("...", 1)[0]
        assert any(real.startswith(head) for real in output), line
