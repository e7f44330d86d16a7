"""Jurisdiction: a rule binds only where its law binds; elsewhere it is a benchmark.

The seed's cities are in Brazil, Indonesia, the Philippines, Singapore, China, the United
Kingdom and (the fictional Nordhaven) the Netherlands: EU law binds only in Nordhaven, the UK
GDPR in London, no US ordinance anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from registry import resources
from registry.errors import InputError
from registry.findings import Finding, Severity
from registry.jurisdiction import Place, Standing, parse_lens
from registry.store import Registry
from registry.validate import load_shapes, validate_registry

AS_OF = date(2026, 6, 1)
RIO = "https://w3id.org/cityreg/id/rio/"
LONDON = "https://w3id.org/cityreg/id/london/"
DATA = Path(__file__).parent / "data"
US_ORDINANCES = {"POST-NYC", "SURV-ANNUAL", "SURV-APPROVAL", "SURV-SIR", "SURV-UP"}


@cache
def seed_findings(jurisdiction: str | None = None) -> tuple[Finding, ...]:
    with Registry.memory() as registry:
        registry.load(resources.seed_dir())
        report = validate_registry(registry, AS_OF, jurisdiction=jurisdiction)
    return tuple(report.findings)


def test_no_us_ordinance_and_no_eu_law_is_a_violation_in_rio() -> None:
    network = [f for f in seed_findings() if f.focus == RIO + "deployment/cctv-traffic-network"]
    rules = {f.rule_id for f in network}
    assert rules >= US_ORDINANCES
    for finding in network:
        if finding.rule_id in US_ORDINANCES or finding.rule_id.startswith("GDPR-"):
            assert finding.standing == Standing.BENCHMARK, finding
            assert finding.severity == Severity.INFO
            assert finding.message.startswith("Measured against "), finding.message
            assert "does not bind in Rio de Janeiro (BR)" in finding.message
            assert finding.where == "Rio de Janeiro (BR)"
    assert not [f for f in seed_findings() if f.focus.startswith(RIO)
                and f.severity != Severity.INFO]


def test_the_shape_severity_is_kept_as_the_rule_severity_of_a_benchmark() -> None:
    [post] = [f for f in seed_findings() if f.focus == RIO + "deployment/cctv-traffic-network"
              and f.rule_id == "POST-NYC"]
    assert post.rule_severity == Severity.VIOLATION
    assert post.law == "the New York City POST Act (Admin. Code § 14-188)"


def test_london_is_judged_under_uk_law_by_name() -> None:
    london = [f for f in seed_findings() if f.focus.startswith(LONDON)
              and f.rule_id.startswith("GDPR-")]
    assert london
    for finding in london:
        assert finding.standing == Standing.BINDING, finding
        assert (finding.legal_source_label.startswith("UK GDPR Art")
                or finding.legal_source_label.endswith(", read with the UK GDPR")), (
            finding.legal_source_label)
        assert finding.legal_source_url.startswith("https://www.legislation.gov.uk/eur/2016/679/")
        assert "UK GDPR" in finding.law
        assert " GDPR Art" not in finding.message.replace("UK GDPR Art", ""), finding.message
    assert any(f.severity == Severity.VIOLATION for f in london)


def test_eu_only_law_is_a_benchmark_in_london() -> None:
    for finding in seed_findings():
        if finding.focus.startswith(LONDON) and finding.rule_id.startswith(("AIA-", "DA-",
                                                                            "PROC-")):
            assert finding.standing == Standing.BENCHMARK


def test_good_practice_is_a_benchmark_everywhere() -> None:
    good = [f for f in seed_findings() if f.rule_id.startswith(("OECD-", "PI-", "LOCK-"))]
    assert good
    assert all(f.standing == Standing.BENCHMARK and f.severity == Severity.INFO for f in good)
    assert all("good practice, binding nowhere" in f.message for f in good)


def test_a_lens_judges_every_entity_as_if_it_were_there() -> None:
    under_eu = [f for f in seed_findings("EU")
                if f.focus == RIO + "deployment/cctv-traffic-network"]
    gdpr = [f for f in under_eu if f.rule_id == "GDPR-13-14" and f.kind.value == "rule"]
    assert gdpr
    assert all(f.standing == Standing.LENS for f in gdpr)
    assert all(f.severity == Severity.VIOLATION for f in gdpr)
    assert all(f.message.startswith("Under the chosen lens (the European Union (EU)): ")
               for f in gdpr)
    post = [f for f in under_eu if f.rule_id == "POST-NYC"]
    assert post
    assert all(f.standing == Standing.BENCHMARK for f in post)


def test_a_city_code_lens_makes_its_ordinance_bind() -> None:
    post = [f for f in seed_findings("USNYC") if f.rule_id == "POST-NYC"]
    assert post
    assert all(f.standing == Standing.LENS for f in post)
    gdpr = [f for f in seed_findings("USNYC") if f.rule_id.startswith("GDPR-")]
    assert gdpr
    assert all(f.standing == Standing.BENCHMARK for f in gdpr)


@pytest.mark.parametrize(("code", "expected"), [
    ("nl", Place("NL", "NL", how="lens")),
    ("USNYC", Place("USNYC", "US", "USNYC", how="lens")),
    ("EU", Place("the European Union (EU)", "NL", how="lens")),
])
def test_parse_lens(code: str, expected: Place) -> None:
    assert parse_lens(code) == expected


@pytest.mark.parametrize("code", ["Netherlands", "U", "12345", ""])
def test_a_malformed_lens_is_refused(code: str) -> None:
    with pytest.raises(InputError, match="expected an ISO 3166-1 country code"):
        parse_lens(code)


def test_a_lens_where_no_law_binds_is_refused() -> None:
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl")
        with pytest.raises(InputError, match="no law of the shapes"):
            validate_registry(registry, AS_OF, jurisdiction="XX")


def test_every_legal_source_of_the_built_in_shapes_has_a_body_of_law() -> None:
    shapes = load_shapes()
    cited = {a.legal_source for a in shapes.annotations.values()}
    missing = sorted(s for s in cited if shapes.jurisdictions.law_of(s) is None)
    assert not missing, f"add these to shapes/jurisdiction.ttl: {missing}"


def test_every_gdpr_source_has_a_uk_equivalent() -> None:
    shapes = load_shapes()
    gdpr = {a.legal_source for a in shapes.annotations.values()
            if (law := shapes.jurisdictions.law_of(a.legal_source)) is not None
            and law.iri.endswith("law-gdpr")
            and shapes.sources[a.legal_source].label.startswith("GDPR ")}
    assert gdpr
    assert all(source in shapes.jurisdictions.uk for source in gdpr)


UNPLACED = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://w3id.org/cityreg/id/fixture/> .
ex:other-city a cityreg:City ; rdfs:label "Other City (fictional)"@en ;
    cityreg:countryCode "BR" ; cityreg:source ex:src .
ex:loose-camera a cityreg:System ; rdfs:label "Loose camera (fictional)"@en ;
    cityreg:processesPersonalData true ; cityreg:source ex:src .
ex:rio-camera a cityreg:System ; rdfs:label "Camera in Other City (fictional)"@en ;
    cityreg:city ex:other-city ; cityreg:processesPersonalData true ; cityreg:source ex:src .
ex:nl-camera a cityreg:System ; rdfs:label "Camera operated by the council (fictional)"@en ;
    cityreg:operator ex:agency ; cityreg:processesPersonalData true ; cityreg:source ex:src .
"""


@pytest.fixture(scope="module")
def unplaced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Finding]]:
    path = tmp_path_factory.mktemp("unplaced") / "unplaced.ttl"
    path.write_text(UNPLACED, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(DATA / "prelude.ttl", path)
        yield validate_registry(registry, AS_OF, rules=["GDPR-6"]).findings


def test_an_entity_whose_place_is_not_recorded_is_not_judged_binding(
        unplaced: list[Finding]) -> None:
    [loose] = [f for f in unplaced if f.focus.endswith("loose-camera")]
    assert loose.standing == Standing.BENCHMARK
    assert loose.where == "not recorded"
    assert "where this is, is not recorded" in loose.message


def test_an_entity_takes_the_city_of_its_operator(unplaced: list[Finding]) -> None:
    [dutch] = [f for f in unplaced if f.focus.endswith("nl-camera")]
    assert dutch.standing == Standing.BINDING
    assert dutch.where == "Fixture City (fictional) (NL)"
    [brazilian] = [f for f in unplaced if f.focus.endswith("rio-camera")]
    assert brazilian.standing == Standing.BENCHMARK
