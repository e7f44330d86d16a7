"""Does the history grow with the changes, not with the registry? 100 small reloads (issue #18).

Usage::

    python bench/history.py                          # N=1000 (bench/generate.py), 100 reloads
    python bench/history.py --file registry.ttl --reloads 100

An on-disk registry loads one generated file; then the file is edited by one statement (a
comment on one organisation, changed each time) and reloaded, ``--reloads`` times. Each reload
is one version that records the one statement removed and the one added (and the file's new
provenance record). Printed:

* reload seconds: the first ten and the last ten reloads' medians (equal when the history does
  not slow writes down), the p95 of all, and the median of the same reloads in a second store
  that records no versions (the baseline: the recorder replaced, in this process only);
* store growth: the store folder's size after the first load and after the reloads, with and
  without versions (their difference is what the history costs on disk), measured after the
  store is closed (RocksDB's log and compaction make folder sizes indicative);
* history statements: the history graph's statement count and the characters of N-Quads text
  it keeps, against the registry's statement count;
* reading the history back: ``read_versions``, the walk of every version (what ``/changes``
  and entity pages build once) and the rebuild of version 1 (``export --as-of-version 1``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.history.entities import walk  # noqa: E402
from registry.history.reconstruct import registry_at  # noqa: E402
from registry.history.versions import read_versions  # noqa: E402
from registry.store import Registry, transaction  # noqa: E402
from registry.store.versioning import HISTORY_GRAPH  # noqa: E402

EDITED = "https://example.org/bench/id/org0"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def edit(base: str, target: Path, revision: int) -> None:
    target.write_text(base + f'<{EDITED}> <{COMMENT}> "revision {revision}" .\n')


def history_size(registry: Registry) -> tuple[int, int]:
    """Statements of the history graph and characters of the statement text it keeps."""
    [count] = registry.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{HISTORY_GRAPH}> "
                              "{ ?s ?p ?o } }")
    [text] = registry.select(
        f"SELECT (SUM(STRLEN(?text)) AS ?chars) WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?s ?p ?text "
        "FILTER(?p IN (cityreg:addedStatements, cityreg:removedStatements)) } }")
    return int(str(count["n"])), int(str(text.get("chars", 0)))


def reload_series(base: str, data: Path, store: Path, reloads: int
                  ) -> tuple[int, int, int, list[float]]:
    """Load the file into a new store, then edit and reload it ``reloads`` times: statements,
    store bytes after the load and after the reloads, seconds of each reload."""
    edit(base, data, 0)
    with Registry.open(store) as registry:
        registry.load(data)
        statements = registry.count()
    first_size = folder_bytes(store)
    seconds = []
    for revision in range(1, reloads + 1):
        edit(base, data, revision)
        with Registry.open(store) as registry:
            started = time.perf_counter()
            report = registry.load(data)
            seconds.append(time.perf_counter() - started)
            assert report.sources[0].status == "replaced"
    return statements, first_size, folder_bytes(store), seconds


@contextmanager
def without_versions() -> Iterator[None]:
    """The baseline: writes as before issue #18, recording no version (the recorder is
    replaced by one that records nothing, for this benchmark only)."""
    recorder = transaction._record
    transaction._record = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        transaction._record = recorder  # type: ignore[assignment]


def megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="generated organisations")
    parser.add_argument("--file", type=Path, help="registry file instead of generating one")
    parser.add_argument("--reloads", type=int, default=100, help="small reloads (default 100)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cityreg-history-"))
    try:
        source = args.file
        if source is None:
            source = work / f"registry-{args.n}.ttl"
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--n",
                            str(args.n), "--out", str(source)], check=True,
                           stdout=subprocess.DEVNULL)
        base = source.read_text()
        data, store, fresh = work / "registry.ttl", work / "store", work / "fresh"
        statements, first_size, final_size, seconds = reload_series(base, data, store,
                                                                    args.reloads)
        with without_versions():
            _, bare_first, bare_final, bare_seconds = reload_series(
                base, work / "bare.ttl", work / "bare", args.reloads)
        with Registry.open(fresh) as registry:
            registry.load(data)
        fresh_size = folder_bytes(fresh)
        with Registry.open(store) as registry:
            kept, chars = history_size(registry)
            started = time.perf_counter()
            versions = read_versions(registry)
            read_seconds = time.perf_counter() - started
            started = time.perf_counter()
            walked = walk(registry)
            walk_seconds = time.perf_counter() - started
            started = time.perf_counter()
            _, first = registry_at(registry, "@1")
            rebuild_seconds = time.perf_counter() - started
            first.close()
        assert len(versions) == args.reloads + 1
        assert walked.complete
        head, tail = seconds[:10], seconds[-10:]
        p95 = sorted(seconds)[int(0.95 * (len(seconds) - 1))]
        print(f"registry: {statements:,} statements; {args.reloads} reloads, each +1 -1 "
              "statement")
        print(f"reload seconds: median of the first 10 {statistics.median(head):.2f}, "
              f"of the last 10 {statistics.median(tail):.2f}; p95 of all {p95:.2f}; without "
              f"versions {statistics.median(bare_seconds):.2f} (median of all; ratio "
              f"{statistics.median(seconds) / statistics.median(bare_seconds):.2f})")
        growth, bare_growth = final_size - first_size, bare_final - bare_first
        print(f"store folder: {megabytes(first_size)} after the first load, "
              f"{megabytes(final_size)} after {args.reloads} reloads (+{megabytes(growth)}); "
              f"the same reloads without versions: +{megabytes(bare_growth)}; so the history "
              f"costs {(growth - bare_growth) / args.reloads / 1e3:.1f} kB per reload on disk; "
              f"the final file loaded once into a new store: {megabytes(fresh_size)}")
        print(f"history graph: {kept:,} statements ({kept / (args.reloads + 1):.1f} per "
              f"version; the registry has {statements:,}), {chars:,} characters of N-Quads text")
        print(f"reading it: {len(versions)} versions in {read_seconds:.2f} s; the walk of "
              f"every version (/changes, entity pages) {walk_seconds:.2f} s; version 1 "
              f"rebuilt in {rebuild_seconds:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
