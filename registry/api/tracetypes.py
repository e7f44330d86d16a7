"""GraphQL types of the access trace (registry.flows): hops, paths, traces, concentrations.

Every hop, path and organisation of a trace has an :class:`EvidenceGrade`, and every fact the
trace needed and the registry does not hold is a :class:`Gap`. ``complete`` says only whether
a limit (maxDepth, maxPaths) cut the search; ``fullyDisclosed: false`` says the answer has gaps.
"""

from __future__ import annotations

from typing import Any

import graphene

from graphql import GraphQLResolveInfo
from registry.api.fields import Term, TermValue, model
from registry.api.types import Dataset, Entity, Organisation
from registry.flows import Hop as HopRecord
from registry.flows.model import GRADES, Grade, check_grade
from registry.flows.model import Gap as GapRecord
from registry.flows.rules import RULES

_GRADE_DOCS: dict[str, str] = {
    "asserted": "A recorded role, clause or data flow grants the access.",
    "inferred": "A recorded relation (a contract without legal roles, a system's developer, "
    "maintainer or host, an agreement's party, a derived dataset's producer) implies the access "
    "but not its terms; the hop's `rule` says which.",
    "undisclosed": "The recipient is recorded only by its category (\"third parties\"), never by "
    "name: the organisation is a placeholder (`disclosed: false`).",
}


class EvidenceGrade(graphene.Enum):  # type: ignore[misc]  # graphene is untyped
    """How good the evidence of access is, strongest first: asserted, inferred, undisclosed.

    The values are lower case, the same words as `cityreg trace --format json` prints (write
    `minGrade: inferred`, no quotes). A path is as good as its weakest hop; an organisation or
    a dataset reached is as good as its best path.
    """

    asserted = "asserted"
    inferred = "inferred"
    undisclosed = "undisclosed"

    @property
    def description(self) -> str:
        """The meaning of one grade."""
        return _GRADE_DOCS[self.value]


def grade_value(grade: Any) -> Grade:
    """The grade an argument stands for (the enum member graphene passes, its value, or None
    for the default: every grade)."""
    value = getattr(grade, "value", grade)
    return "undisclosed" if value is None else check_grade(str(value))


def min_grade_argument() -> graphene.Argument:
    """The ``minGrade`` argument of the trace roots."""
    return graphene.Argument(
        EvidenceGrade, default_value="undisclosed",
        description="Follow only hops at least this good: asserted (recorded grants only), "
        "inferred (and the access a recorded relation implies) or undisclosed (everything, "
        "placeholders of unnamed recipients included; the default).")


