"""validate_registry: shapes loading, the validation context, typed findings, engines, focus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rdflib import URIRef

from registry import resources
from registry.errors import InputError, ShapesError
from registry.findings import Finding, Kind, Severity, sort_findings
from registry.jurisdiction import Standing
from registry.namespaces import VALIDATION_CONTEXT_GRAPH
from registry.store import Registry
from registry.validate import load_shapes, validate_registry

DATA = Path(__file__).parent / "data"
PRELUDE = DATA / "prelude.ttl"
SHAPES = resources.shapes_dir()
ART28 = [SHAPES / "prefixes.ttl", SHAPES / "gdpr-art28.ttl"]
EX = "https://w3id.org/cityreg/id/fixture/"
AS_OF = date(2026, 6, 1)

SHAPE_HEAD = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix crs: <https://w3id.org/cityreg/shapes#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""
#: A date-dependent test rule: a contract that ended before the reference date.
EXPIRED = SHAPE_HEAD + """
crs:TEST-EXPIRED a sh:NodeShape ;
    cityreg:ruleId "TEST-EXPIRED" ; rdfs:label "Expired" ; sh:severity sh:Info ;
    cityreg:legalSource <https://example.org/law> ; cityreg:resolution "Renew it." ;
    sh:targetClass cityreg:VendorContract ;
    sh:sparql [ sh:prefixes crs:prefixes ; sh:message "Ended on {?value}." ;
        sh:select \"\"\"SELECT $this ?value WHERE { $this cityreg:endDate ?value .
            ?ctx a cityreg:ValidationContext ; cityreg:referenceDate ?asOf .
            FILTER (?value < ?asOf) }\"\"\" ] .
