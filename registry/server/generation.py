"""One served state of the registry, built off to the side and swapped in whole.

A :class:`Generation` is everything a request reads: the registry (a private checkpoint of the
store folder, or the registry loaded from files), its derived context (findings, access graph,
read model), the web application bound to it, and its SPARQL workers on a read-only copy. A
request runs from start to end on the generation that was current when it arrived, so it sees
either the state before a load or the state after it, never a mix.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.remote.location import RemoteLocation
from registry.server.queries import RegistryQueries
from registry.server.snapshot import checkpoint_folder, remove, require_store, scratch_folder
from registry.server.status import ValidationStatus
from registry.store import Registry
from registry.stored import reportfile
from registry.web.admission import Limits
from registry.web.dumps import DumpFiles

#: How long a retired generation waits for its last requests before it is closed anyway.
RETIRE_SECONDS = 120.0


@dataclass
class Settings:
    """How every generation is served: the entity IRI base, the legal checks' reference date
    (``None``: the day each generation is built) and the limits."""

    entity_base: str
    as_of: date | None
    limits: Limits
    #: shared by the generations: the validation the server runs now (see status.py)
    status: ValidationStatus = field(default_factory=ValidationStatus)


@dataclass(eq=False)
class Generation:
    """One served state (see the module docstring)."""

    number: int
    token: str
    context: RegistryContext
    app: Starlette
    queries: RegistryQueries
    dumps: DumpFiles
    scratch: Path | None
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    in_flight: int = 0

    def close(self) -> None:
        """Stop its workers, close its registry, delete its private copies.

        The store closes only when the last object holding it (the read model, the access
        graph, the routes) is gone: they are let go and collected before the copies are
        deleted, or RocksDB would write into a deleted folder.
        """
        self.queries.close()
        self.dumps.close()
        self.context.registry.close()
        del self.context, self.app
        gc.collect()
        if self.scratch is not None:
            remove(self.scratch)

    def retire(self) -> None:
        """Close once the requests still running on this generation are done (in a thread)."""
        def wait_and_close() -> None:
            deadline = time.monotonic() + RETIRE_SECONDS
            while self.in_flight and time.monotonic() < deadline:
                time.sleep(0.1)
            self.close()
        threading.Thread(target=wait_and_close, name=f"cityreg-retire-{self.number}",
                         daemon=True).start()


def _assemble(number: int, token: str, context: RegistryContext, queries: RegistryQueries,
              scratch: Path | None, settings: Settings, at_once: bool = False) -> Generation:
    """``at_once``: serve before the findings and vendor concentration are computed
    (registry.server.firstrun), else compute them first."""
    from registry.api.app import create_app
    from registry.api.service import GraphQLService

    service = (GraphQLService.served_at_once(context) if at_once
               else GraphQLService.warmed(context))
    built = datetime.now(UTC)
    health = {"generation": number, "loadedAt": built.isoformat(timespec="seconds"),
              "validation": settings.status.as_json}
    dumps = DumpFiles(context.registry, None if scratch is None else scratch / "dumps")
    app = create_app(context, limits=settings.limits, service=service, queries=queries,
                     dumps=dumps, guard=False, health=health)
    return Generation(number, token, context, app, queries, dumps, scratch, built)


def _context(registry: Registry, settings: Settings, stored: Path | None = None
             ) -> RegistryContext:
    """The context of one generation; ``stored``: the folder of the findings stored with the
    served store folder (registry.stored)."""
    as_of = settings.as_of or date.today()
    return RegistryContext(registry, entity_base=settings.entity_base, as_of=as_of,
                           stored_findings=stored, status=settings.status)


def from_registry(registry: Registry, settings: Settings, number: int = 1) -> Generation:
    """The generation that serves an already opened registry (files or the seed in memory);
    it owns the registry from now on."""
    context = _context(registry, settings)
    queries = RegistryQueries(settings.limits, registry)
    try:
        generation = _assemble(number, "", context, queries, None, settings)
        queries.start()  # start the workers now, not on the first query
    except BaseException:
        queries.close()
        raise
    return generation


def from_engine(location: RemoteLocation, settings: Settings, number: int) -> Generation:
    """A generation over the registry held by a SPARQL engine: no copy is made, the
    engine answers every query; its token is the engine's :meth:`Registry.state_token`.

    The first (``number`` 1) is served at once, its findings and vendor concentration
    computed beside the requests (registry.server.firstrun): there is no earlier generation
    to answer while they are computed. A later one computes them before it is swapped in,
    while the one before it answers."""
    registry = Registry.connect(location)
    try:
        token = registry.state_token()
        context = _context(registry, settings, reportfile.folder_of_engine(location))
        queries = RegistryQueries(settings.limits, registry)
        generation = _assemble(number, token, context, queries, None, settings,
                               at_once=number == 1)
    except BaseException:
        registry.close()
        raise
    print(f"cityreg: serving generation {number} of {location} "
          f"({registry.count():,} statements)", file=sys.stderr)
    return generation


def from_store_folder(folder: Path, settings: Settings, number: int, wait: float = 0.0
                      ) -> Generation:
    """A generation over a fresh checkpoint of the store in ``folder``.

    Raises StoreError if a load holds the store's lock for more than ``wait`` seconds.
    """
    require_store(folder)
    scratch = scratch_folder(beside=folder)
    registry: Registry | None = None
    try:
        token = checkpoint_folder(folder, scratch, wait)
        registry = Registry.open(scratch / "serve", wait=0)
        queries = RegistryQueries(settings.limits, snapshot=scratch / "query")
        context = _context(registry, settings, reportfile.folder_of(folder))
        try:
            generation = _assemble(number, token, context, queries, scratch, settings)
            queries.start()
        except BaseException:
            queries.close()
            raise
    except BaseException:
        if registry is not None:
            registry.close()
        remove(scratch)
        raise
    print(f"cityreg: serving generation {number} of {folder} "
          f"({registry.count():,} statements)", file=sys.stderr)
    return generation
