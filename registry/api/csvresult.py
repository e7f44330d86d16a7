"""A GraphQL result's first list, flattened to CSV rows (``/graphql`` with ``Accept: text/csv``
or ``?format=csv``).

The list is the first one met in the data, field by field in the order of the query (depth
first): a connection gives its ``nodes``, else the ``node`` of each of its ``edges``; any other
list is taken as it is. Each item becomes one row:

* a nested object gives dotted column names (``city { label }`` -> ``city.label``);
* a list of scalars is joined with ``"; "`` in one cell, and so is each column of a list of
  objects (``buyers { label }`` -> ``buyers.label`` = ``"A; B"``);
* ``null`` is an empty cell (a null object: empty cells in its columns), booleans are
  ``true`` / ``false``;
* every cell goes through :func:`registry.cells.spreadsheet_safe` (formula injection) when
  :func:`registry.web.tables.csv_chunks` writes the rows, as for the site's downloads.

Columns are in the order they first appear; a data without any list is a
:class:`NoListError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.web.tables import cell_text

__all__ = ["NoListError", "first_list", "flatten", "rows_of"]

#: Joins the values of a list in one cell.
SEPARATOR = "; "


class NoListError(ValueError):
    """The data holds no list to write as CSV; the message says what to ask instead."""


def first_list(data: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], list[Any]] | None:
    """``(field path, items)`` of the first list in ``data`` (see the module docstring), or
    ``None`` when it has none."""
    if isinstance(data, list):
        return path, data
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("nodes"), list):
        return (*path, "nodes"), data["nodes"]
    edges = data.get("edges")
    if isinstance(edges, list):
        if all(isinstance(edge, Mapping) and "node" in edge for edge in edges):
            return (*path, "edges", "node"), [edge["node"] for edge in edges]
        return (*path, "edges"), edges
    for name, value in data.items():
        found = first_list(value, (*path, name))
        if found is not None:
            return found
    return None


def flatten(item: Any, prefix: str = "") -> dict[str, str]:
    """One row: ``column -> text`` for ``item`` (an object, a scalar, or ``null``), before
    spreadsheet quoting. A scalar item is one column, named ``prefix`` (``value`` at the top)."""
    if isinstance(item, Mapping):
        row: dict[str, str] = {}
        for name, value in item.items():
            row.update(flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return row
    if isinstance(item, list):
        columns: dict[str, list[str]] = {}
        for element in item:
            for column, text in flatten(element, prefix).items():
                columns.setdefault(column, []).append(text)
        if not columns:
            return {prefix or "value": ""}
        return {column: SEPARATOR.join(texts) for column, texts in columns.items()}
    return {prefix or "value": cell_text(item)}


def rows_of(data: Any) -> tuple[str, list[str], list[dict[str, str]]]:
    """``(name, columns, rows)`` of the first list in ``data``: ``name`` is its field path
    (``contracts.nodes``); a :class:`NoListError` when there is none."""
    found = first_list(data)
    if found is None:
        raise NoListError(
            "the query's data has no list to write as CSV: ask for a list field or a "
            "connection with `nodes` or `edges { node }`, e.g. "
            "{ contracts { nodes { id label city { label } } } }; or ask for JSON (no "
            "`Accept: text/csv`, no `format=csv`)")
    path, items = found
    name = path[0] if path else "result"
    scalar_column = path[-1] if path else "value"  # a list of scalars: one column, its field
    rows = [{} if item is None else flatten(item, "" if isinstance(item, Mapping | list)
                                             else scalar_column) for item in items]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    # a null object (``city: null``) is one empty cell named like the object; where other
    # rows give the object's columns (``city.label``), those stand for it
    nested = {column.rsplit(".", 1)[0] for column in columns if "." in column}
    prefixes = {".".join(part.split(".")[:i]) for part in nested
                for i in range(1, part.count(".") + 2)}
    return name, [column for column in columns if column not in prefixes], rows
