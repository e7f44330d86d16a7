"""GraphQL types of the access trace (registry.flows): hops, paths, traces, concentrations."""

from __future__ import annotations

from typing import Any

import graphene

from graphql import GraphQLResolveInfo
from registry.api.fields import Term, TermValue, model
from registry.api.types import Dataset, Entity, Organisation
from registry.flows import Hop as HopRecord


def _entity(attr: str) -> Any:
    return lambda obj, info: model(info).get(getattr(obj, attr) or "")


def _term(attr: str, label_attr: str) -> Any:
    return lambda obj, _info: TermValue(getattr(obj, attr), getattr(obj, label_attr))


def _terms(attr: str) -> Any:
    def resolve(hop: HopRecord, info: GraphQLResolveInfo) -> list[TermValue]:
        labels = model(info)
        return [TermValue(iri, labels.label(iri)) for iri in getattr(hop, attr)]
    return resolve


class Hop(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """One step of one dataset from one holder to the next, with its evidence."""

    from_id = graphene.ID(required=True, resolver=lambda h, _i: h.source)
    from_label = graphene.String(required=True, resolver=lambda h, _i: h.source_label)
    from_entity = graphene.Field(Entity, name="from", resolver=_entity("source"))
    to_id = graphene.ID(required=True, resolver=lambda h, _i: h.target)
    to_label = graphene.String(required=True, resolver=lambda h, _i: h.target_label)
    to = graphene.Field(Entity, resolver=_entity("target"))
    dataset = graphene.Field(Dataset, resolver=_entity("dataset"))
    dataset_id = graphene.ID(required=True, resolver=lambda h, _i: h.dataset)
    kind = graphene.String(required=True, description="contract, agreement or origin.")
    via_id = graphene.ID(required=True, resolver=lambda h, _i: h.via,
                         description="The contract, agreement or source entity.")
    via_label = graphene.String(required=True)
    via = graphene.Field(Entity, resolver=_entity("via"))
    flow_id = graphene.ID(resolver=lambda h, _i: h.flow)
    role = graphene.Field(Term, required=True, resolver=_term("role", "role_label"))
    grant = graphene.Field(Term, required=True, resolver=_term("grant", "grant_label"),
                           description="The clause that grants access, else the role property.")
    purposes = graphene.List(graphene.NonNull(Term), required=True, resolver=_terms("purposes"))
    legal_bases = graphene.List(graphene.NonNull(Term), required=True,
                                resolver=_terms("legal_bases"))
    onward_sharing = graphene.String(required=True,
                                     description="allowed, not allowed or not disclosed.")
    start = graphene.Date()
    end = graphene.Date()


class AccessPath(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A chain of hops carrying one dataset to an organisation."""

    dataset_id = graphene.ID(required=True, resolver=lambda p, _i: p.dataset)
    dataset = graphene.Field(Dataset, resolver=_entity("dataset"))
    derived_from = graphene.List(graphene.NonNull(graphene.ID), required=True)
    length = graphene.Int(required=True)
    hops = graphene.List(graphene.NonNull(Hop), required=True)


class OrganisationAccess(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """An organisation that can access the data, with all evidence paths, shortest first."""

    id = graphene.ID(required=True, resolver=lambda a, _i: a.organisation)
    label = graphene.String(required=True)
    organisation = graphene.Field(Organisation, resolver=_entity("organisation"))
    shortest = graphene.Int(required=True)
    paths = graphene.List(graphene.NonNull(AccessPath), required=True)


class Truncation(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """Which limit cut the answer."""

    reason = graphene.String(required=True, description="max_paths or max_depth.")
    limit = graphene.Int(required=True)


class TraceResult(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """Who can access data from a source."""

    source_id = graphene.ID(required=True, resolver=lambda r, _i: r.source)
    source_label = graphene.String(required=True)
    source = graphene.Field(Entity, resolver=_entity("source"))
    datasets = graphene.List(graphene.NonNull(graphene.ID), required=True)
    as_of = graphene.Date()
    complete = graphene.Boolean(required=True)
    truncated_at = graphene.Field(Truncation)
    path_count = graphene.Int(required=True)
    organisations = graphene.List(graphene.NonNull(OrganisationAccess), required=True)


class DatasetReach(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A dataset an organisation can reach."""

    id = graphene.ID(required=True, resolver=lambda d, _i: d.dataset)
    label = graphene.String(required=True)
    dataset = graphene.Field(Dataset, resolver=_entity("dataset"))
    paths = graphene.List(graphene.NonNull(AccessPath), required=True)


class ReachResult(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """What data an organisation can reach."""

    organisation_id = graphene.ID(required=True, resolver=lambda r, _i: r.organisation)
    label = graphene.String(required=True)
    as_of = graphene.Date()
    complete = graphene.Boolean(required=True)
    truncated_at = graphene.Field(Truncation)
    datasets = graphene.List(graphene.NonNull(DatasetReach), required=True)


class VendorConcentration(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """What in one city depends on one vendor."""

    vendor_id = graphene.ID(required=True, resolver=lambda v, _i: v.vendor)
    vendor = graphene.Field(Organisation, resolver=_entity("vendor"))
    label = graphene.String(required=True)
    city_id = graphene.ID(resolver=lambda v, _i: v.city)
    city_label = graphene.String()
    contract_count = graphene.Int(required=True, resolver=lambda v, _i: len(v.contracts))
    dataset_count = graphene.Int(required=True, resolver=lambda v, _i: len(v.datasets))
    sensor_count = graphene.Int(required=True, resolver=lambda v, _i: len(v.sensors))
    contracts = graphene.List(graphene.NonNull(graphene.ID), required=True)
    datasets = graphene.List(graphene.NonNull(graphene.ID), required=True)
    sensors = graphene.List(graphene.NonNull(graphene.ID), required=True)


class EdgesOf(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """The hops around one entity, for diagrams."""

    id = graphene.ID(required=True, resolver=lambda e, _i: e.iri)
    incoming = graphene.List(graphene.NonNull(Hop), required=True)
    outgoing = graphene.List(graphene.NonNull(Hop), required=True)
    carried = graphene.List(graphene.NonNull(Hop), required=True)
