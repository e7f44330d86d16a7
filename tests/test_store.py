"""The Registry: loading, provenance, atomicity, queries, export and counts."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from registry import resources
from registry.errors import (
    InputError,
    NotFoundError,
    ParseError,
    QueryError,
    StoreError,
    UnknownFormatError,
)
from registry.store import (
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    ClassCount,
    LoadReport,
    Registry,
    SourceLoad,
    planning,
    transaction,
)
from registry.store.changes import read_marker
from registry.store.sources import Source, discover, parse_source, read_source

EX = "https://example.org/city/"
CITYREG = "https://w3id.org/cityreg#"

# One statement, ex:a ex:p "v", in every syntax the registry reads.
ONE_STATEMENT = {
    ".ttl": '<https://example.org/a> <https://example.org/p> "v" .',
    ".nt": '<https://example.org/a> <https://example.org/p> "v" .',
    ".nq": '<https://example.org/a> <https://example.org/p> "v" .',
    ".trig": '{ <https://example.org/a> <https://example.org/p> "v" . }',
    ".jsonld": '{"@id": "https://example.org/a", "https://example.org/p": "v"}',
    ".json-ld": '{"@id": "https://example.org/a", "https://example.org/p": "v"}',
    ".rdf": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="https://example.org/"><rdf:Description rdf:about="https://example.org/a">'
        "<ex:p>v</ex:p></rdf:Description></rdf:RDF>"
    ),
}
ONE_STATEMENT[".owl"] = ONE_STATEMENT[".xml"] = ONE_STATEMENT[".rdf"]
MEDIA_TYPES = {
    ".ttl": "text/turtle", ".nt": "application/n-triples", ".nq": "application/n-quads",
    ".trig": "application/trig", ".jsonld": "application/ld+json",
    ".json-ld": "application/ld+json", ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml", ".xml": "application/rdf+xml",
}
CITY_FILES = ["agencies.ttl", "sensors.jsonld", "sub/datasets.nt", "sub/legacy.rdf",
              "sub/sharing.trig"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(registry: Registry) -> set[str]:
    """Every quad of the store, provenance and ontology included, as N-Quads lines."""
    result = registry.raw_query("SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(result, ox.QuerySolutions)
    return {" ".join(str(term) for term in row) for row in result}


# -- formats and folders --------------------------------------------------------------------------


@pytest.mark.parametrize("extension", sorted(ONE_STATEMENT))
def test_every_supported_extension_loads_into_the_files_graph(
    memory_registry: Registry, tmp_path: Path, extension: str
) -> None:
    path = write(tmp_path / f"one{extension.upper() if extension == '.ttl' else extension}",
                 ONE_STATEMENT[extension])
    report = memory_registry.load(path)
    graph = path.resolve().as_uri()
    assert [(s.status, s.statements, s.graphs) for s in report.sources] == [
        ("loaded", 1, (graph,))]
    rows = memory_registry.select("SELECT ?g ?o { GRAPH ?g { ?s ?p ?o } }",
                                  bindings={"g": URIRef(graph)})
    assert rows == [{"g": URIRef(graph), "o": Literal("v")}]
    [record] = [r for r in memory_registry.graphs() if r.graph == graph]
    assert record.format == MEDIA_TYPES[extension]


def test_folder_is_walked_recursively_sorted_skipping_hidden_and_unknown_files(
    memory_registry: Registry, city_dir: Path
) -> None:
    report = memory_registry.load(city_dir)
    assert [s.source for s in report.sources] == [str(city_dir / f) for f in CITY_FILES]
    assert [s.statements for s in report.sources] == [4, 6, 2, 1, 2]
    assert {s.status for s in report.sources} == {"loaded"}
    assert report.count("loaded") == 5
    assert report.statements == 15
    assert len(memory_registry) == 15  # counted per graph: cam3's type is in two files


def test_a_folder_without_rdf_is_an_input_error(memory_registry: Registry, tmp_path: Path
                                                 ) -> None:
    write(tmp_path / "notes" / "readme.md", "no RDF here")
    with pytest.raises(InputError, match=r"contains no RDF files: expected files ending in"):
        memory_registry.load(tmp_path / "notes")


def test_a_missing_path_is_an_input_error(memory_registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file or folder: '.*nowhere'"):
        memory_registry.load(tmp_path / "nowhere")


def test_a_file_named_explicitly_needs_a_known_extension(
    memory_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "agencies.csv", "name\nPolice\n")
    with pytest.raises(UnknownFormatError, match=r"unknown RDF file extension .*'\.csv'.*\.ttl"):
        memory_registry.load(path)


def test_blank_nodes_of_two_files_stay_two_nodes(memory_registry: Registry, tmp_path: Path
                                                 ) -> None:
    write(tmp_path / "a.ttl", '_:b0 <https://example.org/name> "A" .')
    write(tmp_path / "b.ttl", '_:b0 <https://example.org/name> "B" .')
    memory_registry.load(tmp_path)
    rows = memory_registry.select("SELECT DISTINCT ?s { ?s <https://example.org/name> ?n }")
    assert len(rows) == 2
    assert all(isinstance(row["s"], BNode) for row in rows)


def test_graph_base_gives_machine_independent_graph_iris(
    memory_registry: Registry, city_dir: Path
) -> None:
    report = memory_registry.load(city_dir, graph_base="https://example.org/graphs/")
    assert [s.graphs[0] for s in report.sources] == [
        f"https://example.org/graphs/{f}" for f in CITY_FILES]
    record = next(r for r in memory_registry.graphs()
                  if r.graph == "https://example.org/graphs/agencies.ttl")
    assert record.source == (city_dir / "agencies.ttl").resolve().as_uri()


# -- named graphs and provenance ------------------------------------------------------------------


def test_each_file_gets_a_graph_and_a_prov_record(memory_registry: Registry, city_dir: Path
                                                  ) -> None:
    before = datetime.now(UTC)
    memory_registry.load(city_dir)
    records = {r.graph: r for r in memory_registry.graphs()}
    agencies = (city_dir / "agencies.ttl").resolve()
    record = records[agencies.as_uri()]
    assert record.source == agencies.as_uri()
    assert record.sha256 == hashlib.sha256(agencies.read_bytes()).hexdigest()
    assert record.statement_count == 4
    assert record.format == "text/turtle"
    assert before - timedelta(seconds=1) <= record.generated_at <= datetime.now(UTC)
    assert memory_registry.ask(
        """ASK { GRAPH <urn:cityreg:graph:provenance> {
              ?g a prov:Entity ; prov:wasDerivedFrom ?g ; cityreg:sha256 ?sha ;
                 prov:generatedAtTime ?t ; cityreg:statementCount 4 ; dct:format "text/turtle" }
            FILTER(datatype(?t) = xsd:dateTime) }""",
        bindings={"g": URIRef(agencies.as_uri()), "sha": Literal(record.sha256)},
    )


def test_trig_keeps_its_named_graphs_and_records_them_as_the_files(
    memory_registry: Registry, city_dir: Path
) -> None:
    report = memory_registry.load(city_dir / "sub" / "sharing.trig")
    trig = (city_dir / "sub" / "sharing.trig").resolve().as_uri()
    assert report.sources[0].graphs == (trig, EX + "agreements")
    records = {r.graph: r for r in memory_registry.graphs()}
    assert records[EX + "agreements"].source == trig
    assert records[EX + "agreements"].statement_count == 1
    assert records[trig].statement_count == 1
    assert memory_registry.ask(
        "ASK { GRAPH <https://example.org/city/agreements> "
        "{ <https://example.org/city/traffic> cityreg:sharedWith ?x } }")


def test_reloading_a_changed_file_replaces_only_its_statements(
    memory_registry: Registry, city_dir: Path
) -> None:
    memory_registry.load(city_dir)
    others = {r.graph: r for r in memory_registry.graphs() if "agencies" not in r.graph}
    write(city_dir / "agencies.ttl", f"<{EX}transport> a <{CITYREG}Agency> .")
    report = memory_registry.load(city_dir)
    assert [(s.status, s.statements, s.previous_statements) for s in report.sources] == [
        ("replaced", 1, 4), ("unchanged", 6, None), ("unchanged", 2, None),
        ("unchanged", 1, None), ("unchanged", 2, None)]
    assert not memory_registry.ask(f"ASK {{ <{EX}police> a ?type }}")
    assert memory_registry.ask(f"ASK {{ <{EX}cam1> <{CITYREG}operatedBy> <{EX}police> }}")
    assert len(memory_registry) == 12
    assert {r.graph: r for r in memory_registry.graphs() if "agencies" not in r.graph} == others


def test_reloading_a_trig_file_drops_the_named_graphs_it_no_longer_has(
    memory_registry: Registry, city_dir: Path
) -> None:
    trig = write(city_dir / "g.trig",
                 f"<{EX}g1> {{ <{EX}a> <{EX}p> 1 }} <{EX}g2> {{ <{EX}a> <{EX}p> 2 }}")
    memory_registry.load(trig)
    write(trig, f"<{EX}g1> {{ <{EX}a> <{EX}p> 1 }}")
    memory_registry.load(trig)
    assert EX + "g2" not in {r.graph for r in memory_registry.graphs()}
    assert memory_registry.select(f"SELECT ?o {{ <{EX}a> <{EX}p> ?o }}") == [
        {"o": Literal(1)}]


def test_reloading_an_unchanged_file_writes_nothing(memory_registry: Registry, city_dir: Path
                                                    ) -> None:
    memory_registry.load(city_dir)
    before = snapshot(memory_registry)
    report = memory_registry.load(city_dir)
    assert {s.status for s in report.sources} == {"unchanged"}
    assert [s.statements for s in report.sources] == [4, 6, 2, 1, 2]
    assert snapshot(memory_registry) == before  # provenance timestamps included


def test_two_files_cannot_fill_the_same_named_graph(memory_registry: Registry, tmp_path: Path
                                                    ) -> None:
    write(tmp_path / "a.trig", f"<{EX}g> {{ <{EX}a> <{EX}p> 1 }}")
    write(tmp_path / "b.trig", f"<{EX}g> {{ <{EX}a> <{EX}p> 2 }}")
    with pytest.raises(InputError, match=r"a\.trig and .*b\.trig both fill the graph"):
        memory_registry.load(tmp_path)
    memory_registry.load(tmp_path / "a.trig")
    with pytest.raises(InputError, match=r"b\.trig would take over the graph <.*/g> \(already "
                                         r"filled from file://.*a\.trig\)"):
        memory_registry.load(tmp_path / "b.trig")


def test_files_cannot_write_into_reserved_graphs(memory_registry: Registry, tmp_path: Path
                                                 ) -> None:
    path = write(tmp_path / "evil.trig", f"<{PROVENANCE_GRAPH}> {{ <{EX}a> <{EX}p> 1 }}")
    with pytest.raises(InputError, match="which cityreg manages itself"):
        memory_registry.load(path)


# -- atomic loads ---------------------------------------------------------------------------------

MALFORMED = f"""@prefix ex: <{EX}> .
ex:a ex:p ex:b .
ex:c ex:p foo:d .
"""


def test_a_malformed_file_fails_the_whole_load_on_a_memory_store(
    memory_registry: Registry, city_dir: Path
) -> None:
    memory_registry.load(city_dir)
    before = snapshot(memory_registry)
    write(city_dir / "agencies.ttl", f"<{EX}x> a <{CITYREG}Agency> .")  # valid change ...
    write(city_dir / "sub" / "zz-broken.ttl", MALFORMED)  # ... loaded with a broken file
    with pytest.raises(ParseError) as caught:
        memory_registry.load(city_dir)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(city_dir / "sub" / "zz-broken.ttl"),
                                                      3, 11)
    assert str(error).startswith(f"{city_dir}/sub/zz-broken.ttl:3:11: the prefix foo: has not "
                                 "been declared (expected valid Turtle")
    assert "nothing was loaded" in str(error)
    assert snapshot(memory_registry) == before


def test_a_malformed_file_leaves_an_on_disk_store_untouched_across_reopening(
    tiny_ontology: Path, city_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    with Registry.open(store, ontology=tiny_ontology) as registry:
        registry.load(city_dir)
        count, before = len(registry), snapshot(registry)
    write(city_dir / "agencies.ttl", f"<{EX}x> a <{CITYREG}Agency> .")
    write(city_dir / "broken.ttl", MALFORMED)
    with Registry.open(store, ontology=tiny_ontology) as registry, pytest.raises(
        ParseError, match=r"broken\.ttl:3:11: "
    ):
        registry.load(city_dir)
    with Registry.open(store, ontology=tiny_ontology) as registry:
        assert len(registry) == count == 15
        assert snapshot(registry) == before
    script = ("import sys; from registry.store import Registry; "
              "r = Registry.open(sys.argv[1], ontology=False); print(len(r)); r.close()")
    child = subprocess.run([sys.executable, "-c", script, str(store)], capture_output=True,
                           text=True, check=True)
    assert child.stdout == "15\n"


@pytest.mark.parametrize(
    ("name", "text", "line", "column"),
    [
        ("bad.nt", f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}a> <relative> <{EX}b> .\n", 2, 30),
        ("bad.jsonld", '{"@id": "https://example.org/a",\n "https://example.org/p": [}', 2, 28),
        ("bad.ttl", f'<{EX}a> <{EX}p> "unterminated .\n', 1, 59),
    ],
)
def test_parse_errors_carry_one_based_line_and_column(
    memory_registry: Registry, tmp_path: Path, name: str, text: str, line: int, column: int
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ParseError) as caught:
        memory_registry.load(path)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"{path}:{line}:{column}: ")


def test_rdf_xml_errors_without_a_location_still_name_the_file(
    memory_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "bad.rdf", "<rdf:RDF><unclosed></rdf:RDF>")
    with pytest.raises(ParseError) as caught:
        memory_registry.load(path)
    assert caught.value.line is None
    assert str(caught.value).startswith(f"{path}: ")
    assert "expected valid RDF/XML (https://www.w3.org/TR/rdf-syntax-grammar/)" in str(
        caught.value)


# -- streamed loads -------------------------------------------------------------------------------
# New Turtle, N-Triples and RDF/XML files go through pyoxigraph's bulk loader straight into
# their graph; everything else (and every reload) is parsed into memory first.

STREAMED = f"""@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<relative> ex:p ex:b , ex:b , "tab\\t" , "ünï"@de-AT , "1.50"^^xsd:decimal .
ex:a ex:address [ ex:street "Main St" ; ex:shared _:x ] .
_:x ex:name "shared" .
ex:a ex:p ex:b .
ex:a ex:p ex:b .
"""


def plan_for(registry: Registry, *paths: Path) -> planning.FilePlan:
    """What ``registry.load(*paths)`` would do, without doing it."""
    records = {record.graph: record for record in registry.graphs()}
    return planning.plan_files(discover(paths), records, lambda graph: bool(
        registry.store.contains_named_graph(ox.NamedNode(graph))))


def records_but_time(registry: Registry) -> set[tuple[str, str, str, int, str]]:
    return {(r.graph, r.source, r.sha256, r.statement_count, r.format)
            for r in registry.graphs()}


def numbered_lines(count: int, tail: str = "") -> str:
    return "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(count)) + tail


def test_which_sources_are_streamed(memory_registry: Registry, city_dir: Path) -> None:
    plan = plan_for(memory_registry, city_dir)
    assert [stream.source.display for stream in plan.streams] == [
        str(city_dir / f) for f in ("agencies.ttl", "sub/datasets.nt", "sub/legacy.rdf")]
    assert [r.source for r in plan.replacements] == [  # JSON-LD and TriG can name graphs
        (city_dir / f).resolve().as_uri() for f in ("sensors.jsonld", "sub/sharing.trig")]
    memory_registry.load(city_dir / "agencies.ttl")
    extra = write(city_dir / "extra.ttl", f"<{EX}a> <{EX}p> 1 .")
    memory_registry.update(f"INSERT DATA {{ GRAPH <{extra.resolve().as_uri()}> "
                           f"{{ <{EX}a> <{EX}p> 2 }} }}")
    write(city_dir / "agencies.ttl", f"<{EX}a> <{EX}p> 3 .")
    plan = plan_for(memory_registry, city_dir / "agencies.ttl", extra)
    assert plan.streams == []  # a reload, and a file whose graph exists: both diffed
    assert [r.old_graphs for r in plan.replacements] == [
        {(city_dir / "agencies.ttl").resolve().as_uri()}, {extra.resolve().as_uri()}]


def test_a_streamed_file_gives_the_quads_counts_and_provenance_of_parsing_it(
    memory_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "data.ttl", STREAMED)
    [source] = discover([path])
    assert [stream.source for stream in plan_for(memory_registry, path).streams] == [source]
    parsed = parse_source(source, *read_source(source))  # what the in-memory path would write
    expected = parsed.graphs[source.graph]
    before = datetime.now(UTC)
    report = memory_registry.load(path)
    assert report == LoadReport((SourceLoad(str(path), (source.graph,), "loaded", 9),))
    assert len(expected) == len(memory_registry) == 9  # distinct statements
    stored = memory_registry.to_rdflib_graph(include_ontology=False)
    assert (URIRef((tmp_path / "relative").resolve().as_uri()), URIRef(EX + "p"),
            URIRef(EX + "b")) in stored  # relative IRIs resolve against the file
    [record] = [r for r in memory_registry.graphs() if r.graph == source.graph]
    assert (record.source, record.sha256, record.statement_count, record.format) == (
        source.uri, hashlib.sha256(path.read_bytes()).hexdigest(), 9, "text/turtle")
    assert before - timedelta(seconds=1) <= record.generated_at <= datetime.now(UTC)
    with Registry.memory(ontology=False) as parsed_path:  # the same quads through load_quads
        result = parsed_path.load_quads(source.graph, expected, {
            "source": source.uri, "format": "text/turtle", "sha256": record.sha256})
        assert (result.graphs, result.status, result.statements) == (
            (source.graph,), "loaded", 9)
        assert records_but_time(parsed_path) | {
            (r.graph, r.source, r.sha256, r.statement_count, r.format)
            for r in memory_registry.graphs() if r.graph == ONTOLOGY_GRAPH
        } == records_but_time(memory_registry)
        assert isomorphic(parsed_path.to_rdflib_graph(), stored)


def test_an_empty_streamed_file_is_recorded_with_no_statements(
    memory_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "empty.nt", "# nothing yet\n")
    assert [(s.status, s.statements) for s in memory_registry.load(path).sources] == [
        ("loaded", 0)]
    [record] = [r for r in memory_registry.graphs() if r.graph == path.resolve().as_uri()]
    assert record.statement_count == 0
    assert memory_registry.load(path).sources[0].status == "unchanged"


def test_blank_nodes_of_two_streamed_files_stay_two_nodes(
    memory_registry: Registry, tmp_path: Path
) -> None:
    for name, text in (("a.ttl", "A"), ("b.nt", "B")):
        write(tmp_path / name, f'_:b0 <{EX}name> "{text}" .\n_:b0 <{EX}knows> <{EX}x> .\n')
    assert len(plan_for(memory_registry, tmp_path).streams) == 2
    memory_registry.load(tmp_path)
    rows = memory_registry.select(f"SELECT ?s ?n {{ ?s <{EX}name> ?n ; <{EX}knows> ?x }}")
    assert sorted(str(row["n"]) for row in rows) == ["A", "B"]  # each file's _:b0 is one node
    assert len({row["s"] for row in rows}) == 2
    assert all(isinstance(row["s"], BNode) for row in rows)


def test_reloading_a_streamed_file_unchanged_writes_nothing(
    memory_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "big.ttl", numbered_lines(500))
    memory_registry.load(path)
    before = snapshot(memory_registry)
    assert plan_for(memory_registry, path).streams == []
    report = memory_registry.load(path)
    assert [(s.status, s.statements) for s in report.sources] == [("unchanged", 500)]
    assert snapshot(memory_registry) == before


def test_reloading_a_changed_streamed_file_is_a_small_diff(tmp_path: Path) -> None:
    lines = numbered_lines(2000).splitlines()
    path = write(tmp_path / "big.ttl", "\n".join(lines) + "\n")
    registry = Registry(ox.Store(), None)
    assert registry.load(path).sources[0].statements == 2000
    write(path, "\n".join([*lines[1:], f'<{EX}new> <{EX}p> "new" .']) + "\n")
    plan = plan_for(registry, path)
    assert plan.streams == []
    spy = RecordingStore(registry.store)
    transaction.apply(spy, plan.replacements)  # type: ignore[arg-type]
    [update] = spy.updates
    assert f'<{EX}s0> <{EX}p> "0"' in update  # the one deleted statement
    assert f'<{EX}new> <{EX}p> "new"' in update  # the one added statement
    assert f"<{EX}s1> " not in update
    assert "DROP" not in update
    assert plan.report({}).sources == (SourceLoad(str(path), (path.resolve().as_uri(),),
                                                  "replaced", 2000, 2000),)
    assert len(registry) == 2000


@pytest.mark.parametrize("broken", [
    "zz-broken.ttl",  # streamed after the good file, which is in the store by then
    "aa-broken.ttl",  # streamed first
    "zz-broken.jsonld",  # parsed in memory: fails before anything is written
])
def test_a_malformed_file_undoes_the_streamed_files_of_its_load(
    memory_registry: Registry, city_dir: Path, tmp_path: Path, broken: str
) -> None:
    memory_registry.load(city_dir)
    before, records = snapshot(memory_registry), memory_registry.graphs()
    write(city_dir / "agencies.ttl", f"<{EX}x> a <{CITYREG}Agency> .")  # a reload, diffed
    new = tmp_path / "new"
    write(new / "good.ttl", numbered_lines(3000))
    write(new / "good.nt", numbered_lines(10))
    write(new / broken, MALFORMED if broken.endswith(".ttl") else '{"@id": [}')
    with pytest.raises(ParseError, match=rf"{broken}:\d+:\d+: .*nothing was loaded\)$"):
        memory_registry.load(city_dir, new)
    assert snapshot(memory_registry) == before
    assert memory_registry.graphs() == records
    assert not any(memory_registry.store.contains_named_graph(ox.NamedNode(g))
                   for g in (f"{(new / f).resolve().as_uri()}" for f in ("good.ttl", "good.nt")))


def test_a_streamed_file_that_breaks_late_is_undone(memory_registry: Registry, tmp_path: Path
                                                    ) -> None:
    path = write(tmp_path / "late.nt", numbered_lines(50_000, f"<{EX}a> <relative> 1 .\n"))
    with pytest.raises(ParseError, match=r"late\.nt:50001:30: "):
        memory_registry.load(path)
    assert len(memory_registry) == 0
    assert not memory_registry.store.contains_named_graph(ox.NamedNode(path.resolve().as_uri()))


def test_a_partly_bulk_loaded_file_is_dropped_again(
    memory_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyoxigraph's bulk loader may leave part of a file in the store when it fails.
    good, bad = write(tmp_path / "a.ttl", numbered_lines(100)), write(tmp_path / "b.ttl", "")
    before = snapshot(memory_registry)
    stream = transaction.stream_source

    def half_then_fail(store: ox.Store, source: Source) -> None:
        stream(store, source)
        if source.path == bad.resolve():
            store.extend([ox.Quad(ox.NamedNode(EX + "half"), ox.NamedNode(EX + "p"),
                                  ox.Literal("1"), ox.NamedNode(source.graph))])
            raise ParseError(source.display, 1, 1, "boom", "valid Turtle", "fix it")

    monkeypatch.setattr(transaction, "stream_source", half_then_fail)
    with pytest.raises(ParseError, match=r"b\.ttl:1:1: boom"):
        memory_registry.load(good, bad)
    assert snapshot(memory_registry) == before
    assert {g.value for g in memory_registry.store.named_graphs()} == {
        ONTOLOGY_GRAPH, PROVENANCE_GRAPH}


def test_a_failing_transactional_write_undoes_the_streamed_files(
    memory_registry: Registry, city_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(memory_registry)

    def fail(store: ox.Store, change: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(transaction, "_write", fail)
    with pytest.raises(OSError, match="disk full"):
        memory_registry.load(city_dir)  # three files streamed, two parsed
    assert snapshot(memory_registry) == before
    assert {g.value for g in memory_registry.store.named_graphs()} == {
        ONTOLOGY_GRAPH, PROVENANCE_GRAPH}


def test_a_streamed_file_cannot_share_its_graph_with_another_file(
    memory_registry: Registry, tmp_path: Path
) -> None:
    streamed = write(tmp_path / "a.ttl", f"<{EX}a> <{EX}p> 1 .")
    write(tmp_path / "b.trig", f"<{streamed.resolve().as_uri()}> {{ <{EX}a> <{EX}p> 2 }}")
    with pytest.raises(InputError, match=r"a\.ttl and .*b\.trig both fill the graph"):
        memory_registry.load(tmp_path)
    assert len(memory_registry) == 0


def test_a_malformed_file_undoes_streamed_files_on_disk_across_reopening(
    tiny_ontology: Path, city_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    with Registry.open(store, ontology=tiny_ontology) as registry:
        registry.load(city_dir)
        count, before = len(registry), snapshot(registry)
    new = tmp_path / "new"
    write(new / "good.ttl", numbered_lines(3000))
    write(new / "zz-broken.ttl", MALFORMED)
    with Registry.open(store, ontology=tiny_ontology) as registry, pytest.raises(
        ParseError, match=r"zz-broken\.ttl:3:11: "
    ) as caught:
        registry.load(city_dir, new)
    with Registry.open(store, ontology=tiny_ontology) as registry:  # the error holds no lock
        assert len(registry) == count == 15
        assert snapshot(registry) == before
    script = ("import sys; from registry.store import Registry; "
              "r = Registry.open(sys.argv[1], ontology=False); print(len(r)); r.close()")
    child = subprocess.run([sys.executable, "-c", script, str(store)], capture_output=True,
                           text=True, check=True)
    assert child.stdout == "15\n"
    assert caught.value.line == 3
    with Registry.open(store, ontology=tiny_ontology) as registry:
        (new / "zz-broken.ttl").unlink()
        assert registry.load(new).statements == 3000
    with Registry.open(store, ontology=tiny_ontology) as registry:
        assert len(registry) == 3015


# -- graphs built in memory -----------------------------------------------------------------------

IMPORT_GRAPH = "https://example.org/graphs/import"


def test_load_quads_records_provenance_and_is_idempotent(memory_registry: Registry) -> None:
    triples = [(URIRef(EX + "a"), URIRef(EX + "name"), Literal("A", lang="en")),
               (URIRef(EX + "a"), URIRef(EX + "size"), Literal(3))]
    provenance = {"source": "https://example.org/agencies.csv", "format": "text/csv"}
    first = memory_registry.load_quads(IMPORT_GRAPH, triples, provenance)
    assert (first.status, first.statements, first.graphs) == ("loaded", 2, (IMPORT_GRAPH,))
    again = memory_registry.load_quads(IMPORT_GRAPH, triples, provenance)
    assert again.status == "unchanged"
    changed = memory_registry.replace_graph(IMPORT_GRAPH, triples[:1], provenance)
    assert (changed.status, changed.statements, changed.previous_statements) == (
        "replaced", 1, 2)
    [record] = [r for r in memory_registry.graphs() if r.graph == IMPORT_GRAPH]
    assert (record.source, record.format, record.statement_count) == (
        "https://example.org/agencies.csv", "text/csv", 1)
    assert memory_registry.select(f"SELECT ?o {{ GRAPH <{IMPORT_GRAPH}> {{ ?s ?p ?o }} }}") == [
        {"o": Literal("A", lang="en")}]


def test_load_quads_with_the_sources_checksum_skips_unchanged_input(
    memory_registry: Registry,
) -> None:
    provenance = {"source": "https://example.org/x.csv", "format": "text/csv", "sha256": "ab"}
    memory_registry.load_quads(IMPORT_GRAPH, [ox.Triple(ox.NamedNode(EX + "a"),
                                                        ox.NamedNode(EX + "p"), ox.Literal("1"))],
                               provenance)

    def never_iterated() -> list[ox.Triple]:
        raise AssertionError("statements of an unchanged source must not be read")

    class Lazy:
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(never_iterated())

    assert memory_registry.load_quads(IMPORT_GRAPH, Lazy(), provenance).status == "unchanged"


def test_load_quads_refuses_reserved_graphs_and_bad_provenance(memory_registry: Registry) -> None:
    with pytest.raises(InputError, match="managed by cityreg itself"):
        memory_registry.load_quads(ONTOLOGY_GRAPH, [], {"source": "x:y", "format": "text/csv"})
    with pytest.raises(ValueError, match=r"missing \['format'\], unknown \['license'\]"):
        memory_registry.load_quads(IMPORT_GRAPH, [], {"source": "x:y", "license": "CC0"})


def test_remove_graph_removes_its_statements_and_record(
    memory_registry: Registry, city_dir: Path
) -> None:
    memory_registry.load(city_dir)
    graph = (city_dir / "agencies.ttl").resolve().as_uri()
    memory_registry.remove_graph(graph)
    assert len(memory_registry) == 11
    assert graph not in {r.graph for r in memory_registry.graphs()}
    with pytest.raises(NotFoundError, match=r"no graph '.*agencies\.ttl' in the registry"):
        memory_registry.remove_graph(graph)


# -- the ontology ---------------------------------------------------------------------------------


def test_the_ontology_is_loaded_but_kept_out_of_counts_stats_and_export(
    memory_registry: Registry, city_dir: Path
) -> None:
    assert len(memory_registry) == 0
    assert memory_registry.count(include_ontology=True) == 7  # 3 classes, 4 labels
    memory_registry.load(city_dir)
    assert len(memory_registry) == 15
    assert "http://www.w3.org/2002/07/owl#Class" not in memory_registry.stats()
    out = io.BytesIO()
    memory_registry.export("n-triples", out)
    assert b"owl#Class" not in out.getvalue()
    memory_registry.export("n-triples", out := io.BytesIO(), include_ontology=True)
    assert b"owl#Class" in out.getvalue()


def test_the_ontology_is_reloaded_only_when_its_file_changes(
    tmp_path: Path, tiny_ontology: Path
) -> None:
    ontology = write(tmp_path / "onto.ttl", tiny_ontology.read_text())
    store = tmp_path / "store"
    with Registry.open(store, ontology=ontology) as registry:
        first = next(r for r in registry.graphs() if r.graph == ONTOLOGY_GRAPH)
    with Registry.open(store, ontology=ontology) as registry:
        assert next(r for r in registry.graphs() if r.graph == ONTOLOGY_GRAPH) == first
    write(ontology, f'<{CITYREG}Sensor> <http://www.w3.org/2000/01/rdf-schema#label> "Sensore" .')
    with Registry.open(store, ontology=ontology) as registry:
        second = next(r for r in registry.graphs() if r.graph == ONTOLOGY_GRAPH)
        assert second.sha256 != first.sha256
        assert registry.count(include_ontology=True) == 1


def test_ontology_false_loads_none_and_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with Registry.memory(ontology=False) as registry:
        assert registry.graphs() == []
    with pytest.raises(InputError, match=r"the ontology file '.*nope\.ttl' does not exist"):
        Registry.memory(ontology=tmp_path / "nope.ttl")


def test_the_built_in_ontology_comes_from_resources(
    monkeypatch: pytest.MonkeyPatch, tiny_ontology: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "ontology_path", lambda: tiny_ontology)
    with Registry.memory() as registry:
        [record] = registry.graphs()
        assert record.source == tiny_ontology.resolve().as_uri()
    monkeypatch.setattr(resources, "ontology_path", lambda: tmp_path / "missing.ttl")
    with pytest.raises(StoreError, match=r"built-in ontology .*missing\.ttl is missing"):
        Registry.memory()


# -- queries --------------------------------------------------------------------------------------


def test_select_converts_terms_to_rdflib(memory_registry: Registry, tmp_path: Path) -> None:
    write(tmp_path / "t.ttl", f'<{EX}a> <{EX}p> "plain", "en"@en, 3, "2024-01-02"^^<'
                              'http://www.w3.org/2001/XMLSchema#date>, _:b .')
    memory_registry.load(tmp_path / "t.ttl")
    rows = memory_registry.select(f"SELECT ?o ?missing {{ <{EX}a> <{EX}p> ?o "
                                  "OPTIONAL { ?o <urn:x> ?missing } } ORDER BY str(?o)")
    values = [row["o"] for row in rows]
    assert all("missing" not in row for row in rows)
    assert isinstance(values[0], BNode)  # str() of a blank node is an error: sorts first
    assert values[1:] == [Literal("2024-01-02", datatype=rdflib.XSD.date), Literal(3),
                          Literal("en", lang="en"), Literal("plain")]
    assert values[-1].datatype is None  # xsd:string comes back as a plain rdflib literal


def test_ask_construct_and_raw_query(memory_registry: Registry, city_dir: Path) -> None:
    memory_registry.load(city_dir)
    assert memory_registry.ask("ASK { ?s a cityreg:Dataset }") is True
    assert memory_registry.ask("ASK { ?s a cityreg:Contract }") is False
    graph = memory_registry.construct(
        "CONSTRUCT { ?agency cityreg:operates ?sensor } "
        "WHERE { ?sensor cityreg:operatedBy ?agency }")
    assert set(graph) == {
        (URIRef(EX + "police"), URIRef(CITYREG + "operates"), URIRef(EX + "cam1")),
        (URIRef(EX + "transport"), URIRef(CITYREG + "operates"), URIRef(EX + "cam2")),
        (URIRef(EX + "transport"), URIRef(CITYREG + "operates"), URIRef(EX + "cam3")),
    }
    raw = memory_registry.raw_query("SELECT (COUNT(*) AS ?n) { ?s a cityreg:Sensor }")
    assert isinstance(raw, ox.QuerySolutions)
    assert [row["n"].value for row in raw] == ["4"]  # cam3 is typed in two graphs


def test_a_query_of_the_wrong_form_names_the_right_method(memory_registry: Registry) -> None:
    with pytest.raises(QueryError, match=r"select\(\) expects a SELECT query, but got ASK"):
        memory_registry.select("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError, match=r"ask\(\) expects a ASK query, but got SELECT"):
        memory_registry.ask("SELECT * { ?s ?p ?o }")


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX ex: <urn:ex#> # a comment with SELECT in it\nDELETE WHERE { ?s ex:p ?o }",
    "DROP ALL",
])
def test_queries_refuse_updates(memory_registry: Registry, update: str) -> None:
    with pytest.raises(QueryError, match=r"this is a SPARQL update .*use Registry\.update\(\)"):
        memory_registry.select(update)
    assert memory_registry.count(include_ontology=True) == 7


def test_update_changes_data_and_refuses_queries(memory_registry: Registry) -> None:
    memory_registry.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> a cityreg:Sensor }} }}")
    assert len(memory_registry) == 1
    with pytest.raises(QueryError, match=r"this is a SPARQL query \(SELECT\), but an update"):
        memory_registry.update("SELECT * { ?s ?p ?o }")


def test_bad_sparql_names_line_column_and_shows_the_spot(memory_registry: Registry) -> None:
    with pytest.raises(QueryError) as caught:
        memory_registry.select("SELECT ?s\nWHERE { ?s ex:p ?o }")
    assert (caught.value.line, caught.value.column) == (2, 17)  # where pyoxigraph gave up
    assert str(caught.value) == (
        "SPARQL error at line 2, column 17: expected OPTIONAL; the prefix ex: is not declared: "
        "add `PREFIX ex: <...>`\n    WHERE { ?s ex:p ?o }\n                    ^")


def test_federated_queries_are_refused(memory_registry: Registry) -> None:
    with pytest.raises(QueryError, match="uses SERVICE"):
        memory_registry.select("SELECT * { SERVICE <http://localhost:1/sparql> { ?s ?p ?o } }")
    assert memory_registry.select("SELECT ?service { BIND(1 AS ?service) }") == [
        {"service": Literal(1)}]


def test_bindings_must_name_returned_variables(memory_registry: Registry) -> None:
    with pytest.raises(QueryError, match=r"cannot bind s: .*bind only variables that the query"):
        memory_registry.select("SELECT ?o { ?s ?p ?o }", bindings={"s": URIRef(EX + "a")})


# -- export, counts, stats ------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "rdflib_format"), [
    ("turtle", "turtle"), ("json-ld", "json-ld"), ("n-triples", "nt")])
def test_triple_exports_round_trip_through_rdflib(
    memory_registry: Registry, city_dir: Path, fmt: str, rdflib_format: str
) -> None:
    memory_registry.load(city_dir)
    out = io.BytesIO()
    memory_registry.export(fmt, out)
    with warnings.catch_warnings():  # rdflib 7.6's JSON-LD parser uses deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = rdflib.Graph().parse(data=out.getvalue(), format=rdflib_format)
    assert len(parsed) == 14  # the union: cam3's duplicated type statement counted once
    assert isomorphic(parsed, memory_registry.to_rdflib_graph(include_ontology=False))


def test_nquads_export_keeps_named_graphs_and_provenance(
    memory_registry: Registry, city_dir: Path, tmp_path: Path
) -> None:
    memory_registry.load(city_dir)
    memory_registry.export("n-quads", tmp_path / "all.nq")
    dataset = rdflib.Dataset()
    with warnings.catch_warnings():  # rdflib 7.6's own N-Quads parser uses deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(tmp_path / "all.nq", format="nquads")
    graphs = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert graphs[(city_dir / "agencies.ttl").resolve().as_uri()] == 4
    assert graphs[EX + "agreements"] == 1
    assert graphs[PROVENANCE_GRAPH] == 7 * 6  # 5 files, ex:agreements, ontology; 6 each
    assert ONTOLOGY_GRAPH not in graphs


def test_export_errors(memory_registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(UnknownFormatError, match=r"unknown export format 'rdfxml': expected "
                                                 r"one of turtle, json-ld, n-triples, n-quads"):
        memory_registry.export("rdfxml", io.BytesIO())
    with pytest.raises(InputError, match=r"cannot write the export to .*/missing/out\.ttl"):
        memory_registry.export("turtle", tmp_path / "missing" / "out.ttl")


def test_stats_counts_distinct_instances_per_class_with_ontology_labels(
    memory_registry: Registry, city_dir: Path
) -> None:
    memory_registry.load(city_dir)
    write(city_dir / "extra.ttl", f"<{EX}x> a <{EX}Unlabelled> . <{EX}y> a <{EX}Unlabelled> .")
    memory_registry.load(city_dir / "extra.ttl")
    stats = memory_registry.stats()
    assert list(stats.values()) == [
        ClassCount(CITYREG + "Sensor", "Sensor", 3),
        ClassCount(EX + "Unlabelled", None, 2),  # ties broken by IRI
        ClassCount(CITYREG + "Agency", "Agency", 2),  # English preferred over Italian
        ClassCount(CITYREG + "Dataset", "Dataset", 1),
    ]
    assert list(stats) == [c.iri for c in stats.values()]


# -- opening and closing --------------------------------------------------------------------------


def test_a_store_is_locked_while_open(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store", ontology=False), pytest.raises(
        StoreError, match=r"already open, in this or another process \(locked\), still after "
        r"0.2 s; wait for the other `cityreg load`"
    ):
        Registry.open(tmp_path / "store", ontology=False, wait=0.2)


def test_opening_waits_for_a_lock_to_be_released(tmp_path: Path) -> None:
    """A load started while another process holds the store (``cityreg serve`` taking its
    checkpoint, another load) waits for the lock instead of failing at once."""
    first = Registry.open(tmp_path / "store", ontology=False)
    threading.Timer(0.3, first.close).start()
    started = time.monotonic()
    with Registry.open(tmp_path / "store", ontology=False, wait=5) as second:
        assert len(second) == 0
    assert 0.25 < time.monotonic() - started < 5


def test_every_committed_write_changes_the_store_marker(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with Registry.open(folder, ontology=False) as registry:
        assert read_marker(folder) == ""
        write(tmp_path / "a.ttl", "<urn:x:a> <urn:x:p> 1 .\n")
        registry.load(tmp_path / "a.ttl")
        after_load = read_marker(folder)
        assert after_load
        registry.load(tmp_path / "a.ttl")  # unchanged: nothing written, same marker
        assert read_marker(folder) == after_load
        registry.update("INSERT DATA { <urn:x:b> <urn:x:p> 2 }")
        after_update = read_marker(folder)
        assert after_update not in ("", after_load)
        registry.load_quads("urn:x:imported", [(URIRef("urn:x:c"), URIRef("urn:x:p"),
                                                Literal(3))],
                            {"source": "urn:x:sheet", "format": "text/csv"})  # an import
        assert read_marker(folder) != after_update
        after_update = read_marker(folder)
        registry.remove_graph(registry.graphs()[0].graph)
        assert read_marker(folder) not in ("", after_update)


def test_a_file_is_not_a_store(tmp_path: Path) -> None:
    path = write(tmp_path / "store", "not a folder")
    with pytest.raises(StoreError, match=r"cannot use the store at .*store: it is a file"):
        Registry.open(path, ontology=False)


def test_a_closed_registry_says_so(tmp_path: Path) -> None:
    registry = Registry.open(tmp_path / "store", ontology=False)
    registry.close()
    registry.close()
    with pytest.raises(StoreError, match="the registry was closed"):
        len(registry)
    with Registry.open(tmp_path / "store", ontology=False) as again:  # the lock was released
        assert len(again) == 0


def test_replacing_through_sparql_update_keeps_tricky_terms_intact(
    memory_registry: Registry, tmp_path: Path
) -> None:
    tricky = (f'<{EX}a> <{EX}p> "quote \\" backslash \\\\ tab \\t", """two\nlines""", '
              f'"ünïcödé 🚦"@de-AT, "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>, '
              f'[ <{EX}q> _:shared ] . _:shared <{EX}r> "shared" .\n')
    path = write(tmp_path / "tricky.ttl", tricky)
    memory_registry.load(path)
    write(path, tricky + f"<{EX}b> <{EX}p> 1 .\n")  # changed: replaced via one SPARQL update
    assert memory_registry.load(path).sources[0].status == "replaced"
    with Registry.memory(ontology=False) as fresh:
        fresh.load(path)  # first load: written via Store.extend
        assert isomorphic(memory_registry.to_rdflib_graph(include_ontology=False),
                          fresh.to_rdflib_graph())
    assert len(memory_registry) == 8


def test_importer_blank_nodes_with_stable_ids_survive_a_replacement(
    memory_registry: Registry,
) -> None:
    address = BNode("address-of-a")
    triples = [(URIRef(EX + "a"), URIRef(EX + "address"), address),
               (address, URIRef(EX + "street"), Literal("Main St"))]
    provenance = {"source": "https://example.org/a.csv", "format": "text/csv"}
    memory_registry.load_quads(IMPORT_GRAPH, triples, provenance)
    more = [*triples, (URIRef(EX + "a"), URIRef(EX + "name"), Literal("A"))]
    assert memory_registry.load_quads(IMPORT_GRAPH, more, provenance).status == "replaced"
    assert memory_registry.select(
        f"SELECT ?street {{ <{EX}a> <{EX}address>/<{EX}street> ?street }}") == [
        {"street": Literal("Main St")}]
    assert len(memory_registry) == 3


class RecordingStore:
    """A pyoxigraph store that remembers the SPARQL updates sent to it."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.updates: list[str] = []

    def quads_for_pattern(self, *pattern: object) -> object:
        return self.store.quads_for_pattern(*pattern)  # type: ignore[arg-type]

    def update(self, text: str) -> None:
        self.updates.append(text)
        self.store.update(text)


