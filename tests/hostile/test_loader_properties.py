"""Property tests: valid files mutated at random load, or fail with a CityregError, never worse.

Hypothesis flips, deletes and inserts bytes in, or truncates, files that load: the seed's Turtle,
the test city's N-Triples, JSON-LD, RDF/XML and TriG, a template spreadsheet and an OCDS
package. Whatever comes out must either load (import) or raise a CityregError that names the
file, and a registry that already held data must hold exactly that data after an error.
``derandomize=True``: every run tries the same examples, so CI is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.errors import CityregError
from registry.importers import ImportResult, import_files, write_store
from registry.store import Registry

ROOT = Path(__file__).resolve().parents[2]
CITY = ROOT / "tests" / "data" / "store" / "city"
SEEDS = {
    "seed-london.ttl": ROOT / "seed" / "london.ttl",
    "seed-davao.ttl": ROOT / "seed" / "davao.ttl",
    "city-datasets.nt": CITY / "sub" / "datasets.nt",
    "city-sensors.jsonld": CITY / "sensors.jsonld",
    "city-legacy.rdf": CITY / "sub" / "legacy.rdf",
    "city-sharing.trig": CITY / "sub" / "sharing.trig",
}
IMPORTS = {
    "organisations.csv": ("csv", ROOT / "tests" / "importers" / "data" / "templates"
                          / "organisations.csv"),
    "sensors.csv": ("csv", ROOT / "tests" / "importers" / "data" / "templates" / "sensors.csv"),
    "ocds.json": ("ocds", ROOT / "tests" / "importers" / "data" / "ocds"
                  / "ocds-213czf-000-00001.json"),
}
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
#: Bytes worth inserting: syntax characters of every format, quotes, escapes, NUL, a BOM,
#: invalid UTF-8, a long run of brackets.
NASTY = [b"<", b">", b'"', b"'", b"{", b"}", b"[", b"]", b"(", b")", b"@", b"&", b";", b".",
         b"\\", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\n", b"#", b"_:", b"<!ENTITY", b"[" * 500,
         b'"""', b"=HYPERLINK(", b"\r\n"]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` after one to four random flips, deletions, insertions or a truncation."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "delete" and data:
            del data[position:position + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[position:position] = draw(st.sampled_from(NASTY) | st.binary(max_size=8))
        else:
            del data[position:]
    return bytes(data)


def statements(registry: Registry) -> frozenset[str]:
    return frozenset(str(quad) for quad in registry.store)


def check_load(path: Path) -> None:
    """Load ``path`` into a registry that holds the city files: loads, or a clean error."""
    with Registry.memory(ontology=False) as registry:
        registry.load(CITY / "agencies.ttl")
        before = statements(registry)
        failure = refusal(lambda: registry.load(path))
        if failure is not None:
            assert str(path) in str(failure)
            assert statements(registry) == before


def refusal(action: Callable[[], object]) -> CityregError | None:
    """The CityregError ``action`` raises, or None; any other exception propagates."""
    try:
        action()
    except CityregError as error:
        return error
    return None


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_rdf_loads_or_fails_cleanly(seed: str, tmp_path_factory: pytest.TempPathFactory
                                            ) -> None:
    folder = tmp_path_factory.mktemp("mutated")
    original = SEEDS[seed].read_bytes()
    path = folder / seed

    @PROPERTY
    @given(data=mutated(original))
    def property_holds(data: bytes) -> None:
        path.write_bytes(data)
        check_load(path)

    property_holds()


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_mutated_imports_import_or_fail_cleanly(name: str,
                                                tmp_path_factory: pytest.TempPathFactory
                                                ) -> None:
    fmt, source = IMPORTS[name]
    original = source.read_bytes()
    path = tmp_path_factory.mktemp("mutated") / source.name

    @PROPERTY
    @given(data=mutated(original))
    def property_holds(data: bytes) -> None:
        path.write_bytes(data)
        with Registry.memory(ontology=False) as registry:
            registry.load(CITY / "agencies.ttl")
            before = statements(registry)
            results: list[ImportResult] = []
            failure = refusal(lambda: results.extend(
                import_files(fmt, [path], city="nordhaven")))  # type: ignore[arg-type]
            if failure is not None:
                assert path.name in str(failure)
                assert statements(registry) == before
                return
            write_store(registry, results)

    property_holds()


def test_truncating_a_file_anywhere_never_escapes_as_a_bug(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every prefix of the JSON-LD and RDF/XML samples, at every 7th byte."""
    folder = tmp_path_factory.mktemp("truncated")
    for seed in ("city-sensors.jsonld", "city-legacy.rdf"):
        original = SEEDS[seed].read_bytes()
        for end in range(0, len(original), 7):
            path = folder / f"{end}-{seed}"
            path.write_bytes(original[:end])
            check_load(path)
