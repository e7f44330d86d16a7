"""How fast does a registry load, and how much memory does it take? rdflib against Registry.

Usage::

    python bench/load.py                  # generate ~290k statements (N=1000), 3 runs each
    python bench/load.py --size 100       # a smaller registry
    python bench/load.py --file big.ttl   # your own Turtle file

Every measurement runs in a fresh Python process, so that its peak resident memory
(``ru_maxrss`` of that process) belongs to that engine alone. Seconds are the median of
``--repeat`` runs and time only the load call (not interpreter start or imports); CPU seconds
(all threads, RocksDB's included) say more than wall time on a busy machine; peak RSS is the
largest of the runs and includes the interpreter and libraries (30-60 MB).

Engines:

* ``rdflib``          ``rdflib.Graph().parse(path)`` (Memory store, rdflib's Turtle parser)
* ``memory``          ``Registry.memory(ontology=False).load(path)`` (pyoxigraph in memory)
* ``disk``            ``Registry.open(tmp, ontology=False).load(path)`` (RocksDB on disk)
* ``disk-replace``    the file loaded on disk, changed by one statement, then loaded again:
                      times the second load, which replaces the graph in one SPARQL update
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGINES = ("rdflib", "memory", "disk", "disk-replace")
LABELS = {
    "rdflib": "rdflib Graph().parse",
    "memory": "Registry.memory().load",
    "disk": "Registry.open(dir).load",
    "disk-replace": "Registry.open(dir) reload changed",
}

CHANGED = ("https://example.org/bench/id/org0", "https://w3id.org/cityreg#changed")
PREFIXES = """\
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix id: <https://example.org/bench/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""


def generate(path: Path, size: int, seed: int = 20240501) -> int:
    """Write a synthetic registry of ``size`` organisations; return its statement count.

    Shaped like the figures in performance-notes.md: per organisation 10 sensors, 5 datasets and
    2 agreements, with labels, dates, numbers and links between them: 291 statements per
    organisation as written, a few less once repeated random links collapse.
    """
    rng = random.Random(seed)
    statements = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(PREFIXES)
        for org in range(size):
            out.write(
                f'id:org{org} a cityreg:Organisation ; rdfs:label "Organisation {org}"@en ;\n'
                f'    cityreg:homepage <https://org{org}.example.org/> ;\n'
                f'    cityreg:employees {rng.randint(5, 50000)} ;\n'
                f'    dct:identifier "ORG-{org:06d}" .\n'
            )
            statements += 5
            for n in range(10):
                sensor = f"id:sensor{org}-{n}"
                out.write(
                    f"{sensor} a cityreg:Sensor ; rdfs:label \"Sensor {n} of organisation "
                    f"{org}\"@en ;\n"
                    f"    cityreg:operatedBy id:org{org} ; cityreg:ownedBy "
                    f"id:org{rng.randrange(size)} ;\n"
                    f'    cityreg:latitude "{rng.uniform(-60, 60):.6f}"^^xsd:decimal ;\n'
                    f'    cityreg:longitude "{rng.uniform(-180, 180):.6f}"^^xsd:decimal ;\n'
                    f'    cityreg:installedOn "20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1'
                    f'{rng.randint(0, 9)}"^^xsd:date ;\n'
                    f'    cityreg:modality "{rng.choice(["camera", "audio", "air", "traffic"])}" ;'
                    f"\n    cityreg:feeds id:dataset{org}-{rng.randrange(5)}, "
                    f"id:dataset{org}-{rng.randrange(5)} ;\n"
                    f'    dct:identifier "S-{org}-{n}" ; cityreg:serialNumber '
                    f'"{rng.getrandbits(48):012x}" ;\n'
                    f'    cityreg:retentionDays {rng.choice([7, 30, 90, 365])} ;\n'
                    f"    cityreg:vendor id:org{rng.randrange(size)} ;\n"
                    f'    cityreg:status "{rng.choice(["active", "planned", "retired"])}" ;\n'
                    f"    cityreg:personalData {rng.choice(['true', 'false'])} .\n"
                )
                statements += 16
            for n in range(5):
                dataset = f"id:dataset{org}-{n}"
                keywords = ", ".join(f'"keyword {rng.randrange(200)}"' for _ in range(8))
                out.write(
                    f"{dataset} a cityreg:Dataset ; rdfs:label \"Dataset {n} of organisation "
                    f"{org}\"@en ;\n"
                    f'    dct:title "Dataset {org}/{n}" ; dct:publisher id:org{org} ;\n'
                    f'    dct:issued "2023-0{rng.randint(1, 9)}-0{rng.randint(1, 9)}"^^xsd:date ;\n'
                    f"    cityreg:keyword {keywords} ;\n"
                    f'    dct:description "A synthetic dataset with a longer description, '
                    f'number {rng.getrandbits(32)}." ;\n'
                    f"    cityreg:rows {rng.randint(10, 10**7)} ;\n"
                    f"    cityreg:license <https://creativecommons.org/licenses/by/4.0/> ;\n"
                    f"    cityreg:derivedFrom id:dataset{rng.randrange(size)}-{rng.randrange(5)};"
                    f"\n    cityreg:containsPersonalData {rng.choice(['true', 'false'])} .\n"
                )
                statements += 18
            for n in range(2):
                partner = rng.randrange(size)
                out.write(
                    f"id:agreement{org}-{n} a cityreg:DataSharingAgreement ;\n"
                    f'    rdfs:label "Agreement {n} of organisation {org}"@en ;\n'
                    f"    cityreg:provider id:org{org} ; cityreg:recipient id:org{partner} ;\n"
                    f"    cityreg:sharesDataset id:dataset{org}-{rng.randrange(5)}, "
                    f"id:dataset{org}-{rng.randrange(5)}, id:dataset{org}-{rng.randrange(5)} ;\n"
                    f'    cityreg:validFrom "2021-01-01"^^xsd:date ; cityreg:validUntil '
                    f'"20{rng.randint(25, 30)}-12-31"^^xsd:date ;\n'
                    f'    cityreg:purpose "purpose {rng.randrange(50)}", '
                    f'"purpose {rng.randrange(50)}" ;\n'
                    f"    cityreg:legalBasis <https://w3id.org/dpv#{rng.choice(['Consent', 'Contract', 'PublicTask'])}> ;\n"  # noqa: E501
                    f"    cityreg:onwardSharing {rng.choice(['true', 'false'])} ;\n"
                    f"    cityreg:annualFeeEUR {rng.randint(0, 10**6)} ;\n"
                    f'    cityreg:signedOn "2020-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"^^xsd:date ;\n'  # noqa: E501
                    f'    cityreg:reference "DSA-{org}-{n}" ; cityreg:retentionDays 365 ;\n'
                    f'    dct:source <https://council.example.org/minutes/{org}/{n}> .\n'
                )
                statements += 18
    return statements


