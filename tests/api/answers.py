"""Running a GraphQL query in the API tests: its data, or its error messages."""

from __future__ import annotations

from typing import Any

from registry.api import GraphQLService


def run(service: GraphQLService, query: str, **variables: Any) -> Any:
    """The data of ``query``, which must answer without errors."""
    result = service.run(query, variables or None)
    assert result.errors is None, result.errors
    return result.data


def errors(service: GraphQLService, query: str, **variables: Any) -> list[str]:
    """The error messages of ``query``, which must fail."""
    result = service.run(query, variables or None)
    assert result.errors, result.data
    return [error.message for error in result.errors]
