"""Benchmark cityreg against the obvious baseline at one registry size, and print a table.

Usage::

    python bench/run.py --n 1000                 # generate N=1000 (cached in /tmp), 3 runs
    python bench/run.py --n 10000 --repeat 1 --baseline-timeout 900
    python bench/run.py --file my.ttl            # your own registry

Every figure comes from a fresh Python process (bench/phases.py), so its peak RSS belongs to
that phase alone; wall seconds are medians of ``--repeat`` runs, CPU seconds beside them (on
a busy machine they say more than wall time). Each cityreg figure stands next to its baseline
measured in the same run on the same file:

=====================  ====================================  ===================================
phase                  cityreg                               baseline
=====================  ====================================  ===================================
load                   Registry.memory().load (pyoxigraph)   rdflib Graph().parse (Memory)
full validation        validate_registry, engine="fast"      plain pyshacl.validate on rdflib
full validation        (the same figure)                     anchors: pySHACL-turbo, pyrudof
incremental            one contract changed, focus={iri}     full validation (fast engine)
trace (p50, p95)       GraphQL whoCanAccess, in process      SPARQL property path on rdflib
list query             GraphQL contracts with nested fields  one SPARQL SELECT on rdflib
server throughput      uvicorn, loopback, httpx threads      -
=====================  ====================================  ===================================

Then the table of bench/engines.py on the same file: load, full validation, re-validation,
start-up, trace p50/p95 and RSS on embedded Oxigraph, the Oxigraph server and Virtuoso
(``--no-engines`` skips it).

A baseline that outlives ``--baseline-timeout`` is stopped and printed as "> T s (timed out)".
The anchors are two other SHACL engines run on the same data and shapes as plain pyshacl
(``pip install -e '.[bench]'``; ``--no-anchors`` skips them), each in its own process with the
baseline time limit; their rows give the number of validation results each returned, beside
cityreg's findings (one finding per validation result).
The targets are those of issue #8 for N=10000 (about 3M statements on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

nan = float("nan")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from phases import INSTALL_HINT  # noqa: E402

#: The other SHACL engines measured beside plain pyshacl: (phase of bench/phases.py, name).
ANCHORS = (("pyshacl-turbo", "pySHACL-turbo"), ("pyrudof", "pyrudof"))


class TimedOut(Exception):
    """A phase ran longer than its time limit (or, with ``failed``, exited with an error)."""

    def __init__(self, limit: float, failed: str = "") -> None:
        super().__init__(failed or f"> {limit:.0f} s (timed out)")
        self.limit = limit
        self.failed = bool(failed)


def run_phase(phase: str, path: Path, options: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One phase in a fresh process; its JSON figures, or :class:`TimedOut`."""
    command = [sys.executable, str(HERE / "phases.py"), phase, str(path), json.dumps(options)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise TimedOut(timeout) from None
    if done.returncode != 0:
        print(f"phase {phase} failed (exit {done.returncode}):\n{done.stderr[-2000:]}",
              file=sys.stderr)
        raise TimedOut(timeout, f"failed (exit {done.returncode}, see stderr)")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def repeated(phase: str, path: Path, options: dict[str, Any], repeat: int, timeout: float
             ) -> dict[str, Any]:
    """Median of every figure over ``repeat`` runs (peak RSS: the largest)."""
    runs = [run_phase(phase, path, options, timeout) for _ in range(repeat)]
    merged = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    merged["rss_mb"] = max(run["rss_mb"] for run in runs)
    return merged


@dataclass
class Row:
    """One line of the table."""

    phase: str
    ours: str
    baseline: str
    ratio: str
    target: str
    verdict: str
    rss: str


def seconds(value: float) -> str:
    if value != value:  # NaN: the phase timed out or failed (see stderr)
        return "not measured"
    if value < 0.1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def with_cpu(figures: dict[str, Any], key: str = "s") -> str:
    return f"{seconds(figures[key])} (cpu {seconds(figures['cpu_s'])})"


def ratio(baseline: float | None, ours: float, timed_out: bool = False) -> str:
    if baseline is None or not ours > 0 or baseline != baseline:
        return "-"
    return f"{'> ' if timed_out else ''}{baseline / ours:.0f}x" if baseline / ours >= 10 else (
        f"{'> ' if timed_out else ''}{baseline / ours:.1f}x")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def baseline_figure(phase: str, path: Path, options: dict[str, Any], timeout: float,
                    key: str = "s") -> tuple[str, float | None, bool, dict[str, Any] | None]:
    """(text, seconds or the time limit, timed out?, figures) of a baseline phase."""
    try:
        figures = run_phase(phase, path, options, timeout)
    except TimedOut as error:
        return str(error), error.limit, True, None
    return with_cpu(figures, key), figures[key], False, figures


def results_text(figures: dict[str, Any]) -> str:
    """"6,913 results", and how many are distinct where some are repeated."""
    total = int(figures["results"])
    distinct = int(figures.get("distinct_results", total))
    return f"{total:,} results" + (f" ({distinct:,} distinct)" if distinct != total else "")


def shacl_baseline(phase: str, name: str, path: Path, options: dict[str, Any], timeout: float
                   ) -> tuple[str, float | None, bool, dict[str, Any] | None]:
    """(text, seconds or the time limit, timed out?, figures) of another SHACL engine's full
    validation (plain pyshacl or an anchor), one process stopped at ``timeout``."""
    try:
        figures = run_phase(phase, path, options, timeout)
    except TimedOut as error:
        if error.failed:
            return f"{name} {error}", None, False, None
        return f"{name} {error}", error.limit, True, None
    if figures.get("installed") is False:
        return f"{name} not installed ({INSTALL_HINT})", None, False, figures
    text = f"{name} {with_cpu(figures)}, {results_text(figures)}, {figures['rss_mb']:.0f} MB"
    return text, figures["s"], False, figures


def stored_figures(path: Path, timeout: float) -> dict[str, Any]:
    """``bench/stored.py --json`` on ``path`` (its own processes, an on-disk store in a
    temporary folder); ``{"error": ...}`` when it fails or runs out of time."""
    command = [sys.executable, str(HERE / "stored.py"), str(path), "--json"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout * 4,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout * 4:.0f} s (timed out)"}
    if done.returncode != 0:
        print(f"bench/stored.py failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return {"error": f"failed (exit {done.returncode}, see stderr)"}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure(path: Path, args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    """Run every phase and its baseline; return the table rows and the raw figures."""
    options = {"repeat": max(args.repeat, 20), "sources": args.sources,
               "baseline_sources": args.baseline_sources, "seconds": args.seconds,
               "concurrency": args.concurrency}
    limit, cap = args.timeout, args.baseline_timeout
    raw: dict[str, Any] = {}
    rows: list[Row] = []

    def progress(text: str) -> None:
        print(f"  ... {text}", file=sys.stderr, flush=True)

    progress("load")
    load = raw["load"] = repeated("load", path, options, args.repeat, limit)
    text, base, out, _ = baseline_figure("rdflib-load", path, options, cap)
    rows.append(Row("load (file -> store)", with_cpu(load), f"rdflib {text}",
                    ratio(base, load["s"], out), "<= 15 s", verdict(load["s"] <= 15),
                    f"{load['rss_mb']:.0f} MB"))

    progress("full validation")
    try:
        full = raw["validate"] = repeated("validate", path, options, args.repeat, limit)
    except TimedOut as error:
        full = {"s": error.limit, "cpu_s": float("nan"), "rss_mb": float("nan"),
                "timed_out": True}
    if args.no_pyshacl:
        text, base, out = "pyshacl not run (--no-pyshacl)", None, False
    else:
        progress("pyshacl baseline")
        text, base, out, raw["pyshacl"] = shacl_baseline("pyshacl", "pyshacl", path, options,
                                                         cap)
    fast_enough = base is not None and base / full["s"] >= 10
    if full.get("timed_out"):
        ours = summary = str(TimedOut(limit))
    else:
        found = f", {int(full['findings']):,} findings"
        ours, summary = with_cpu(full) + found, seconds(full["s"]) + found
    rows.append(Row("full validation", ours, text,
                    ratio(base, full["s"], out), "<= 60 s, >= 10x",
                    verdict(full["s"] <= 60 and fast_enough), f"{full['rss_mb']:.0f} MB"))
    for phase, name in ANCHORS:
        if args.no_anchors:
            text, base, out = f"{name} not run (--no-anchors)", None, False
        else:
            progress(f"{name} (anchor)")
            text, base, out, raw[phase] = shacl_baseline(phase, name, path, options, cap)
        rows.append(Row(f"full validation: {name}", summary, text, ratio(base, full["s"], out),
                        "-", "", ""))

    progress("incremental validation")
    try:
        inc = raw["incremental"] = run_phase("incremental", path, options, limit)
    except TimedOut as error:
        inc = {"s": float("nan"), "cpu_s": float("nan"), "rss_mb": float("nan"),
               "error": str(error)}
    rows.append(Row("re-validate 1 contract", with_cpu(inc), f"full {seconds(full['s'])}",
                    ratio(full["s"], inc["s"]), "<= 200 ms", verdict(inc["s"] <= 0.2),
                    f"{inc['rss_mb']:.0f} MB"))

    progress("stored findings: first run, unchanged, reload of 1 %, server start (on disk)")
    stored = stored_figures(path, limit)
    raw["stored"] = stored
    if "error" in stored:
        rows.append(Row("server start, unchanged on-disk registry",
                        f"not measured: {stored['error']}", "-", "-", "<= 10 s", "MISSED", ""))
        rows.append(Row("re-validate after reloading 1 %", "not measured", "-", "-", "<= 5 s",
                        "MISSED", ""))
    else:
        first, start, reload = stored["full"], stored["start"], stored["reload"]
        rows.append(Row("server start, unchanged on-disk registry",
                        with_cpu(start) + f" (findings {start['how']})",
                        f"first run {seconds(first['s'])}", ratio(first["s"], start["s"]),
                        "<= 10 s", verdict(start["s"] <= 10), f"{start['rss_mb']:.0f} MB"))
        how = (f"incremental, {reload['revalidated']:,} entities"
               if reload["how"] == "incremental" else reload["how"])
        rows.append(Row("re-validate after reloading 1 %", with_cpu(reload) + f" ({how})",
                        f"full {seconds(full['s'])}", ratio(full["s"], reload["s"]), "<= 5 s",
                        verdict(reload["s"] <= 5), f"{reload['rss_mb']:.0f} MB"))

    progress("GraphQL trace")
    try:
        trace = raw["trace"] = run_phase("trace", path, options, limit)
    except TimedOut as error:
        trace = {"p50_s": float("nan"), "p95_s": float("nan"), "setup_s": float("nan"),
                 "runs": 0, "rss_mb": float("nan"), "error": str(error)}
    text, base, out, bt = baseline_figure("rdflib-trace", path, options, cap, "p50_s")
    rows.append(Row(f"trace p50 ({trace['runs']} sources)", seconds(trace["p50_s"]),
                    f"rdflib path p50 {text}", ratio(base, trace["p50_s"], out), "<= 20 ms",
                    verdict(trace["p50_s"] <= 0.02), f"{trace['rss_mb']:.0f} MB"))
    rows.append(Row("trace p95", seconds(trace["p95_s"]),
                    "-" if bt is None else f"rdflib path p95 {seconds(bt['p95_s'])}",
                    "-" if bt is None else ratio(bt["p95_s"], trace["p95_s"]), "<= 100 ms",
                    verdict(trace["p95_s"] <= 0.1), ""))
    rows.append(Row("API build (read model, access graph)",
                    with_cpu({"s": trace["setup_s"], "cpu_s": trace.get("setup_cpu_s", nan)}),
                    "-",
                    "-", "-", "", ""))

    progress("GraphQL list")
    try:
        listing = raw["list"] = run_phase("list", path, options, limit)
    except TimedOut as error:
        listing = {"s": float("nan"), "cpu_s": float("nan"), "rss_mb": float("nan"),
                   "error": str(error)}
    text, base, out, _ = baseline_figure("rdflib-list", path, options, cap)
    rows.append(Row("list 50 contracts, nested", with_cpu(listing), f"rdflib SELECT {text}",
                    ratio(base, listing["s"], out), "-", "", f"{listing['rss_mb']:.0f} MB"))

    progress("server throughput (the app computes the findings before it listens)")
    try:
        serve = raw["serve"] = run_phase("serve", path, options, limit)
    except TimedOut as error:
        serve = {"rss_mb": float("nan")}
        rows.append(Row("server trace throughput", f"not measured: start-up {error}", "-",
                        "-", ">= 300 req/s", "MISSED", ""))
    else:
        rows.append(Row(f"server trace throughput (c={serve['concurrency']})",
                        f"{serve['rps']:.0f} req/s (start-up {seconds(serve['setup_s'])})",
                        "-", "-", ">= 300 req/s", verdict(serve["rps"] >= 300),
                        f"{serve['rss_mb']:.0f} MB"))

    stored_steps = [stored[step] for step in ("full", "stored", "reload", "start")
                    if step in stored]
    peaks = [f["rss_mb"] for f in (load, full, inc, trace, listing, serve, *stored_steps)
             if f["rss_mb"] == f["rss_mb"]]  # NaN: a phase that timed out
    peak = max(peaks)
    rows.append(Row("peak RSS (largest cityreg phase)", f"{peak:.0f} MB", "", "", "<= 2 GB",
                    verdict(peak <= 2048), ""))
    return rows, raw


def render(rows: list[Row]) -> str:
    """The rows as an aligned plain-text table."""
    header = Row("phase", "cityreg", "baseline (same run)", "ratio", "target (N=10000)",
                 "", "peak RSS")
    table = [header, *rows]
    fields = ("phase", "ours", "baseline", "ratio", "target", "verdict", "rss")
    widths = {f: max(len(getattr(r, f)) for r in table) for f in fields}
    lines = ["  ".join(getattr(r, f).ljust(widths[f]) for f in fields).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * widths[f] for f in fields))
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        ram = float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {ram:.0f} GB RAM, {cpu}, load {load:.1f}; "
            f"Python {platform.python_version()}")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    names = ("pyoxigraph", "rdflib", "pyshacl", "pyshacl-turbo", "pyrudof", "networkx",
             "graphql-core", "uvicorn", "httpx")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="organisations (default 1000)")
    parser.add_argument("--file", type=Path, help="registry file to use instead of generating")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of load and validation")
    parser.add_argument("--sources", type=int, default=100, help="datasets traced (>= 100)")
    parser.add_argument("--baseline-sources", type=int, default=20,
                        help="datasets traced by the rdflib property path (default 20)")
    parser.add_argument("--seconds", type=float, default=5, help="throughput run length")
    parser.add_argument("--concurrency", type=int, default=4, help="throughput client threads")
    parser.add_argument("--timeout", type=float, default=3600, help="limit per cityreg phase")
    parser.add_argument("--baseline-timeout", type=float, default=600,
                        help="limit per baseline phase (default 600 s)")
    parser.add_argument("--no-pyshacl", action="store_true",
                        help="skip the plain pyshacl baseline (hours at N=10000)")
    parser.add_argument("--no-anchors", action="store_true",
                        help="skip the other SHACL engines (pySHACL-turbo, pyrudof)")
    parser.add_argument("--no-engines", action="store_true",
                        help="skip the table of the three engines (bench/engines.py: embedded "
                        "Oxigraph, the Oxigraph server, Virtuoso)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.sources < 1:
        parser.error("--n, --repeat and --sources must be positive, e.g. --n 1000 --repeat 3")
    path = args.file
    if path is None:
        path = Path(tempfile.gettempdir()) / f"cityreg-bench-n{args.n}-s{args.seed}.ttl"
        if not path.exists():
            print(f"  ... generating N={args.n} into {path}", file=sys.stderr, flush=True)
            generate(args.n, path, args.seed)
    elif not path.is_file():
        parser.error(f"--file {path}: no such file; give a Turtle registry or use --n")
    rows, raw = measure(path, args)
    size = f"{path.stat().st_size / 1e6:.0f} MB"
    print(f"cityreg benchmark: {path.name} ({size}), {int(raw['load']['statements'])} "
          f"statements, median of {args.repeat}")
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    print()
    print(render(rows))
    if not args.no_engines:
        print()
        print(engines_table(path, args.timeout))
    return 0


def engines_table(path: Path, timeout: float) -> str:
    """The table of ``bench/engines.py`` on the same file (its own processes and engines)."""
    command = [sys.executable, str(HERE / "engines.py"), str(path), "--timeout", str(timeout)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"three engines: bench/engines.py failed:\n{done.stderr[-2000:]}"
    return done.stdout.rstrip()


if __name__ == "__main__":
    sys.exit(main())
