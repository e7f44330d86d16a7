"""The change marker of an on-disk store: how a running server learns that the store changed.

Every write that a :class:`~registry.store.Registry` commits to a store folder (a load, an
import, a removed graph, an update) rewrites the small file ``cityreg-changes`` in that folder
with a new random token, atomically (written aside, then renamed). ``cityreg serve --store
DIR`` never holds the store's lock: it serves a checkpoint, reads the marker every few seconds
and, when the token differs from the one its checkpoint was taken under, takes a new
checkpoint and switches to it (see :mod:`registry.server.live`).

RocksDB leaves files it does not know alone, so the marker can live inside the folder.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

MARKER = "cityreg-changes"


def read_marker(folder: Path) -> str:
    """The folder's current change token ("" if the store was never changed by cityreg)."""
    try:
        return (folder / MARKER).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return ""


def bump_marker(folder: Path) -> str:
    """Record that the store in ``folder`` changed; returns the new token."""
    token = uuid.uuid4().hex
    staging = folder / f".{MARKER}.{os.getpid()}"
    staging.write_text(token + "\n", encoding="ascii")
    os.replace(staging, folder / MARKER)
    return token