<https://example.org/law> rdfs:label "Test Law §1"@en .
"""


@pytest.fixture
def registry() -> Iterator[Registry]:
    """A processor contract whose text is only partly disclosed."""
    with Registry.memory() as reg:
        reg.load(PRELUDE, DATA / "invalid" / "GDPR-28-3-g--not-disclosed-text.ttl")
        yield reg


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_findings_carry_the_shape_annotations(registry: Registry) -> None:
    report = validate_registry(registry, AS_OF, shapes=ART28, rules=["GDPR-28-3-g"])
    [finding] = report.findings
    assert finding == Finding(
        rule_id="GDPR-28-3-g", severity=Severity.WARNING, kind=Kind.NOT_DISCLOSED,
        focus=EX + "parking", focus_label="Parking-app processing contract (fictional)",
        path="https://w3id.org/dpv#hasContractualClause",
        value="https://w3id.org/cityreg#DeletionOrReturnClause",
        message="Cannot be verified: the publisher has not disclosed whether the processor "
                "contract contains this clause (Art. 28(3)(g)).",
        legal_source="http://data.europa.eu/eli/reg/2016/679/art_28/par_3/pnt_g/oj",
        legal_source_label="GDPR Art. 28(3)(g)",
        resolution="Publish the clause, or state that the contract has none.",
        shape="https://w3id.org/cityreg/shapes#GDPR-28-3-g--not-disclosed",
        legal_source_url="https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_28")
    assert report.sources[finding.legal_source].url.startswith("https://eur-lex.europa.eu/")


def test_findings_are_sorted_by_standing_severity_kind_rule_and_focus() -> None:
    with Registry.memory() as reg:
        reg.load(resources.seed_dir())
        report = validate_registry(reg, AS_OF)
    keys = [(f.standing == Standing.BENCHMARK, f.severity.rank, f.rule_severity.rank,
             f.kind.rank, f.rule_id, f.focus) for f in report.findings]
    assert keys == sorted(keys)
    assert len({f.kind for f in report.findings}) > 1
    assert len({f.severity for f in report.findings}) > 1


def test_reference_date_is_written_for_the_run_and_removed_after(tmp_path: Path) -> None:
    shapes = [SHAPES / "prefixes.ttl", write(tmp_path, "expired.ttl", EXPIRED)]
    with Registry.memory() as reg:
        reg.load(DATA / "valid" / "art28-complete.ttl")
        before = validate_registry(reg, date(2027, 12, 31), shapes=shapes)
        after = validate_registry(reg, date(2028, 1, 1), shapes=shapes)
        assert not reg.ask(f"ASK {{ GRAPH <{VALIDATION_CONTEXT_GRAPH}> {{ ?s ?p ?o }} }}")
    assert before.findings == []
    assert [(f.focus, f.message, f.severity) for f in after.findings] == [
        (EX + "parking", "Ended on 2027-12-31.", Severity.INFO),
        (EX + "parking-cloud", "Ended on 2027-12-31.", Severity.INFO)]
    assert after.conforms  # info is below the default fail_on=violation


def test_fail_on_decides_conformance(registry: Registry) -> None:
    report = validate_registry(registry, AS_OF, shapes=ART28, rules=["GDPR-28-3-g"],
                               fail_on="warning")
    assert not report.conforms
    assert report.failing() == report.findings
    relaxed = validate_registry(registry, AS_OF, shapes=ART28, rules=["GDPR-28-3-g"])
    assert relaxed.conforms


def test_focus_revalidates_only_that_entity(registry: Registry) -> None:
    full = validate_registry(registry, AS_OF)
    iri = EX + "parking"
    part = validate_registry(registry, AS_OF, focus={iri})
    assert part.findings == full.for_focus(iri)
    assert part.findings


def test_unknown_rule_is_an_input_error(registry: Registry) -> None:
    with pytest.raises(InputError, match="unknown rule id GDPR-99"):
        validate_registry(registry, AS_OF, rules=["GDPR-99"])


@pytest.mark.parametrize(("text", "problem"), [
    ("crs:X a sh:NodeShape ; sh:targetNode crs:Y", "cannot read the shapes file"),
    ('crs:X a sh:NodeShape ; sh:targetNode crs:Y ; rdfs:label "x" .', "no cityreg:ruleId"),
    ('crs:X a sh:NodeShape ; sh:targetNode crs:Y ; cityreg:ruleId "X" .',
     "no cityreg:legalSource"),
    ('crs:X a sh:NodeShape ; sh:targetNode crs:Y ; cityreg:ruleId "X" ; '
     "cityreg:legalSource <https://example.org/unlabelled> .", "has no rdfs:label"),
    ('crs:X a sh:NodeShape ; sh:targetNode crs:Y ; cityreg:ruleId "X" ; '
     "cityreg:legalSource <https://example.org/l> ; sh:or ( [ sh:class crs:A ] ) .\n"
     '<https://example.org/l> rdfs:label "L" .', "sh:or"),
])
def test_bad_shapes_name_the_file_and_the_problem(tmp_path: Path, registry: Registry,
                                                  text: str, problem: str) -> None:
    path = write(tmp_path, "bad.ttl", SHAPE_HEAD + text)
    with pytest.raises(ShapesError, match=problem) as caught:
        validate_registry(registry, AS_OF, shapes=[path])
    assert str(path) in str(caught.value)


def test_missing_shapes_path_is_an_input_error(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        validate_registry(registry, AS_OF, shapes=[tmp_path / "nope.ttl"])


def test_shapes_are_loaded_once_while_unchanged() -> None:
    assert load_shapes(ART28) is load_shapes(ART28)


def test_every_shipped_shape_has_a_labelled_legal_source() -> None:
    shapes = load_shapes()
    assert {"GDPR-28-3-g", "EDPB-SUBPROC", "GDPR-28-10"} <= shapes.rule_ids
    assert all(note.legal_source in shapes.sources for note in shapes.annotations.values())


@pytest.mark.heavy
def test_engines_agree_on_the_seed() -> None:
    with Registry.memory() as reg:
        reg.load(resources.seed_dir())
        fast = validate_registry(reg, AS_OF)
        oracle = validate_registry(reg, AS_OF, engine="pyshacl")
    assert fast.findings == oracle.findings
    assert fast.findings


def test_findings_share_the_text_that_repeats() -> None:
    """A large registry has findings by the million: the focus, path and component strings
    they repeat are held once, and messages that differ only in their focus share one
    stored string."""
    with Registry.memory() as reg:
        reg.load(resources.seed_dir())
        findings = validate_registry(reg, AS_OF).findings
    by_text: dict[str, set[int]] = {}
    for finding in findings:
        for text in (finding.focus, finding.path, finding.component, finding.stored_message):
            by_text.setdefault(text, set()).add(id(text))
    assert len({f.focus for f in findings}) < len(findings)  # some entity has two findings
    assert all(len(ids) == 1 for ids in by_text.values())
    assert len({f.stored_message for f in findings}) < len({f.message for f in findings})


@pytest.mark.parametrize(("focus", "message", "named"), [
    ("https://x.test/a", "https://x.test/a lacks a DPIA (https://x.test/a, Art. 35).",
     "Camera A lacks a DPIA (Camera A, Art. 35)."),
    ("https://x.test/a", "A contract lacks a clause.", "A contract lacks a clause."),
    ("https://x.test/a", "https://x.test/a has a \x00 in its text.",
     "https://x.test/a has a \x00 in its text."),
    ("", "No focus IRI.", "No focus IRI."),
])
def test_a_finding_names_its_focus_by_label_and_keeps_the_raw_message(
        focus: str, message: str, named: str) -> None:
    finding = Finding(rule_id="R", severity=Severity.INFO, kind=Kind.RULE, focus=focus,
                      focus_label="Camera A", path="", value="", message=message,
                      legal_source="L", legal_source_label="L", resolution="", shape="S")
    assert finding.message == named
    assert finding.raw_message == message
    assert repr(named) in repr(finding)
    other = Finding(rule_id="R", severity=Severity.INFO, kind=Kind.RULE,
                    focus="https://x.test/b", focus_label="a", path="", value="",
                    message=message.replace(focus, "https://x.test/b") if focus else message,
                    legal_source="L", legal_source_label="L", resolution="", shape="S")
    assert finding != other  # another focus
    assert finding == Finding(rule_id="R", severity=Severity.INFO, kind=Kind.RULE, focus=focus,
                              focus_label="Camera A", path="", value="", message=message,
                              legal_source="L", legal_source_label="L", resolution="",
                              shape="S")


def test_for_focus_and_counts(registry: Registry) -> None:
    report = validate_registry(registry, AS_OF, shapes=ART28)
    assert sum(report.by_severity().values()) == len(report.findings)
    assert sum(report.by_kind().values()) == len(report.findings)
    assert report.entities() == [EX + "parking"]
    assert report.for_focus(URIRef(EX + "parking")) == report.findings


def test_sort_findings_is_the_order_of_the_whole_key_without_duplicates() -> None:
    """Report order is sort_key order with exact duplicates dropped (the first kept), also
    when findings tie on everything but their message or differ only outside the key."""
    import random

    def finding(rule: str, focus: str, value: str, message: str, label: str = "a",
                severity: Severity = Severity.VIOLATION) -> Finding:
        return Finding(rule_id=rule, severity=severity, kind=Kind.RULE, focus=focus,
                       focus_label=label, path="", value=value, message=message,
                       legal_source="L", legal_source_label="L", resolution="", shape="S")

    a, b = "https://x.test/a", "https://x.test/b"
    findings = [
        finding("R2", a, "", f"{a} lacks a clause."), finding("R2", a, "", "A clause is gone."),
        finding("R2", a, "", f"{a} lacks a clause."),  # an exact duplicate
        finding("R2", a, "", f"{a} lacks a clause.", label="other"),  # differs outside the key
        finding("R1", b, "v", f"{b} has v."), finding("R1", b, "", f"{b} has nothing."),
        finding("R1", a, "", "Zebra."), finding("R1", a, "", "Aardvark."),
        finding("R3", a, "", "Info.", severity=Severity.INFO),
    ]
    for seed in range(5):
        shuffled = findings[:]
        random.Random(seed).shuffle(shuffled)
        expected = sorted(dict.fromkeys(shuffled), key=lambda f: f.sort_key)
        assert sort_findings(shuffled) == expected
        assert [id(f) for f in sort_findings(shuffled)] == [id(f) for f in expected]
    assert len(sort_findings(findings)) == len(findings) - 1
    assert sort_findings([]) == []
