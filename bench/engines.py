"""The same registry on three engines: embedded Oxigraph, the Oxigraph server, Virtuoso.

Usage::

    python bench/engines.py FILE                 # all three, one table
    python bench/engines.py FOLDER               # every file of it (several cities)
    python bench/engines.py FILE --engines oxigraph,virtuoso
    python bench/engines.py FILE --oxigraph-load request   # settings of your own

The engines' settings not given are chosen by the registry's size (:func:`settings_for`): from
50 MB of files on (millions of statements), the Oxigraph server is loaded through its folder
and Virtuoso gets a page cache and a transaction log for them, so that ``bench/run.py --n
10000`` prints the table with no flags.

For each engine a fresh one is started on loopback (as tests/remote does, from
tests/remote/running_engines.py) and each figure is taken in a fresh Python process:

=====================  ==============================================================
figure                 what is timed
=====================  ==============================================================
load                   ``cityreg load FILE --store ...`` (Registry.load); with
                       ``--oxigraph-load folder``, the Oxigraph server's is the load into
                       its folder (server stopped) plus the server's start on it
full validation        validate_registry (Virtuoso: on a copy of its graphs, its local
                       mirror made first: registry.remote.mirror)
re-validation          one contract changed by a SPARQL update, validate_registry(focus=),
                       the median of three runs; and the first alone (Virtuoso: its mirror
                       is copied again after an update, which does not say what it changed)
start-up               the server's first generation (read model, findings, vendor
                       concentration, history walk), nothing kept in the cache folder yet;
                       on an engine, until it is served (its findings and vendor
                       concentration computed beside it: registry.server.firstrun), then
                       ``findings and vendors ready`` until they are, and ``a trace
                       meanwhile`` one trace asked while they are computed
start-up again         the same in a new process: on an engine, the findings and vendor
                       concentration kept by the first start are read (``ready again``)
trace p50, p95         GraphQL whoCanAccess in the first start's process, 50 datasets (on
                       an engine each reads the web around its question)
server RSS             that process's peak resident memory, then what it holds after the
                       start and the traces (``after the start``); the same two of the
                       start again; and the engine's own
=====================  ==============================================================

The targets of issue #17 for the remote engines: trace p50 <= 50 ms, server RSS <= 1 GB at 10M
statements, start-up <= 30 s, validation not slower than embedded by more than 2x.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2026-01-01"
ENGINES = ("embedded", "oxigraph", "virtuoso")


def _running_engines() -> Any:
    spec = importlib.util.spec_from_file_location(
        "running_engines", ROOT / "tests" / "remote" / "running_engines.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["running_engines"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _connect(store: str) -> Any:
    from registry.store import Registry

    if store == "memory":
        return Registry.memory()
    if store.startswith(FOLDER):
        return Registry.open(store.removeprefix(FOLDER))
    return Registry.connect(store)


#: How a child is told to load into the Oxigraph server's own folder (the server stopped).
FOLDER = "folder:"


def child(figure: str, store: str, path: Path) -> dict[str, Any]:
    """One figure, measured in this (fresh) process."""
    from datetime import date

    from registry.validate import load_shapes, validate_registry

    as_of = date.fromisoformat(AS_OF)
    registry = _connect(store)
    if figure == "load":
        started = time.perf_counter()
        report = registry.load(path)
        return {"s": time.perf_counter() - started, "statements": report.statements}
    if store == "memory":
        registry.load(path)
    load_shapes().engine  # compiled once, as a server or a CLI run does  # noqa: B018
    if figure == "validate":
        started = time.perf_counter()
        report = validate_registry(registry, as_of)
        return {"s": time.perf_counter() - started, "findings": len(report.findings)}
    if figure == "incremental":
        contract = str(registry.select(
            "SELECT ?c WHERE { ?c a cityreg:VendorContract } ORDER BY ?c LIMIT 1")[0]["c"])
        term = "cityreg:maximumTermMonths"
        registry.update(f"""DELETE {{ GRAPH ?g {{ <{contract}> {term} ?old }} }}
                            INSERT {{ GRAPH ?g {{ <{contract}> {term} 61 }} }}
                            WHERE {{ GRAPH ?g {{ <{contract}> {term} ?old }} }}""")
        times = []
        for _ in range(3):
            started = time.perf_counter()
            validate_registry(registry, as_of, focus={contract})
            times.append(time.perf_counter() - started)
        return {"s": statistics.median(times), "first_s": times[0]}
    if figure in ("serve", "serve-again"):
        from bench.phases import TRACE_QUERY
        from registry.api.service import GraphQLService
        from registry.context import RegistryContext
        from registry.server.firstrun import LEGAL_FINDINGS, VENDOR_CONCENTRATION
        from registry.stored.reportfile import folder_of_engine

        # As `cityreg serve --store URL` starts: on an engine, the first generation is
        # served at once, its findings (read from the cache folder where they still hold)
        # and vendor concentration computed beside it (registry.server.firstrun).
        location = registry.location
        stored = None if location is None else folder_of_engine(location)
        context = RegistryContext(registry, as_of=as_of, stored_findings=stored)
        started = time.perf_counter()
        service = (GraphQLService.warmed(context) if location is None
                   else GraphQLService.served_at_once(context))
        startup = time.perf_counter() - started
        datasets = [str(row["d"]) for row in registry.select(
            "SELECT ?d WHERE { ?d a dcat:Dataset } ORDER BY ?d LIMIT 1")]
        during = None
        if context.first_run is not None:
            if context.first_run.running and datasets:  # one trace while the run goes on
                begun = time.perf_counter()
                if service.run(TRACE_QUERY, {"source": datasets[0]}).errors:
                    raise SystemExit(f"trace of {datasets[0]} failed during the first run")
                during = time.perf_counter() - begun
            context.first_run.wait()
            for step in (LEGAL_FINDINGS, VENDOR_CONCENTRATION):
                context.check_ready(step)  # raises a step's error, if it failed
        ready = time.perf_counter() - started
        if figure == "serve-again":
            return {"startup_s": startup, "ready_s": ready, "rss_now_mb": _rss_mb(os.getpid()),
                    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        datasets = [str(row["d"]) for row in registry.select(
            "SELECT ?d WHERE { ?d a dcat:Dataset } ORDER BY ?d")]
        picked = datasets[:: max(1, len(datasets) // 50)][:50]
        times = []
        for source in picked:
            started = time.perf_counter()
            result = service.run(TRACE_QUERY, {"source": source})
            times.append(time.perf_counter() - started)
            if result.errors:
                raise SystemExit(f"trace of {source} failed: {result.errors[0]}")
        times.sort()
        return {"startup_s": startup, "ready_s": ready, "during_s": during,
                "p50_s": times[len(times) // 2],
                "p95_s": times[min(len(times) - 1, int(len(times) * 0.95))],
                "rss_now_mb": _rss_mb(os.getpid()),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    raise SystemExit(f"unknown figure {figure!r}")


#: From how many bytes of files a registry is one of millions of statements (the generated
#: N=1000 registry, 351k statements, is 16 MB of Turtle; N=10000, 3.5M, is 165 MB).
MILLIONS_BYTES = 50_000_000


def settings_for(path: Path, oxigraph_load: str | None, virtuoso_buffers: int | None,
                 virtuoso_after_image: int | None) -> dict[str, Any]:
    """The engines' settings for the registry in ``path`` (a file, or a folder of files),
    those not given chosen by its size: what `bench/run.py --n 10000` needs with no flags.
    A load of millions of statements into the Oxigraph server goes through its folder; a
    load into Virtuoso is one transaction of about 300 bytes per statement (about 47 bytes
    of Turtle), and Virtuoso validates faster the more of the registry its cache holds. The
    Oxigraph server stops a query at its ``--timeout-s``: 120 s as in the tests, 30 minutes
    for millions (at N=10000 a 120 s limit stopped one of the validation's queries on a
    shared machine, and the run failed)."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    millions = size >= MILLIONS_BYTES
    if virtuoso_buffers is None:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        virtuoso_buffers = max(20000, min(size // 1_000_000 * 2400, memory // 4 // 8192)) \
            if millions else 20000
    return {"folder_load": (oxigraph_load or ("folder" if millions else "request")) == "folder",
            "oxigraph_timeout_s": 1800 if millions else 120,
            "virtuoso_buffers": virtuoso_buffers,
            "virtuoso_after_image": virtuoso_after_image or max(50_000_000, size * 10)}


def measure(engine: str, path: Path, timeout: float, folder_load: bool = False,
            virtuoso_buffers: int = 20000, virtuoso_after_image: int = 50_000_000,
            oxigraph_timeout_s: int = 120) -> dict[str, Any]:
    """Every figure of one engine, each in a fresh process, on a fresh engine. With
    ``folder_load``, the Oxigraph server's load is cityreg's load into the server's folder
    (the server stopped) and the server's start on it (README, "Running at national scale").
    ``virtuoso_buffers``: Virtuoso's page cache, in 8 kB pages; ``virtuoso_after_image``: its
    TransactionAfterImageLimit in bytes; ``oxigraph_timeout_s``: the Oxigraph server's
    ``--timeout-s``."""
    engines = _running_engines()
    running = None
    if engine == "oxigraph":
        running = engines.oxigraph_server(oxigraph_timeout_s)
    elif engine == "virtuoso":
        running = engines.virtuoso(virtuoso_buffers, virtuoso_after_image)
    store = "memory" if running is None else running.url
    cache = tempfile.mkdtemp(prefix="cityreg-bench-cache-")  # nothing kept from other runs
    env = {**os.environ, "CITYREG_SPARQL_USER": engines.VIRTUOSO_USER,
           "CITYREG_SPARQL_PASSWORD": engines.VIRTUOSO_PASSWORD, "CITYREG_PROGRESS": "0",
           "CITYREG_CACHE_DIR": cache}
    figures: dict[str, Any] = {}
    try:
        for figure in ("load", "validate", "incremental", "serve", "serve-again"):
            if figure == "serve-again" and running is None:
                continue  # the embedded store in memory keeps nothing between starts
            # The embedded store is in memory: each process loads the file again, untimed.
            into = store
            by_folder = folder_load and figure == "load" and engine == "oxigraph"
            if by_folder:
                assert running is not None
                running.stop()
                into = FOLDER + str(running.folder / "data")
            done = subprocess.run(
                [sys.executable, str(Path(__file__)), "--child", figure, into, str(path)],
                capture_output=True, text=True, timeout=timeout, env=env, check=False)
            restart = 0.0
            if by_folder:
                assert running is not None
                started = time.perf_counter()
                running.start()
                restart = time.perf_counter() - started
            if done.returncode != 0:
                figures[figure] = {"error": done.stderr.strip().splitlines()[-1:]}
            else:
                figures[figure] = json.loads(done.stdout.strip().splitlines()[-1])
                if by_folder:
                    figures[figure]["s"] += restart
                    figures[figure]["by_folder"] = True
            # As it is measured: a run of hours that is stopped keeps what it measured.
            print(f"  ... {engine} {figure}: {json.dumps(figures[figure])}", file=sys.stderr,
                  flush=True)
        if running is not None and running.process is not None:
            figures["engine_rss_mb"] = _rss_mb(running.process.pid)
    finally:
        if running is not None:
            engines.remove(running)
        shutil.rmtree(cache, ignore_errors=True)
    return figures


def _rss_mb(pid: int) -> float | None:
    """The resident memory of a running process (and its children's is not counted)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def table(results: dict[str, dict[str, Any]]) -> str:
    def cell(engine: str, figure: str, key: str, scale: float = 1.0, unit: str = " s") -> str:
        value = results[engine].get(figure, {})
        if "error" in value:
            return "failed"
        number = value.get(key)
        return "-" if number is None else f"{number * scale:.1f}{unit}"

    rows = [("load", "load", "s", 1.0, " s"), ("full validation", "validate", "s", 1.0, " s"),
            ("re-validation of 1 contract", "incremental", "s", 1.0, " s"),
            ("  first, after the change", "incremental", "first_s", 1.0, " s"),
            ("start-up", "serve", "startup_s", 1.0, " s"),
            ("  findings and vendors ready", "serve", "ready_s", 1.0, " s"),
            ("  a trace meanwhile", "serve", "during_s", 1000.0, " ms"),
            ("start-up again (kept)", "serve-again", "startup_s", 1.0, " s"),
            ("  ready again", "serve-again", "ready_s", 1.0, " s"),
            ("trace p50", "serve", "p50_s", 1000.0, " ms"),
            ("trace p95", "serve", "p95_s", 1000.0, " ms"),
            ("server RSS (cityreg)", "serve", "rss_mb", 1.0, " MB"),
            ("  after the start", "serve", "rss_now_mb", 1.0, " MB"),
            ("  start again: peak", "serve-again", "rss_mb", 1.0, " MB"),
            ("  start again: after", "serve-again", "rss_now_mb", 1.0, " MB")]
    engines = list(results)
    lines = [f"{'':<28}" + "".join(f"{name:>16}" for name in engines)]
    for label, figure, key, scale, unit in rows:
        lines.append(f"{label:<28}" + "".join(
            f"{cell(name, figure, key, scale, unit):>16}" for name in engines))
    lines.append(f"{'engine RSS (after the run)':<28}" + "".join(
        f"{_megabytes(results[name].get('engine_rss_mb')):>16}" for name in engines))
    return "\n".join(lines)


def _megabytes(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--oxigraph-load", choices=("request", "folder"),
                        help="load the Oxigraph server by update requests, or into its "
                        "folder with the server stopped, then start it (README, 'Running at "
                        "national scale'); default: by its folder from "
                        f"{MILLIONS_BYTES // 1_000_000} MB of files on")
    parser.add_argument("--virtuoso-buffers", type=int, metavar="PAGES",
                        help="Virtuoso's page cache in 8 kB pages (default: 20000, as in the "
                        f"tests, and from {MILLIONS_BYTES // 1_000_000} MB of files on about "
                        "2,400 per MB of files, within a quarter of the machine's memory)")
    parser.add_argument("--virtuoso-after-image", type=int, metavar="BYTES",
                        help="Virtuoso's TransactionAfterImageLimit (a load puts a file in "
                        "place in one transaction, about 300 bytes per statement; default: "
                        "10 bytes per byte of Turtle, at least its own 50000000)")
    parser.add_argument("--child", nargs=3, metavar=("FIGURE", "STORE", "FILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figure, store, file = args.child
        print(json.dumps(child(figure, store, Path(file))))
        return 0
    if args.file is None or not args.file.exists():
        parser.error("give the registry file to load, or a folder of files (e.g. from "
                     "bench/generate.py; a national registry: one file per --city)")
    wanted = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine {', '.join(unknown)}: expected {', '.join(ENGINES)}")
    settings = settings_for(args.file, args.oxigraph_load, args.virtuoso_buffers,
                            args.virtuoso_after_image)
    results = {}
    for engine in wanted:
        print(f"  ... {engine}", file=sys.stderr, flush=True)
        results[engine] = measure(engine, args.file, args.timeout, **settings)
    statements = next((r["load"].get("statements") for r in results.values()
                       if "statements" in r.get("load", {})), "?")
    print(f"three engines: {args.file.name}, {statements} statements")
    print(table(results))
    if any(r.get("load", {}).get("by_folder") for r in results.values()):
        print("(oxigraph load: cityreg load into the server's folder, then the server started)")
    if "virtuoso" in wanted:
        print(f"(virtuoso: {settings['virtuoso_buffers']:,} pages of page cache, "
              f"TransactionAfterImageLimit {settings['virtuoso_after_image']:,} bytes)")
    print(json.dumps(results), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
