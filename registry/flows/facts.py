"""The few bulk SPARQL queries the access graph is built from.

One query for labels, one per type that matters and one per property that moves data (about
sixty in all, whatever the registry's size; never one query per node) read everything the
projection needs. The answers are kept as plain dicts of strings for the builder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from sys import intern

import pyoxigraph as ox

from registry.namespaces import CITYREG, DCAT, DCT, DPV, ORG, PROV, SOSA, SSN
from registry.store import Registry

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

ORGANISATION_TYPES = (CITYREG.Agency, CITYREG.Company, CITYREG.OtherOrganisation,
                      ORG.Organization)
SYSTEM_TYPES = (CITYREG.System, CITYREG.Platform, CITYREG.OperationsCentre, CITYREG.App,
                CITYREG.CitizenReportApp, CITYREG.DigitalTwin, CITYREG.AISystem)
CONTRACT_TYPES = (CITYREG.VendorContract, CITYREG.SubProcessingContract, DPV.Contract,
                  DPV.SubProcessorAgreement, DPV.JointDataControllersAgreement)
TRACKED_TYPES = (*ORGANISATION_TYPES, *SYSTEM_TYPES, *CONTRACT_TYPES, DCAT.Dataset,
                 SOSA.Sensor, SSN.Deployment, CITYREG.Processing, CITYREG.DataSharingAgreement,
                 CITYREG.DataFlow, CITYREG.City)

#: Every property the projection reads.
PROPERTIES = (
    CITYREG.feedsDataset, CITYREG.usesDataset, CITYREG.usesSensor, CITYREG.usesSystem,
    SSN.deployedSystem, CITYREG.operator, CITYREG.owner, CITYREG.developer, CITYREG.hostedBy,
    DCT.publisher, DPV.hasDataController, DPV.hasJointDataControllers, DPV.hasDataProcessor,
    CITYREG.hasSubProcessor, DPV.hasRecipient, DPV.hasThirdParty, CITYREG.coversDataset,
    CITYREG.coversSystem, CITYREG.parentContract, CITYREG.buyer, CITYREG.supplier,
    CITYREG.hasParty, CITYREG.hasDataFlow, CITYREG.provider, CITYREG.recipient,
    CITYREG.sharesDataset, CITYREG.recipientRole, CITYREG.grantedBy,
    CITYREG.onwardSharingAllowed, DPV.hasPurpose, DPV.hasLegalBasis, CITYREG.startDate,
    CITYREG.endDate, CITYREG.direction, PROV.wasDerivedFrom,
    CITYREG.documentReference, CITYREG.maintainer, PROV.wasAttributedTo,
    CITYREG.notDisclosed, CITYREG.documentDisclosure,
)


#: What ``facts[subject][property]`` holds: the one value, or the sorted list of several.
Stored = str | list[str]


@dataclass
class Facts:
    """What the bulk queries returned, as strings: ``facts[subject][property]`` is the one
    value, or the list of several (read them through :meth:`get`).

    IRIs and literals are both kept as their lexical value; the builder knows which property
    holds which kind. Values are sorted, so that everything built from them is deterministic.
    Most properties have one value per subject, and a one-item list for each costs more than
    the value it holds (with shared labels, dropping them took the server over the generated
    N=1000 registry from 317 MB to 303 MB).
    """

    labels: dict[str, str] = field(default_factory=dict)
    #: the tracked types of each subject (a tuple: most subjects have one, and a set per
    #: subject cost four times as much)
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facts: dict[str, dict[str, Stored]] = field(default_factory=dict)
    #: each subject's cityreg:source nodes, kept apart from ``facts`` (nearly every entity has
    #: sources; in ``facts`` they would make every question about subjects slower), one
    #: shared tuple per distinct set
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_object: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def subjects(self, *props: str) -> list[str]:
        """Every subject with a value of one of ``props``, sorted.

        Read from ``facts`` (one pass over the subjects) rather than from a second copy of
        every fact kept per property: that copy was a quarter of the access graph's Python
        memory (12 of 53 MB on the generated N=1000 registry), and these questions are
        asked a few times per build.
        """
        return sorted(subject for subject, by_property in self.facts.items()
                      if any(prop in by_property for prop in props))

    def index_by_object(self, *props: str) -> None:
        """Build the :meth:`by_object` indexes of ``props`` that are not built yet, in one
        pass over the subjects (a pass per property cost the access graph's build a tenth
        of its time once every entity had facts)."""
        wanted = [prop for prop in dict.fromkeys(props) if prop not in self._by_object]
        if not wanted:
            return
        indexes: dict[str, dict[str, list[str]]] = {prop: defaultdict(list) for prop in wanted}
        for subject in sorted(self.facts):
            by_property = self.facts[subject]
            for prop, index in indexes.items():
                stored = by_property.get(prop)
                if stored is None:
                    continue
                for value in [stored] if isinstance(stored, str) else stored:
                    index[value].append(subject)
        self._by_object.update(indexes)

    def by_object(self, prop: str) -> dict[str, list[str]]:
        """``value -> [subjects]`` for ``prop``, subjects sorted (built once per property)."""
        index = self._by_object.get(prop)
        if index is None:
            self.index_by_object(prop)
            index = self._by_object[prop]
        return index

    def objects(self, prop: str) -> set[str]:
        """Every value of ``prop``."""
        return set(self.by_object(prop))

    def get(self, subject: str, prop: str) -> list[str]:
        """The values of ``prop`` on ``subject`` (empty when none)."""
        found = self.facts.get(subject)
        if found is None:
            return []
        values = found.get(prop)
        if values is None:
            return []
        return [values] if isinstance(values, str) else values

    def first(self, subject: str, prop: str) -> str | None:
        """The first value of ``prop`` on ``subject``, or None."""
        values = self.get(subject, prop)
        return values[0] if values else None

    def day(self, subject: str, prop: str) -> date | None:
        """A date-valued fact (the first that parses), or None."""
        for value in self.get(subject, prop):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
        return None

    def flag(self, subject: str, prop: str) -> bool | None:
        """A boolean fact, or None when it is not stated."""
        value = self.first(subject, prop)
        if value is None:
            return None
        return value.strip().lower() in {"true", "1"}

    def label(self, iri: str) -> str:
        """The entity's label, else the last segment of its IRI."""
        found = self.labels.get(iri)
        if found is not None:
            return found
        tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return tail or iri

    def is_a(self, iri: str, types: tuple[str, ...]) -> bool:
        """True when ``iri`` has one of ``types``."""
        found = self.types.get(iri)
        return found is not None and any(t in found for t in types)


