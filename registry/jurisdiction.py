"""Where a rule binds, and where an entity is: binding findings and benchmarks.

A shape checks a rule of one body of law (the GDPR, the NYC POST Act, the OECD guidelines...).
The law binds in some places only (``shapes/jurisdiction.ttl``, the jurisdiction table of the
obligations catalogue). An entity is somewhere: the city it records, else the cities of what
it is linked to, else its own country; in a registry of one city, that city. A finding about an
entity where its law binds keeps its severity (:attr:`Standing.BINDING`); elsewhere it is a
benchmark (:attr:`Standing.BENCHMARK`): measured against the law, never a violation, reported
at ``info``. Good practice (the OECD guidelines, the report's recommendations) binds nowhere.
Where an entity is not recorded, whether the law binds is not known, and the finding is a
benchmark that says so: "not recorded" is never "violated".

A lens (``--jurisdiction NL``) judges every entity as if it were there: findings of the laws
that bind there keep their severity, as :attr:`Standing.LENS`, and say so.

In the United Kingdom a source with a UK equivalent (``cityreg:ukEquivalent``: the UK GDPR,
Part 3 of the Data Protection Act 2018) binds, and the finding cites the equivalent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rdflib import RDFS, Graph, Literal, URIRef

from registry.errors import InputError
from registry.namespaces import CITYREG

__all__ = ["BodyOfLaw", "Citation", "Jurisdictions", "Place", "Standing", "Verdict",
           "parse_lens"]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
#: Shorthands a lens may use for a group of countries: judged as if in its first member's law.
_GROUPS = {"EU": "the European Union", "EEA": "the European Economic Area"}


class Standing(StrEnum):
    """Whether a finding's law binds where its entity is."""

    BINDING = "binding"
    BENCHMARK = "benchmark"
    LENS = "lens"

    @property
    def label(self) -> str:
        """The words reports use."""
        return {Standing.BINDING: "binding", Standing.BENCHMARK: "benchmark",
                Standing.LENS: "under the chosen lens"}[self]


@dataclass(frozen=True)
class Place:
    """Where an entity is, as the registry says: a city (IRI, label, codes) or only a country.

    ``how`` says how it is known: ``recorded`` (the entity's own city or country),
    ``linked`` (the city of what the entity is linked to), ``only city`` (the registry holds
    one city) or ``lens`` (chosen by the user).
    """

    label: str
    country: str | None
    locode: str | None = None
    city: str | None = None
    how: str = "recorded"


@dataclass(frozen=True)
class Citation:
    """How a finding cites its law where it binds."""

    label: str
    url: str


@dataclass(frozen=True)
class BodyOfLaw:
    """A body of law and where it binds (``shapes/jurisdiction.ttl``)."""

    iri: str
    label: str
    url: str
    countries: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    everywhere: bool = False
    good_practice: bool = False
    uk_label: str | None = None

    def binds_in(self, place: Place) -> bool:
        """True if this law binds at ``place`` (not counting UK equivalents)."""
        if self.good_practice:
            return False
        if self.everywhere:
            return True
        return (place.country in self.countries
                or (place.locode is not None and place.locode in self.cities))


@dataclass(frozen=True)
class Verdict:
    """What jurisdiction makes of one finding: its standing, where, and how to cite it."""

    standing: Standing
    where: str
    law: str
    citation: Citation | None  # a different citation (the UK equivalent), or None
    preface: str  # words before the shape's message ("" when binding)


