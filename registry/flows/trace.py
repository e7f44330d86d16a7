"""The dataset-precise access trace: breadth-first over hops that carry the same dataset.

A SPARQL property path over-approximates access (it cannot require that every hop shares the
same dataset, see performance-notes.md); this search follows one dataset at a time. From the
data's first holders it extends a path by a hop of the same dataset when

* the hop is valid on ``as_of`` (when given),
* the next holder is not already on the path (paths are simple), and
* the hop that brought the data to the current holder allows onward sharing: a stated
  ``cityreg:onwardSharingAllowed false`` stops the chain, except for sub-processing hops,
  which the processor's contract itself provides for; "not stated" continues (the hop says
  "not disclosed").

Paths are produced level by level, so each organisation's paths come shortest first. The search
stops at ``max_paths`` paths or ``max_depth`` hops and then says so: never silently.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from registry.errors import InputError
from registry.flows.build import Projection
from registry.flows.model import AccessPath, OrganisationAccess, TraceResult, Truncation

_Frontier = list[tuple[AccessPath, frozenset[str]]]


def check_limits(max_depth: int, max_paths: int) -> None:
    """Refuse limits that make no sense, naming the value and the expectation."""
    if max_depth < 1:
        raise InputError(f"max_depth {max_depth} is too small: expected at least 1 hop")
    if max_paths < 1:
        raise InputError(f"max_paths {max_paths} is too small: expected at least 1 path")


def starting_datasets(projection: Projection, datasets: list[str]
                      ) -> list[tuple[str, tuple[str, ...]]]:
    """The datasets and, breadth-first, every dataset derived from them with its ancestry."""
    found: list[tuple[str, tuple[str, ...]]] = [(dataset, ()) for dataset in datasets]
    seen = set(datasets)
    index = 0
    while index < len(found):
        dataset, ancestry = found[index]
        index += 1
        for child in projection.derived.get(dataset, ()):
            if child not in seen:
                seen.add(child)
                found.append((child, (dataset, *ancestry)))
    return found


def trace(projection: Projection, source: str, source_label: str, datasets: list[str],
          as_of: date | None, max_depth: int, max_paths: int) -> TraceResult:
    """Every organisation that can access ``datasets`` (and data derived from them)."""
    check_limits(max_depth, max_paths)
    frontier: _Frontier = []
    for dataset, ancestry in starting_datasets(projection, datasets):
        for hop in projection.origins.get(dataset, ()):
            if hop.valid_on(as_of):
                frontier.append((AccessPath(dataset, (hop,), ancestry),
                                 frozenset((hop.source, hop.target))))
    found: dict[str, list[AccessPath]] = defaultdict(list)
    labels: dict[str, str] = {}
    truncated: Truncation | None = None
    total = 0
    depth = 1
    while frontier:
        frontier.sort(key=_order)
        following: _Frontier = []
        for path, visited in frontier:
            if total >= max_paths:
                truncated = Truncation("max_paths", max_paths)
                break
            last = path.hops[-1]
            found[last.target].append(path)
            labels[last.target] = last.target_label
            total += 1
            for hop in projection.out.get(last.target, {}).get(path.dataset, ()):
                if hop.target in visited or not hop.valid_on(as_of):
                    continue
                if last.onward_sharing == "not allowed" and not hop.chain:
                    continue
                if depth >= max_depth:
                    truncated = truncated or Truncation("max_depth", max_depth)
                    break
                following.append((AccessPath(path.dataset, (*path.hops, hop),
                                             path.derived_from), visited | {hop.target}))
        if truncated is not None and truncated.reason == "max_paths":
            break
        frontier = following
        depth += 1
    organisations = sorted(
        (OrganisationAccess(org, labels[org], tuple(paths)) for org, paths in found.items()),
        key=lambda access: (access.shortest, access.label.casefold(), access.organisation))
    return TraceResult(source, source_label, tuple(datasets), as_of, tuple(organisations),
                       truncated)


def _order(item: tuple[AccessPath, frozenset[str]]) -> tuple[str, ...]:
    path = item[0]
    return tuple(part for hop in path.hops
                 for part in (hop.target_label.casefold(), hop.via_label.casefold(), hop.target,
                              hop.via, hop.grant, hop.dataset))
