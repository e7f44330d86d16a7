"""Relay-style pagination: ``first``/``after``, ``totalCount``, ``pageInfo``, ``edges``, ``nodes``.

Cursors are opaque (base64 of ``offset:N``); lists come from the read model already sorted, so
an offset is stable for the life of the server. ``first`` is capped by
:data:`registry.api.limits.MAX_PAGE_SIZE` and the refusal says so.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import graphene

from graphql import GraphQLError
from registry.api.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, check_deadline


class PageInfo(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped
    """Where a page lies in the whole list."""

    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


@dataclass(frozen=True)
class Page:
    """One page of a list: the items with their offsets, and the list's total length."""

    items: Sequence[Any]
    offset: int
    total: int

    @property
    def edges(self) -> list[tuple[str, Any]]:
        """(cursor, node) pairs."""
        return [(encode_cursor(self.offset + i), node) for i, node in enumerate(self.items)]

    @property
    def page_info(self) -> dict[str, Any]:
        """The pageInfo object."""
        edges = self.edges
        return {"has_next_page": self.offset + len(self.items) < self.total,
                "has_previous_page": self.offset > 0,
                "start_cursor": edges[0][0] if edges else None,
                "end_cursor": edges[-1][0] if edges else None}


def encode_cursor(offset: int) -> str:
    """The opaque cursor of the item at ``offset``."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; a GraphQL error for anything else."""
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphQLError(f"after: {cursor!r} is not a cursor of this API; pass the endCursor "
                       "of the previous page's pageInfo")


def paginate(items: Sequence[Any], first: int | None, after: str | None) -> Page:
    """The page of ``items`` after cursor ``after`` with at most ``first`` items."""
    check_deadline()
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise GraphQLError(f"first: {size} is outside 0..{MAX_PAGE_SIZE}; ask for at most "
                           f"{MAX_PAGE_SIZE} items and page on with `after`")
    start = 0 if after is None else decode_cursor(after) + 1
    return Page(items[start:start + size], start, len(items))


_CONNECTIONS: dict[str, type[graphene.ObjectType]] = {}


def connection(node: Any, name: str) -> type[graphene.ObjectType]:
    """The ``<name>Connection`` type for nodes of ``node`` (a graphene type or lambda)."""
    if name in _CONNECTIONS:
        return _CONNECTIONS[name]
    edge = type(f"{name}Edge", (graphene.ObjectType,), {
        "__doc__": f"One {name} of a page, with its cursor.",
        "cursor": graphene.String(required=True, resolver=lambda pair, _info: pair[0]),
        "node": graphene.Field(node, required=True, resolver=lambda pair, _info: pair[1]),
    })
    conn = type(f"{name}Connection", (graphene.ObjectType,), {
        "__doc__": f"A page of {name} items (first/after), with the total count.",
        "total_count": graphene.Int(required=True, resolver=lambda page, _info: page.total),
        "page_info": graphene.Field(PageInfo, required=True,
                                    resolver=lambda page, _info: page.page_info),
        "edges": graphene.List(graphene.NonNull(edge), required=True,
                               resolver=lambda page, _info: page.edges),
        "nodes": graphene.List(graphene.NonNull(node), required=True,
                               resolver=lambda page, _info: list(page.items)),
    })
    _CONNECTIONS[name] = conn
    return conn


def page_args(**extra: Any) -> dict[str, Any]:
    """The ``first``/``after`` arguments plus ``extra`` filters, for a connection field."""
    return {"first": graphene.Int(description=f"Page size (default {DEFAULT_PAGE_SIZE}, at "
                                  f"most {MAX_PAGE_SIZE})."),
            "after": graphene.String(description="The endCursor of the previous page."),
            **extra}
