"""The answers of the access graph: hops, evidence paths, traces and concentrations.

A :class:`Hop` is one step of data from one holder to the next, *for one dataset*, with the
evidence that allows it (the contract or agreement, the clause or role property that grants
access, the dates). A trace chains hops that carry the same dataset; every chain that reaches an
organisation is an :class:`AccessPath`, and all of them are kept as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

#: Whether the flow that brought data to a holder lets the holder pass it on.
OnwardSharing = Literal["allowed", "not allowed", "not disclosed"]

#: What a hop passes through: a vendor contract (and its sub-processing chain), a data-sharing
#: agreement, or the source itself (the controller, operator, owner or publisher of the data).
HopKind = Literal["contract", "agreement", "origin"]


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of one dataset from ``source`` (an entity or organisation) to ``target``.

    ``via`` is the contract, agreement or (for ``origin`` hops) the sensor, system, deployment or
    dataset that makes ``target`` a holder; ``flow`` the cityreg:DataFlow, if any. ``grant`` is
    the clause (cityreg:grantedBy) that grants access, else the IRI of the role property
    (dpv:hasDataProcessor, dct:publisher, ...). ``chain`` marks sub-processing hops, which a
    processor may take whatever the onward-sharing permission says.
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

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.hops)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"dataset": self.dataset, "derivedFrom": list(self.derived_from),
                "hops": [hop.to_dict() for hop in self.hops]}


@dataclass(frozen=True, slots=True)
class Truncation:
    """Why an answer is incomplete: ``reason`` ("max_paths" or "max_depth") and its ``limit``."""

    reason: Literal["max_paths", "max_depth"]
    limit: int

    def __str__(self) -> str:
        return f"{self.reason}={self.limit}"


@dataclass(frozen=True, slots=True)
class OrganisationAccess:
    """An organisation that can access the traced data, with every evidence path, shortest first."""

    organisation: str
    label: str
    paths: tuple[AccessPath, ...]

    @property
    def shortest(self) -> int:
        """Length of the shortest path."""
        return min(path.length for path in self.paths)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"organisation": self.organisation, "label": self.label,
                "paths": [path.to_dict() for path in self.paths]}


@dataclass(frozen=True, slots=True)
class TraceResult:
    """The answer to "who can access data from ``source``?".

    ``complete`` is False when a limit cut the search; ``truncated_at`` then says which.
    """

    source: str
    source_label: str
    datasets: tuple[str, ...]
    as_of: date | None
    organisations: tuple[OrganisationAccess, ...]
    truncated_at: Truncation | None = None

    @property
    def complete(self) -> bool:
        """True when no limit cut the search."""
        return self.truncated_at is None

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
            "organisations": [access.to_dict() for access in self.organisations],
        }


@dataclass(frozen=True, slots=True)
class DatasetReach:
    """A dataset an organisation can reach, with every evidence path."""

    dataset: str
    label: str
    paths: tuple[AccessPath, ...]


@dataclass(frozen=True, slots=True)
class ReachResult:
    """The answer to "what data can ``organisation`` reach?"."""

    organisation: str
    label: str
    as_of: date | None
    datasets: tuple[DatasetReach, ...]
    truncated_at: Truncation | None = None

    @property
    def complete(self) -> bool:
        """True when no limit cut the search."""
        return self.truncated_at is None


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
