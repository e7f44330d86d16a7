"""Field factories that read one property of an :class:`~registry.api.readmodel.Entity`.

Each returns a graphene field whose resolver is a dictionary lookup in the read model, so the
types in :mod:`registry.api.types` read like a list of "GraphQL name = property".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import graphene

from graphql import GraphQLError, GraphQLResolveInfo
from registry.api.connections import Page, connection, page_args, paginate
from registry.api.limits import check_deadline
from registry.namespaces import compact

if TYPE_CHECKING:
    from registry.api.readmodel import Entity, ReadModel
    from registry.api.service import ApiContext


@dataclass(frozen=True)
class TermValue:
    """A vocabulary term or any IRI, with its label."""

    id: str
    label: str


class Term(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """A vocabulary term (purpose, legal basis, sensor type, role, ...) or other IRI."""

    id = graphene.ID(required=True, description="The IRI.")
    label = graphene.String(required=True, description="Its label, else its last segment.")
    compact = graphene.String(required=True, description="The IRI as prefix:name when known.",
                              resolver=lambda term, _info: compact(term.id))



def api(info: GraphQLResolveInfo) -> ApiContext:
    """The request's context object."""
    context: ApiContext = info.context
    return context


def model(info: GraphQLResolveInfo) -> ReadModel:
    """The read model of the request."""
    return api(info).model


def documented(doc: str, prop: str, inverse: bool = False) -> str:
    """``doc`` followed by the property the field reads, as ``(prefix:name)``, or
    ``(^prefix:name)`` for the entities that point here with it: the schema says which RDF
    property each field is, and a test checks that every object property of the ontology is a
    field somewhere."""
    return f"{doc} ({'^' if inverse else ''}{compact(prop)})"


def text(prop: str, doc: str) -> graphene.String:
    """A string fact."""
    return graphene.String(description=documented(doc, prop),
                           resolver=lambda e, _i: e.text(prop))


def day(prop: str, doc: str) -> graphene.Date:
    """A date fact."""
    return graphene.Date(description=documented(doc, prop),
                         resolver=lambda e, _i: e.day(prop))


def integer(prop: str, doc: str) -> graphene.Int:
    """An integer fact."""
    return graphene.Int(description=documented(doc, prop),
                        resolver=lambda e, _i: e.integer(prop))


def decimal(prop: str, doc: str) -> graphene.Decimal:
    """A decimal fact (money, thresholds)."""
    return graphene.Decimal(description=documented(doc, prop),
                            resolver=lambda e, _i: e.decimal(prop))


def flag(prop: str, doc: str) -> graphene.Boolean:
    """A boolean fact: null when not stated."""
    return graphene.Boolean(description=documented(doc, prop),
                            resolver=lambda e, _i: e.flag(prop))


def terms(prop: str, doc: str) -> graphene.List:
    """The IRIs of ``prop`` as terms with labels."""
    def resolve(entity: Entity, info: GraphQLResolveInfo) -> list[TermValue]:
        check_deadline()
        found = model(info)
        return [TermValue(iri, found.label(iri)) for iri in entity.iris(prop)]
    return graphene.List(graphene.NonNull(Term), required=True,
                         description=documented(doc, prop),
                         resolver=resolve)


def term(prop: str, doc: str) -> graphene.Field:
    """The first IRI of ``prop`` as a term."""
    def resolve(entity: Entity, info: GraphQLResolveInfo) -> TermValue | None:
        iris = entity.iris(prop)
        return TermValue(iris[0], model(info).label(iris[0])) if iris else None
    return graphene.Field(Term, description=documented(doc, prop), resolver=resolve)


def refs(kind: Any, prop: str, doc: str) -> graphene.List:
    """The entities that ``prop`` points to."""
    def resolve(entity: Entity, info: GraphQLResolveInfo) -> list[Entity]:
        check_deadline()
        return model(info).resolve(entity.iris(prop))
    return graphene.List(graphene.NonNull(kind), required=True,
                         description=documented(doc, prop),
                         resolver=resolve)


def ref(kind: Any, prop: str, doc: str) -> graphene.Field:
    """The first entity that ``prop`` points to."""
    def resolve(entity: Entity, info: GraphQLResolveInfo) -> Entity | None:
        found = model(info).resolve(entity.iris(prop))
        return found[0] if found else None
    return graphene.Field(kind, description=documented(doc, prop), resolver=resolve)


def back(kind: Any, name: str, prop: str, doc: str) -> graphene.Field:
    """The entities that point to this one with ``prop``, as a paginated connection.

    Reverse links can be long (every entry cites the report it comes from), so they page.
    """
    def resolve(entity: Entity, info: GraphQLResolveInfo, first: int | None = None,
                after: str | None = None) -> Page:
        return paginate(model(info).pointing_at(entity.iri, prop), first, after)
    return graphene.Field(connection(kind, name), required=True,
                          description=documented(doc, prop, inverse=True),
                          resolver=resolve, **page_args())


def refused(message: str) -> GraphQLError:
    """A GraphQL error for a request the API cannot answer."""
    return GraphQLError(message)