def test_a_small_change_to_a_large_file_is_a_small_write(tmp_path: Path) -> None:
    lines = [f'<{EX}s{i}> <{EX}p> "{i}" .' for i in range(2000)]
    path = write(tmp_path / "big.nt", "\n".join(lines) + "\n")
    store = ox.Store()
    registry = Registry(store, None)
    registry.load(path)
    write(path, "\n".join([*lines[1:], f'<{EX}new> <{EX}p> "new" .']) + "\n")
    records = {record.graph: record for record in registry.graphs()}
    plan = planning.plan_files(discover([path]), records, lambda graph: graph in records)
    assert (plan.report({}).sources[0].status, plan.streams) == ("replaced", [])
    spy = RecordingStore(store)
    transaction.apply(spy, plan.replacements)  # type: ignore[arg-type]
    [update] = spy.updates
    assert f'<{EX}s0> <{EX}p> "0"' in update  # the one deleted statement
    assert f'<{EX}new> <{EX}p> "new"' in update  # the one added statement
    assert f"<{EX}s1> " not in update  # the 1998 unchanged ones are not rewritten
    assert "DROP" not in update
    assert len(registry) == 2000
    assert not registry.ask(f"ASK {{ <{EX}s0> ?p ?o }}")


def _quads(*statements: tuple[str, str, str]) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o))
            for s, p, o in statements]