def read_facts(registry: Registry) -> Facts:
    """Run the bulk queries (one per property and type: single patterns are the fastest form
    for pyoxigraph, twice as fast as one query joining a VALUES list) and collect the answers."""
    facts = Facts()
    label_rank: dict[str, int] = {}
    for row in _rows(registry, f"SELECT ?s ?l WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER isIRI(?s) }}"):
        add_label(facts, label_rank, row[0].value, row[1])
    for kind in TRACKED_TYPES:
        name = str(kind)
        for row in _rows(registry, f"SELECT ?s WHERE {{ ?s a <{name}> }}"):
            add_type(facts, row[0].value, name)
    for prop in PROPERTIES:
        name = str(prop)
        for row in _rows(registry, f"SELECT ?s ?o WHERE {{ ?s <{name}> ?o }}"):
            add_fact(facts, row[0].value, name, row[1].value)
    sources: dict[str, list[str]] = {}
    for row in _rows(registry, f"SELECT ?s ?o WHERE {{ ?s <{CITYREG.source}> ?o }}"):
        sources.setdefault(intern(row[0].value), []).append(intern(row[1].value))
    finish(facts, sources)
    return facts


def add_label(facts: Facts, label_rank: dict[str, int], subject: str, literal: object) -> None:
    """Keep ``literal`` as the label of ``subject`` when it is the best seen so far: English,
    else no language, else any (``label_rank`` remembers the rank of each kept label)."""
    if not isinstance(literal, ox.Literal):
        return
    language = literal.language
    rank = 0 if language == "en" else 1 if language is None else 2
    key = intern(subject)
    if rank < label_rank.get(key, 3):
        label_rank[key] = rank
        facts.labels[key] = intern(literal.value)  # shared with the read model's labels


def add_type(facts: Facts, subject: str, name: str) -> None:
    """Record that ``subject`` has the tracked type ``name``."""
    key = intern(subject)
    found = facts.types.get(key, ())
    if name not in found:
        facts.types[key] = (*found, name)


def add_fact(facts: Facts, subject: str, name: str, value: str) -> None:
    """Record one statement ``subject name value`` (several values of one property are kept
    as a list until :func:`finish`)."""
    # Interned: the same IRI recurs as subject and value of many facts.
    subject, value = intern(subject), intern(value)
    by_property = facts.facts.get(subject)
    if by_property is None:
        by_property = facts.facts[subject] = {}
    stored = by_property.get(name)
    if stored is None:
        by_property[name] = value
    elif isinstance(stored, str):
        by_property[name] = [stored, value]
    else:
        stored.append(value)


def finish(facts: Facts, sources: dict[str, list[str]]) -> None:
    """Keep each subject's sources as one shared sorted tuple, and every property's values
    sorted and distinct (a single value unwrapped), so that what is built is deterministic."""
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    for subject, values in sources.items():
        distinct = tuple(sorted(set(values)))
        facts.sources[subject] = shared.setdefault(distinct, distinct)
    for by_property in facts.facts.values():
        for name, stored in by_property.items():
            if not isinstance(stored, str):
                unique = sorted(set(stored))
                by_property[name] = unique if len(unique) > 1 else unique[0]


def read_cities(registry: Registry) -> dict[str, str]:
    """``entity -> city`` (cityreg:city), read only when a question needs it."""
    return {row[0].value: row[1].value for row in _rows(
        registry, f"SELECT ?s ?c WHERE {{ ?s <{CITYREG.city}> ?c }}")}


def _rows(registry: Registry, text: str) -> ox.QuerySolutions:
    result = registry.raw_query(text)
    assert isinstance(result, ox.QuerySolutions)
    return result
