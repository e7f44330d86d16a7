"""diff_registries: entities added, removed and changed field by field with labels, blank nodes
compared by content, findings that appeared or were resolved, and the JSON shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from diff_cases import CAMERAS_AFTER, CAMERAS_BEFORE, PREFIXES

from registry.history import diff as diff_module
from registry.history.diff import (
    EntityChange,
    FieldChange,
    FindingChange,
    RegistryDiff,
    diff_registries,
)
from registry.store import Registry

DATA = Path(__file__).parents[1] / "data"
AS_OF = date(2026, 6, 1)
EX = "https://example.org/id/"
CITYREG = "https://w3id.org/cityreg#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PURPOSE = "https://w3id.org/dpv#hasPurpose"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
FIXTURE = "https://w3id.org/cityreg/id/fixture/"

BEFORE, AFTER = CAMERAS_BEFORE, CAMERAS_AFTER
#: An agreement with two purposes, as blank nodes.
PURPOSES = PREFIXES + """
ex:deal a cityreg:DataSharingAgreement ; rdfs:label "Parking data deal" ;
    dpv:hasPurpose [ a dpv:Purpose ; rdfs:label "Billing" ] ,
                   [ a dpv:Purpose ; rdfs:label "Planning" ] .
"""
#: The same, with labelled blank nodes in another order.
PURPOSES_RELABELLED = PREFIXES + """
_:zz a dpv:Purpose ; rdfs:label "Planning" .
ex:deal dpv:hasPurpose _:b0 , _:zz ; rdfs:label "Parking data deal" ;
    a cityreg:DataSharingAgreement .
