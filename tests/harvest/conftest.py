"""Two `cityreg serve --store` instances on loopback, each publishing other cities of the
seed: what `cityreg harvest` reads in the tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from served_sites import Site, rio_and_asia


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    """Rio on one server; Jakarta and Davao on the other (one pair per test module: a test
    that changes what they serve says so, and the others read what they serve now)."""
    with rio_and_asia(tmp_path_factory.mktemp("sites")) as both:
        yield both
