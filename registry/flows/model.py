"""The answers of the access graph: hops, evidence paths, traces and concentrations.

A :class:`Hop` is one step of data from one holder to the next, *for one dataset*, with the
evidence that allows it (the contract or agreement, the clause or role property that grants
access, the dates) and how good that evidence is (its :data:`Grade`). A trace chains hops that
carry the same dataset; every chain that reaches an organisation is an :class:`AccessPath`, and
all of them are kept as evidence. Every fact the trace needed and the registry does not hold is
a :class:`Gap`: an answer that met one says so, whatever its ``complete`` flag says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from registry.errors import InputError

#: Whether the flow that brought data to a holder lets the holder pass it on.
OnwardSharing = Literal["allowed", "not allowed", "not disclosed"]

#: What a hop passes through: a vendor contract (and its sub-processing chain), a data-sharing
#: agreement, a processing's recorded recipients, or, for ``origin``, nothing: the data reaches
#: its first holder (the controller, operator, owner or publisher of the data, or a party that
#: a contract, agreement or system connects to it).
HopKind = Literal["contract", "agreement", "processing", "origin"]

#: How good the evidence of a hop is, strongest first (registry.flows.rules says which is which):
#: ``asserted`` a recorded role, clause or agreement grants the access; ``inferred`` a recorded
#: relation implies access but not its terms; ``undisclosed`` the recipient is known only by
#: its category ("third parties"), never by name.
Grade = Literal["asserted", "inferred", "undisclosed"]
GRADES: tuple[Grade, ...] = ("asserted", "inferred", "undisclosed")
_RANK: dict[str, int] = {grade: rank for rank, grade in enumerate(GRADES)}

#: Whether a missing fact is marked (cityreg:notDisclosed, or a contract whose document is not
#: or only partly disclosed) or simply not in the registry.
GapStatus = Literal["not disclosed", "not recorded"]


def grade_rank(grade: str) -> int:
    """0 for ``asserted`` (the strongest) up to 2 for ``undisclosed``."""
    return _RANK[grade]


def weakest(grades: tuple[Grade, ...] | list[Grade]) -> Grade:
    """The weakest of ``grades``: a chain is only as good as its weakest hop."""
    return max(grades, key=grade_rank, default="asserted")


def check_grade(grade: str) -> Grade:
    """``grade`` if it is one of :data:`GRADES`; else an error naming the choices."""
    if grade not in _RANK:
        raise InputError(f"grade {grade!r} is not known: expected one of "
                         f"{', '.join(GRADES)}")
    return grade  # type: ignore[return-value]  # checked against GRADES just above


@dataclass(frozen=True, slots=True)
class Gap:
    """A fact the trace needed and the registry does not hold: ``prop`` of ``entity``.

    ``status`` says whether the gap is marked as not disclosed or simply not recorded;
    ``why`` says in words what the answer cannot tell because of it; ``sources`` are the
    entity's cityreg:source nodes (where a reader can look).
    """

    entity: str
    entity_label: str
    prop: str
    prop_label: str
    status: GapStatus
    why: str
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"entity": self.entity, "entityLabel": self.entity_label,
                "property": self.prop, "propertyLabel": self.prop_label,
                "status": self.status, "why": self.why, "sources": list(self.sources)}

    def __str__(self) -> str:
        return f"{self.prop_label} of {self.entity_label} {self.status}: {self.why}"


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of one dataset from ``source`` (an entity or organisation) to ``target``.

    ``via`` is the contract, agreement or (for ``origin`` hops) the sensor, system, deployment or
    dataset that makes ``target`` a holder; ``flow`` the cityreg:DataFlow, if any. ``grant`` is
    the clause (cityreg:grantedBy) that grants access, else the IRI of the role property
    (dpv:hasDataProcessor, dct:publisher, ...). ``chain`` marks sub-processing hops, which a
    processor may take whatever the onward-sharing permission says.

    ``grade`` says how good the evidence is; an ``inferred`` or ``undisclosed`` hop names the
    ``rule`` of :mod:`registry.flows.rules` that made it. ``sources`` are the cityreg:source
    nodes of ``via``; ``gaps`` the facts about this hop that the registry does not hold.
    """

    source: str
    source_label: str
    target: str
    target_label: str
    dataset: str
    dataset_label: str
    kind: HopKind
    via: str
    via_label: str
    role: str
    role_label: str
    grant: str
    grant_label: str
    flow: str | None = None
    purposes: tuple[str, ...] = ()
    legal_bases: tuple[str, ...] = ()
    onward_sharing: OnwardSharing = "allowed"
    start: date | None = None
    end: date | None = None
    chain: bool = False
    grade: Grade = "asserted"
    rule: str | None = None
    rule_label: str | None = None
    sources: tuple[str, ...] = ()
    gaps: tuple[Gap, ...] = ()

    def valid_on(self, day: date | None) -> bool:
        """True when ``day`` is None or lies within [start, end] (open ends allowed)."""
        if day is None:
            return True
        if self.start is not None and day < self.start:
            return False
        return not (self.end is not None and day > self.end)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        return {
            "from": self.source, "fromLabel": self.source_label,
            "to": self.target, "toLabel": self.target_label,
            "dataset": self.dataset, "datasetLabel": self.dataset_label,
            "kind": self.kind, "via": self.via, "viaLabel": self.via_label,
            "flow": self.flow, "role": self.role, "roleLabel": self.role_label,
            "grant": self.grant, "grantLabel": self.grant_label,
            "purposes": list(self.purposes), "legalBases": list(self.legal_bases),
            "onwardSharing": self.onward_sharing,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "grade": self.grade, "rule": self.rule, "ruleLabel": self.rule_label,
            "sources": list(self.sources), "gaps": [gap.to_dict() for gap in self.gaps],
        }


