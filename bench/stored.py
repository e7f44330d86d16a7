"""What the findings stored with an on-disk registry save (issue #21): a server start and a
re-validation after a load, each step in its own process.

    python bench/stored.py FILE [--work DIR]

Splits FILE into a main file and a part of about 1 % of its subjects (every subject whose IRI
hashes to 0 modulo 100: "one city's file of 1 %"), loads both into a new on-disk store, and
measures, each in a fresh process:

1. ``full``: the first validation, which also writes the stored report;
2. ``stored``: the same call on the unchanged store (what a server start now costs instead);
3. ``reload``: the part file changed (its first statement dropped), loaded again, validated:
   incremental when the changed statements' reach is small, else a full run;
4. ``start``: a server generation over the unchanged store (checkpoints, stored findings,
   read model, access graph, SPARQL workers), as ``cityreg serve --store DIR`` builds it.

Prints one line per step (wall and CPU seconds, peak RSS, how the findings were got) and the
stored report's size.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 1, 1)


def split(source: Path, work: Path) -> tuple[Path, Path]:
    """Write ``main.nt`` and ``part.nt`` (about 1 % of the subjects) into ``work``."""
    import pyoxigraph as ox

    main, part = work / "main.nt", work / "part.nt"
    with main.open("w", encoding="utf-8") as big, part.open("w", encoding="utf-8") as small:
        for triple in ox.parse(path=str(source), format=ox.RdfFormat.TURTLE):
            line = f"{triple} .\n"
            (small if zlib.crc32(str(triple.subject).encode()) % 100 == 0 else big).write(line)
    return main, part


def step(name: str, store: Path, part: Path) -> dict[str, object]:
    """One measured step, in this process."""
    sys.path.insert(0, str(ROOT))
    from registry.store import Registry
    from registry.stored import stored_validation
    from registry.stored.reportfile import folder_of

    if name == "start":
        from registry.server import generation
        from registry.server.generation import Settings
        from registry.web.admission import Limits

        settings = Settings("https://w3id.org/cityreg/id/", AS_OF, Limits())
        started, cpu = time.perf_counter(), time.process_time()
        built = generation.from_store_folder(store, settings, 1)
        figures: dict[str, object] = {"how": settings.status.as_json().get("findings")}
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        built.close()
        return {**figures, "s": wall, "cpu_s": cpu, **_rss()}
    with Registry.open(store) as registry:
        started, cpu = time.perf_counter(), time.process_time()
        if name == "reload":
            lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
            part.write_text("".join(lines[1:]), encoding="utf-8")
            registry.load(part)
        run = stored_validation(registry, folder_of(store), AS_OF)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"how": run.how, "revalidated": run.revalidated,
                "findings": len(run.report.findings), "s": wall, "cpu_s": cpu, **_rss()}


def _rss() -> dict[str, float]:
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object of every step's figures (for bench/run.py)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.step:
        print(json.dumps(step(options.step, options.work / "store", options.work / "part.nt")))
        return 0
    work = options.work or Path(tempfile.mkdtemp(prefix="cityreg-stored-"))
    shutil.rmtree(work / "store", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    main_file, part = split(options.file, work)
    sys.path.insert(0, str(ROOT))
    from registry.store import Registry

    with Registry.open(work / "store") as registry:
        registry.load(main_file, part)
        statements = registry.count()
    say = (lambda text: None) if options.json else print
    say(f"{options.file.name}: {statements:,} statements, split and loaded into "
        f"{work / 'store'} in {time.perf_counter() - started:.1f} s "
        f"(part: {sum(1 for _ in part.open()):,} statements)")
    steps: dict[str, object] = {"statements": statements}
    for name in ("full", "stored", "reload", "start"):
        done = subprocess.run([sys.executable, __file__, str(options.file), "--work", str(work),
                               "--step", name], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{name:7} failed: {done.stderr.strip()[-2000:]}", file=sys.stderr)
            return 1
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        steps[name] = figures
        extra = (f", {figures['revalidated']:,} entities re-validated"
                 if figures.get("revalidated") else "")
        say(f"{name:7} {figures['s']:7.1f} s (cpu {figures['cpu_s']:.1f} s)  "
            f"{figures['rss_mb']:6.0f} MB  findings: {figures['how']}{extra}")
    size = sum(p.stat().st_size for p in (work / "store" / "cityreg-validation").iterdir())
    steps["report_mb"] = size / 1e6
    say(f"stored report: {size / 1e6:.0f} MB")
    if options.json:
        print(json.dumps(steps))
    if options.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
