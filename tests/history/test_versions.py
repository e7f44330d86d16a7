"""Every write that changes the registry is a version; any version can be rebuilt exactly."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.errors import InputError, ParseError
from registry.history.reconstruct import registry_at, state_at
from registry.history.versions import read_versions, resolve
from registry.resources import seed_dir
from registry.store import Registry
from registry.store.versioning import versioned_quads

EX = "https://example.org/"
CITYREG = "https://w3id.org/cityreg#"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    copy = tmp_path / "seed"
    shutil.copytree(seed_dir(), copy)
    return copy


def snapshot(registry: Registry) -> set[str]:
    return {f"{quad} ." for quad in versioned_quads(registry.store)}


def _write(path: Path, text: str) -> Path:
    path.write_text("@prefix ex: <https://example.org/> .\n"
                    "@prefix cityreg: <https://w3id.org/cityreg#> .\n"
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + text)
    return path


def test_a_load_is_one_version_with_who_what_and_the_files(
        seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYREG_AGENT", "Transparency Office")
    before = datetime.now(UTC) - timedelta(seconds=1)
    with Registry.memory() as registry:
        with registry.recording("cityreg load"):
            registry.load(seed)
        [version] = read_versions(registry)
        files = sorted(path.resolve().as_uri() for path in seed.rglob("*.ttl"))
        assert (version.number, version.agent, version.command) == (
            1, "Transparency Office", "cityreg load")
        assert before <= version.time <= datetime.now(UTC)
        assert [source for source, _ in version.sources] == files
        assert all(len(sha) == 64 for _, sha in version.sources)
        data = [change for change in version.changes if change.graph.startswith("file:")]
        assert [change.graph for change in data] == files
        assert all(change.created and change.removed == 0 for change in data)
        assert sum(change.added for change in data) == registry.count()


def test_an_unchanged_reload_records_no_version(seed: Path) -> None:
    with Registry.memory() as registry:
        registry.load(seed)
        registry.load(seed)
        assert [v.number for v in read_versions(registry)] == [1]


def test_an_edit_records_only_the_statements_that_changed(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.ttl", 'ex:cam a cityreg:Sensor ; rdfs:label "Camera" .\n'
                  'ex:wifi a cityreg:Sensor ; rdfs:label "Wi-Fi" .\n')
    with Registry.memory() as registry:
        registry.load(data)
        _write(data, 'ex:cam a cityreg:Sensor ; rdfs:label "Camera 2" .\n'
               'ex:wifi a cityreg:Sensor ; rdfs:label "Wi-Fi" .\n')
        registry.load(data)
        first, second = read_versions(registry)
        [change] = [c for c in second.changes if c.graph == data.resolve().as_uri()]
        assert (change.created, change.added, change.removed) == (False, 1, 1)
        assert (first.number, second.number) == (1, 2)
        assert second.command == "Registry.load"


def test_a_number_written_in_another_form_is_not_a_change(tmp_path: Path) -> None:
    """The store keeps "106.8284090"^^xsd:decimal as 106.828409: a reload that changes
    another statement records that one alone, not the number removed and added again."""
    data = _write(tmp_path / "a.ttl", 'ex:cam a cityreg:Sensor ; rdfs:label "Camera" ; '
                  'cityreg:unitCount "007"^^<http://www.w3.org/2001/XMLSchema#integer> ; '
                  'ex:long 106.8284090 .\n')
    with Registry.memory() as registry:
        registry.load(data)
        _write(data, data.read_text().split("\n", 3)[3].replace('"Camera"', '"Camera 2"'))
        registry.load(data)
        [change] = [c for c in read_versions(registry)[1].changes
                    if c.graph == data.resolve().as_uri()]
        assert (change.added, change.removed) == (1, 1)
        assert registry.count() == 4


def test_the_writes_of_one_command_are_one_version(tmp_path: Path) -> None:
    with Registry.memory() as registry:
        with registry.recording("cityreg import"):
            for name in ("a", "b"):
                registry.load_quads(f"{EX}graph/{name}", [ox.Triple(
                    ox.NamedNode(EX + name), RDFS_LABEL, ox.Literal(name))],
                    {"source": f"{EX}{name}.csv", "format": "text/csv"})
        [version] = read_versions(registry)
        assert version.command == "cityreg import"
        assert [c.graph for c in version.changes if c.graph.startswith(EX)] == [
            f"{EX}graph/a", f"{EX}graph/b"]
        assert [source for source, _ in version.sources] == [f"{EX}a.csv", f"{EX}b.csv"]


def test_a_failed_load_records_no_version(seed: Path, tmp_path: Path) -> None:
    broken = _write(tmp_path / "broken.ttl", "ex:a ex:b .\n")
    with Registry.memory() as registry:
        registry.load(seed)
        with pytest.raises(ParseError):
            registry.load(broken)
        assert len(read_versions(registry)) == 1


def test_every_version_is_rebuilt_exactly(seed: Path, tmp_path: Path) -> None:
    """Load, edit a file (a literal and a blank node), add a graph, drop a file's graph:
    each earlier state comes back statement for statement, blank node labels included."""
    extra = _write(tmp_path / "extra.ttl",
                   'ex:deal a cityreg:DataSharingAgreement ; rdfs:label "Deal" ;\n'
                   '  cityreg:retentionPeriod [ rdfs:label "one year" ] .\n')
    with Registry.memory() as registry:
        registry.load(seed, extra)
        states = [snapshot(registry)]
        jakarta = seed / "jakarta.ttl"
        jakarta.write_text(jakarta.read_text().replace("Qlue", "Qlue app", 1))
        _write(extra, 'ex:deal a cityreg:DataSharingAgreement ; rdfs:label "Deal" ;\n'
               '  cityreg:retentionPeriod [ rdfs:label "two years" ] .\n')
        registry.load(seed, extra)
        states.append(snapshot(registry))
        registry.load_quads(f"{EX}graph/csv", [ox.Triple(
            ox.NamedNode(EX + "cam"), RDFS_LABEL, ox.Literal("Camera"))],
            {"source": f"{EX}cams.csv", "format": "text/csv"})
        states.append(snapshot(registry))
        registry.remove_graph(jakarta.resolve().as_uri())
        states.append(snapshot(registry))
        assert len({frozenset(state) for state in states}) == 4
        versions = read_versions(registry)
        assert [v.number for v in versions] == [1, 2, 3, 4]
        for version, state in zip(versions, states, strict=True):
            rebuilt = {f"{quad} ." for quad in state_at(registry, version)}
            assert rebuilt == state, version.label
        label, first = registry_at(registry, "@1")
        assert label == versions[0].label
        assert snapshot(first) == states[0]
        assert first.count() == len([s for s in states[0] if "urn:cityreg:graph:" not in s])


def test_a_sparql_update_is_a_version_that_cannot_be_undone(seed: Path) -> None:
    with Registry.memory() as registry:
        registry.load(seed)
        registry.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> "c" }} }}')
        _, second = read_versions(registry)
        assert not second.statements_recorded
        assert second.command.startswith("Registry.update: INSERT DATA")
        with pytest.raises(InputError, match=r"version 2 .* SPARQL update .* cannot be "
                           r"reconstructed as it was before it"):
            registry_at(registry, "@1")
        assert registry_at(registry, "@2")[1].count() == registry.count()


def test_versions_are_named_by_number_latest_or_date(tmp_path: Path) -> None:
    with Registry.memory() as registry:
        for number in range(3):
            registry.load_quads(f"{EX}g", [ox.Triple(ox.NamedNode(EX + "a"), RDFS_LABEL,
                                                     ox.Literal(str(number)))],
                                {"source": f"{EX}a.csv", "format": "text/csv"})
        versions = read_versions(registry)
        assert resolve(versions, "@2").number == 2
        assert resolve(versions, "3").number == 3
        assert resolve(versions, "@latest").number == 3
        today = versions[-1].time.date().isoformat()
        assert resolve(versions, today).number == 3
        with pytest.raises(InputError, match="there is no version 7: the registry has "
                           "versions 1 to 3; list them with `cityreg history`"):
            resolve(versions, "@7")
        with pytest.raises(InputError, match="no version was made at or before '2001-01-01'"):
            resolve(versions, "2001-01-01")
        with pytest.raises(InputError, match="cannot read the version 'yesterday': expected a "
                           "number"):
            resolve(versions, "yesterday")
    with Registry.memory() as empty, pytest.raises(InputError, match="has no versions"):
        resolve(read_versions(empty), "@1")
