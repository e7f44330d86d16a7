"""The engine finds exactly what pySHACL finds, feature group by feature group.

Each fixture pair ``data/<group>.shapes.ttl`` / ``data/<group>.data.ttl`` holds passing and
failing nodes. Results are compared as multisets of (focus, path, value, source shape,
component, severity); see :func:`registry.shacl.results.comparison_key`.
"""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import URIRef
from rdflib.namespace import SH

from registry.shacl.results import message_texts

Loader = Any  # the shacl_run fixture (tests/shacl/conftest.py)
GROUPS = ["targets", "paths", "values", "counts", "sparql"]


@pytest.mark.parametrize("group", GROUPS)
def test_full_validation_matches_pyshacl(group: str, shacl_run: Loader) -> None:
    run = shacl_run(f"{group}.shapes.ttl", f"{group}.data.ttl")
    mine, oracle = run.keys(run.engine_results()), run.keys(run.oracle_results())
    assert oracle, "the fixture should make pySHACL report something"
    assert mine == oracle, (
        f"only engine: {sorted(map(str, (mine - oracle).elements()))}\n"
        f"only pySHACL: {sorted(map(str, (oracle - mine).elements()))}"
    )


@pytest.mark.parametrize("group", GROUPS)
def test_incremental_validation_matches_pyshacl_per_focus_node(
    group: str, shacl_run: Loader
) -> None:
    run = shacl_run(f"{group}.shapes.ttl", f"{group}.data.ttl")
    oracle = run.oracle_results()
    focus_nodes = {r.focus for r in oracle} | set(run.data.subjects())
    for node in sorted(focus_nodes, key=str):
        if not isinstance(node, URIRef):
            continue
        expected = run.keys([r for r in oracle if r.focus == node])
        assert run.keys(run.engine_results(focus={node})) == expected, node


def test_every_component_of_the_subset_is_exercised(shacl_run: Loader) -> None:
    seen = set()
    for group in GROUPS:
        run = shacl_run(f"{group}.shapes.ttl", f"{group}.data.ttl")
        seen |= {r.component for r in run.engine_results()}
    expected = {SH[f"{name}ConstraintComponent"] for name in (
        "MinCount", "MaxCount", "Datatype", "Class", "NodeKind", "In", "HasValue", "Pattern",
        "MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive", "QualifiedMinCount",
        "QualifiedMaxCount", "SPARQL")}
    assert expected <= seen, expected - seen


def test_sparql_messages_are_substituted_as_pyshacl_does(shacl_run: Loader) -> None:
    run = shacl_run("sparql.shapes.ttl", "sparql.data.ttl")
    mine = message_texts(run.engine_results(), run.shapes_graph)
    oracle = message_texts(run.oracle_results(), run.shapes_graph)
    assert mine == oracle
    # pySHACL leaves {$this} alone when the query does not project $this
    assert any(t.startswith("{$this} ended on") for texts in mine.values() for t in texts)


def test_sparql_message_language_tags_are_kept(shacl_run: Loader) -> None:
    run = shacl_run("sparql.shapes.ttl", "sparql.data.ttl")
    shape = URIRef("http://example.org/UnauthorisedSubprocessorShape")
    [result] = [r for r in run.engine_results() if r.source_shape == shape]
    assert [m.language for m in result.messages] == ["en"]
    assert result.value == URIRef("http://example.org/c1")  # node shape: the focus node


def test_shape_messages_replace_generated_ones(shacl_run: Loader) -> None:
    run = shacl_run("targets.shapes.ttl", "targets.data.ttl")
    named = [r for r in run.engine_results() if r.focus == URIRef("http://example.org/badOrg")
             and r.component == SH.MinCountConstraintComponent]
    assert [str(m) for r in named for m in r.messages] == ["An organisation needs a name"]
    generated = [r for r in run.engine_results() if r.severity == SH.Warning]
    assert all(r.messages and "Fewer than 1 values" in r.messages[0] for r in generated)
