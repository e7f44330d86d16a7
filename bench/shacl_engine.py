"""Benchmark: compiled whole-graph SHACL (pyoxigraph) against plain pySHACL (rdflib).

    python bench/shacl_engine.py                 # ~30k and ~300k statements
    python bench/shacl_engine.py --sizes 100 1000 10000 --pyshacl-max 1000

A synthetic registry of N organisations, 10N sensors, 5N datasets and 2N agreements (about
290 statements per N, as in shared/performance-notes.md) with a few per cent of defects is
validated against shapes using minCount/maxCount, class, in, a qualified value shape and two
sh:sparql constraints. For each size it prints the engine's full validation time, the median
time to re-validate one changed entity (``cpu s`` is the process's CPU time for the full
validation, a fair figure on a busy machine), pySHACL's time where it is run (it grows
quadratically with sh:sparql, so only up to --pyshacl-max), and whether both found the same.

``--legal K ...`` times the repository's own legal shapes (``shapes/*.ttl``) on the seed
registry (``seed/``) repeated K times, each copy with its own IRIs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.shacl import (
    ShapesGraph,
    ValidationEngine,
    comparison_keys,
    validate_with_pyshacl,
)
from registry.shacl.classclosure import ClassClosure

EX = "https://bench.example/"
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://bench.example/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:prefixes a owl:Ontology ;
  sh:declare [ sh:prefix "ex" ; sh:namespace "https://bench.example/"^^xsd:anyURI ] .
ex:OrganisationShape a sh:NodeShape ; sh:targetClass ex:Organisation ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ] ;
  sh:property [ sh:path ex:country ; sh:in ( ex:NL ex:BE ex:DE ex:FR ) ] .
ex:SensorShape a sh:NodeShape ; sh:targetClass ex:Sensor ;
  sh:property [ sh:path ex:operator ; sh:minCount 1 ; sh:maxCount 1 ; sh:class ex:Organisation ] ;
  sh:property [ sh:path ex:status ; sh:in ( "active" "planned" "retired" ) ] ;
  sh:property [ sh:path ex:installed ; sh:datatype xsd:date ] .
ex:DatasetShape a sh:NodeShape ; sh:targetClass ex:Dataset ;
  sh:property [ sh:path ex:publisher ; sh:minCount 1 ; sh:class ex:Organisation ] ;
  sh:property [ sh:path ex:license ; sh:minCount 1 ; sh:nodeKind sh:IRI ] .
ex:AgreementShape a sh:NodeShape ; sh:targetClass ex:Agreement ;
  sh:property [ sh:path ex:party ; sh:minCount 2 ; sh:class ex:Organisation ] ;
  sh:property [ sh:path ex:clause ; sh:qualifiedValueShape [ sh:class ex:DeletionClause ] ;
                sh:qualifiedMinCount 1 ] ;
  sh:sparql [ sh:prefixes ex:prefixes ;
    sh:message "{$this} lets {?sub} process without authorisation" ;
    sh:select \"\"\"SELECT $this ?sub WHERE {
        $this ex:subprocessor ?sub . FILTER NOT EXISTS { $this ex:authorises ?sub } }\"\"\" ] .
ex:SharingShape a sh:NodeShape ; sh:targetClass ex:Sensor ; sh:severity sh:Warning ;
  sh:sparql [ sh:prefixes ex:prefixes ;
    sh:message "{$this} feeds {?value}, published by another organisation without an agreement" ;
    sh:select \"\"\"SELECT $this ?value WHERE {
        $this ex:operator ?op ; ex:produces ?value . ?value ex:publisher ?pub .
        FILTER (?op != ?pub)
        FILTER NOT EXISTS { ?a ex:party ?op, ?pub ; ex:covers ?value } }\"\"\" ] .
"""


