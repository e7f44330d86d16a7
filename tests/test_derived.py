"""The derived relations (registry/derived.py): what they hold, that they live only during a
validation run, and that a shape naming one finds what the written-out path found."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from registry.derived import (
    INVOLVED_IN,
    INVOLVES,
    INVOLVES_EXCEPT_SHARED,
    RELATIONS,
    DerivedRelations,
    Relation,
    read_from_focus_only,
    relation_pairs,
)
from registry.findings import Finding
from registry.namespaces import CITYREG, DERIVED_GRAPH
from registry.resources import ontology_path, shapes_dir
from registry.store import Registry
from registry.validate import _ValidationContext, load_shapes, validate_registry

DATA = Path(__file__).parent / "data"
PRELUDE = DATA / "prelude.ttl"
AS_OF = date(2026, 6, 1)
EX = "https://example.org/derived/"

# A processing uses an operations centre, which uses a platform, which uses a camera, whose
# deployment feeds a dataset: five links from the processing to the dataset. A data flow
# shares the dataset. A second processing uses the camera itself (upstream of the deployment).
GRAPH = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix ssn: <http://www.w3.org/ns/ssn/> .
@prefix ex: <https://example.org/derived/> .

ex:processing cityreg:usesSystem ex:centre .
ex:centre cityreg:usesSystem ex:platform .
ex:platform cityreg:usesSensor ex:camera .
ex:deployment ssn:deployedSystem ex:camera ;
    cityreg:feedsDataset ex:footage .
ex:flow cityreg:sharesDataset ex:footage .
ex:other cityreg:usesSensor ex:camera .
"""


def _store(text: str = GRAPH) -> ox.Store:
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    return store


def _reached(store: ox.Store, relation: Relation, node: str) -> set[str]:
    return {o.value for s, o in relation_pairs(store, relation)
            if isinstance(s, ox.NamedNode) and s.value == EX + node}


def _names(*nodes: str) -> set[str]:
    return {EX + node for node in nodes}


def test_involves_follows_one_to_three_links_and_no_fourth() -> None:
    store = _store()
    # 1: centre; 2: platform; 3: camera; 4 (the camera's deployment): not reached.
    assert _reached(store, INVOLVES, "processing") == _names("centre", "platform", "camera")
    # camera (1), its deployment (2, ^ssn:deployedSystem), the deployment's dataset (3)
    assert _reached(store, INVOLVES, "platform") == _names("camera", "deployment", "footage")
    # A deployment reaches itself through its sensor (2 links: out and back).
    assert _reached(store, INVOLVES, "deployment") == _names("camera", "footage", "deployment")
    assert _reached(store, INVOLVES, "footage") == set()


def test_involves_except_shared_does_not_follow_a_flows_dataset() -> None:
    store = _store()
    assert _reached(store, INVOLVES, "flow") == _names("footage")
    assert _reached(store, INVOLVES_EXCEPT_SHARED, "flow") == set()
    assert (_reached(store, INVOLVES_EXCEPT_SHARED, "processing")
            == _reached(store, INVOLVES, "processing"))


def test_involved_in_goes_upstream_one_to_three_links() -> None:
    store = _store()
    assert _reached(store, INVOLVED_IN, "platform") == _names("centre", "processing")
    assert _reached(store, INVOLVED_IN, "centre") == _names("processing")
    # A deployment is used by whoever uses its sensor (ssn:deployedSystem/^cityreg:usesSensor).
    assert _reached(store, INVOLVED_IN, "deployment") == _names("platform", "other", "centre",
                                                                 "processing")
    # four links upstream of nothing: a chain of four systems
    chain = "\n".join(f"ex:s{i} cityreg:usesSystem ex:s{i + 1} ."
                      for i in range(4))
    store = _store(GRAPH + chain)
    assert _reached(store, INVOLVED_IN, "s4") == _names("s3", "s2", "s1")


@pytest.mark.parametrize("relation", RELATIONS, ids=lambda r: r.iri.rsplit("#", 1)[1])
@pytest.mark.parametrize("source", [None, *sorted((DATA / "invalid").glob("GDPR-3*.ttl"))],
                         ids=lambda s: "hand-made" if s is None else s.stem)
def test_each_relation_is_the_path_it_stands_for(relation: Relation, source: Path | None
                                                 ) -> None:
    store = _store() if source is None else _store(PRELUDE.read_text() + source.read_text())
    rows = store.query(f"SELECT DISTINCT ?s ?o WHERE {{ ?s {relation.sparql_path} ?o }}",
                       use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    assert {(row["s"], row["o"]) for row in rows} == set(relation_pairs(store, relation))


def _derived(store: ox.Store) -> list[ox.Quad]:
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(DERIVED_GRAPH))))


