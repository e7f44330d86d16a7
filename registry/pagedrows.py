"""A sequence read a page at a time: what the SQLite-backed lists (the findings kept on disk,
the read model's entities) have in common.

A subclass says how long it is and how to read ``count`` items from ``start``; indexing and
slicing (what ``paginate`` and templates do) then read only the page asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

Item = TypeVar("Item")


class PagedSequence(Sequence[Item]):
    """``len()`` and ``[i]``, ``[a:b]`` over :meth:`_page` (see the module)."""

    #: what an item is called in the error of an index out of range
    noun = "item"

    def _page(self, start: int, count: int) -> list[Item]:
        """``count`` items from position ``start`` (never past the end)."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._page(start, stop - start) if stop > start else []
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(f"{self.noun} {index} of {len(self)}")
        return self._page(position, 1)[0]