@dataclass(frozen=True, slots=True)
class AccessPath:
    """One chain of hops that brings ``dataset`` to the last hop's target.

    ``derived_from`` lists the datasets ``dataset`` was derived from (prov:wasDerivedFrom),
    nearest first, back to a dataset of the traced source; empty when it is one of them.
    """

    dataset: str
    hops: tuple[Hop, ...]
    derived_from: tuple[str, ...] = ()
    derived_from_labels: tuple[str, ...] = ()

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.hops)

    @property
    def grade(self) -> Grade:
        """The weakest grade of its hops: a chain is only as good as its weakest link."""
        return weakest([hop.grade for hop in self.hops])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"dataset": self.dataset, "derivedFrom": list(self.derived_from),
                "derivedFromLabels": list(self.derived_from_labels),
                "grade": self.grade, "hops": [hop.to_dict() for hop in self.hops]}


@dataclass(frozen=True, slots=True)
class Truncation:
    """Why an answer is incomplete: ``reason`` ("max_paths" or "max_depth") and its ``limit``."""

    reason: Literal["max_paths", "max_depth"]
    limit: int

    def __str__(self) -> str:
        return f"{self.reason}={self.limit}"


@dataclass(frozen=True, slots=True)
class OrganisationAccess:
    """An organisation that can access the traced data, with every evidence path, strongest
    and shortest first.

    ``category`` is set for a placeholder: a recipient recorded only by its category (for
    example dpv:ThirdParty) whose identity is not disclosed; ``organisation`` is then a
    ``urn:cityreg:undisclosed:`` IRI that names the entity recording it.
    """

    organisation: str
    label: str
    paths: tuple[AccessPath, ...]
    category: str | None = None
    category_label: str | None = None

    @property
    def shortest(self) -> int:
        """Length of the shortest path."""
        return min(path.length for path in self.paths)

    @property
    def grade(self) -> Grade:
        """The grade of its best path."""
        return min((path.grade for path in self.paths), key=grade_rank)

    @property
    def disclosed(self) -> bool:
        """False for a placeholder of recipients whose identity is not disclosed."""
        return self.category is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"organisation": self.organisation, "label": self.label, "grade": self.grade,
                "disclosed": self.disclosed, "category": self.category,
                "categoryLabel": self.category_label,
                "paths": [path.to_dict() for path in self.paths]}


def collect_gaps(paths: list[AccessPath] | tuple[AccessPath, ...]) -> tuple[Gap, ...]:
    """Every distinct gap met on ``paths``, sorted by entity label, property and entity."""
    found: dict[tuple[str, str], Gap] = {}
    for path in paths:
        for hop in path.hops:
            for gap in hop.gaps:
                found.setdefault((gap.entity, gap.prop), gap)
    return tuple(sorted(found.values(), key=lambda g: (g.entity_label.casefold(),
                                                       g.prop_label, g.entity, g.prop)))


