"""The measured phases of ``bench/run.py``, each run in its own Python process.

``python bench/phases.py PHASE FILE [options]`` runs one phase on one registry file and prints
one JSON object: the figures of that phase plus ``rss_mb`` (peak resident memory of the
process, interpreter included) and ``cpu_s`` (CPU seconds of the measured part, all threads).
Timings cover only the measured call, never interpreter start, imports or setup, which are
reported separately as ``setup_s`` where they matter.

cityreg phases: ``load``, ``validate``, ``incremental``, ``trace``, ``list``, ``serve``.
Baselines (the obvious way, measured on the same data in the same run): ``rdflib-load``,
``pyshacl`` (plain ``pyshacl.validate`` on an rdflib Memory graph), ``rdflib-trace`` (a SPARQL
property path on rdflib), ``rdflib-list`` (the list as one SPARQL query on rdflib).
Anchors (other SHACL engines, same data and shapes as ``pyshacl``, see :func:`shacl_inputs`):
``pyshacl-turbo`` (``pyshacl_turbo.validate``, pyshacl's API over a Rust engine) and
``pyrudof`` (rudof's native SHACL validator). They report ``results`` (validation results,
as cityreg's ``findings``: one finding per result) and ``distinct_results`` (results that
differ in focus node, path, value, shape, component, severity or message); an engine that is
not installed gives ``{"installed": false, ...}`` instead of figures.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 1, 1)
CITYREG = "https://w3id.org/cityreg#"
#: How to install the anchor engines (pyproject.toml, extra "bench").
INSTALL_HINT = "pip install -e '.[bench]'"

TRACE_QUERY = """query Trace($source: ID!) {
  whoCanAccess(source: $source) {
    complete
    organisations { label shortest paths { hops { fromLabel toLabel viaLabel } } }
  }
}"""
LIST_QUERY = """{
  contracts(first: 50) {
    totalCount
    nodes { id label buyer { label } supplier { label } city { label }
            coversDatasets { id label } }
  }
}"""
SPARQL_TRACE = """PREFIX cityreg: <https://w3id.org/cityreg#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?org WHERE {
  ?source dct:publisher ?holder .
  ?holder (^cityreg:provider/cityreg:recipient)+ ?org .
}"""
SPARQL_LIST = """PREFIX cityreg: <https://w3id.org/cityreg#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label ?buyerLabel ?cityLabel WHERE {
  ?c a cityreg:VendorContract .
  OPTIONAL { ?c rdfs:label ?label } OPTIONAL { ?c cityreg:buyer/rdfs:label ?buyerLabel }
  OPTIONAL { ?c cityreg:city/rdfs:label ?cityLabel }
} ORDER BY ?c LIMIT 50"""


class Clock:
    """Wall and CPU seconds since creation."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def registry(path: Path) -> Any:
    from registry.store import Registry

    reg = Registry.memory()
    reg.load(path)
    return reg


