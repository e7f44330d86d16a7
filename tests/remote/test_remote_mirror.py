"""Issue #17: the local mirror an engine's validation runs on (registry.remote.mirror) holds
what the engine holds, and is brought in step by copying only the graphs that changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from running_engines import Engine

from registry.remote import RemoteStore
from registry.remote.mirror import MIRROR, Mirror, validation_copy
from registry.resources import seed_dir
from registry.store import Registry
from registry.usercache import engine_folder
from registry.validate import Finding, validate_registry

AS_OF = date(2026, 12, 1)
JAKARTA_CONTRACT = "https://w3id.org/cityreg/id/jakarta/contract/ibm-qlue-analysis"


def _contents(store: ox.Store | RemoteStore, graph: str) -> Counter[str]:
    """A graph's statements as text, blank nodes (labelled apart by each store) as ``_``, and
    literals in Oxigraph's canonical form (the mirror keeps ``.31895Z`` of a ``.318950Z``)."""
    def text(term: object) -> str:
        return "_" if isinstance(term, ox.BlankNode) else str(term)
    canonical = ox.Store()
    canonical.bulk_extend(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    return Counter(f"{text(q.subject)} {text(q.predicate)} {text(q.object)}"
                   for q in canonical)


def _same_graphs(remote: RemoteStore, mirror: ox.Store) -> None:
    remote.refresh()
    assert sorted(g.value for g in mirror.named_graphs()) == sorted(remote.dataset())
    for graph in remote.dataset():
        assert _contents(mirror, graph) == _contents(remote, graph), graph


def _city(tmp_path: Path) -> Path:
    """The seed's files, to be changed one at a time."""
    folder = tmp_path / "city"
    folder.mkdir()
    for path in sorted(seed_dir().rglob("*.ttl")):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def _mirror(tmp_path: Path) -> Mirror:
    return Mirror(tmp_path / "mirror")


def _graph_of(registry: Registry, name: str) -> str:
    [graph] = [r.graph for r in registry.graphs() if r.source.endswith("/" + name)]
    return graph


def test_a_load_copies_again_only_the_graphs_it_changed(engine: Engine, tmp_path: Path
                                                       ) -> None:
    city = _city(tmp_path)
    with Registry.connect(engine.url) as registry:
        registry.load(city)
        remote = registry.store
        assert isinstance(remote, RemoteStore)
        mirror = _mirror(tmp_path)
        assert mirror.bring_in_step(remote) == set(remote.dataset())
        _same_graphs(remote, mirror.store)
        assert mirror.bring_in_step(remote) == set()

        changed = sorted(city.glob("*.ttl"))[0]
        changed.write_text(changed.read_text() + '\n<https://example.org/added> '
                           '<http://www.w3.org/2000/01/rdf-schema#label> "added" .\n')
        registry.load(city)
        recorded = {r.graph for r in registry.graphs()}
        copied = mirror.bring_in_step(remote)
        # the changed file's graph, and the graphs with no record of their own (provenance)
        assert copied & recorded == {_graph_of(registry, changed.name)}
        assert len(copied - recorded) < 4
        _same_graphs(remote, mirror.store)
        # written anew into another store folder, the old one removed
        assert [path.name for path in mirror.folder.glob("store-*")] == [mirror.name]


@contextmanager
def _seed_in_step(engine: Engine, tmp_path: Path
                  ) -> Iterator[tuple[Registry, RemoteStore, Mirror]]:
    """The seed on the engine, and a mirror of it brought in step."""
    with Registry.connect(engine.url) as registry:
        registry.load(seed_dir())
        remote = registry.store
        assert isinstance(remote, RemoteStore)
        mirror = _mirror(tmp_path)
        mirror.bring_in_step(remote)
        yield registry, remote, mirror


def test_an_update_copies_every_graph_again(engine: Engine, tmp_path: Path) -> None:
    with _seed_in_step(engine, tmp_path) as (registry, remote, mirror):
        registry.update(f"""DELETE {{ GRAPH ?g {{ <{JAKARTA_CONTRACT}> ?p ?o }} }}
                            WHERE {{ GRAPH ?g {{ <{JAKARTA_CONTRACT}> ?p ?o }} }}""")
        assert mirror.bring_in_step(remote) == set(remote.dataset())
        _same_graphs(remote, mirror.store)
        assert not list(mirror.store.quads_for_pattern(ox.NamedNode(JAKARTA_CONTRACT), None,
                                                       None))


def test_what_a_killed_run_left_is_dropped_and_a_half_made_copy_made_again(
        engine: Engine, tmp_path: Path) -> None:
    with _seed_in_step(engine, tmp_path) as (_registry, remote, mirror):
        left = ox.NamedNode("urn:cityreg:graph:validation-context")
        mirror.store.add(ox.Quad(ox.NamedNode("https://example.org/x"),
                           ox.NamedNode("https://example.org/p"), ox.Literal("left"), left))
        kept = mirror.name
        assert mirror.bring_in_step(remote) == set()
        _same_graphs(remote, mirror.store)
        assert mirror.name == kept  # dropped in place: nothing copied

        some = ox.NamedNode(remote.dataset()[0])
        mirror.store.clear_graph(some)  # a copy stopped before it wrote its key ...
        (mirror.folder / "key.json").unlink()
        assert mirror.bring_in_step(remote) == set(remote.dataset())
        _same_graphs(remote, mirror.store)


def _keys(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.rule_id, f.severity, f.focus, f.path, f.value, f.message) for f in findings]


def test_virtuoso_validates_on_its_mirror_in_step_with_each_load(virtuoso: Engine,
                                                                 tmp_path: Path) -> None:
    city = _city(tmp_path)
    with Registry.memory() as embedded, Registry.connect(virtuoso.url) as registry:
        embedded.load(city)
        registry.load(city)
        remote = registry.store
        assert isinstance(remote, RemoteStore)
        assert _keys(validate_registry(registry, AS_OF).findings) == _keys(
            validate_registry(embedded, AS_OF).findings)
        location = engine_folder(remote.location)
        assert location is not None
        assert (location / MIRROR / "key.json").is_file()

        before = _keys(validate_registry(registry, AS_OF, focus=[JAKARTA_CONTRACT]).findings)

        # the contract's file changed: the mirror follows, and the next runs' findings too
        changed = city / "jakarta.ttl"
        supplier = "    cityreg:supplier company:ibm ;\n"
        text = changed.read_text()
        assert supplier in text
        changed.write_text(text.replace(supplier, supplier + '    cityreg:startDate '
                                        '"2012-01-01"^^xsd:date ;\n'))
        embedded.load(city)
        registry.load(city)
        after = _keys(validate_registry(registry, AS_OF, focus=[JAKARTA_CONTRACT]).findings)
        assert after != before
        assert after == _keys(validate_registry(embedded, AS_OF,
                                                focus=[JAKARTA_CONTRACT]).findings)
        assert _keys(validate_registry(registry, AS_OF).findings) == _keys(
            validate_registry(embedded, AS_OF).findings)


def test_a_second_run_at_the_same_time_copies_into_memory(virtuoso: Engine) -> None:
    with Registry.connect(virtuoso.url) as registry:
        registry.load(seed_dir())
        remote = registry.store
        assert isinstance(remote, RemoteStore)
        with validation_copy(remote) as first, validation_copy(remote) as second:
            assert first is not second
            assert sorted(g.value for g in second.named_graphs()) == sorted(
                g.value for g in first.named_graphs())
            assert len(second) == len(first)
        with validation_copy(remote) as again:
            assert again is first  # the mirror is free again, and kept open
