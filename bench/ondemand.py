"""Traces on a registry held by an engine, each answered from the web around its question.

Usage::

    python bench/ondemand.py --store oxigraph+http://127.0.0.1:7878 [--sources 60]

Asks ``whoCanAccess`` of ``--sources`` sensors and as many datasets, spread over the registry,
through :class:`registry.flows.ondemand.OnDemandAccess` (what ``cityreg serve --store URL``
answers traces with), in a fresh process that builds nothing else: the first question about
each entity (its web read from the engine) and the same question again (the web kept). Prints
the medians and 95th percentiles, the largest web read, and the process's peak resident
memory, which should not follow the registry's size (issue #17: trace p50 <= 50 ms).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _spread(registry: object, kind: str, count: int) -> list[str]:
    from registry.store import Registry

    assert isinstance(registry, Registry)
    rows = registry.raw_query(f"SELECT ?s WHERE {{ ?s a <{kind}> }}")
    found = sorted(row[0].value for row in rows)  # type: ignore[union-attr]
    return found[:: max(1, len(found) // count)][:count]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the engine's URL")
    parser.add_argument("--sources", type=int, default=60)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from registry.flows.ondemand import OnDemandAccess
    from registry.store import Registry

    registry = Registry.connect(args.store)
    statements = registry.count()
    access = OnDemandAccess(registry, cached=4 * args.sources)
    sources = (_spread(registry, "http://www.w3.org/ns/sosa/Sensor", args.sources)
               + _spread(registry, "http://www.w3.org/ns/dcat#Dataset", args.sources))
    first: list[float] = []
    again: list[float] = []
    organisations = 0
    for source in sources:
        started = time.perf_counter()
        result = access.who_can_access(source)
        first.append(time.perf_counter() - started)
        organisations += len(result.organisations)
    for source in sources:
        started = time.perf_counter()
        access.who_can_access(source)
        again.append(time.perf_counter() - started)
    largest = max(len(access.around(source).facts.facts) for source in sources)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"on-demand traces: {args.store}, {statements:,} statements, {len(sources)} sources "
          f"({organisations / len(sources):.1f} organisations each)")
    print(f"first question   p50 {statistics.median(first) * 1000:7.1f} ms   "
          f"p95 {_percentile(first, 0.95) * 1000:7.1f} ms")
    print(f"asked again      p50 {statistics.median(again) * 1000:7.1f} ms   "
          f"p95 {_percentile(again, 0.95) * 1000:7.1f} ms")
    print(f"largest web      {largest:,} subjects")
    print(f"peak RSS         {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
