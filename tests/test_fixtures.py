"""The fixture runner for every legal rule: tests/data/invalid and tests/data/valid.

* ``invalid/<RULE-ID>--<case>.ttl`` must produce ``RULE-ID`` (a ``# rule: ID`` header line
  names it when the id contains ``/``); any other rule it produces must be listed in its
  ``# may also produce: A, B`` header. A case named ``not-disclosed...`` must produce the rule
  as a not-disclosed finding, ``manual-review...`` as a manual-review finding.
  Where the rule's law is not good practice, the fixture must produce it as a binding finding:
  the fixture's entities are where the law binds (the prelude's city is Dutch; a US ordinance's
  fixture has its own city).
* ``valid/<name>.ttl`` must produce no violation at all, and no finding of the rules in its
  ``# passes: A, B`` header.
* Every rule id in ``shapes/`` needs at least one invalid and one valid fixture.

Each fixture is loaded with ``tests/data/prelude.ttl`` and validated as of 2026-06-01 by the
fast engine; the pySHACL oracle must find exactly the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from registry.findings import Finding, Kind, Severity
from registry.jurisdiction import Standing
from registry.store import Registry
from registry.validate import load_shapes, validate_registry

DATA = Path(__file__).parent / "data"
PRELUDE = DATA / "prelude.ttl"
AS_OF = date(2026, 6, 1)
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
VALID = sorted((DATA / "valid").glob("*.ttl"))
_HEADER = re.compile(r"^#\s*(may also produce|passes|rule)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Fixture:
    """A fixture file and what its name and header lines say about it."""

    path: Path
    rule: str
    case: str
    also: frozenset[str]
    passes: frozenset[str]

    @classmethod
    def read(cls, path: Path) -> Fixture:
        headers: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                break
            match = _HEADER.match(line.strip())
            if match:
                headers[match.group(1).lower()] = match.group(2).strip()
        rule, _, case = path.stem.partition("--")
        return cls(path, headers.get("rule", rule), case, _ids(headers.get("may also produce")),
                   _ids(headers.get("passes")))


def _ids(text: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def normalised(findings: list[Finding]) -> list[tuple[str, ...]]:
    """What must agree between engines: everything a report shows."""
    return sorted({(f.rule_id, f.severity, f.kind, f.focus, f.path, f.value, f.message)
                   for f in findings})


@cache
def run(path: Path, engine: str) -> tuple[Finding, ...]:
    """The findings of one fixture (with the prelude), cached per engine."""
    with Registry.memory() as registry:
        registry.load(PRELUDE, path)
        report = validate_registry(registry, as_of=AS_OF, engine=engine)  # type: ignore[arg-type]
    return tuple(report.findings)


@cache
def good_practice(rule_id: str) -> bool:
    """True if every shape of the rule cites good practice (binding nowhere)."""
    shapes = load_shapes()
    laws = [shapes.jurisdictions.law_of(a.legal_source) for a in shapes.annotations.values()
            if a.rule_id == rule_id]
    return bool(laws) and all(law is not None and law.good_practice for law in laws)


def describe(findings: tuple[Finding, ...]) -> str:
    return "\n".join(f"  {f.severity} {f.kind} {f.standing} {f.rule_id} {f.focus}: {f.message}"
                     for f in findings) or "  (none)"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_produces_its_rule(path: Path) -> None:
    fixture = Fixture.read(path)
    findings = run(path, "fast")
    produced = {f.rule_id for f in findings}
    assert fixture.rule in produced, (
        f"{path.name} should produce {fixture.rule}; it produced:\n{describe(findings)}")
    unexpected = produced - {fixture.rule} - fixture.also
    assert not unexpected, (
        f"{path.name} also produced {sorted(unexpected)}; list them in its first line "
        f"'# may also produce: ...' if intended:\n{describe(findings)}")
    if not good_practice(fixture.rule):
        assert any(f.rule_id == fixture.rule and f.standing == Standing.BINDING
                   for f in findings), (
            f"{path.name}: {fixture.rule} is only a benchmark here; put the fixture's entities "
            f"where the rule's law binds:\n{describe(findings)}")
    kinds = {f.kind for f in findings if f.rule_id == fixture.rule}
    if fixture.case.startswith("not-disclosed"):
        assert Kind.NOT_DISCLOSED in kinds, f"{path.name}: expected a not-disclosed finding"
    elif fixture.case.startswith("not-recorded"):
        assert Kind.NOT_RECORDED in kinds, f"{path.name}: expected a not-recorded finding"
    elif fixture.case.startswith("manual-review"):
        assert Kind.MANUAL_REVIEW in kinds, f"{path.name}: expected a manual-review finding"


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_passes(path: Path) -> None:
    fixture = Fixture.read(path)
    assert fixture.passes, f"{path.name} needs a first line '# passes: RULE-A, RULE-B'"
    findings = run(path, "fast")
    violations = tuple(f for f in findings if f.severity == Severity.VIOLATION)
    assert not violations, f"{path.name} has violations:\n{describe(violations)}"
    listed = tuple(f for f in findings if f.rule_id in fixture.passes)
    assert not listed, f"{path.name} should pass these rules:\n{describe(listed)}"


# pySHACL re-parses every SPARQL constraint on each run (about 10 s of CPU per fixture), so the
# comparison over all fixtures is opt-in (-m heavy); every run compares one fixture per body of
# law, picked by rule-id prefix so the sample follows the fixtures.
def _one_per_family(paths: list[Path]) -> list[Path]:
    picked: dict[str, Path] = {}
    for path in paths:
        picked.setdefault(Fixture.read(path).rule.split("-")[0], path)
    return sorted(picked.values())


SAMPLE = _one_per_family(INVALID) + VALID[:1]


@pytest.mark.parametrize("path", SAMPLE, ids=[p.stem for p in SAMPLE])
def test_fast_engine_agrees_with_pyshacl_on_a_sample(path: Path) -> None:
    assert normalised(list(run(path, "fast"))) == normalised(list(run(path, "pyshacl")))


@pytest.mark.heavy
@pytest.mark.parametrize("path", INVALID + VALID, ids=[p.stem for p in INVALID + VALID])
def test_fast_engine_agrees_with_pyshacl(path: Path) -> None:
    assert normalised(list(run(path, "fast"))) == normalised(list(run(path, "pyshacl")))


def test_every_rule_has_an_invalid_and_a_valid_fixture() -> None:
    rule_ids = load_shapes().rule_ids
    invalid = {Fixture.read(p).rule for p in INVALID}
    valid = {rule for p in VALID for rule in Fixture.read(p).passes}
    missing = []
    for rule in sorted(rule_ids):
        lacking = [kind for kind, have in (("invalid", invalid), ("valid", valid))
                   if rule not in have]
        if lacking:
            missing.append(f"{rule}: no {' and no '.join(lacking)} fixture")
    assert not missing, "rules without fixtures:\n" + "\n".join(missing)


def test_fixture_rule_ids_exist_in_the_shapes() -> None:
    rule_ids = load_shapes().rule_ids
    named = {Fixture.read(p).rule: p.name for p in INVALID}
    named |= {rule: p.name for p in VALID for rule in Fixture.read(p).passes}
    unknown = sorted(f"{name}: {rule}" for rule, name in named.items() if rule not in rule_ids)
    assert not unknown, "fixtures name rule ids no shape carries:\n" + "\n".join(unknown)


CATALOGUE = Path(__file__).resolve().parents[2] / "shared" / "legal" / "obligations.md"
MANUAL_REVIEW = Path(__file__).resolve().parents[1] / "shapes" / "MANUAL-REVIEW.md"
_TABLE_ID = re.compile(r"^\|\s*`?([A-Z][A-Z0-9]*(?:-[A-Za-z0-9/]+)+|[A-Z]{2,}-[A-Z]+)`?\s*\|")


def table_ids(text: str) -> set[str]:
    """The rule ids in the first column of the Markdown tables of ``text``."""
    return {m.group(1) for line in text.splitlines() if (m := _TABLE_ID.match(line.strip()))}


def manual_review_section_ids(heading: str) -> set[str]:
    """Rule ids in the table under ``## heading`` of shapes/MANUAL-REVIEW.md."""
    text = MANUAL_REVIEW.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return table_ids(section)