def registry_ntriples(n: int, seed: int = 1) -> str:
    """N-Triples for a registry of size ``n`` with about 3 % defects of each kind."""
    rng = random.Random(seed)
    lines: list[str] = []

    def t(s: str, p: str, o: str) -> None:
        lines.append(f"<{EX}{s}> <{EX}{p}> {o} .")

    typ = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    bad = lambda: rng.random() < 0.03  # noqa: E731
    for i in range(n):
        lines.append(f"<{EX}org{i}> {typ} <{EX}Organisation> .")
        if not bad():
            t(f"org{i}", "name", f'"Organisation {i}"')
        t(f"org{i}", "country", f"<{EX}{'XX' if bad() else rng.choice(['NL', 'BE', 'DE'])}>")
        for k in range(8):
            t(f"org{i}", "memberOf", f"<{EX}network{(i + k) % 50}>")
    published: dict[int, list[int]] = {}
    dataset_publisher: list[int] = []
    for i in range(5 * n):
        lines.append(f"<{EX}dataset{i}> {typ} <{EX}Dataset> .")
        publisher = rng.randrange(n)
        published.setdefault(publisher, []).append(i)
        dataset_publisher.append(publisher)
        t(f"dataset{i}", "publisher", f"<{EX}org{publisher}>")
        if not bad():
            t(f"dataset{i}", "license", f"<{EX}cc-by>")
        t(f"dataset{i}", "title", f'"Dataset {i}"')
    shared = 0
    for i in range(10 * n):
        lines.append(f"<{EX}sensor{i}> {typ} <{EX}Sensor> .")
        operator = rng.randrange(n)
        t(f"sensor{i}", "operator", f"<{EX}{'nobody' if bad() else f'org{operator}'}>")
        t(f"sensor{i}", "status", '"broken"' if bad() else '"active"')
        t(f"sensor{i}", "installed", '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>')
        t(f"sensor{i}", "label", f'"Sensor {i}"')
        t(f"sensor{i}", "location", f'"POINT({rng.random():.5f} {rng.random():.5f})"')
        own = published.get(operator)
        if own and rng.random() < 0.9:
            t(f"sensor{i}", "produces", f"<{EX}dataset{rng.choice(own)}>")
        else:  # feeds another organisation's dataset: an agreement should cover it
            dataset = rng.randrange(5 * n)
            t(f"sensor{i}", "produces", f"<{EX}dataset{dataset}>")
            if rng.random() < 0.7:
                t(f"sharing{shared}", "party", f"<{EX}org{operator}>")
                t(f"sharing{shared}", "party", f"<{EX}org{dataset_publisher[dataset]}>")
                t(f"sharing{shared}", "covers", f"<{EX}dataset{dataset}>")
                shared += 1
        for k in range(17):
            t(f"sensor{i}", f"reading{k}", f'"{rng.randrange(1000)}"')
    for i in range(2 * n):
        lines.append(f"<{EX}agreement{i}> {typ} <{EX}Agreement> .")
        a, b = rng.randrange(n), rng.randrange(n)
        t(f"agreement{i}", "party", f"<{EX}org{a}>")
        if not bad():
            t(f"agreement{i}", "party", f"<{EX}org{b}>")
        t(f"agreement{i}", "covers", f"<{EX}dataset{rng.randrange(5 * n)}>")
        t(f"agreement{i}", "clause", f"<{EX}clause{i}>")
        kind = "OtherClause" if bad() else "DeletionClause"
        lines.append(f"<{EX}clause{i}> {typ} <{EX}{kind}> .")
        t(f"agreement{i}", "subprocessor", f"<{EX}org{b}>")
        if not bad():
            t(f"agreement{i}", "authorises", f"<{EX}org{b}>")
    return "\n".join(lines) + "\n"


def legal_registry(copies: int) -> tuple[Graph, str]:
    """The repository's legal shapes, and the seed registry repeated ``copies`` times.

    Every IRI that the seed files describe (a subject there) is renamed per copy; vocabulary
    terms and the ontology are shared. Returns the shapes graph and the data as N-Triples.
    """
    root = Path(__file__).resolve().parent.parent
    shapes = Graph()
    for path in sorted((root / "shapes").glob("*.ttl")):
        shapes.parse(path)
    ontology = Graph().parse(root / "ontology" / "cityreg.ttl")
    seed = Graph()
    for path in sorted((root / "seed").rglob("*.ttl")):
        seed.parse(path)
    local = {s for s in seed.subjects() if isinstance(s, URIRef)} - set(ontology.subjects())
    lines = [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in ontology]
    for k in range(copies):
        def term(node: object, k: int = k) -> str:
            if isinstance(node, URIRef) and node in local:
                return URIRef(f"{node}--{k}").n3()
            return node.n3()  # type: ignore[attr-defined, no-any-return]
        lines += [f"{term(s)} {p.n3()} {term(o)} ." for s, p, o in seed]
    return shapes, "\n".join(lines) + "\n"


