"""The user's cache folder: what cityreg computes once per installation, not once per registry.

``$CITYREG_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/cityreg``, else ``~/.cache/cityreg``.
Everything in it can be deleted at any time: it is computed again when needed. A folder that
cannot be made gives None, and the caller computes what it would have read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_folder() -> Path | None:
    """The cache folder, made if missing (None when it cannot be)."""
    explicit = os.environ.get("CITYREG_CACHE_DIR")
    if explicit:
        folder = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "cityreg"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def engine_folder(location: object) -> Path | None:
    """The cache folder of the registry an engine holds at ``location`` (one per engine URL:
    an engine keeps no files of cityreg's), or None when there is no cache folder."""
    cache = cache_folder()
    if cache is None:
        return None
    return cache / "engines" / hashlib.sha256(str(location).encode()).hexdigest()[:16]


__all__ = ["cache_folder", "engine_folder"]
