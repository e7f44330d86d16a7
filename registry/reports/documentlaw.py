"""Whether a document's law binds where its entity is.

A document kind names its law (:class:`registry.reports.documents.Law`): a body of law of
``shapes/jurisdiction.ttl``, or countries and cities of its own. Where the entity is comes from
:mod:`registry.places` (its city, else the cities of what it is linked to, else its country).
Where the law binds, the document says so (in the United Kingdom, naming the UK law that
carries a GDPR obligation); elsewhere it is a benchmark a city may adapt and states no legal
duty; where the entity's place is not recorded, whether the law binds is not known, and the
document says that too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rdflib import Graph

from registry.jurisdiction import Jurisdictions, Place
from registry.places import locate
from registry.resources import shapes_dir

if TYPE_CHECKING:
    from registry.reports.documents import DocumentKind
    from registry.store import Registry

__all__ = ["Binding", "binding"]


@dataclass(frozen=True)
class Binding:
    """Whether the document's law binds where the entity is: ``binds`` is None when where the
    entity is, is not recorded."""

    binds: bool | None
    where: str
    text: str


@cache
def _jurisdictions() -> Jurisdictions:
    return Jurisdictions.from_graph(Graph().parse(shapes_dir() / "jurisdiction.ttl"))


def binding(registry: Registry, kind: DocumentKind, iri: str) -> Binding:
    """Whether ``kind``'s law binds where entity ``iri`` is, in words."""
    places = locate(registry, [iri]).get(iri, ())
    law = kind.law
    where = "; ".join(p.label for p in places)
    body = _jurisdictions().laws.get(law.body) if law.body else None

    def binds(place: Place) -> bool:
        if body is not None:
            return body.binds_in(place) or (place.country == "GB" and body.uk_label is not None)
        return place.country in law.countries or (place.locode or "") in law.cities

    note = f" {law.note}" if law.note else ""
    if not places:
        return Binding(None, "not recorded", f"Where this entity is, is not recorded, so "
                       f"whether {law.label} applies is not known: this document states no "
                       f"legal duty.{note}")
    if any(binds(p) for p in places):
        uk = (body is not None and body.uk_label and not any(body.binds_in(p) for p in places))
        name = body.uk_label if uk and body is not None else law.label
        return Binding(True, where, f"The law of this document binds in {where}: {name}."
                       f"{note}")
    return Binding(False, where, f"The law of this document, {law.label}, does not bind in "
                   f"{where}: the document follows its model as a benchmark a city may adapt, "
                   f"and states no legal duty.{note}")
