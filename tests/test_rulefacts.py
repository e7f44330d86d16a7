"""shapes/FACTS.md is the table the shapes make (python -m registry.rulefacts)."""

from __future__ import annotations

from registry import resources
from registry.rulefacts import facts_table


def test_facts_md_is_up_to_date() -> None:
    written = (resources.shapes_dir() / "FACTS.md").read_text(encoding="utf-8")
    assert written == facts_table(), ("shapes/FACTS.md is stale: regenerate it with "
                                      "python -m registry.rulefacts > shapes/FACTS.md")


def test_the_table_names_each_rule_its_law_and_its_facts() -> None:
    rows = {line.split(" | ")[0].lstrip("| "): line for line in facts_table().splitlines()
            if line.startswith("| ") and not line.startswith("| rule")}
    assert "`cityreg:coverage`" in rows["GDPR-35-3"]
    assert "EU and EEA, GB (UK equivalent)" in rows["GDPR-35-3"]
    assert "USNYC" in rows["POST-NYC"]
    assert "nowhere (good practice)" in rows["OECD-SS"]
    assert "`cityreg:competentAuthority`" in rows["LED-27"]
