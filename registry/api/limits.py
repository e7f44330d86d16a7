"""What one GraphQL request may cost: size, shape, depth, estimated cost, page size, time.

The limits, in the order they are checked (each constant is at the top of this module):

=============================  =======  ===================================================
:data:`MAX_QUERY_LENGTH`        50,000  characters of the query document, before parsing
:data:`MAX_TOKENS`               5,000  lexical tokens (names, punctuation, values), and as
                                        many comments, counted while parsing
:data:`MAX_FIELDS`               1,000  field selections, each fragment counted every time
                                        it is spread (aliases are fields: ``a1: trace``,
                                        ``a2: trace`` are two)
:data:`MAX_LEVEL_FIELDS`           100  field selections at one level of one selection set,
                                        fragments spread into it included
:data:`MAX_DIRECTIVES`              50  directives (``@include``, ``@skip``, ...)
:data:`MAX_FRAGMENT_NESTING`        20  fragment spreads inside fragment spreads
:data:`MAX_SCHEMA_INTROSPECTIONS`    1  ``__schema`` fields (each answers the whole schema)
:data:`MAX_DEPTH`                   12  nested selections (introspection not counted)
:data:`MAX_PAGE_SIZE`              500  ``first`` on every list (never negative)
:data:`MAX_COST`                50,000  estimated resolved fields (below)
:data:`TIMEOUT_SECONDS`              5  seconds of execution
=============================  =======  ===================================================

* The size and token limits are checked before anything else reads the document; the shape
  limits (fields, fields at one level, directives, fragment nesting, ``__schema``) after
  parsing and *before validation*: validation compares the fields of one level pairwise, and a
  document of thousands of same-named fields or a chain of hundreds of fragments wears it
  down or exhausts its recursion.
* **cost**: every selected field costs 1 times the product of the ``first`` of the paginated
  lists it is nested in (:data:`DEFAULT_PAGE_SIZE` when not given); a trace multiplies by its
  ``maxPaths``. More than :data:`MAX_COST` is refused before anything runs;
* **time**: a request still running after :data:`TIMEOUT_SECONDS` fails at its next list, page
  or trace (:func:`check_deadline`) with an error that says so.

Fragments are summed once each (a fragment spread twice in a fragment spread twice ... is
counted by multiplication, not by walking every expansion), so checking a document costs
time linear in its size whatever it spreads. Batched requests (a JSON array of requests) are
refused by the application (:mod:`registry.api.app`): one request, one query.

Each refusal is a GraphQL error that names the limit, the value asked for and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

MAX_QUERY_LENGTH = 50_000
MAX_TOKENS = 5_000
MAX_FIELDS = 1_000
MAX_LEVEL_FIELDS = 100
MAX_DIRECTIVES = 50
MAX_FRAGMENT_NESTING = 20
MAX_SCHEMA_INTROSPECTIONS = 1
MAX_DEPTH = 12
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_COST = 50_000
TIMEOUT_SECONDS = 5.0
#: Arguments that multiply the cost of what is selected below them.
MULTIPLIERS = ("first", "maxPaths")

_T = TypeVar("_T")


# -- size and tokens: before and while parsing -----------------------------------------------


def parse_query(query: str) -> DocumentNode:
    """Parse ``query`` within :data:`MAX_QUERY_LENGTH` and :data:`MAX_TOKENS`; a refusal or a
    syntax error is raised as a :class:`GraphQLError`."""
    if len(query) > MAX_QUERY_LENGTH:
        raise GraphQLError(
            f"the query is {len(query):,} characters long, more than the limit of "
            f"{MAX_QUERY_LENGTH:,}; send a shorter query (long values can go in `variables`)")
    try:
        return parse(query, max_lexical_tokens=MAX_TOKENS, max_comments=MAX_TOKENS)
    except GraphQLSyntaxError as error:
        if f"more than {MAX_TOKENS} tokens" in error.message:
            raise GraphQLError(
                f"the query has more than {MAX_TOKENS:,} tokens, the limit; ask for fewer "
                "fields or split the query into several requests") from None
        if f"more than {MAX_TOKENS} comments" in error.message:
            raise GraphQLError(
                f"the query has more than {MAX_TOKENS:,} comments, the limit; remove the "
                "comments") from None
        if "nested too deeply" in error.message:
            raise GraphQLError(
                "the query nests selections or values deeper than the parser allows (the "
                f"depth limit is {MAX_DEPTH} nested selections); ask for the ids of deeper "
                "entities and query them with `node(id:)` in a second request") from None
        raise


# -- shape: after parsing, before validation -------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a selection set asks for, its fragment spreads expanded."""

    fields: int = 0
    """Field selections, fragments counted every time they are spread."""
    level: int = 0
    """Field selections at the top level of the set, fragments spread into it included."""
    widest: int = 0
    """The most field selections at one level anywhere in the set."""
    schemas: int = 0
    """``__schema`` fields."""
    nesting: int = 0
    """Fragment spreads nested in fragment spreads."""


