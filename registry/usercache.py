"""The user's cache folder: what cityreg computes once per installation, not once per registry.

``$CITYREG_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/cityreg``, else ``~/.cache/cityreg``.
Everything in it can be deleted at any time: it is computed again when needed. A folder that
cannot be made gives None, and the caller computes what it would have read.
"""

from __future__ import annotations

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


__all__ = ["cache_folder"]
