"""The entity index of a registry held by an engine, kept between server starts.

Building the index (:meth:`registry.api.readmodel.ReadModel.from_registry`) reads every
entity's types and labels from the engine: 6.7 s for the generated N=1000 registry on
Virtuoso, and most of the 72-95 s a server takes to answer at N=10000 (3.5M statements). A
server started again on the same data opens the index the last one kept instead, from the
user's cache folder (one file per engine URL, beside the stored findings). The file says
which registry state it indexes (:meth:`Registry.state_token`, which every load changes) and
which code made it: another's is never read, and a new one replaces it in one rename. A
folder that cannot be written costs the next start the build, not this one its index.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from registry import __version__
from registry.api.entityindex import EntityIndex
from registry.store import Registry

_FILE = "entity-index.sqlite"
_BUILDING = ".entity-index-"
#: A file being built that has not been written to for this long was left by a server that
#: was killed: removed by the next build (a build writes all along).
_ABANDONED_S = 3600.0
#: The modules whose text decides what the index holds.
_CODE = ("api/entityindex.py", "api/readmodel.py", "api/keptindex.py", "flows/cities.py")


def file_for(registry: Registry) -> tuple[Path, str] | None:
    """Where the index of ``registry`` is kept and the key it must carry; None for a registry
    not held by an engine, or without a cache folder."""
    from registry.stored.reportfile import kept_for_engine

    return kept_for_engine(registry, _FILE, _code_checksum())


def opened_or_built(path: Path, key: str, build: Callable[[EntityIndex], None],
                    count: Callable[[], int]) -> EntityIndex:
    """The index kept at ``path`` for ``key``, else one filled by ``build`` and kept there
    with the registry's number of statements (``count``: its :attr:`EntityIndex.statements`
    either way)."""
    found = EntityIndex.opened(path, key)
    if found is not None:
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(path.parent)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=_BUILDING, suffix=".sqlite")
        os.close(handle)
    except OSError:
        index = EntityIndex()
        build(index)
        index.statements = count()
        return index
    building = Path(name)
    try:
        index = EntityIndex.at(building)
        build(index)
        index.keep(key, count())
    except BaseException:
        with contextlib.suppress(OSError):
            building.unlink()
        raise
    try:
        os.replace(building, path)  # the open index reads on from the same file
    except OSError:
        with contextlib.suppress(OSError):
            building.unlink()
    return index


def _remove_abandoned(folder: Path) -> None:
    now = time.time()
    for left in folder.glob(f"{_BUILDING}*"):
        with contextlib.suppress(OSError):
            if now - left.stat().st_mtime > _ABANDONED_S:
                left.unlink()


def _code_checksum() -> str:
    from registry.stored.key import files_checksum

    package = Path(__file__).resolve().parents[1]
    return f"{__version__} {files_checksum([package / name for name in _CODE])}"