def test_the_derived_graph_exists_only_inside_the_block() -> None:
    store = _store()
    before = len(store)
    with DerivedRelations(store):
        quads = _derived(store)
        assert ox.Quad(ox.NamedNode(EX + "processing"), ox.NamedNode(str(CITYREG.involves)),
                       ox.NamedNode(EX + "camera"), ox.NamedNode(str(DERIVED_GRAPH))) in quads
        assert {q.predicate.value for q in quads} == {r.iri for r in RELATIONS}
    assert _derived(store) == []
    assert len(store) == before
    assert not store.contains_named_graph(ox.NamedNode(str(DERIVED_GRAPH)))


class _CountingStore:
    """A store that records the size of each write (what an engine would get per request)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.writes: list[int] = []

    def extend(self, quads: list[ox.Quad]) -> None:
        self.writes.append(len(quads))
        self.store.extend(quads)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def test_the_derived_statements_are_written_in_batches(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """A registry held by an engine is sent its derived statements a batch at a time, never
    all at once; the graph then holds every one of them."""
    from registry.shacl import scratch

    expected = None
    with DerivedRelations(_store()) as whole:
        expected = set(_derived(whole.store))
    assert len(expected) > 3
    monkeypatch.setattr(scratch, "BATCH", 3)
    counting = _CountingStore(_store())
    with DerivedRelations(counting):  # type: ignore[arg-type]
        assert set(_derived(counting.store)) == expected
    assert max(counting.writes) == 3
    assert sum(counting.writes) == len(expected)


def test_what_the_graph_held_before_is_put_back() -> None:
    store = _store()
    kept = ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "b"),
                   ox.NamedNode(str(DERIVED_GRAPH)))
    store.add(kept)
    with DerivedRelations(store):
        assert kept not in _derived(store)
    assert _derived(store) == [kept]


def test_the_oracle_sees_the_derived_relations_and_a_failed_run_leaves_none() -> None:
    with Registry.memory() as registry:
        registry.load(PRELUDE, DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl")
        count = registry.count()
        seen: set[object] = set()

        def fail_inside_a_run() -> None:
            with _ValidationContext(registry, AS_OF):
                graph = registry.to_rdflib_graph(include_ontology=True)
                seen.update(p for _s, p, _o in graph if p in (CITYREG.involves,
                                                              CITYREG.involvesExceptShared))
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError, match="stop"):
            fail_inside_a_run()
        assert seen == {CITYREG.involves, CITYREG.involvesExceptShared}
        assert _derived(registry.store) == []
        assert registry.count() == count


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_run_leaves_no_derived_statement_in_counts_or_exports(tmp_path: Path,
                                                                 engine: str) -> None:
    with Registry.memory() as registry:
        registry.load(PRELUDE, DATA / "invalid" / "GDPR-30-1--no-record.ttl")
        count = registry.count()
        report = validate_registry(registry, AS_OF, engine=engine,  # type: ignore[arg-type]
                                   rules={"GDPR-30-1"})
        assert report.findings  # the rule did read the relations
        assert registry.count() == count
        assert _derived(registry.store) == []
        for fmt in ("n-quads", "turtle"):
            out = tmp_path / f"export.{fmt}"
            registry.export(fmt, out)
            text = out.read_text(encoding="utf-8")
            assert str(DERIVED_GRAPH) not in text
            assert not re.search(r"cityreg:involv|cityreg#involv", text)
        rows = registry.select("SELECT ?s WHERE { ?s cityreg:involves ?o }")
        assert list(rows) == []


def _written_out(text: str) -> str:
    """Shapes text with every derived relation replaced by the property path it stands for."""
    paths = {r.iri.rsplit("#", 1)[1]: r.sparql_path for r in RELATIONS}
    return re.sub(r"cityreg:(involvesExceptShared|involvedIn|involves)(?![\w-])",
                  lambda m: f"({paths[m.group(1)]})", text)


def _key(findings: list[Finding]) -> list[tuple[str, ...]]:
    return sorted((f.rule_id, str(f.severity), str(f.kind), f.focus, f.path, f.value, f.message)
                  for f in findings)


@pytest.fixture(scope="module")
def shape_sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """The shapes that use the relations, as they are and written out."""
    named, inline = [], []
    folder = tmp_path_factory.mktemp("inline")
    for name in ("prefixes.ttl", "gdpr.ttl", "ai-act.ttl", "oecd.ttl"):
        path = shapes_dir() / name
        named.append(path)
        text = path.read_text(encoding="utf-8")
        assert name == "prefixes.ttl" or "cityreg:involv" in text
        (folder / name).write_text(_written_out(text), encoding="utf-8")
        inline.append(folder / name)
    return named, inline


FIXTURES = sorted(p for pattern in ("GDPR-30-1--*", "GDPR-35-3--*", "GDPR-13-14--*", "AIA-*",
                                    "OECD-PS--*", "GDPR-6--*")
                  for p in (DATA / "invalid").glob(pattern + ".ttl"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_named_relations_find_what_the_written_out_paths_found(
        fixture: Path, shape_sets: tuple[list[Path], list[Path]]) -> None:
    named, inline = shape_sets
    with Registry.memory() as registry:
        registry.load(PRELUDE, fixture)
        with_names = validate_registry(registry, AS_OF, shapes=named)
        written_out = validate_registry(registry, AS_OF, shapes=inline)
    assert with_names.findings
    assert _key(with_names.findings) == _key(written_out.findings)


def test_the_oracle_finds_the_same_with_the_names(
        shape_sets: tuple[list[Path], list[Path]]) -> None:
    named, inline = shape_sets
    with Registry.memory() as registry:
        registry.load(PRELUDE, DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl")
        fast = validate_registry(registry, AS_OF, shapes=named)
        oracle = validate_registry(registry, AS_OF, shapes=named, engine="pyshacl")
        written_out = validate_registry(registry, AS_OF, shapes=inline, engine="pyshacl")
    assert _key(fast.findings) == _key(oracle.findings) == _key(written_out.findings)
    assert any(f.rule_id == "GDPR-35-3" for f in fast.findings)


def test_a_focused_run_finds_what_a_full_run_finds_for_its_focus() -> None:
    with Registry.memory() as registry:
        registry.load(PRELUDE, DATA / "invalid" / "GDPR-35-3--public-cameras-no-dpia.ttl")
        full = validate_registry(registry, AS_OF)
        foci = sorted({f.focus for f in full.findings if f.rule_id.startswith("GDPR-35")})
        assert foci
        focused = validate_registry(registry, AS_OF, focus=foci)
    assert _key(focused.findings) == _key([f for f in full.findings if f.focus in foci])


def test_the_ontology_declares_each_relation_as_derived() -> None:
    text = ontology_path().read_text(encoding="utf-8")
    for relation in RELATIONS:
        name = relation.iri.rsplit("#", 1)[1]
        block = text[text.index(f"cityreg:{name} a owl:ObjectProperty"):]
        block = block[:block.index(" .\n")]
        assert "registry/derived.py" in block
        assert "never to be asserted" in block


def _shapes(query: str, nested: bool = False) -> Graph:
    """A shapes graph whose one SPARQL constraint runs ``query``; ``nested``: on the value
    nodes of another shape (sh:node), not on focus nodes."""
    holder = ("ex:outer a sh:NodeShape ; sh:targetClass ex:C ; "
              "sh:property [ sh:path ex:p ; sh:node ex:S ] .\nex:S a sh:NodeShape" if nested
              else "ex:S a sh:NodeShape ; sh:targetClass ex:C")
    return Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <{EX}> .
        {holder} ; sh:sparql [ sh:select \"\"\"{query}\"\"\" ] .""")


