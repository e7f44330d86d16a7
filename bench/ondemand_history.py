"""The history of a registry held by an engine, found per version and per entity.

Usage::

    python bench/ondemand_history.py --store oxigraph+http://127.0.0.1:7878 [--entities 50]

Two fresh processes on the same engine, each printing its time and peak resident memory:

* on demand (what ``cityreg serve --store URL`` does, registry.history.ondemand): the entities
  each version touched (the versions page), then the history of ``--entities`` entities spread
  over the registry (entity pages), each the first question about it;
* the whole walk (what a server on a store folder does, registry.history.timeline): every
  version undone on a copy of the whole registry.

Issue #17 asks that the server's memory not grow with the registry: the on-demand process
holds a copy of one version's entities at a time, the whole walk a copy of the registry.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def child(mode: str, store: str, entities: int) -> dict[str, float | int]:
    """One way of reading the history, in this (fresh) process."""
    from registry.store import Registry

    registry = Registry.connect(store)
    started = time.perf_counter()
    if mode == "whole":
        from registry.history.timeline import Timeline

        timeline = Timeline.of(registry)
        touched = sum(len(touches) for _, touches in timeline.versions())
        return {"walk_s": time.perf_counter() - started, "touched": touched,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    from registry.history.ondemand import OnDemandTimeline

    ondemand = OnDemandTimeline(registry)
    per_version = []
    touched = 0
    for version in ondemand.known_versions():
        begun = time.perf_counter()
        touched += len(ondemand.touches(version.number) or [])
        per_version.append(time.perf_counter() - begun)
    versions_s = time.perf_counter() - started
    rows = registry.raw_query("SELECT DISTINCT ?s WHERE { ?s a ?t . FILTER isIRI(?s) }")
    subjects = sorted(row[0].value for row in rows)  # type: ignore[union-attr]
    picked = subjects[:: max(1, len(subjects) // entities)][:entities]
    times = []
    for iri in picked:
        begun = time.perf_counter()
        ondemand.entity(iri)
        times.append(time.perf_counter() - begun)
    return {"versions_s": versions_s, "largest_version_s": max(per_version, default=0.0),
            "versions": len(per_version), "touched": touched,
            "entity_p50_s": statistics.median(times), "entity_p95_s": _percentile(times, 0.95),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the engine's URL")
    parser.add_argument("--entities", type=int, default=50)
    parser.add_argument("--child", choices=("ondemand", "whole"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        print(json.dumps(child(args.child, args.store, args.entities)))
        return 0
    found = {}
    for mode in ("ondemand", "whole"):
        done = subprocess.run([sys.executable, __file__, "--store", args.store, "--entities",
                               str(args.entities), "--child", mode],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{mode}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            return 1
        found[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    ondemand, whole = found["ondemand"], found["whole"]
    print(f"history on an engine: {args.store}, {ondemand['versions']} versions, "
          f"{ondemand['touched']:,} entity touches (whole walk: {whole['touched']:,})")
    print(f"on demand   every version {ondemand['versions_s']:7.1f} s   largest version "
          f"{ondemand['largest_version_s']:6.1f} s   peak RSS {ondemand['rss_mb']:6.0f} MB")
    print(f"            entity history p50 {ondemand['entity_p50_s'] * 1000:7.1f} ms   "
          f"p95 {ondemand['entity_p95_s'] * 1000:7.1f} ms ({args.entities} entities)")
    print(f"whole walk  every version {whole['walk_s']:7.1f} s   "
          f"{'':28}peak RSS {whole['rss_mb']:6.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