@dataclass(frozen=True, slots=True)
class TraceResult:
    """The answer to "who can access data from ``source``?".

    ``complete`` is False when a limit cut the search; ``truncated_at`` then says which.
    ``disclosure`` lists every gap met on the way (roles, recipients, onward sharing, dates
    the registry does not hold): an answer with gaps is not the whole truth even when it is
    complete. ``min_grade`` is the weakest grade the search followed.
    """

    source: str
    source_label: str
    datasets: tuple[str, ...]
    as_of: date | None
    organisations: tuple[OrganisationAccess, ...]
    truncated_at: Truncation | None = None
    disclosure: tuple[Gap, ...] = ()
    min_grade: Grade = "undisclosed"

    @property
    def complete(self) -> bool:
        """True when no limit cut the search."""
        return self.truncated_at is None

    @property
    def fully_disclosed(self) -> bool:
        """True when the search met no gap."""
        return not self.disclosure

    def grade_counts(self) -> dict[Grade, int]:
        """How many organisations (placeholders included) have each grade as their best."""
        counts: dict[Grade, int] = dict.fromkeys(GRADES, 0)
        for access in self.organisations:
            counts[access.grade] += 1
        return counts

    @property
    def path_count(self) -> int:
        """Number of evidence paths over all organisations."""
        return sum(len(access.paths) for access in self.organisations)

    def for_organisation(self, iri: str) -> OrganisationAccess | None:
        """The entry of organisation ``iri``, or None if it cannot access the data."""
        return next((a for a in self.organisations if a.organisation == iri), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, as ``cityreg trace --format json`` prints it."""
        return {
            "source": self.source, "sourceLabel": self.source_label,
            "datasets": list(self.datasets),
            "asOf": None if self.as_of is None else self.as_of.isoformat(),
            "complete": self.complete,
            "truncatedAt": None if self.truncated_at is None else {
                "reason": self.truncated_at.reason, "limit": self.truncated_at.limit},
            "fullyDisclosed": self.fully_disclosed, "minGrade": self.min_grade,
            "grades": self.grade_counts(),
            "disclosure": [gap.to_dict() for gap in self.disclosure],
            "organisations": [access.to_dict() for access in self.organisations],
        }


@dataclass(frozen=True, slots=True)
class DatasetReach:
    """A dataset an organisation can reach, with every evidence path."""

    dataset: str
    label: str
    paths: tuple[AccessPath, ...]

    @property
    def grade(self) -> Grade:
        """The grade of its best path."""
        return min((path.grade for path in self.paths), key=grade_rank)


@dataclass(frozen=True, slots=True)
class ReachResult:
    """The answer to "what data can ``organisation`` reach?", with the gaps met on the way."""

    organisation: str
    label: str
    as_of: date | None
    datasets: tuple[DatasetReach, ...]
    truncated_at: Truncation | None = None
    disclosure: tuple[Gap, ...] = ()
    min_grade: Grade = "undisclosed"

    @property
    def complete(self) -> bool:
        """True when no limit cut the search."""
        return self.truncated_at is None

    @property
    def fully_disclosed(self) -> bool:
        """True when the search met no gap."""
        return not self.disclosure


@dataclass(frozen=True, slots=True)
class EdgesOf:
    """The hops around one entity, for diagrams.

    ``incoming``: hops whose target it is; ``outgoing``: hops whose source it is; ``carried``:
    hops that carry it as dataset or pass via it (contract, agreement, flow).
    """

    iri: str
    incoming: tuple[Hop, ...]
    outgoing: tuple[Hop, ...]
    carried: tuple[Hop, ...]


@dataclass(frozen=True, slots=True)
class VendorConcentration:
    """How much of one city depends on one vendor: the sensors, datasets and contracts."""

    vendor: str
    label: str
    city: str | None
    city_label: str | None
    contracts: tuple[str, ...] = field(default=())
    datasets: tuple[str, ...] = field(default=())
    sensors: tuple[str, ...] = field(default=())