@pytest.mark.parametrize(("where", "from_focus"), [
    ("$this cityreg:involves/cityreg:x ?v", True),
    ("$this cityreg:x|(cityreg:involvedIn|cityreg:involvesExceptShared)/cityreg:x ?v", True),
    ("$this cityreg:a ?w ; cityreg:involves/cityreg:x true , ?v", True),
    ("$this cityreg:a?/cityreg:involves ?v", True),
    ("$this <https://w3id.org/cityreg#involves> ?v", True),
    ("?u cityreg:involves $this", False),
    ("?u cityreg:a $this . ?u cityreg:involves ?v", False),
    ("$this cityreg:a/cityreg:involves ?v", False),
    ("$this ^cityreg:involves ?v", False),
    ("$this cityreg:involves+ ?v", False),
    ("$this cityreg:a [ cityreg:involves ?v ]", False),
    ("{ SELECT ?this WHERE { ?this cityreg:involves ?v } }", False),
])
def test_a_focused_run_derives_the_focus_nodes_only_when_the_queries_start_there(
        where: str, from_focus: bool) -> None:
    assert read_from_focus_only(_shapes(f"SELECT $this WHERE {{ {where} }}")) is from_focus


def test_shapes_on_value_nodes_or_naming_a_relation_as_a_term_need_every_statement() -> None:
    query = "SELECT $this WHERE { $this cityreg:involves/cityreg:x ?v }"
    assert read_from_focus_only(_shapes(query))
    assert not read_from_focus_only(_shapes(query, nested=True))
    graph = _shapes("SELECT $this WHERE { $this cityreg:x ?v }")
    graph.parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix cityreg: <https://w3id.org/cityreg#> .
        <{EX}S> sh:property [ sh:path cityreg:involves ; sh:minCount 1 ] .""")
    assert not read_from_focus_only(graph)


def test_the_repository_shapes_let_a_focused_run_derive_its_focus_nodes_only() -> None:
    shapes = load_shapes().graph
    assert read_from_focus_only(shapes)
    store = _store()
    focus = [ox.NamedNode(EX + "platform"), ox.NamedNode(EX + "deployment")]
    with DerivedRelations(store, focus, shapes):
        quads = _derived(store)
    assert {q.subject for q in quads} == set(focus)
    with DerivedRelations(store):
        everything = [q for q in _derived(store) if q.subject in focus]
    assert sorted(map(str, quads)) == sorted(map(str, everything))
    elsewhere = _shapes("SELECT $this WHERE { ?u cityreg:involves $this }")
    with DerivedRelations(store, focus, elsewhere):
        assert len(_derived(store)) > len(quads)
