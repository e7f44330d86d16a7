"""The GraphQL root: entity lookup, search, list roots with filters, traces, findings,
history.

The whole schema is built once (:data:`schema`); ``graphql/schema.graphql`` is its SDL,
written by ``cityreg export-schema`` and checked by a test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import graphene

from graphql import GraphQLError, GraphQLResolveInfo
from registry.api import historytypes as ht
from registry.api import tracetypes as tt
from registry.api.connections import connection, page_args, paginate
from registry.api.documents import DOCUMENT_TYPES
from registry.api.fields import api, model
from registry.api.limits import check_deadline
from registry.api.readmodel import ORGANISATION_KINDS, Entity
from registry.api.types import (
    TYPES,
    City,
    Contract,
    Dataset,
    DataSharingAgreement,
    Finding,
    Organisation,
    Sensor,
    System,
    standing_argument,
    standing_value,
)
from registry.api.types import Entity as EntityType
from registry.errors import CityregError, NotFoundError
from registry.namespaces import CITYREG, DPV, expand

C = str(CITYREG._NS)
VENDOR_PROPERTIES = (C + "supplier", str(DPV.hasDataProcessor), C + "hasSubProcessor",
                     C + "developer", C + "hostedBy")

EntityConnection = connection(EntityType, "Entity")
SensorConnection = connection(Sensor, "Sensor")
DatasetConnection = connection(Dataset, "Dataset")
ContractConnection = connection(Contract, "Contract")
AgreementConnection = connection(DataSharingAgreement, "DataSharingAgreement")
OrganisationConnection = connection(Organisation, "Organisation")
SystemConnection = connection(System, "System")
CityConnection = connection(City, "City")
FindingConnection = connection(Finding, "Finding")


def named(info: GraphQLResolveInfo, text: str, kinds: Sequence[str] | None = None,
          what: str = "entity") -> str:
    """The IRI of the entity a person typed (its IRI or its label) among ``kinds``."""
    return model(info).find(text, kinds, what)


def _organisation(info: GraphQLResolveInfo, text: str) -> str:
    return named(info, text, sorted(ORGANISATION_KINDS), "organisation")


def _vendor_related(info: GraphQLResolveInfo, vendor: str) -> set[str]:
    """IRIs of contracts, systems and datasets that depend on ``vendor``."""
    found = model(info)
    related: set[str] = set()
    for prop in VENDOR_PROPERTIES:
        related |= {e.iri for e in found.pointing_at(vendor, prop)}
    for row in api(info).vendor_concentration():
        if row.vendor == vendor:
            related |= set(row.contracts) | set(row.datasets) | set(row.sensors)
    return related


def _list_root(kinds: Sequence[str], doc: str, conn: Any, *, with_type: bool = False,
               with_vendor: bool = False, with_date: bool = False) -> graphene.Field:
    extra: dict[str, Any] = {"city": graphene.ID(
        description="Only entities of this city, by IRI or label (for contracts and "
        "agreements, the city that `city` resolves: their own, else their buyer's, "
        "controller's, ... see `Entity.city`).")}
    if with_type:
        extra["type"] = graphene.ID(description="Only entities with this rdf:type (IRI or "
                                    "prefix:name, such as cityreg:AISystem).")
    if with_vendor:
        extra["vendor"] = graphene.ID(description="Only those depending on this vendor (IRI "
                                      "or label).")
    if with_date:
        extra["active_on"] = graphene.Date(description="Only those in force on this date.")

    def resolve(_root: Any, info: GraphQLResolveInfo, first: int | None = None,
                after: str | None = None, city: str | None = None, type: str | None = None,
                vendor: str | None = None, active_on: date | None = None) -> Any:
        iri = None if city is None else named(info, city, ["City"], "city")
        among = None if vendor is None else _vendor_related(info, _organisation(info, vendor))
        items = model(info).listed(kinds, city=iri, type=None if type is None else expand(type),
                                   active_on=active_on, among=among)
        return paginate(items, first, after)

    return graphene.Field(conn, required=True, description=doc, resolver=_guard(resolve),
                          **page_args(**extra))


def _guard(function: Callable[..., Any]) -> Callable[..., Any]:
    """Check the deadline; turn a CityregError (unknown IRI, bad limit) into a GraphQL error."""
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        try:
            return function(*args, **kwargs)
        except CityregError as error:
            raise GraphQLError(str(error)) from error
    return wrapped


class Query(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """What a journalist, transparency officer or legal team can ask the registry."""

    node = graphene.Field(EntityType, id=graphene.ID(required=True),
                          description="Any entity by its IRI, or by its exact label (then "
                          "ignoring case); null when nothing has that IRI or label, an error "
                          "listing them when several entities share the label.")
    search = graphene.Field(EntityConnection, required=True,
                            label=graphene.String(required=True,
                                                  description="Part of the label, any case."),
                            type=graphene.String(description="A GraphQL type name (Sensor, "
                                                 "Company, Programme, ...) or Organisation "
                                                 "(agencies, companies and others)."),
                            first=graphene.Int(), after=graphene.String(),
                            description="Entities whose label contains the text.")
    who_can_access = graphene.Field(
        tt.TraceResult, required=True,
        source=graphene.ID(required=True, description="The IRI or label of a sensor, "
                           "deployment, system, dataset or organisation."),
        as_of=graphene.Date(), max_depth=graphene.Int(default_value=6),
        max_paths=graphene.Int(default_value=100), min_grade=tt.min_grade_argument(),
        description="Every organisation that can access data from a sensor, deployment, "
        "system, dataset or organisation, with all evidence paths graded, best grade first "
        "then shortest first, and the gaps met on the way (`disclosure`). `complete` is only "
        "about the limits; `fullyDisclosed: false` means the answer has gaps.")
    reachable_by = graphene.Field(
        tt.ReachResult, required=True,
        organisation=graphene.ID(required=True, description="The organisation's IRI or "
                                 "label."),
        as_of=graphene.Date(), min_grade=tt.min_grade_argument(),
        description="What data an organisation can reach, and how, best grade first, with "
        "the gaps met on the way.")
    data_flows = graphene.List(
        graphene.NonNull(tt.Hop), required=True,
        from_=graphene.ID(name="from", description="Only hops from this organisation (IRI or "
                          "label)."),
        to=graphene.ID(description="Only hops to this organisation (IRI or label)."),
        as_of=graphene.Date(), min_grade=tt.min_grade_argument(),
        description="Hops between organisations under contracts, agreements and processings' "
        "recipients, each with its grade, rule and gaps. On a registry served from a SPARQL "
        "engine, give `from` or `to`: each answer reads the web around that organisation.")
    edges_of = graphene.Field(tt.EdgesOf, required=True,
                              id=graphene.ID(required=True, description="The entity's IRI or "
                                             "label."),
                              description="Incoming, outgoing and carried hops of an entity.")
    vendor_concentration = graphene.List(
        graphene.NonNull(tt.VendorConcentration), required=True,
        city=graphene.ID(description="Only this city (IRI or label)."),
        description="Per vendor and city: contracts, datasets and sensors depending on it.")
    findings = graphene.Field(
        FindingConnection, required=True,
        description="Legal findings at the server's reference date: binding findings first "
        "(most severe first), then benchmarks (law that does not bind where the entity is, or "
        "good practice: always info, never violations).",
        **page_args(severity=graphene.String(description="violation, warning or info (a "
                                             "benchmark is always info)."),
                    rule=graphene.String(description="A rule id such as GDPR-28-3-g."),
                    kind=graphene.String(description="rule, not-disclosed, not-recorded or "
                                         "manual-review."),
                    focus=graphene.ID(description="Only findings on this entity (IRI or "
                                      "label)."),
                    standing=standing_argument()))
    sensors = _list_root(["Sensor"], "Sensors.", SensorConnection, with_type=True,
                         with_vendor=True)
    datasets = _list_root(["Dataset"], "Datasets.", DatasetConnection, with_vendor=True)
    contracts = _list_root(["Contract"], "Vendor and sub-processing contracts.",
                           ContractConnection, with_type=True, with_vendor=True,
                           with_date=True)
    agreements = _list_root(["DataSharingAgreement"], "Data-sharing agreements.",
                            AgreementConnection, with_date=True)
    organisations = _list_root(sorted(ORGANISATION_KINDS), "Agencies, companies, others.",
                               OrganisationConnection, with_type=True)
    systems = _list_root(["System"], "Systems and platforms.", SystemConnection,
                         with_type=True, with_vendor=True)
    cities = _list_root(["City"], "Cities.", CityConnection)
    history = graphene.Field(
        ht.EntityHistory, id=graphene.ID(required=True, description="The entity's IRI (also "
                                         "of one removed since), or its label now."),
        description="When an entity was first seen, when it last changed and what each "
        "version did to it, newest first. Null when no version added, changed or removed "
        "anything of that IRI or label (as `node(id:)` is null for an unknown one); when the "
        "history stops at a SPARQL update (`complete: false`), an entity no later version "
        "touched has an empty history rather than null, since it may be older than the update.")
    changes = graphene.Field(
        ht.ChangesConnection, required=True,
        description="The versions of the registry (every load, import or harvest that changed "
        "it), newest first, each with who made it, the files it read and the entities it "
        "added, removed or changed.",
        **page_args(since=graphene.DateTime(description="Only versions made after this time "
                                            "(ISO 8601, such as 2026-12-01T09:00:00Z; a date "
                                            "means its start, a time without offset is UTC); "
                                            "without it, every version.")))

    @staticmethod
    @_guard
    def resolve_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Entity | None:
        found = model(info)
        entity = found.get(id)
        if entity is not None:
            return entity
        try:
            return found.get(found.find(id))
        except NotFoundError:
            return None

    @staticmethod
    @_guard
    def resolve_history(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        return ht.entity_history(info, id)

    @staticmethod
    @_guard
    def resolve_changes(_root: Any, info: GraphQLResolveInfo, since: datetime | None = None,
                        first: int | None = None, after: str | None = None) -> Any:
        return ht.changes_since(info, since, first, after)

    @staticmethod
    def resolve_search(_root: Any, info: GraphQLResolveInfo, label: str,
                       type: str | None = None, first: int | None = None,
                       after: str | None = None) -> Any:
        if type is not None and type not in TYPES and type != "Organisation":
            raise GraphQLError(f"type: {type!r} is not an entity type; expected one of "
                               f"{', '.join(sorted([*TYPES, 'Organisation']))}")
        kinds = sorted(ORGANISATION_KINDS) if type == "Organisation" else \
            [type] if type else None
        items = model(info).listed(kinds, label_contains=label)
        return paginate(items, first, after)

    @staticmethod
    @_guard
    def resolve_who_can_access(_root: Any, info: GraphQLResolveInfo, source: str,
                               as_of: date | None = None, max_depth: int = 6,
                               max_paths: int = 100, min_grade: Any = None) -> Any:
        graph = api(info).access_graph
        return graph.who_can_access(graph.resolve(source), as_of, max_depth, max_paths,
                                    tt.grade_value(min_grade))

    @staticmethod
    @_guard
    def resolve_reachable_by(_root: Any, info: GraphQLResolveInfo, organisation: str,
                             as_of: date | None = None, min_grade: Any = None) -> Any:
        return api(info).access_graph.reachable_by(_organisation(info, organisation), as_of,
                                                   min_grade=tt.grade_value(min_grade))

    @staticmethod
    @_guard
    def resolve_data_flows(_root: Any, info: GraphQLResolveInfo, from_: str | None = None,
                           to: str | None = None, as_of: date | None = None,
                           min_grade: Any = None) -> Any:
        return api(info).access_graph.data_flows(
            None if from_ is None else _organisation(info, from_),
            None if to is None else _organisation(info, to), as_of, tt.grade_value(min_grade))

    @staticmethod
    @_guard
    def resolve_edges_of(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        return api(info).access_graph.edges_of(named(info, id))

    @staticmethod
    @_guard
    def resolve_vendor_concentration(_root: Any, info: GraphQLResolveInfo,
                                     city: str | None = None) -> Any:
        rows = api(info).vendor_concentration()
        iri = None if city is None else named(info, city, ["City"], "city")
        return [row for row in rows if iri is None or row.city == iri]

    @staticmethod
    @_guard
    def resolve_findings(_root: Any, info: GraphQLResolveInfo, first: int | None = None,
                         after: str | None = None, severity: str | None = None,
                         rule: str | None = None, kind: str | None = None,
                         focus: str | None = None, standing: Any = None) -> Any:
        _check_choice("severity", severity, SEVERITIES)
        _check_choice("kind", kind, FINDING_KINDS)
        wanted = standing_value(standing)
        items = api(info).findings(severity=severity, rule_id=rule, kind=kind, standing=wanted,
                                   focus=None if focus is None else named(info, focus))
        return paginate(items, first, after)


#: The values of the findings' ``severity`` and ``kind`` filters (registry/findings.py).
SEVERITIES = ("violation", "warning", "info")
FINDING_KINDS = ("rule", "not-disclosed", "not-recorded", "manual-review")


def _check_choice(name: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise GraphQLError(f"{name}: {value!r} is not a finding {name}; expected one of "
                           f"{', '.join(choices)}")


assert set(DOCUMENT_TYPES) <= set(TYPES)  # registered when registry.api.documents loads
schema = graphene.Schema(query=Query, types=list(TYPES.values()))
