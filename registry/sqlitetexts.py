"""Texts as SQLite holds them: the read model's index and the served findings are SQLite files.

SQLite stores text as UTF-8, and Python's ``sqlite3`` refuses a text UTF-8 cannot encode (a
lone surrogate, which a hostile request can send in a JSON string). Such a text is in no
registry, so a lookup of it must match nothing, not fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: What a text that cannot be stored (not valid Unicode: a lone surrogate) is looked up as: a
#: text made of two Unicode noncharacters, which no label or IRI holds, so it matches nothing,
#: as the text itself would.
NOWHERE = "\ufffe\uffff"


def held_texts(parameters: Sequence[Any]) -> Sequence[Any]:
    """``parameters`` with every text SQLite cannot store (UTF-8 refuses it) as
    :data:`NOWHERE`."""
    def storable(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return NOWHERE
        return value
    return [storable(value) for value in parameters]