def check_shape(document: DocumentNode) -> None:
    """Refuse a document over :data:`MAX_FIELDS`, :data:`MAX_LEVEL_FIELDS`,
    :data:`MAX_DIRECTIVES`, :data:`MAX_FRAGMENT_NESTING` or :data:`MAX_SCHEMA_INTROSPECTIONS`.

    Safe on any parsed document, valid or not: unknown fragments count nothing and a cycle of
    fragments is cut where it closes (validation then says what is wrong)."""
    directives = _directives(document)
    if directives > MAX_DIRECTIVES:
        raise GraphQLError(
            f"the query has {directives:,} directives, more than the limit of "
            f"{MAX_DIRECTIVES}; use fewer @include/@skip")
    shapes = _resolve(_fragments(document),
                      lambda fragment, known: _set_shape(fragment.selection_set, known))
    # Every operation is validated, not only the one that runs: all of them count. So do
    # fragments no operation spreads (validation reads them too).
    operations = [_set_shape(d.selection_set, shapes) for d in document.definitions
                  if isinstance(d, OperationDefinitionNode)]
    fields = sum(shape.fields for shape in operations)
    schemas = sum(shape.schemas for shape in operations)
    widest = max((shape.widest for shape in [*operations, *shapes.values()]), default=0)
    nesting = max((shape.nesting for shape in [*operations, *shapes.values()]), default=0)
    if fields > MAX_FIELDS:
        raise GraphQLError(
            f"the query selects {fields:,} fields (aliases and every spread of a fragment "
            f"counted), more than the limit of {MAX_FIELDS:,}; ask for fewer fields or split "
            "the query into several requests")
    if widest > MAX_LEVEL_FIELDS:
        raise GraphQLError(
            f"the query selects {widest:,} fields at one level (aliases and fragments spread "
            f"there counted), more than the limit of {MAX_LEVEL_FIELDS}; ask for fewer fields "
            "or aliases side by side, or split the query into several requests")
    if nesting > MAX_FRAGMENT_NESTING:
        raise GraphQLError(
            f"the query nests fragment spreads {nesting} deep, more than the limit of "
            f"{MAX_FRAGMENT_NESTING}; spread fewer fragments inside fragments")
    if schemas > MAX_SCHEMA_INTROSPECTIONS:
        raise GraphQLError(
            f"the query asks for __schema {schemas:,} times, more than the limit of "
            f"{MAX_SCHEMA_INTROSPECTIONS} (each answer is the whole schema); ask once, without "
            "aliases")


def _set_shape(selection_set: SelectionSetNode | None, shapes: Mapping[str, Shape]) -> Shape:
    """The shape of one selection set; recursion follows its nesting, which the parser caps."""
    fields = level = widest = schemas = nesting = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            inner = _set_shape(selection.selection_set, shapes)
            fields += 1 + inner.fields
            level += 1
            schemas += inner.schemas + (selection.name.value == "__schema")
            nesting = max(nesting, inner.nesting)
        else:
            if isinstance(selection, FragmentSpreadNode):
                inner, spread = shapes.get(selection.name.value, Shape()), 1
            elif isinstance(selection, InlineFragmentNode):
                inner, spread = _set_shape(selection.selection_set, shapes), 0
            else:
                continue  # every selection is a field, a fragment spread or an inline fragment
            fields += inner.fields
            level += inner.level
            schemas += inner.schemas
            nesting = max(nesting, inner.nesting + spread)
        widest = max(widest, inner.widest)
    return Shape(fields, level, max(widest, level), schemas, nesting)