def wholly_manual_ids() -> set[str]:
    """Rules with no shape because the data cannot decide them."""
    return manual_review_section_ids("Rules left wholly to manual review")


def not_yet_checked_ids() -> set[str]:
    """Catalogue rules that no shape checks yet, said so to the user."""
    return manual_review_section_ids("Rules not checked yet")


def test_every_catalogue_rule_is_a_shape_or_said_to_be_unchecked() -> None:
    if not CATALOGUE.is_file():
        pytest.skip(f"the obligations catalogue is not at {CATALOGUE}")
    catalogue = table_ids(CATALOGUE.read_text(encoding="utf-8"))
    assert "GDPR-28-3-g" in catalogue
    assert "DA-25-2-b/c" in catalogue
    unaccounted = sorted(catalogue - load_shapes().rule_ids - wholly_manual_ids()
                         - not_yet_checked_ids())
    assert not unaccounted, (
        "catalogue rules with neither a shape (cityreg:ruleId) nor a line in "
        "shapes/MANUAL-REVIEW.md (left wholly to manual review, or not checked yet): "
        f"{', '.join(unaccounted)}")
    stale = sorted(not_yet_checked_ids() - catalogue)
    assert not stale, (
        f"shapes/MANUAL-REVIEW.md lists as not checked yet rules the catalogue lacks: {stale}")


def test_manual_review_lists_no_rule_that_has_a_shape() -> None:
    rule_ids = load_shapes().rule_ids
    both = sorted((wholly_manual_ids() | not_yet_checked_ids()) & rule_ids)
    assert not both, f"shapes/MANUAL-REVIEW.md says these have no shape, but one exists: {both}"