# -- one measurement, in a child process ----------------------------------------------------------


def measure(engine: str, path: Path) -> dict[str, float]:
    """Load ``path`` with ``engine`` once; return wall and CPU seconds and the peak RSS."""
    work = Path(tempfile.mkdtemp(prefix="cityreg-bench-"))
    try:
        seconds, cpu, statements = _run(engine, path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_kb / 1024,
            "statements": statements}


class _Clock:
    """Wall time and CPU time (all threads of this process) since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _run(engine: str, path: Path, work: Path) -> tuple[float, float, int]:
    if engine == "rdflib":
        import rdflib

        clock = _Clock()
        graph = rdflib.Graph().parse(path, format="turtle")
        return *clock.stop(), len(graph)

    from registry.store import Registry

    if engine == "memory":
        with Registry.memory(ontology=False) as registry:
            clock = _Clock()
            registry.load(path)
            return *clock.stop(), len(registry)
    copy = work / path.name
    shutil.copyfile(path, copy)
    with Registry.open(work / "store", ontology=False) as registry:
        if engine == "disk":
            clock = _Clock()
            registry.load(copy)
            return *clock.stop(), len(registry)
        registry.load(copy)
        with copy.open("a", encoding="utf-8") as out:
            out.write(f"<{CHANGED[0]}> <{CHANGED[1]}> 1 .\n")
        clock = _Clock()
        report = registry.load(copy)
        wall, cpu = clock.stop()
        assert report.sources[0].status == "replaced"
        return wall, cpu, len(registry)


# -- the parent: run children, print the table ----------------------------------------------------


def run_child(engine: str, path: Path) -> dict[str, float]:
    child = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--file", str(path)],
        capture_output=True, text=True, check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{child.stderr}")
    result: dict[str, float] = json.loads(child.stdout)
    return result


def table(results: dict[str, list[dict[str, float]]]) -> str:
    base = None
    if "rdflib" in results:
        base = statistics.median(run["seconds"] for run in results["rdflib"])
    header = ("engine", "seconds", "CPU s", "peak RSS MB", "time vs rdflib", "statements")
    rows = []
    for engine, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        ratio = "-" if base is None else f"{seconds / base:.2f}x"
        rows.append((LABELS[engine], f"{seconds:.2f}",
                     f"{statistics.median(r['cpu'] for r in runs):.2f}",
                     f"{max(r['peak_mb'] for r in runs):.0f}", ratio,
                     f"{int(runs[0]['statements']):,}"))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in (header, tuple("-" * w for w in widths), *rows)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="Turtle file to load (default: generate one)")
    parser.add_argument("--size", type=int, default=1000,
                        help="organisations to generate (default 1000: ~290k statements)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine (default 3)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated subset of {', '.join(ENGINES)}")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.child, args.file)))
        return
    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}: expected some of {', '.join(ENGINES)}")
    with tempfile.TemporaryDirectory(prefix="cityreg-bench-data-") as folder:
        path = args.file
        if path is None:
            path = Path(folder) / f"registry-{args.size}.ttl"
            count = generate(path, args.size)
            print(f"generated {path.name}: {count:,} statements written, "
                  f"{path.stat().st_size / 2**20:.1f} MiB")
        results = {engine: [run_child(engine, path) for _ in range(args.repeat)]
                   for engine in engines}
    print(f"median of {args.repeat} runs, each in a fresh process\n")
    print(table(results))


if __name__ == "__main__":
    main()