def legal(copies: list[int]) -> None:
    """Time the repository's legal shapes on repeated seed data (engine only)."""
    for k in copies:
        shapes, text = legal_registry(k)
        engine = ValidationEngine(ShapesGraph.load(shapes))
        store = ox.Store()
        store.bulk_load(text.encode(), format=ox.RdfFormat.N_TRIPLES)
        started = time.perf_counter()
        results = engine.validate(store)
        full = time.perf_counter() - started
        contracts = [URIRef(r.focus) for r in results[:: max(1, len(results) // 20)]]
        timings = []
        for focus in contracts:
            started = time.perf_counter()
            engine.validate(store, focus={focus})
            timings.append(time.perf_counter() - started)
        one = statistics.median(timings) * 1000 if timings else 0.0
        print(f"legal shapes x{k}: {len(store)} statements, {len(engine.queries)} queries, "
              f"full {full:.1f} s, one focus node {one:.0f} ms, {len(results)} results",
              flush=True)


def legal_file(path: Path) -> None:
    """Time shapes/*.ttl on a Turtle registry (e.g. from bench/generate.py) plus the ontology;
    print the five slowest queries."""
    root = Path(__file__).resolve().parent.parent
    shapes = Graph()
    for shapes_path in sorted((root / "shapes").glob("*.ttl")):
        shapes.parse(shapes_path)
    engine = ValidationEngine(ShapesGraph.load(shapes))
    store = ox.Store()
    store.bulk_load(path=str(root / "ontology" / "cityreg.ttl"), format=ox.RdfFormat.TURTLE)
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    timings = []
    with ClassClosure(store):
        for query in engine.queries:
            started = time.perf_counter()
            count = sum(1 for _ in engine.run(store, query))
            timings.append((time.perf_counter() - started, count, query))
    total = sum(t for t, _, _ in timings)
    print(f"legal shapes on {path.name}: {len(store)} statements, {len(engine.queries)} queries, "
          f"full {total:.1f} s, {sum(c for _, c, _ in timings)} results")
    for seconds, count, query in sorted(timings, key=lambda t: -t[0])[:5]:
        print(f"  {seconds:6.2f} s {count:6d}  {query.evaluation.shape.node.n3()} "
              f"{query.constraint.component.n3()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000],
                        help="registry sizes N (about 290 statements each)")
    parser.add_argument("--pyshacl-max", type=int, default=100,
                        help="run pySHACL only up to this N (it is slow)")
    parser.add_argument("--legal", type=int, nargs="*", default=[],
                        help="also time shapes/*.ttl on the seed registry repeated K times")
    parser.add_argument("--legal-file", type=Path, nargs="*", default=[],
                        help="time shapes/*.ttl on these Turtle registries (bench/generate.py)")
    args = parser.parse_args()
    for path in args.legal_file:
        legal_file(path)
    if args.legal:
        legal(args.legal)
    shapes_graph = Graph().parse(data=SHAPES, format="turtle")
    engine = ValidationEngine(ShapesGraph.load(shapes_graph))
    print(f"{len(engine.queries)} compiled queries")
    print(f"{'N':>6} {'statements':>11} {'load s':>7} {'engine s':>9} {'cpu s':>6} "
          f"{'one entity ms':>14} "
          f"{'pySHACL s':>10} {'speed-up':>9} {'results':>8} same")
    for n in args.sizes:
        text = registry_ntriples(n)
        store = ox.Store()
        started = time.perf_counter()
        store.bulk_load(text.encode(), format=ox.RdfFormat.N_TRIPLES)
        load = time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        results = engine.validate(store)
        full = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        rng = random.Random(7)
        entities = [URIRef(f"{EX}{kind}{rng.randrange(n * m)}")
                    for kind, m in (("sensor", 10), ("agreement", 2), ("dataset", 5)) * 7]
        timings = []
        for entity in entities:
            started = time.perf_counter()
            engine.validate(store, focus={entity})
            timings.append(time.perf_counter() - started)
        one = statistics.median(timings) * 1000
        oracle_s, speedup, same = "-", "-", "-"
        if n <= args.pyshacl_max:
            data = Graph().parse(data=text, format="nt")
            started = time.perf_counter()
            oracle = validate_with_pyshacl(data, shapes_graph)
            elapsed = time.perf_counter() - started
            oracle_s, speedup = f"{elapsed:.1f}", f"{elapsed / full:.0f}x"
            same = "yes" if comparison_keys(results, shapes_graph) == comparison_keys(
                oracle, shapes_graph) else "NO"
        print(f"{n:>6} {len(store):>11} {load:>7.1f} {full:>9.2f} {cpu:>6.1f} {one:>14.1f} "
              f"{oracle_s:>10} {speedup:>9} {len(results):>8} {same}", flush=True)


if __name__ == "__main__":
    main()
