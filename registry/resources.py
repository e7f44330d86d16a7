"""Where the project's data folders are, in a source checkout and in an installed wheel.

The ontology, shapes, seed registry and GraphQL SDL live at the top of the repository so they
can be reviewed as data. A built wheel carries copies under ``registry/_data/``. Every module
that needs one of these folders asks here, so neither layout is hard-coded elsewhere.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_DATA_FOLDERS = ("ontology", "shapes", "seed", "graphql")


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (one of ontology, shapes, seed, graphql).

    The wheel's copy under ``registry/_data`` wins; otherwise the checkout's top-level folder.
    """
    if name not in _DATA_FOLDERS:
        expected = ", ".join(_DATA_FOLDERS)
        raise ValueError(f"unknown data folder {name!r}: expected one of {expected}")
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the {name}/ folder is missing: looked in {_PACKAGE_DIR / '_data'} and "
        f"{_PACKAGE_DIR.parent}; reinstall cityreg or run from a complete checkout"
    )


def ontology_path() -> Path:
    """The cityreg ontology in Turtle."""
    return data_dir("ontology") / "cityreg.ttl"


def shapes_dir() -> Path:
    """The folder of SHACL shapes files, one per body of law."""
    return data_dir("shapes")


def seed_dir() -> Path:
    """The built-in seed registry: the report's cities and the fictional city."""
    return data_dir("seed")
