"""Importers: spreadsheets, procurement data and data catalogues -> registry statements.

One module per source format, all built on :mod:`registry.importers.base`:

* ``csv_mapping`` / ``csv_import``  CSV and XLSX through W3C CSVW metadata mappings
* ``template_export``               the way back: the registry as those templates (CSV, XLSX)
* ``ocds``                          Open Contracting Data Standard 1.1 packages and records
* ``dcat``                          DCAT-AP catalogues (Turtle, JSON-LD, RDF/XML)

:func:`import_files` reads and checks every file first; it raises :class:`ImportProblems`
listing every problem (``file:row:column: message`` or ``file:/json/pointer: message``) and
returns nothing when there is one. Writing is separate (:func:`write_store`,
:func:`write_out`), so a dry run is just not writing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from registry.errors import InputError
from registry.importers.base import (
    Diff,
    ImportProblem,
    ImportProblems,
    ImportResult,
    attach_city,
    city_iri,
    diff,
    entity_base,
    existing_in_folder,
    existing_in_store,
    require_base,
    to_turtle,
    write_out,
    write_store,
)

ImportFormat = Literal["csv", "ocds", "dcat"]
FORMATS: tuple[ImportFormat, ...] = ("csv", "ocds", "dcat")

__all__ = [
    "FORMATS",
    "Diff",
    "ImportFormat",
    "ImportProblem",
    "ImportProblems",
    "ImportResult",
    "diff",
    "existing_in_folder",
    "existing_in_store",
    "import_files",
    "to_turtle",
    "write_out",
    "write_store",
]


def import_files(fmt: ImportFormat, paths: Sequence[Path], *, mapping: Path | None = None,
                 city: str | None = None, base: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[ImportResult]:
    """Read ``paths`` as ``fmt`` into one result per file; nothing is written.

    ``mapping``: a CSVW mapping for ``csv`` (default: the shipped mapping whose table matches
    each file's header; a workbook of templates is read sheet by sheet, one result per sheet).
    ``city``: a slug or IRI; city-scoped entities get ``cityreg:city`` and
    new IRIs are minted under ``<default base><city>/`` unless ``base`` is given.
    ``progress(done, total)`` counts the files (and sheets) read.
    """
    if not paths:
        raise InputError("no files to import: give at least one FILE")
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise InputError(f"{path} is given twice: expected each file once")
        seen.add(path.resolve())
    if mapping is not None and fmt != "csv":
        raise InputError(f"--mapping applies to csv imports, not {fmt}; leave it out")
    minted = entity_base(city, base)
    results: list[ImportResult]
    if fmt == "csv":
        from registry.importers.csv_import import import_spreadsheets, import_tables
        from registry.importers.csv_mapping import load_mapping

        if mapping is not None:
            results = import_tables(paths, load_mapping(mapping), require_base(minted),
                                    progress)
        else:
            results = import_spreadsheets(paths, require_base(minted), progress)
    elif fmt == "ocds":
        from registry.importers.ocds import import_ocds

        results = import_ocds(paths, require_base(minted), progress)
    elif fmt == "dcat":
        from registry.importers.dcat import import_dcat

        results = import_dcat(paths, progress)
    else:
        raise InputError(f"unknown import format {fmt!r}: expected one of {', '.join(FORMATS)}")
    for result in results:
        if city is not None:
            attach_city(result, city_iri(city))
        result.stabilise_blank_nodes()
        result.canonicalise()
    return results
