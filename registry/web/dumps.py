"""The registry as RDF documents: whole-registry dumps and one entity's description.

* :func:`registry_dump` writes ``/registry.ttl``, ``/registry.jsonld`` (the union of the data
  graphs) and ``/registry.nq`` (every named graph, one per loaded source, plus provenance).
* :func:`describe` builds what ``/id/<path>.ttl`` serves: a concise bounded description of the
  entity (its statements, the blank nodes and the clauses and data flows it owns), the
  statements that point at it, and the labels of all those neighbours, so that a Linked Data
  client can show names without a second request.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import rdflib

from registry.namespaces import PREFIXES
from registry.store import Registry
from registry.store.provenance import ONTOLOGY_GRAPH, GraphRecord, read_update_token

#: Characters that cannot occur in an IRI (RFC 3987: controls, space and delimiters): a path
#: with one is not an entity.
_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')


@dataclass(frozen=True)
class Dump:
    """One whole-registry download: its file name, media type and export format."""

    filename: str
    media_type: str
    export_format: str
    title: str


DUMPS: tuple[Dump, ...] = (
    Dump("registry.ttl", "text/turtle", "turtle", "The registry in Turtle"),
    Dump("registry.jsonld", "application/ld+json", "json-ld", "The registry in JSON-LD"),
    Dump("registry.nq", "application/n-quads", "n-quads",
         "The registry in N-Quads, one named graph per source, with provenance"),
)


def registry_dump(registry: Registry, dump: Dump) -> bytes:
    """The bytes of one dump (see :data:`DUMPS`)."""
    out = io.BytesIO()
    registry.export(dump.export_format, out)
    return out.getvalue()


@dataclass(frozen=True)
class DumpVersion:
    """What a harvester compares to learn whether a dump changed without downloading it: an
    entity tag and the time the newest data graph was written."""

    digest: str
    """Hex digest of the registry's state: the same for the same registry, whichever server
    or process writes the dump."""
    last_modified: datetime | None
    """When the newest data graph was loaded (the ontology does not count)."""

    def etag(self, dump: Dump) -> str:
        """The strong ``ETag`` of one dump format."""
        return f'"{self.digest}-{dump.filename}"'


def dump_version(registry: Registry) -> DumpVersion:
    """The :class:`DumpVersion` of ``registry``: a SHA-256 of its graphs' provenance records
    (graph, checksum, statement count, load time: all of which a dump holds) and of its update
    token, so that a server restarted on the same data gives the same tag."""
    digest = hashlib.sha256()
    records = registry.graphs()
    for record in records:
        digest.update(f"{record.graph}\0{record.sha256}\0{record.statement_count}\0"
                      f"{record.generated_at.isoformat()}\n".encode())
    digest.update(read_update_token(registry.store).encode())
    return DumpVersion(digest.hexdigest()[:32], last_loaded(records))


def last_loaded(records: list[GraphRecord]) -> datetime | None:
    """When the newest data graph was loaded (the ontology does not count)."""
    times = [record.generated_at for record in records if record.graph != ONTOLOGY_GRAPH]
    return max(times) if times else None


class DumpFiles:
    """The dumps of a registry that does not change while served, each written to a file the
    first time it is asked for and served from disk after that.

    A dump of a national registry is hundreds of megabytes and seconds of CPU: written per
    request, a few clients asking for it at once would hold that many copies in memory.
    """

    def __init__(self, registry: Registry, folder: Path | None = None) -> None:
        """Nothing is written until a dump is asked for; then into ``folder`` (made if
        missing), else a new temporary folder named by this process's id."""
        self._registry = registry
        self._folder: Path | None = folder
        self._locks = {dump.filename: threading.Lock() for dump in DUMPS}
        self._closed = False
        self._version: DumpVersion | None = None
        atexit.register(self.close)

    def path(self, dump: Dump) -> Path:
        """The file holding ``dump``, written now if it is not yet."""
        with self._locks[dump.filename]:
            if self._closed:
                raise RuntimeError("the dumps of this registry were deleted")
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix=f"cityreg-dumps-{os.getpid()}-"))
            self._folder.mkdir(parents=True, exist_ok=True)
            target = self._folder / dump.filename
            if not target.exists():
                staging = target.with_suffix(".partial")
                with staging.open("wb") as out:
                    self._registry.export(dump.export_format, out)
                os.replace(staging, target)
            return target

    def version(self) -> DumpVersion:
        """The version of every dump of this registry (computed once: it does not change
        while served)."""
        with self._locks[DUMPS[0].filename]:
            if self._version is None:
                self._version = dump_version(self._registry)
            return self._version

    def close(self) -> None:
        """Delete the files written so far."""
        self._closed = True
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        atexit.unregister(self.close)


def is_iri_safe(text: str) -> bool:
    """Whether ``text`` can be put between ``<`` and ``>`` in SPARQL without escaping."""
    return not _NOT_IN_IRI.search(text)


# Statements about ?e, one or two levels of blank nodes below it, the clauses, amendments and
# flows it owns, and the statements pointing at it.
_DESCRIBE = """
CONSTRUCT { ?s ?p ?o }
WHERE {
  { BIND(<%(e)s> AS ?s) ?s ?p ?o }
  UNION { <%(e)s> ?p0 ?s . FILTER(isBlank(?s)) ?s ?p ?o }
  UNION { <%(e)s> ?p0 ?b . FILTER(isBlank(?b)) ?b ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o }
  UNION { <%(e)s> dpv:hasContractualClause|cityreg:hasAmendment|cityreg:hasDataFlow ?s .
          ?s ?p ?o }
  UNION { ?s ?p <%(e)s> . BIND(<%(e)s> AS ?o) }
}
"""
_LABELS = """
SELECT ?n ?label WHERE {
  VALUES ?n { %s }
  ?n rdfs:label ?label .
  FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
}
"""


def describe(registry: Registry, iri: str) -> rdflib.Graph:
    """The description of the entity ``iri`` (empty when the registry says nothing about it)."""
    graph = rdflib.Graph(bind_namespaces="none")  # rdflib's default binds dozens: slow
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    if not is_iri_safe(iri):
        return graph
    graph += registry.construct(_DESCRIBE % {"e": iri})
    neighbours = {str(term) for triple in graph for term in triple
                  if isinstance(term, rdflib.URIRef) and term != rdflib.URIRef(iri)}
    for node, label in labels(registry, neighbours).items():
        graph.add((rdflib.URIRef(node), rdflib.RDFS.label, label))
    return graph


def labels(registry: Registry, iris: set[str]) -> dict[str, rdflib.Literal]:
    """The English (or untagged) label of each of ``iris`` that has one."""
    safe = sorted(iri for iri in iris if is_iri_safe(iri))
    found: dict[str, rdflib.Literal] = {}
    for start in range(0, len(safe), 500):
        values = " ".join(f"<{iri}>" for iri in safe[start:start + 500])
        for row in registry.select(_LABELS % values):
            label = row["label"]
            if isinstance(label, rdflib.Literal):
                previous = found.get(str(row["n"]))
                if previous is None or (previous.language and not label.language):
                    found[str(row["n"])] = label
    return found


def exists(registry: Registry, iri: str) -> bool:
    """Whether the registry states anything about ``iri`` as a subject."""
    return is_iri_safe(iri) and registry.ask(f"ASK {{ <{iri}> ?p ?o }}")


def serialize(graph: rdflib.Graph, rdflib_format: str) -> bytes:
    """``graph`` in one of rdflib's formats, as UTF-8 bytes."""
    data = graph.serialize(format=rdflib_format, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")
