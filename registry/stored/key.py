"""What a stored validation report is valid for: the checksums of the data, the shapes and the
validation code, and the reference date.

The data's checksum is made of each named graph's: the SHA-256 and statement count that the
registry's provenance records keep for every loaded file (``registry.store.provenance``), and
the token that ``Registry.update`` writes with every SPARQL update (an update does not say
which graphs it touched, so any update changes the data's key as a whole). Comparing two keys
graph by graph says which graphs a load changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from registry import __version__, resources
from registry.store import Registry
from registry.store.provenance import read_update_token

#: The modules whose change can change a finding: their text is part of the key, so that a
#: stored report from an older cityreg is never served as this one's.
_CODE = ("validate.py", "findings.py", "jurisdiction.py", "places.py", "derived.py",
         "evidence.py", "shacl")


@dataclass(frozen=True)
class ValidationKey:
    """The inputs of one validation run, as checksums."""

    graphs: dict[str, str]
    """Named graph IRI -> ``sha256:statement count`` of the file it was loaded from."""
    updates: str
    """The token of the last SPARQL update ("" when there was none)."""
    cities: str
    """Checksum of the place every entity without one of its own gets: the registry's only
    city, or none when it has none or several. The rest of a finding's place is its own city
    or a linked one, whose changes the walks find (registry.stored.walks)."""
    shapes: str
    code: str
    as_of: date

    def same_except_graphs(self, other: ValidationKey) -> bool:
        """True when only graphs differ: the stored findings of the rest still hold."""
        return (self.updates, self.cities, self.shapes, self.code, self.as_of) == (
            other.updates, other.cities, other.shapes, other.code, other.as_of)

    def changed_graphs(self, other: ValidationKey) -> set[str]:
        """The graphs that are new, gone or different in ``other``."""
        return {graph for graph in self.graphs.keys() | other.graphs.keys()
                if self.graphs.get(graph) != other.graphs.get(graph)}


def key_of(registry: Registry, as_of: date, shapes: list[Path], cities: list[str]
           ) -> ValidationKey:
    """The key of validating ``registry`` now with ``shapes`` at ``as_of``."""
    graphs = {record.graph: f"{record.sha256}:{record.statement_count}"
              for record in registry.graphs()}
    store = registry.store
    return ValidationKey(graphs, read_update_token(store), _digest(sorted(cities)),
                         files_checksum(shapes), code_checksum(), as_of)


def files_checksum(files: list[Path]) -> str:
    """SHA-256 over the files' names and bytes, in the order given."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_checksum() -> str:
    """SHA-256 of cityreg's version and the text of the modules that make findings."""
    package = Path(__file__).resolve().parents[1]
    files: list[Path] = []
    for name in _CODE:
        path = package / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return _digest([__version__, files_checksum(files), str(resources.shapes_dir().name)])


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


__all__ = ["ValidationKey", "code_checksum", "files_checksum", "key_of"]
