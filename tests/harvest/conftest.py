"""Two `cityreg serve --store` instances on loopback, each publishing other cities of the
seed: what `cityreg harvest` reads in the tests of this folder."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from served_sites import Site, start


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    """Rio on one server; Jakarta and Davao on the other (one pair per test module: a test
    that changes what they serve says so, and the others read what they serve now)."""
    started: list[Site] = []
    folder = tmp_path_factory.mktemp("sites")
    try:
        started.append(start(folder / "rio", ["rio.ttl"]))
        started.append(start(folder / "asia", ["jakarta.ttl", "davao.ttl"]))
        yield started[0], started[1]
    finally:
        for site in started:
            site.process.terminate()
            try:
                site.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                site.process.kill()
