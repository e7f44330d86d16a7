"""What one GraphQL request may cost: depth, estimated cost, page size, time.

* **depth**: at most :data:`MAX_DEPTH` nested selections;
* **page size**: ``first`` at most :data:`MAX_PAGE_SIZE` on every list;
* **cost**: every selected field costs 1 times the product of the ``first`` of the paginated
  lists it is nested in (:data:`DEFAULT_PAGE_SIZE` when not given); a trace multiplies by its
  ``maxPaths``. More than
  :data:`MAX_COST` is refused before anything runs;
* **time**: a request still running after :data:`TIMEOUT_SECONDS` fails at its next list, page
  or trace (:func:`check_deadline`) with an error that says so.

Each refusal is a GraphQL error that names the limit, the value asked for and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

MAX_DEPTH = 12
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_COST = 50_000
TIMEOUT_SECONDS = 5.0
#: Arguments that multiply the cost of what is selected below them.
MULTIPLIERS = ("first", "maxPaths")


def estimate_cost(document: DocumentNode, operation_name: str | None,
                  variables: Mapping[str, Any] | None) -> int:
    """The estimated number of resolved fields of the operation; refuses too-large pages."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations
              if operation_name is None or (op.name and op.name.value == operation_name)]
    return sum(_cost(op.selection_set, 1, fragments, dict(variables or {}), set())
               for op in chosen[:1])


def _cost(selection_set: SelectionSetNode | None, multiplier: int,
          fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any],
          seen: set[str]) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            factor = DEFAULT_PAGE_SIZE if _is_connection(selection) else 1
            for argument in selection.arguments or ():
                if argument.name.value in MULTIPLIERS:
                    value = value_from_ast_untyped(argument.value, variables)
                    if isinstance(value, int):
                        if argument.name.value == "first" and value > MAX_PAGE_SIZE:
                            raise GraphQLError(
                                f"first: {value} on `{selection.name.value}` exceeds the "
                                f"page-size cap of {MAX_PAGE_SIZE}; ask for at most "
                                f"{MAX_PAGE_SIZE} items and page on with `after`")
                        factor = value
            total += multiplier
            total += _cost(selection.selection_set, multiplier * factor, fragments, variables,
                           seen)
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, multiplier, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                total += _cost(fragments[name].selection_set, multiplier, fragments,
                               variables, seen | {name})
    return total


def _is_connection(field: FieldNode) -> bool:
    """A paginated list: its selection asks for ``edges`` or ``nodes``."""
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(sub, FieldNode) and sub.name.value in {"edges", "nodes"}
               for sub in selections)


def operation_depth(document: DocumentNode, operation_name: str | None) -> int:
    """How deeply the chosen operation nests its selections (fragments expanded)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name and d.name.value == operation_name))]
    return max((_depth(op.selection_set, fragments, set()) for op in operations[:1]), default=0)


def _depth(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
           seen: set[str]) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection (GraphiQL's schema query) is not limited
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                deepest = max(deepest, _depth(fragments[name].selection_set, fragments,
                                              seen | {name}))
    return deepest


def check_depth(depth: int) -> None:
    """Refuse an operation nested deeper than :data:`MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        raise GraphQLError(
            f"query depth {depth} exceeds the limit of {MAX_DEPTH} nested selections; ask for "
            "the ids of deeper entities and query them with `node(id:)` in a second request")


def check_cost(cost: int) -> None:
    """Refuse an operation whose estimated cost exceeds :data:`MAX_COST`."""
    if cost > MAX_COST:
        raise GraphQLError(
            f"query cost {cost} exceeds the limit of {MAX_COST} (each field counts once per "
            "item of the lists it is nested in, by their `first`); ask for smaller pages or "
            "fewer nested lists")


_DEADLINE: ContextVar[float | None] = ContextVar("cityreg_graphql_deadline", default=None)


def start_clock() -> Token[float | None]:
    """Start the request's clock (reset it with :func:`stop_clock`)."""
    return _DEADLINE.set(time.perf_counter() + TIMEOUT_SECONDS)


def stop_clock(token: Token[float | None]) -> None:
    """Forget the request's deadline."""
    _DEADLINE.reset(token)


def check_deadline() -> None:
    """Raise the timeout error when the running request has passed its deadline.

    Called where work grows with the answer (every list, page and trace), not on every field:
    a per-field check costs a sixth of a request.
    """
    deadline = _DEADLINE.get()
    if deadline is not None and time.perf_counter() > deadline:
        raise timeout_error()


def timeout_error() -> GraphQLError:
    """The error of a request that ran longer than :data:`TIMEOUT_SECONDS`."""
    return GraphQLError(f"the query took longer than {TIMEOUT_SECONDS:g} s and was stopped; ask "
                        "for fewer items, smaller pages or a shallower trace (maxDepth, maxPaths)")