class InferenceRule(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """The rule of registry/flows/rules.py that made an inferred or undisclosed hop."""

    id = graphene.ID(required=True, description="Such as contract-supplier.")
    label = graphene.String(required=True, description="What the hop shows.")
    record = graphene.String(required=True, description="What to record in the registry to "
                             "turn the hop into asserted evidence.")
    grade = graphene.Field(EvidenceGrade, required=True)


class Gap(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A fact the trace needed and the registry does not hold: a property of an entity. A gap
    is never a "no": the answer cannot tell what the fact would have changed (`why`)."""

    entity_id = graphene.ID(required=True, resolver=lambda g, _i: g.entity)
    entity = graphene.Field(Entity, resolver=lambda g, i: model(i).get(g.entity))
    entity_label = graphene.String(required=True)
    property = graphene.ID(required=True, resolver=lambda g, _i: g.prop,
                           description="The IRI of the missing property.")
    property_label = graphene.String(required=True, resolver=lambda g, _i: g.prop_label)
    status = graphene.String(
        required=True, description="\"not disclosed\" when the registry marks the fact so "
        "(cityreg:notDisclosed, or a contract whose document is not or partly disclosed), "
        "\"not recorded\" when it is silent.")
    why = graphene.String(required=True, description="What the answer cannot tell because of it.")
    sources = graphene.List(graphene.NonNull(graphene.ID), required=True,
                            description="IRIs of the entity's cityreg:source documents, where a "
                            "reader can look (query them with `node(id:)`).")


class GradeCounts(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """How many answers have each grade as their best."""

    asserted = graphene.Int(required=True)
    inferred = graphene.Int(required=True)
    undisclosed = graphene.Int(required=True)


_COMPLETE_DOC = ("True when no limit (maxDepth, maxPaths) cut the search; see truncatedAt. It "
                 "says nothing about gaps: a complete answer may still miss what the registry "
                 "does not hold (see fullyDisclosed).")
_FULLY_DISCLOSED_DOC = ("True when the search met no gap. False means the answer has gaps: facts "
                        "it needed that are not disclosed or not recorded (listed in "
                        "`disclosure`), so it is not the whole truth even when `complete`.")
_DISCLOSURE_DOC = "Every gap met on the way, by entity label and property."
_MIN_GRADE_DOC = "The weakest grade the search followed (the minGrade asked for)."


def _gaps(obj: Any, _info: GraphQLResolveInfo) -> list[GapRecord]:
    return list(obj.disclosure)


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
    kind = graphene.String(required=True,
                           description="contract, agreement, processing or origin.")
    via_id = graphene.ID(required=True, resolver=lambda h, _i: h.via,
                         description="The contract, agreement, processing or source entity.")
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
    grade = graphene.Field(EvidenceGrade, required=True,
                           description="How good the evidence of this hop is.")
    rule = graphene.Field(InferenceRule, resolver=lambda h, _i: RULES.get(h.rule or ""),
                          description="The rule that inferred the hop; null for an asserted hop.")
    sources = graphene.List(graphene.NonNull(graphene.ID), required=True,
                            description="IRIs of the cityreg:source documents of `via`.")
    gaps = graphene.List(graphene.NonNull(Gap), required=True,
                         description="The facts about this hop the registry does not hold.")


class AccessPath(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A chain of hops carrying one dataset to an organisation."""

    dataset_id = graphene.ID(required=True, resolver=lambda p, _i: p.dataset)
    dataset = graphene.Field(Dataset, resolver=_entity("dataset"))
    derived_from = graphene.List(graphene.NonNull(graphene.ID), required=True)
    length = graphene.Int(required=True)
    grade = graphene.Field(EvidenceGrade, required=True,
                           description="The weakest grade of its hops.")
    hops = graphene.List(graphene.NonNull(Hop), required=True)


def _category(access: Any, info: GraphQLResolveInfo) -> TermValue | None:
    if access.category is None:
        return None
    return TermValue(access.category, access.category_label or model(info).label(
        access.category))


class OrganisationAccess(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """An organisation that can access the data, with all evidence paths, strongest and
    shortest first; or a placeholder for recipients known only by their category."""

    id = graphene.ID(required=True, resolver=lambda a, _i: a.organisation,
                     description="The organisation's IRI; a placeholder's starts with "
                     "urn:cityreg:undisclosed: and ends with the entity that records it.")
    label = graphene.String(required=True)
    organisation = graphene.Field(Organisation, resolver=_entity("organisation"),
                                  description="Null for a placeholder.")
    grade = graphene.Field(EvidenceGrade, required=True,
                           description="The grade of its best path.")
    disclosed = graphene.Boolean(required=True,
                                 description="False for a placeholder of recipients whose "
                                 "identity is not disclosed (grade undisclosed).")
    category = graphene.Field(Term, resolver=_category,
                              description="A placeholder's category of recipient (such as "
                              "third party); null for a named organisation.")
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
    complete = graphene.Boolean(required=True, description=_COMPLETE_DOC)
    truncated_at = graphene.Field(Truncation)
    fully_disclosed = graphene.Boolean(required=True, description=_FULLY_DISCLOSED_DOC)
    disclosure = graphene.List(graphene.NonNull(Gap), required=True, resolver=_gaps,
                               description=_DISCLOSURE_DOC)
    min_grade = graphene.Field(EvidenceGrade, required=True, description=_MIN_GRADE_DOC)
    grades = graphene.Field(GradeCounts, required=True,
                            resolver=lambda r, _i: r.grade_counts(),
                            description="How many organisations (placeholders included) have "
                            "each grade as their best.")
    path_count = graphene.Int(required=True)
    organisations = graphene.List(graphene.NonNull(OrganisationAccess), required=True)


class DatasetReach(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A dataset an organisation can reach."""

    id = graphene.ID(required=True, resolver=lambda d, _i: d.dataset)
    label = graphene.String(required=True)
    dataset = graphene.Field(Dataset, resolver=_entity("dataset"))
    grade = graphene.Field(EvidenceGrade, required=True,
                           description="The grade of its best path.")
    paths = graphene.List(graphene.NonNull(AccessPath), required=True)


def _reach_grades(result: Any, _info: GraphQLResolveInfo) -> dict[Grade, int]:
    counts: dict[Grade, int] = dict.fromkeys(GRADES, 0)
    for reach in result.datasets:
        counts[reach.grade] += 1
    return counts


class ReachResult(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """What data an organisation can reach."""

    organisation_id = graphene.ID(required=True, resolver=lambda r, _i: r.organisation)
    label = graphene.String(required=True)
    as_of = graphene.Date()
    complete = graphene.Boolean(required=True, description=_COMPLETE_DOC)
    truncated_at = graphene.Field(Truncation)
    fully_disclosed = graphene.Boolean(required=True, description=_FULLY_DISCLOSED_DOC)
    disclosure = graphene.List(graphene.NonNull(Gap), required=True, resolver=_gaps,
                               description=_DISCLOSURE_DOC)
    min_grade = graphene.Field(EvidenceGrade, required=True, description=_MIN_GRADE_DOC)
    grades = graphene.Field(GradeCounts, required=True, resolver=_reach_grades,
                            description="How many datasets have each grade as their best.")
    datasets = graphene.List(graphene.NonNull(DatasetReach), required=True,
                             description="Best grade first, then by label.")


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
