"""The built wheel carries the data folders and the console script.

The ontology, shapes, seed and GraphQL folders live at the top of the checkout and are copied
into the wheel under ``registry/_data/`` (pyproject.toml, force-include), where
``registry.resources`` finds them in an installed cityreg. A folder missing from the wheel
would only show up after ``pip install``: this test builds the wheel and compares.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_FOLDERS = ("ontology", "shapes", "seed", "graphql")


def checkout_files(folder: str) -> list[str]:
    """Files of a data folder as wheel paths, leaving out hidden files and caches."""
    base = ROOT / folder
    return sorted(
        f"registry/_data/{folder}/{path.relative_to(base).as_posix()}"
        for path in base.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part == "__pycache__"
                    for part in path.relative_to(base).parts)
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The wheel built from this checkout, the way a release would build it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [path] = out.glob("cityreg-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.mark.slow
def test_the_wheel_carries_the_ontology(wheel: zipfile.ZipFile) -> None:
    assert "registry/_data/ontology/cityreg.ttl" in wheel.namelist()


@pytest.mark.slow
@pytest.mark.parametrize("folder", DATA_FOLDERS)
def test_every_file_of_a_data_folder_is_in_the_wheel(wheel: zipfile.ZipFile, folder: str
                                                     ) -> None:
    names = set(wheel.namelist())
    assert [name for name in checkout_files(folder) if name not in names] == []


@pytest.mark.slow
def test_the_wheel_has_the_package_and_the_console_script(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert {"registry/__init__.py", "registry/cli.py", "registry/store/registry.py",
            "registry/commands/core.py"} <= names
    assert not any(name.startswith("tests/") for name in names)
    [entry_points] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    assert "cityreg = registry.cli:main" in wheel.read(entry_points).decode()