def _directives(document: DocumentNode) -> int:
    """Every directive written in the document (where it is written, not where it is spread)."""
    count = 0
    stack: list[SelectionSetNode | None] = []
    for definition in document.definitions:
        if isinstance(definition, ExecutableDefinitionNode):
            count += len(definition.directives or ())
            count += sum(len(variable.directives or ())
                         for variable in definition.variable_definitions or ())
            stack.append(definition.selection_set)
    while stack:
        current = stack.pop()
        for selection in current.selections if current else ():
            count += len(selection.directives or ())
            if isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)
    return count


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
    return fragments


def _spreads(selection_set: SelectionSetNode | None) -> list[str]:
    """The names of the fragments spread anywhere in ``selection_set``."""
    names: list[str] = []
    stack = [selection_set]
    while stack:
        current = stack.pop()
        for selection in current.selections if current else ():
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)
    return names


def _resolve(fragments: Mapping[str, FragmentDefinitionNode],
             summarise: Callable[[FragmentDefinitionNode, Mapping[str, _T]], _T]
             ) -> dict[str, _T]:
    """``summarise`` each fragment once, the fragments it spreads first (without recursion, so
    a long chain of fragments cannot exhaust the stack). A fragment it spreads that is unknown,
    or that closes a cycle, is missing from the mapping ``summarise`` gets."""
    done: dict[str, _T] = {}
    visiting: set[str] = set()
    for root in fragments:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if name in done or name not in fragments:
                continue
            if expanded:
                visiting.discard(name)
                done[name] = summarise(fragments[name], done)
                continue
            if name in visiting:
                continue  # a cycle: validation refuses it; here it is cut
            visiting.add(name)
            stack.append((name, True))
            stack.extend((spread, False) for spread in _spreads(fragments[name].selection_set)
                         if spread not in done and spread not in visiting)
    return done


# -- depth and cost: after validation --------------------------------------------------------


def _chosen(document: DocumentNode, operation_name: str | None
            ) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
                operation_name is None or (definition.name and
                                           definition.name.value == operation_name)):
            return definition
    return None


def estimate_cost(document: DocumentNode, operation_name: str | None,
                  variables: Mapping[str, Any] | None) -> int:
    """The estimated number of resolved fields of the operation; refuses too-large or negative
    pages."""
    operation = _chosen(document, operation_name)
    if operation is None:
        return 0
    values = dict(variables or {})
    # The cost of a fragment is linear in the multiplier it is spread under: summed once.
    unit = _resolve(_fragments(document),
                    lambda fragment, known: _cost(fragment.selection_set, 1, known, values))
    return _cost(operation.selection_set, 1, unit, values)


def _cost(selection_set: SelectionSetNode | None, multiplier: int,
          fragments: Mapping[str, int], variables: dict[str, Any]) -> int:
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
                        _check_multiplier(argument.name.value, value, selection.name.value)
                        factor = value
            total += multiplier
            total += _cost(selection.selection_set, multiplier * factor, fragments, variables)
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, multiplier, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode):
            total += multiplier * fragments.get(selection.name.value, 0)
    return total


def _check_multiplier(name: str, value: int, field: str) -> None:
    if name == "first" and value > MAX_PAGE_SIZE:
        raise GraphQLError(
            f"first: {value} on `{field}` exceeds the page-size cap of {MAX_PAGE_SIZE}; ask "
            f"for at most {MAX_PAGE_SIZE} items and page on with `after`")
    if name == "first" and value < 0:
        raise GraphQLError(
            f"first: {value} on `{field}` is negative; ask for 0 to {MAX_PAGE_SIZE} items")
    if value < 0:
        raise GraphQLError(f"{name}: {value} on `{field}` is negative; expected at least 1")


def _is_connection(field: FieldNode) -> bool:
    """A paginated list: its selection asks for ``edges`` or ``nodes``."""
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(sub, FieldNode) and sub.name.value in {"edges", "nodes"}
               for sub in selections)


def operation_depth(document: DocumentNode, operation_name: str | None) -> int:
    """How deeply the chosen operation nests its selections (fragments expanded)."""
    operation = _chosen(document, operation_name)
    if operation is None:
        return 0
    depths = _resolve(_fragments(document),
                      lambda fragment, known: _depth(fragment.selection_set, known))
    return _depth(operation.selection_set, depths)


def _depth(selection_set: SelectionSetNode | None, fragments: Mapping[str, int]) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection (GraphiQL's schema query) is not limited
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, fragments.get(selection.name.value, 0))
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


# -- time: while executing -------------------------------------------------------------------


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