class Jurisdictions:
    """The bodies of law of a shapes graph, and the body of each legal source."""

    def __init__(self, laws: Mapping[str, BodyOfLaw], body_of: Mapping[str, str],
                 uk: Mapping[str, Citation]) -> None:
        self.laws = dict(laws)
        self.body_of = dict(body_of)
        self.uk = dict(uk)

    @classmethod
    def from_graph(cls, graph: Graph) -> Jurisdictions:
        """Read the bodies of law, the sources' bodies and their UK equivalents."""
        laws: dict[str, BodyOfLaw] = {}
        for law in set(graph.subjects(CITYREG.bindsInCountry, None)) | set(
                graph.subjects(CITYREG.bindsInCity, None)) | set(
                graph.subjects(CITYREG.goodPractice, None)) | set(
                graph.subjects(CITYREG.bindsEverywhere, None)) | set(
                graph.objects(None, CITYREG.bodyOfLaw)):
            laws[str(law)] = BodyOfLaw(
                iri=str(law), label=_text(graph, law, RDFS.label) or str(law),
                url=_text(graph, law, CITYREG.url) or str(law),
                countries=frozenset(str(c) for c in graph.objects(law, CITYREG.bindsInCountry)),
                cities=frozenset(str(c) for c in graph.objects(law, CITYREG.bindsInCity)),
                everywhere=graph.value(law, CITYREG.bindsEverywhere) == Literal(True),
                good_practice=graph.value(law, CITYREG.goodPractice) == Literal(True),
                uk_label=_text(graph, law, CITYREG.ukEquivalentLabel))
        body_of = {str(s): str(o) for s, o in graph.subject_objects(CITYREG.bodyOfLaw)}
        uk: dict[str, Citation] = {}
        for source, equivalent in graph.subject_objects(CITYREG.ukEquivalent):
            label = _text(graph, equivalent, RDFS.label)
            url = _text(graph, equivalent, CITYREG.url)
            if label:
                uk[str(source)] = Citation(
                    label, url or (str(equivalent) if isinstance(equivalent, URIRef) else ""))
        return cls(laws, body_of, uk)

    def binds_somewhere(self, place: Place) -> bool:
        """True if some law of the table (or a UK equivalent) binds at ``place``."""
        return any(law.binds_in(place) for law in self.laws.values() if not law.everywhere) or (
            place.country == "GB" and bool(self.uk))

    def law_of(self, source: str) -> BodyOfLaw | None:
        """The body of law of a legal source (None for shapes that name none)."""
        body = self.body_of.get(source)
        return None if body is None else self.laws.get(body)

    def verdict(self, source: str, source_label: str, places: Iterable[Place],
                lens: Place | None = None) -> Verdict:
        """The standing of a finding citing ``source`` about an entity at ``places``."""
        law = self.law_of(source)
        if law is None:  # shapes of the user's own with no jurisdiction: as before
            return Verdict(Standing.BINDING, "", "", None, "")
        at = [lens] if lens is not None else list(places)
        where = "; ".join(place.label for place in at)
        if law.good_practice:
            return Verdict(Standing.BENCHMARK, where, law.label, None,
                           f"Measured against {law.label} (good practice, binding nowhere): ")
        uk = self.uk.get(source)
        for place in at:
            if law.binds_in(place):
                standing = Standing.LENS if lens is not None else Standing.BINDING
                preface = f"Under the chosen lens ({place.label}): " if lens else ""
                return Verdict(standing, where, law.label, None, preface)
            if uk is not None and place.country == "GB":
                standing = Standing.LENS if lens is not None else Standing.BINDING
                preface = f"Under the chosen lens ({place.label}): " if lens else ""
                return Verdict(standing, where, law.uk_label or law.label, uk, preface)
        if not at:
            return Verdict(Standing.BENCHMARK, "not recorded", law.label, None,
                           f"Measured against {source_label} (where this is, is not "
                           f"recorded, so whether {law.label} binds is not known): ")
        return Verdict(Standing.BENCHMARK, where, law.label, None,
                       f"Measured against {source_label} ({law.label} does not bind in "
                       f"{where}): ")


def parse_lens(code: str) -> Place:
    """A lens from a country code (``NL``), a UN/LOCODE (``USNYC``) or ``EU``/``EEA``."""
    text = code.strip().upper()
    if text in _GROUPS:
        # Every EU law of the table binds in each member state: any one stands for them all.
        return Place(f"{_GROUPS[text]} ({text})", "NL" if text == "EU" else "NO", how="lens")
    if _COUNTRY.match(text):
        return Place(text, text, how="lens")
    if _LOCODE.match(text):
        return Place(text, text[:2], locode=text, how="lens")
    raise InputError(f"unknown jurisdiction {code!r}: expected an ISO 3166-1 country code "
                     "(NL, GB, US), a UN/LOCODE of a city (USNYC, USSEA), EU or EEA")


def _text(graph: Graph, subject: object, predicate: URIRef) -> str | None:
    values = [v for v in graph.objects(subject, predicate)]  # type: ignore[arg-type]
    english = [v for v in values if isinstance(v, Literal) and v.language in ("en", None)]
    chosen = english or values
    return str(sorted(chosen, key=str)[0]) if chosen else None
