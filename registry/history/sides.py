"""What ``cityreg diff A B`` compares: each side, as a user names it, opened as a Registry.

A side is one of:

* a store folder, made by ``cityreg load --store DIR`` (RocksDB's ``CURRENT`` file is in it);
* a site folder, made by ``cityreg publish`` (it has a ``.cityreg-site`` marker): its
  ``registry.nq`` dump is read;
* a dump file in any syntax the registry loads (``.ttl``, ``.nt``, ``.nq``, ``.trig``,
  ``.jsonld``, ``.rdf``, ...), read into memory. The graphs cityreg manages itself, which an
  N-Quads export carries (provenance, validation context), are left out;
* a SPARQL engine's URL, as ``--store`` takes it (``oxigraph+http://HOST:PORT``, ...);
* ``@VERSION`` (``@1``, ``@latest``, ``@2026-12-01``): the ``--store`` registry as that
  version left it (:func:`registry.history.reconstruct.registry_at`).

Anything else is an :class:`~registry.errors.InputError` that names it and lists these. The
same store folder named twice (or as a side and as ``--store``) is opened once: a store has one
lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from registry.errors import InputError
from registry.remote.location import RemoteLocation, parse_location
from registry.store import READ_EXTENSIONS, Registry
from registry.store.formats import syntax_for_path
from registry.store.provenance import RESERVED_GRAPHS

#: The file a published site keeps its whole-registry N-Quads dump in, and its marker
#: (registry.web.publish.MARKER).
SITE_DUMP = "registry.nq"
SITE_MARKER = ".cityreg-site"
STORE_FILE = "CURRENT"
ACCEPTED = ("a store folder (made by `cityreg load --store DIR`), a site folder (made by "
            "`cityreg publish`), an RDF dump file (" + ", ".join(sorted(READ_EXTENSIONS))
            + "), an engine URL such as oxigraph+http://HOST:PORT, or a version of the "
            "--store registry such as @1, @latest or @2026-12-01")


@dataclass(frozen=True)
class Side:
    """One side of a diff: how reports describe it, and its registry."""

    label: str
    registry: Registry


@contextmanager
def open_sides(specs: Sequence[str], store: Path | RemoteLocation | None = None
               ) -> Iterator[list[Side]]:
    """The registries ``specs`` name (see the module docstring), closed when the block ends.

    ``store`` is the registry ``@VERSION`` specs are versions of (``--store``).
    """
    with ExitStack() as stack:
        opener = _Opener(stack, store)
        yield [opener.side(spec) for spec in specs]


class _Opener:
    """Opens sides, each store folder once, and has ``stack`` close them all."""

    def __init__(self, stack: ExitStack, store: Path | RemoteLocation | None) -> None:
        self._stack = stack
        self._store = store
        self._folders: dict[Path, Registry] = {}

    def side(self, spec: str) -> Side:
        if spec.startswith("@"):
            return self._version(spec)
        scheme, separator, _ = spec.partition("://")
        if separator and "+" in scheme:
            location = parse_location(spec)
            return Side(f"engine {location}", self._keep(Registry.connect(location)))
        path = Path(spec)
        if path.is_dir() and (path / SITE_MARKER).is_file():
            dump = path / SITE_DUMP
            if not dump.is_file():
                raise InputError(f"{spec} is a site made by cityreg publish but has no "
                                 f"{SITE_DUMP}: expected the dump every published site has; "
                                 "publish the site again")
            return Side(f"site {spec}", self._keep(read_dump(dump)))
        if path.is_dir() and (path / STORE_FILE).is_file():
            return Side(f"store {spec}", self._folder(path))
        if path.is_file() and syntax_for_path(path) is not None:
            return Side(f"dump {spec}", self._keep(read_dump(path)))
        raise InputError(f"{spec!r} {_what(path)}: expected {ACCEPTED}")

    def _version(self, spec: str) -> Side:
        from registry.history.reconstruct import registry_at

        if self._store is None:
            raise InputError(f"{spec} names a version of a registry, but no --store was "
                             "given: add --store DIR (or URL), the registry whose versions "
                             "`cityreg history` lists")
        base = self._base()
        label, registry = registry_at(base, spec)
        if registry is not base:
            self._keep(registry)
        return Side(label, registry)

    def _base(self) -> Registry:
        """The ``--store`` registry."""
        if isinstance(self._store, RemoteLocation):
            return self._keep(Registry.connect(self._store))
        assert self._store is not None
        if not (self._store / STORE_FILE).is_file():
            raise InputError(f"--store {self._store} is not a registry: expected a folder "
                             f"made by `cityreg load --store DIR`; create one with "
                             f"`cityreg load PATH --store {self._store}`")
        return self._folder(self._store)

    def _folder(self, path: Path) -> Registry:
        key = path.resolve()
        if key not in self._folders:
            self._folders[key] = self._keep(Registry.open(path))
        return self._folders[key]

    def _keep(self, registry: Registry) -> Registry:
        self._stack.callback(registry.close)
        return registry


def _what(path: Path) -> str:
    """Why ``path`` is not a side, for the error message."""
    if not path.exists():
        return "does not exist"
    if path.is_dir():
        return "is a folder that is neither a registry store nor a published site"
    return f"is a file with the extension {path.suffix or '(none)'!r}, not an RDF dump"


def read_dump(path: Path) -> Registry:
    """A dump file in a new in-memory registry (with the built-in ontology)."""
    registry = Registry.memory()
    try:
        syntax = syntax_for_path(path)
        assert syntax is not None
        if syntax.has_datasets and syntax.rdf_format != ox.RdfFormat.JSON_LD:
            _load_dataset(registry, path, syntax.rdf_format, syntax.describe())
        else:
            registry.load(path)
    except BaseException:
        registry.close()
        raise
    return registry


def _load_dataset(registry: Registry, path: Path, rdf_format: ox.RdfFormat,
                  expected: str) -> None:
    """An N-Quads or TriG dump, graph by graph, without the graphs cityreg manages itself
    (an export's provenance records would be refused by a load)."""
    data = path.read_bytes()
    home = path.resolve().as_uri()
    graphs: dict[str, set[ox.Quad]] = {}
    try:
        for quad in ox.parse(data, format=rdf_format, base_iri=home):
            name = quad.graph_name
            graph = home if isinstance(name, ox.DefaultGraph) else name.value
            if graph not in RESERVED_GRAPHS:
                graphs.setdefault(graph, set()).add(quad)
    except SyntaxError as error:
        raise InputError(f"{path}: {error} (expected {expected}; fix the file or give "
                         "another dump)") from None
    registry.replace_source(home, hashlib.sha256(data).hexdigest(),
                            str(rdf_format.media_type), graphs)