def test_replace_source_makes_its_graphs_exactly_the_new_ones() -> None:
    """One download, many graphs (a harvest): added, changed, removed and unchanged graphs
    in one transaction, each recorded as derived from the source."""
    source = "https://city.example/registry.nq"
    with Registry.memory() as registry:
        first = registry.replace_source(source, "a" * 64, "application/n-quads", {
            source + "#graph=1": _quads(("urn:x:a", "urn:x:p", "urn:x:b")),
            source + "#graph=2": _quads(("urn:x:c", "urn:x:p", "urn:x:d"))})
        assert [(c.status, c.statements) for c in first] == [("added", 1), ("added", 1)]
        again = registry.replace_source(source, "a" * 64, "application/n-quads", {
            source + "#graph=1": _quads(("urn:x:a", "urn:x:p", "urn:x:b")),
            source + "#graph=2": _quads(("urn:x:c", "urn:x:p", "urn:x:d"))})
        assert {c.status for c in again} == {"unchanged"}
        changed = registry.replace_source(source, "b" * 64, "application/n-quads", {
            source + "#graph=2": _quads(("urn:x:c", "urn:x:p", "urn:x:d")),
            source + "#graph=3": _quads(("urn:x:e", "urn:x:p", "urn:x:f"),
                                        ("urn:x:e", "urn:x:q", "urn:x:g"))})
        assert [(c.graph.rsplit("=", 1)[1], c.status, c.statements, c.previous_statements)
                for c in changed] == [("1", "removed", 0, 1), ("2", "unchanged", 1, 1),
                                      ("3", "added", 2, 0)]
        records = {r.graph: r for r in registry.graphs() if r.graph != ONTOLOGY_GRAPH}
        assert set(records) == {source + "#graph=2", source + "#graph=3"}
        assert {r.source for r in records.values()} == {source}
        assert {r.sha256 for r in records.values()} == {"b" * 64}
        assert registry.count() == 3


def test_replace_source_refuses_a_graph_another_source_fills(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text("<urn:x:a> <urn:x:p> <urn:x:b> .\n", encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(mine)
        graph = next(r.graph for r in registry.graphs() if r.source.endswith("mine.ttl"))
        with pytest.raises(InputError, match=r"holds .*mine\.ttl: expected a graph only"):
            registry.replace_source("https://city.example/d.nq", "c" * 64, "text/turtle",
                                    {graph: _quads(("urn:x:z", "urn:x:p", "urn:x:y"))})
        assert registry.count() == 1


def test_replace_source_replaces_a_graph_written_by_an_update() -> None:
    graph = "https://city.example/d.nq#graph=1"
    with Registry.memory() as registry:
        registry.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:old> <urn:x:p> 1 }} }}")
        registry.replace_source("https://city.example/d.nq", "d" * 64, "application/n-quads",
                                {graph: _quads(("urn:x:new", "urn:x:p", "urn:x:o"))})
        rows = registry.select(f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert [str(row["s"]) for row in rows] == ["urn:x:new"]
