"""A sequence read a page at a time (registry/pagedrows.py) indexes and slices as a list does,
reading only the page asked for."""

from __future__ import annotations

import pytest

from registry.pagedrows import PagedSequence


class _Numbers(PagedSequence[int]):
    noun = "number"

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return self.size

    def _page(self, start: int, count: int) -> list[int]:
        self.pages.append((start, count))
        return list(range(start, start + count))


def test_indexes_and_slices_are_those_of_a_list_and_read_one_page() -> None:
    numbers, expected = _Numbers(10), list(range(10))
    for wanted in (slice(2, 5), slice(8, 40), slice(-3, None), slice(None, None, 3),
                   slice(5, 2), slice(0, 0)):
        assert numbers[wanted] == expected[wanted]
    assert (numbers[0], numbers[-1], numbers[7]) == (0, 9, 7)
    numbers.pages.clear()
    assert numbers[3:7] == [3, 4, 5, 6]
    assert numbers.pages == [(3, 4)]
    with pytest.raises(IndexError, match="number 10 of 10"):
        numbers[10]
    with pytest.raises(IndexError, match="number -11 of 10"):
        numbers[-11]
    assert list(numbers) == expected  # iteration by index, as a Sequence's