def sources(reg: Any, count: int) -> list[str]:
    """``count`` datasets to trace, spread evenly over the registry (chains included)."""
    rows = reg.select("SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } ORDER BY ?d")
    iris = [str(row["d"]) for row in rows]
    chained = [iri for iri in iris if iri.endswith("-dataset/d2")]
    step = max(1, len(iris) // count)
    picked = list(dict.fromkeys(chained[: count // 2] + iris[::step]))
    return picked[:count]


def phase_load(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    from registry.store import Registry

    reg = Registry.memory()
    clock = Clock()
    reg.load(path)
    wall, cpu = clock.stop()
    return {"s": wall, "cpu_s": cpu, "statements": reg.count()}


def phase_rdflib_load(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    import rdflib

    clock = Clock()
    graph = rdflib.Graph().parse(path, format="turtle")
    wall, cpu = clock.stop()
    return {"s": wall, "cpu_s": cpu, "statements": len(graph)}


def phase_validate(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    from registry.validate import load_shapes, validate_registry

    reg = registry(path)
    load_shapes().engine  # compiled once per process, not part of a validation  # noqa: B018
    clock = Clock()
    report = validate_registry(reg, AS_OF)
    wall, cpu = clock.stop()
    return {"s": wall, "cpu_s": cpu, "findings": len(report.findings)}


def shacl_inputs(path: Path) -> tuple[Any, Any]:
    """The data graph and the shapes graph every other SHACL engine is given (rdflib Graphs).

    The data is what cityreg's own pyshacl engine validates (``validate_registry(...,
    engine="pyshacl")``): the registry's statements, the ontology, and what a validation run
    writes for its queries to read, i.e. the validation context graph (reference date
    ``AS_OF``, concentration threshold) and the derived relations (``cityreg:involves``...,
    registry/derived.py), copied out of the store while the run's graphs are there. The shapes
    are every file of shapes/, as cityreg reads them.
    """
    from registry.validate import _ValidationContext, load_shapes

    reg = registry(path)
    shapes = load_shapes().graph
    with _ValidationContext(reg, AS_OF, None, shapes):
        data = reg.to_rdflib_graph(include_ontology=True)
    return data, shapes


def pyshacl_report_results(report: Any) -> list[Any]:
    """The ``sh:ValidationResult`` nodes of a pyshacl-style report graph, read as cityreg's
    ValidationResults (as the oracle reads pyshacl's)."""
    from rdflib import RDF
    from rdflib.namespace import SH

    from registry.shacl.oracle import _result

    return [_result(report, node) for node in report.subjects(RDF.type, SH.ValidationResult)]


def not_installed(engine: str, error: ImportError) -> dict[str, Any]:
    """The figures of an anchor phase whose engine cannot be imported."""
    print(f"bench/phases.py: {engine} is not installed ({error}): {INSTALL_HINT}",
          file=sys.stderr)
    return {"installed": False, "engine": engine, "error": str(error)}


def peak_before() -> dict[str, float]:
    """Peak RSS so far (the data and shapes prepared, nothing validated yet)."""
    return {"setup_rss_mb": peak_rss_mb()}


def phase_pyshacl(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    """Plain pyshacl over an rdflib Memory graph (:func:`shacl_inputs`); every shape."""
    from registry.shacl.oracle import validate_with_pyshacl

    data, shapes = shacl_inputs(path)
    before = peak_before()
    clock = Clock()
    results = validate_with_pyshacl(data, shapes)
    wall, cpu = clock.stop()
    return {"s": wall, "cpu_s": cpu, "results": len(results),
            "distinct_results": len(set(results)), "statements": len(data), **before}


def phase_pyshacl_turbo(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    """pySHACL-turbo through pyshacl's API, called as cityreg calls pyshacl (no inference,
    no advanced features, warnings allowed), on the same rdflib graphs as ``pyshacl``."""
    try:
        import pyshacl_turbo
    except ImportError as error:
        return not_installed("pyshacl-turbo", error)
    data, shapes = shacl_inputs(path)
    before = peak_before()
    clock = Clock()
    _conforms, report, _text = pyshacl_turbo.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    results = pyshacl_report_results(report)
    wall, cpu = clock.stop()
    return {"s": wall, "cpu_s": cpu, "results": len(results),
            "distinct_results": len(set(results)), "statements": len(data), **before}


def phase_pyrudof(path: Path, _args: dict[str, Any]) -> dict[str, Any]:
    """rudof's native SHACL validator on the same graphs as ``pyshacl``, given to it as
    N-Triples (data) and Turtle (shapes) and read in strict mode. ``load_s`` is reading the
    data into rudof (not part of ``s``, as cityreg's load is not part of its validation)."""
    try:
        import pyrudof
    except ImportError as error:
        return not_installed("pyrudof", error)
    data, shapes = shacl_inputs(path)
    statements = len(data)
    text = data.serialize(format="nt")
    del data
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    clock = Clock()
    rudof.read_data(text, format=pyrudof.RDFFormat.NTriples,
                    reader_mode=pyrudof.ReaderMode.Strict)
    load, load_cpu = clock.stop()
    del text
    rudof.read_shacl(shapes.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle,
                     reader_mode=pyrudof.ReaderMode.Strict)
    before = peak_before()
    clock = Clock()
    report = rudof.validate_shacl(mode=pyrudof.ShaclValidationMode.Native)
    results = list(report)
    wall, cpu = clock.stop()
    distinct = {(r.focus_node, r.path, r.value, r.source_shape, r.constraint_component,
                 r.severity, r.message) for r in results}
    return {"s": wall, "cpu_s": cpu, "results": len(results), "distinct_results": len(distinct),
            "load_s": load, "load_cpu_s": load_cpu, "statements": statements, **before}


#: Contracts changed and re-validated one by one (the median is printed): each run is cheap.
INCREMENTAL_RUNS = 10


def phase_incremental(path: Path, args: dict[str, Any]) -> dict[str, Any]:
    """Change one contract (replace its statements), then re-validate only that contract."""
    from registry.validate import load_shapes, validate_registry

    reg = registry(path)
    load_shapes().engine  # compiled once per process, as a server or a CLI run does  # noqa: B018
    contracts = [str(r["c"]) for r in reg.select(
        f"SELECT ?c WHERE {{ ?c a <{CITYREG}VendorContract> }} ORDER BY ?c")]
    runs = max(args["repeat"], INCREMENTAL_RUNS)
    step = max(1, len(contracts) // runs)
    times, cpus, replace = [], [], []
    for iri in contracts[::step][:runs]:
        clock = Clock()
        reg.update(f"""DELETE {{ GRAPH ?g {{ <{iri}> <{CITYREG}maximumTermMonths> ?old }} }}
                       INSERT {{ GRAPH ?g {{ <{iri}> <{CITYREG}maximumTermMonths> 61 }} }}
                       WHERE {{ GRAPH ?g {{ <{iri}> <{CITYREG}maximumTermMonths> ?old }} }}""")
        replace.append(clock.stop()[0])
        clock = Clock()
        validate_registry(reg, AS_OF, focus={iri})
        wall, cpu = clock.stop()
        times.append(wall)
        cpus.append(cpu)
    return {"s": statistics.median(times), "cpu_s": statistics.median(cpus),
            "replace_s": statistics.median(replace), "runs": len(times)}


def service(path: Path) -> tuple[Any, Any, tuple[float, float]]:
    """The GraphQL service with its read model and access graph built (not the findings:
    the trace and the list query do not ask for them; the server phase computes them)."""
    from registry.api.service import GraphQLService
    from registry.context import RegistryContext

    reg = registry(path)
    clock = Clock()
    svc = GraphQLService(RegistryContext(reg, as_of=AS_OF))
    svc.context.access_graph.vendor_concentration()
    return reg, svc, clock.stop()


def timed_runs(run: Callable[[str], None], items: list[str]) -> tuple[list[float], float]:
    times = []
    cpu = time.process_time()
    for item in items:
        started = time.perf_counter()
        run(item)
        times.append(time.perf_counter() - started)
    return times, time.process_time() - cpu


def phase_trace(path: Path, args: dict[str, Any]) -> dict[str, Any]:
    reg, svc, setup = service(path)
    picked = sources(reg, args["sources"])

    def run(source: str) -> None:
        result = svc.run(TRACE_QUERY, {"source": source})
        if result.errors:
            raise SystemExit(f"trace of {source} failed: {result.errors[0]}")

    times, cpu = timed_runs(run, picked)
    return {"p50_s": percentile(times, 0.5), "p95_s": percentile(times, 0.95),
            "cpu_s": cpu / len(times), "setup_s": setup[0], "setup_cpu_s": setup[1],
            "runs": len(times), **graded(svc.context.access_graph, picked)}


def graded(graph: Any, picked: list[str]) -> dict[str, int]:
    """What the timed traces met, counted after the timing (the same traces, asked of the
    access graph directly): organisations per grade of their best path, traced sources with
    at least one organisation of each grade, and gaps. Proves that the work the grades add
    (inferred hops, recipients known by category, their gaps) is in the measured traces."""
    counts = dict.fromkeys((f"{what}_{grade}" for what in ("organisations", "sources")
                            for grade in ("asserted", "inferred", "undisclosed")), 0)
    counts["gaps"] = 0
    for source in picked:
        result = graph.who_can_access(source)
        for access in result.organisations:
            counts[f"organisations_{access.grade}"] += 1
        for grade in {access.grade for access in result.organisations}:
            counts[f"sources_{grade}"] += 1
        counts["gaps"] += len(result.disclosure)
    return counts


def phase_rdflib_trace(path: Path, args: dict[str, Any]) -> dict[str, Any]:
    import rdflib

    graph = rdflib.Graph().parse(path, format="turtle")
    reg = registry(path)
    picked = sources(reg, args["sources"])[: args["baseline_sources"]]

    def run(source: str) -> None:
        list(graph.query(SPARQL_TRACE, initBindings={"source": rdflib.URIRef(source)}))

    times, cpu = timed_runs(run, picked)
    return {"p50_s": percentile(times, 0.5), "p95_s": percentile(times, 0.95),
            "cpu_s": cpu / len(times), "runs": len(times)}


def phase_list(path: Path, args: dict[str, Any]) -> dict[str, Any]:
    _reg, svc, setup = service(path)

    def run(_item: str) -> None:
        result = svc.run(LIST_QUERY)
        if result.errors:
            raise SystemExit(f"list query failed: {result.errors[0]}")

    times, cpu = timed_runs(run, ["x"] * args["repeat"])
    return {"s": statistics.median(times), "cpu_s": cpu / len(times), "setup_s": setup[0],
            "setup_cpu_s": setup[1]}


def phase_rdflib_list(path: Path, args: dict[str, Any]) -> dict[str, Any]:
    import rdflib

    graph = rdflib.Graph().parse(path, format="turtle")
    times, cpu = timed_runs(lambda _x: list(graph.query(SPARQL_LIST)), ["x"] * args["repeat"])
    return {"s": statistics.median(times), "cpu_s": cpu / len(times)}


PHASES: dict[str, Callable[[Path, dict[str, Any]], dict[str, Any]]] = {
    "load": phase_load, "rdflib-load": phase_rdflib_load,
    "validate": phase_validate, "pyshacl": phase_pyshacl,
    "pyshacl-turbo": phase_pyshacl_turbo, "pyrudof": phase_pyrudof,
    "incremental": phase_incremental,
    "trace": phase_trace, "rdflib-trace": phase_rdflib_trace,
    "list": phase_list, "rdflib-list": phase_rdflib_list,
}


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    names = ", ".join(["serve", *PHASES])
    if len(argv) != 3 or (argv[0] not in PHASES and argv[0] != "serve"):
        print(f"usage: python bench/phases.py PHASE FILE OPTIONS-JSON (PHASE: one of {names}); "
              "bench/run.py calls it once per phase", file=sys.stderr)
        return 2
    try:
        options = json.loads(argv[2])
    except json.JSONDecodeError as error:
        print(f"bench/phases.py: OPTIONS {argv[2]!r} is not JSON ({error}): expected an "
              'object such as \'{"repeat": 1, "sources": 100}\'', file=sys.stderr)
        return 2
    phase, path = argv[0], Path(argv[1])
    if phase == "serve":
        from bench.serve import phase_serve

        figures = phase_serve(path, options)
    else:
        figures = PHASES[phase](path, options)
        figures["rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
