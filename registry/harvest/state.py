"""What a harvest remembers of each download between runs: the validators the server sent
(``ETag``, ``Last-Modified``) and the SHA-256 of the bytes they were sent with.

Kept beside the store, in ``DIR/cityreg-harvest.json`` (for a registry held by a SPARQL
engine, in this machine's cache folder, one subfolder per engine URL), written (to a
temporary file, then renamed) after the store has committed. It only saves downloads: a
validator is sent again only while the store still holds that download's graphs with the
same SHA-256, so a lost or stale file costs a download, never a wrong "not modified".
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from registry.store import Registry
from registry.usercache import cache_folder

FILE = "cityreg-harvest.json"


@dataclass(frozen=True)
class Seen:
    """One download as last harvested."""

    etag: str
    last_modified: str
    sha256: str


def folder_for(registry: Registry) -> Path | None:
    """Where the harvest state of ``registry`` is kept: its store folder; for an engine, a
    folder named after its URL in the user's cache folder; ``None`` in memory (or with no
    cache folder)."""
    if registry.location is None:
        return registry.path
    cache = cache_folder()
    if cache is None:
        return None
    name = hashlib.sha256(str(registry.location).encode()).hexdigest()[:16]
    folder = cache / "harvest" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def read(folder: Path | None) -> dict[str, Seen]:
    """The downloads remembered for the store in ``folder`` ({} when none or unreadable)."""
    if folder is None:
        return {}
    try:
        data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        return {url: Seen(**fields) for url, fields in data.items()}
    except (OSError, ValueError, TypeError):
        return {}


def write(folder: Path | None, seen: dict[str, Seen]) -> None:
    """Remember ``seen`` for the store in ``folder`` (nothing for an in-memory registry)."""
    if folder is None:
        return
    staging = folder / f".{FILE}.{os.getpid()}"
    staging.write_text(json.dumps({url: asdict(s) for url, s in sorted(seen.items())},
                                  indent=1), encoding="utf-8")
    os.replace(staging, folder / FILE)


__all__ = ["FILE", "Seen", "folder_for", "read", "write"]
