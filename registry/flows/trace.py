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

Paths are produced level by level; each organisation's paths come strongest grade first, then
shortest, and organisations the same way (a path is only as good as its weakest hop). Hops
weaker than ``min_grade`` are not followed. The search stops at ``max_paths`` paths or
``max_depth`` hops and then says so: never silently. Every gap it meets (the hops' own, the
onward-sharing terms of a hop it follows further, the datasets' sources) is in the answer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from registry.errors import InputError
from registry.flows.model import (
    AccessPath,
    Gap,
    Grade,
    OrganisationAccess,
    TraceResult,
    Truncation,
    collect_gaps,
    grade_rank,
)
from registry.flows.projection import Projection
from registry.namespaces import CITYREG

_ONWARD = str(CITYREG.onwardSharingAllowed)

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
          as_of: date | None, max_depth: int, max_paths: int,
          min_grade: Grade = "undisclosed") -> TraceResult:
    """Every organisation that can access ``datasets`` (and data derived from them)."""
    check_limits(max_depth, max_paths)
    weakest = grade_rank(min_grade)
    frontier: _Frontier = []
    met: list[Gap] = []
    for dataset, ancestry in starting_datasets(projection, datasets):
        met += projection.source_gaps.get(dataset, ())
        ancestry_labels = tuple(projection.label(d) for d in ancestry)
        for hop in projection.origins.get(dataset, ()):
            if hop.valid_on(as_of) and grade_rank(hop.grade) <= weakest:
                frontier.append((AccessPath(dataset, (hop,), ancestry, ancestry_labels),
                                 frozenset((hop.source, hop.target))))
    found: dict[str, list[AccessPath]] = defaultdict(list)
    labels: dict[str, str] = {}
    truncated: Truncation | None = None
    onward_met: set[str] = set()  # flows or contracts whose onward terms the search passed
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
                if (hop.target in visited or not hop.valid_on(as_of)
                        or grade_rank(hop.grade) > weakest):
                    continue
                if last.onward_sharing == "not allowed" and not hop.chain:
                    continue
                if last.onward_sharing == "not disclosed" and not hop.chain:
                    onward_met.add(last.flow or last.via)
                if depth >= max_depth:
                    truncated = truncated or Truncation("max_depth", max_depth)
                    break
                following.append((AccessPath(path.dataset, (*path.hops, hop),
                                             path.derived_from, path.derived_from_labels),
                                  visited | {hop.target}))
        if truncated is not None and truncated.reason == "max_paths":
            break
        frontier = following
        depth += 1
    organisations = sorted(
        (_access(projection, org, labels[org], paths) for org, paths in found.items()),
        key=lambda access: (grade_rank(access.grade), access.shortest,
                            access.label.casefold(), access.organisation))
    kept = [path for access in organisations for path in access.paths]
    met += [projection.disclosure.gap(entity, _ONWARD) for entity in sorted(onward_met)]
    disclosure = tuple(_sorted([*collect_gaps(kept), *met]))
    return TraceResult(source, source_label, tuple(datasets), as_of, tuple(organisations),
                       truncated, disclosure, min_grade)


def _access(projection: Projection, org: str, label: str, paths: list[AccessPath]
            ) -> OrganisationAccess:
    """An organisation's entry: its paths strongest first, then shortest, then those of the
    traced data before those of data derived from it (a stable sort keeps the search's order
    among equals); a placeholder names its category."""
    ordered = tuple(sorted(paths, key=lambda path: (grade_rank(path.grade), path.length,
                                                    len(path.derived_from))))
    placeholder = projection.placeholders.get(org)
    if placeholder is None:
        return OrganisationAccess(org, label, ordered)
    return OrganisationAccess(org, label, ordered, placeholder[0], placeholder[1])


def _sorted(gaps: list[Gap]) -> list[Gap]:
    return sorted(dict.fromkeys(gaps), key=lambda g: (g.entity_label.casefold(), g.prop_label,
                                                      g.entity, g.prop))


def _order(item: tuple[AccessPath, frozenset[str]]) -> tuple[str, ...]:
    path = item[0]
    return tuple(part for hop in path.hops
                 for part in (hop.target_label.casefold(), hop.via_label.casefold(), hop.target,
                              hop.via, hop.grant, hop.dataset))
