"""No check goes silent when a fact it needs is not recorded (issue #22, part 2).

Some facts the legal checks need are commonly left unrecorded: whether processing is on a
large scale, what it covers, whether a place is open to the public, whether an agency is a
competent authority for law enforcement. For every failing fixture that records one of them,
the fact is taken out in turn and the fixture checked again: its rule must still report on it,
as "cannot be verified: not recorded" or by a fact derived from what is left (large scale from
the coverage), never by going silent, and never as a violation the removed fact was needed for.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from test_fixtures import Fixture

from registry.findings import Kind
from registry.store import Registry
from registry.validate import validate_registry

DATA = Path(__file__).parent / "data"
CITYREG = "https://w3id.org/cityreg#"
#: Facts a registry commonly leaves unrecorded, which checks must not silently require.
COMMONLY_UNRECORDED = ("largeScale", "coverage", "publiclyAccessible", "competentAuthority")


def _cases() -> list[tuple[Path, str]]:
    cases = []
    for path in sorted((DATA / "invalid").glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        cases += [(path, fact) for fact in COMMONLY_UNRECORDED
                  if (None, URIRef(CITYREG + fact), None) in graph]
    return cases


CASES = _cases()


def test_the_facts_occur_in_the_fixtures() -> None:
    assert {fact for _path, fact in CASES} == set(COMMONLY_UNRECORDED)


@pytest.mark.parametrize(("path", "fact"), CASES,
                         ids=[f"{p.stem}-without-{f}" for p, f in CASES])
def test_a_rule_still_reports_when_a_fact_is_not_recorded(path: Path, fact: str,
                                                          tmp_path: Path) -> None:
    fixture = Fixture.read(path)
    graph = Graph().parse(path, format="turtle")
    graph.remove((None, URIRef(CITYREG + fact), None))
    without = tmp_path / path.name
    graph.serialize(without, format="turtle")
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", without)
        findings = validate_registry(registry, date(2026, 6, 1), evidence=False).findings
    reported = [f for f in findings if f.rule_id == fixture.rule]
    assert reported, (f"{fixture.rule} goes silent on {path.name} when cityreg:{fact} is not "
                      "recorded: it must say that it cannot be verified")
    if fixture.case.startswith(("not-recorded", "not-disclosed", "manual-review")):
        return
    kinds = {f.kind for f in reported}
    assert kinds & {Kind.RULE, Kind.NOT_RECORDED, Kind.NOT_DISCLOSED}, kinds