_:b0 rdfs:label "Billing" ; a dpv:Purpose .
"""

Load = Callable[..., Registry]


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Load]:
    """Registries in memory from Turtle texts (one file each) or files; closed at the end."""
    opened: list[Registry] = []

    def make(*sources: str | Path) -> Registry:
        registry = Registry.memory()
        opened.append(registry)
        paths = []
        for source in sources:
            if isinstance(source, Path):
                paths.append(source)
                continue
            path = tmp_path / f"source-{len(list(tmp_path.iterdir()))}.ttl"
            path.write_text(source, encoding="utf-8")
            paths.append(path)
        registry.load(*paths)
        return registry

    yield make
    for registry in opened:
        registry.close()


def data_diff(before: Registry, after: Registry) -> RegistryDiff:
    return diff_registries(before, after, as_of=AS_OF, findings=False, before_label="A",
                           after_label="B")


def test_entities_added_removed_and_changed_field_by_field_with_labels(load: Load) -> None:
    diff = data_diff(load(BEFORE), load(AFTER))
    assert diff.entities == (
        EntityChange(EX + "cam3", "Camera 3", ("Sensor",), "added", (
            FieldChange(LABEL, "label", (), ("Camera 3",)),
            FieldChange(TYPE, "type", (), ("Sensor",)),
            FieldChange(CITYREG + "unitCount", "unit count", (), ("1",)))),
        EntityChange(EX + "cam2", "Camera 2", ("Sensor",), "removed", (
            FieldChange(LABEL, "label", ("Camera 2",), ()),
            FieldChange(TYPE, "type", ("Sensor",), ()))),
        EntityChange(EX + "cam1", "Camera 1", ("Sensor",), "changed", (
            FieldChange(CITYREG + "operator", "operator", ("City council",), ("Police",)),
            FieldChange(CITYREG + "unitCount", "unit count", ("4",), ("6",)))),
    )
    assert diff.findings == ()
    assert not diff.is_empty()


def test_the_same_registry_is_an_empty_diff(load: Load) -> None:
    diff = data_diff(load(BEFORE), load(BEFORE))
    assert diff == RegistryDiff("A", "B", (), ())
    assert diff.is_empty()


def test_a_statement_two_files_make_is_one_value(load: Load) -> None:
    cam = PREFIXES + 'ex:cam1 a sosa:Sensor ; rdfs:label "Camera 1" .\n'
    assert data_diff(load(cam), load(cam, cam + 'ex:cam1 cityreg:unitCount 2 .\n')).entities == (
        EntityChange(EX + "cam1", "Camera 1", ("Sensor",), "changed", (
            FieldChange(CITYREG + "unitCount", "unit count", (), ("2",)),)),)


def test_an_iri_without_label_is_shown_as_the_iri_and_an_unknown_property_compactly(
        load: Load) -> None:
    before = PREFIXES + "ex:a cityreg:operator ex:nobody .\n"
    after = PREFIXES + "ex:a cityreg:operator ex:somebody ; cityreg:madeUpProperty true .\n"
    assert data_diff(load(before), load(after)).entities == (
        EntityChange(EX + "a", EX + "a", (), "changed", (
            FieldChange(CITYREG + "madeUpProperty", "cityreg:madeUpProperty", (), ("true",)),
            FieldChange(CITYREG + "operator", "operator", (EX + "nobody",),
                        (EX + "somebody",)))),)


def test_blank_nodes_that_differ_only_in_their_labels_are_equal(load: Load) -> None:
    assert data_diff(load(PURPOSES), load(PURPOSES_RELABELLED)).is_empty()


def test_a_blank_node_whose_content_changed_is_a_changed_value(load: Load) -> None:
    after = PURPOSES.replace('"Billing"', '"Marketing"')
    assert data_diff(load(PURPOSES), load(after)).entities == (
        EntityChange(EX + "deal", "Parking data deal", ("Data-sharing agreement",), "changed", (
            FieldChange(PURPOSE, "has purpose", ("[a Purpose; label: Billing]",),
                        ("[a Purpose; label: Marketing]",)),)),)


def test_nested_blank_nodes_are_compared_at_every_depth(load: Load) -> None:
    before = PREFIXES + """ex:deal dpv:hasPurpose [ rdfs:label "Billing" ;
        rdfs:seeAlso [ rdfs:label "Tariff" ; rdfs:seeAlso [ rdfs:label "2026" ] ] ] .\n"""
    relabelled = PREFIXES + """ex:deal dpv:hasPurpose _:p . _:p rdfs:label "Billing" ;
        rdfs:seeAlso _:t . _:t rdfs:seeAlso _:y ; rdfs:label "Tariff" . _:y rdfs:label "2026" .\n"""
    assert data_diff(load(before), load(relabelled)).is_empty()
    [change] = data_diff(load(before), load(before.replace("2026", "2027"))).entities
    assert change.fields == (FieldChange(
        PURPOSE, "has purpose",
        ("[label: Billing; rdfs:seeAlso: [label: Tariff; rdfs:seeAlso: [label: 2026]]]",),
        ("[label: Billing; rdfs:seeAlso: [label: Tariff; rdfs:seeAlso: [label: 2027]]]",)),)


def test_blank_nodes_in_a_cycle_are_compared_and_shown_without_looping(load: Load) -> None:
    cycle = PREFIXES + """ex:deal rdfs:seeAlso _:a . _:a rdfs:label "A" ; rdfs:seeAlso _:b .
        _:b rdfs:label "B" ; rdfs:seeAlso _:a .\n"""
    relabelled = PREFIXES + """_:q rdfs:seeAlso _:p ; rdfs:label "B" .
        _:p rdfs:seeAlso _:q ; rdfs:label "A" . ex:deal rdfs:seeAlso _:p .\n"""
    assert data_diff(load(cycle), load(relabelled)).is_empty()
    [change] = data_diff(load(cycle), load(cycle.replace('"B"', '"C"'))).entities
    assert change.fields == (FieldChange(
        SEE_ALSO, "rdfs:seeAlso", ("[label: A; rdfs:seeAlso: [label: B; rdfs:seeAlso: […]]]",),
        ("[label: A; rdfs:seeAlso: [label: C; rdfs:seeAlso: […]]]",)),)


# -- findings ------------------------------------------------------------------------------------

NOTICE_FIXTURE = DATA / "invalid" / "DA-25-2-d--six-month-notice.ttl"
NOTICE_FINDING = FindingChange(
    "resolved", "DA-25-2-d", "violation", FIXTURE + "contract",
    "Air-quality platform contract (fictional)",
    "The data processing service contract Air-quality platform contract (fictional) does not "
    "cap the notice for starting a switch at 2 months (Data Act Art. 25(2)(d)): the notice "
    "period is 6 months, more than the 2 months allowed.", "Data Act Art. 25(2)(d)")
RETRIEVAL_FINDING = FindingChange(
    "appeared", "DA-25-2-g", "violation", FIXTURE + "contract",
    "Air-quality platform contract (fictional)",
    "The data processing service contract Air-quality platform contract (fictional) does not "
    "give the customer at least 30 days after the transitional period to retrieve its data "
    "(Data Act Art. 25(2)(g)): the retrieval period is 14 days, fewer than 30.",
    "Data Act Art. 25(2)(g)")


@pytest.fixture
def contracts(load: Load) -> tuple[Registry, Registry]:
    """A cloud contract with a six-month switching notice (DA-25-2-d), and the same contract
    with a two-month notice but a 14-day retrieval period (DA-25-2-g)."""
    text = NOTICE_FIXTURE.read_text(encoding="utf-8")
    changed = text.replace("switchingNoticeMonths 6", "switchingNoticeMonths 2").replace(
        "retrievalPeriodDays 30", "retrievalPeriodDays 14")
    assert changed.count("switchingNoticeMonths 2 ;") == 1
    assert changed.count("retrievalPeriodDays 14") == 1
    prelude = DATA / "prelude.ttl"
    return load(prelude, NOTICE_FIXTURE), load(prelude, changed)


def test_findings_that_appeared_and_were_resolved(contracts: tuple[Registry, Registry]) -> None:
    diff = diff_registries(*contracts, as_of=AS_OF)
    assert diff.entities == (
        EntityChange(FIXTURE + "switching", FIXTURE + "switching", ("switching clause",),
                     "changed", (
                         FieldChange(CITYREG + "retrievalPeriodDays",
                                     "data retrieval period (days)", ("30",), ("14",)),
                         FieldChange(CITYREG + "switchingNoticeMonths",
                                     "switching notice (months)", ("6",), ("2",)))),)
    assert diff.findings == (RETRIEVAL_FINDING, NOTICE_FINDING)
    assert (diff.count("appeared"), diff.count("resolved")) == (1, 1)


def test_findings_compared_entity_by_entity_are_those_of_whole_runs(
        contracts: tuple[Registry, Registry], monkeypatch: pytest.MonkeyPatch) -> None:
    """Large registries validate again only the entities a change can reach: forced here on
    a small one, the answer is the same."""
    focused: list[list[str] | None] = []
    affected = diff_module._affected

    def spy(*args: Any) -> list[str] | None:
        focused.append(affected(*args))
        return focused[-1]

    monkeypatch.setattr(diff_module, "FOCUSED_FROM", 0)
    monkeypatch.setattr(diff_module, "_affected", spy)
    assert diff_registries(*contracts, as_of=AS_OF).findings == (RETRIEVAL_FINDING,
                                                                 NOTICE_FINDING)
    [entities] = focused
    assert entities is not None
    assert FIXTURE + "contract" in entities


def test_equal_data_is_not_validated(load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same data gives the same findings: no validation runs."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("validated")

    monkeypatch.setattr("registry.validate.validate_registry", refuse)
    assert diff_registries(load(PURPOSES), load(PURPOSES_RELABELLED), as_of=AS_OF).is_empty()


def test_no_findings_skips_the_legal_checks(contracts: tuple[Registry, Registry]) -> None:
    assert diff_registries(*contracts, as_of=AS_OF, findings=False).findings == ()


# -- JSON ----------------------------------------------------------------------------------------


def test_json_shape() -> None:
    diff = RegistryDiff("store reg", "dump b.ttl", (
        EntityChange(EX + "cam3", "Camera 3", ("Sensor",), "added", (
            FieldChange(LABEL, "label", (), ("Camera 3",)),)),
        EntityChange(EX + "cam1", "Camera 1", ("Sensor",), "changed", (
            FieldChange(CITYREG + "unitCount", "unit count", ("4",), ("6",)),))),
        (NOTICE_FINDING,))
    data = diff.to_json()
    assert list(data) == ["before", "after", "entities", "findings", "changes",
                          "findingChanges"]
    assert data == {
        "before": "store reg",
        "after": "dump b.ttl",
        "entities": {"added": 1, "removed": 0, "changed": 1},
        "findings": {"appeared": 0, "resolved": 1},
        "changes": [
            {"iri": EX + "cam3", "label": "Camera 3", "types": ["Sensor"], "change": "added",
             "fields": [{"predicate": LABEL, "label": "label", "removed": [],
                         "added": ["Camera 3"]}]},
            {"iri": EX + "cam1", "label": "Camera 1", "types": ["Sensor"], "change": "changed",
             "fields": [{"predicate": CITYREG + "unitCount", "label": "unit count",
                         "removed": ["4"], "added": ["6"]}]},
        ],
        "findingChanges": [
            {"change": "resolved", "rule": "DA-25-2-d", "severity": "violation",
             "focus": FIXTURE + "contract",
             "focusLabel": "Air-quality platform contract (fictional)",
             "message": NOTICE_FINDING.message, "source": "Data Act Art. 25(2)(d)"},
        ],
    }
    changes = data["changes"]
    assert isinstance(changes, list)
    assert list(changes[0]) == ["iri", "label", "types", "change", "fields"]
    assert list(changes[0]["fields"][0]) == ["predicate", "label", "removed", "added"]
