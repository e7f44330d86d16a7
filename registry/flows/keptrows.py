"""The vendor concentration of a registry held by an engine, kept between server starts.

Computing it reads a few properties whole (:mod:`registry.flows.concentration`): 0.9 s for the
generated N=1000 registry on Virtuoso, and more as the registry grows. A server
that starts again on the same data reads the rows it kept instead, from the user's cache
folder (one file per engine URL, beside the stored findings, :mod:`registry.stored`). The
file names the registry's state (:meth:`Registry.state_token`, which every load changes) and
the code that made the rows; rows of another state or another cityreg are never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from registry import __version__
from registry.flows.model import VendorConcentration
from registry.store import Registry

_FILE = "vendor-concentration.json"


def file_for(registry: Registry) -> tuple[Path, str] | None:
    """Where the rows of ``registry`` are kept and the key they must carry; None for a
    registry that is not held by an engine, or without a cache folder."""
    from registry.stored.reportfile import kept_for_engine

    return kept_for_engine(registry, _FILE, _code_checksum())


def read(path: Path, key: str) -> list[VendorConcentration] | None:
    """The rows kept in ``path`` for ``key``, or None (none kept, another key, unreadable)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("key") != key:
            return None
        return [VendorConcentration(
            row["vendor"], row["label"], row["city"], row["city_label"],
            tuple(row["contracts"]), tuple(row["datasets"]), tuple(row["sensors"]))
            for row in kept["rows"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(path: Path, key: str, rows: list[VendorConcentration]) -> None:
    """Keep ``rows`` for ``key`` in ``path`` (replaced in one rename; a folder that cannot be
    written costs the next start the computation, not this one its rows)."""
    text = json.dumps({"key": key, "rows": [{
        "vendor": row.vendor, "label": row.label, "city": row.city,
        "city_label": row.city_label, "contracts": list(row.contracts),
        "datasets": list(row.datasets), "sensors": list(row.sensors)} for row in rows]})
    name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".vendors-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(name, path)
    except OSError:
        if name is not None:
            Path(name).unlink(missing_ok=True)


def _code_checksum() -> str:
    """SHA-256 of cityreg's version and of the modules that make the rows."""
    digest = hashlib.sha256(__version__.encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()
