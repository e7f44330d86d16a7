"""Where every named graph came from, recorded in PROV-O inside the store itself.

Each graph the registry loads gets one record in the named graph ``urn:cityreg:graph:provenance``::

    <graph> a prov:Entity ;
        prov:wasDerivedFrom <file:///abs/path/berlin.ttl> ;
        cityreg:sha256 "9f86d0..." ;
        prov:generatedAtTime "2025-01-31T10:00:00+00:00"^^xsd:dateTime ;
        cityreg:statementCount 1234 ;
        dct:format "text/turtle" .

The sha256 makes reloading an unchanged file a no-op; ``prov:wasDerivedFrom`` says which graphs
a file owns, so reloading it replaces exactly those. Records live in the store, so they survive
restarts of an on-disk registry and travel with an N-Quads export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from registry import namespaces

CITYREG = "https://w3id.org/cityreg#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The named graph holding one PROV-O record per loaded graph.
PROVENANCE_GRAPH = str(namespaces.PROVENANCE_GRAPH)
#: The named graph holding the built-in cityreg ontology.
ONTOLOGY_GRAPH = str(namespaces.ONTOLOGY_GRAPH)
#: The named graph a validation run writes its reference date into, for that run only.
VALIDATION_CONTEXT_GRAPH = str(namespaces.VALIDATION_CONTEXT_GRAPH)
#: The named graph a validation run writes its derived relations into, for that run only.
DERIVED_GRAPH = str(namespaces.DERIVED_GRAPH)
#: The named graph of the ``rdfs:subClassOf+`` closure: during a validation run, and kept up
#: to date on an engine whose queries read it instead of ``rdfs:subClassOf*`` (Virtuoso).
CLASS_CLOSURE_GRAPH = str(namespaces.CLASS_CLOSURE_GRAPH)
#: The named graph of the registry's versions (registry.store.versioning).
HISTORY_GRAPH = str(namespaces.HISTORY_GRAPH)
#: Graph IRIs the registry manages itself; no file may load into them.
RESERVED_GRAPHS = frozenset({PROVENANCE_GRAPH, ONTOLOGY_GRAPH, VALIDATION_CONTEXT_GRAPH,
                             DERIVED_GRAPH, CLASS_CLOSURE_GRAPH, HISTORY_GRAPH})

_TYPE = ox.NamedNode(RDF + "type")
_ENTITY = ox.NamedNode(PROV + "Entity")
_DERIVED_FROM = ox.NamedNode(PROV + "wasDerivedFrom")
_GENERATED_AT = ox.NamedNode(PROV + "generatedAtTime")
_SHA256 = ox.NamedNode(CITYREG + "sha256")
_STATEMENT_COUNT = ox.NamedNode(CITYREG + "statementCount")
_FORMAT = ox.NamedNode(DCT + "format")
_DATETIME = ox.NamedNode(XSD + "dateTime")
_INTEGER = ox.NamedNode(XSD + "integer")


@dataclass(frozen=True)
class GraphRecord:
    """The provenance of one named graph in the registry."""

    graph: str
    """IRI of the named graph."""
    source: str
    """IRI of what the graph was derived from: a ``file://`` URI or an importer's source."""
    sha256: str
    """Hex SHA-256 of the source bytes; equal checksums mean an unchanged source."""
    generated_at: datetime
    """When the graph was written into the registry (UTC)."""
    statement_count: int
    """Number of distinct statements in the graph when it was written."""
    format: str
    """Media type of the source, such as ``text/turtle``."""


def record_quads(record: GraphRecord) -> list[ox.Quad]:
    """The quads that state ``record`` in the provenance graph."""
    graph = ox.NamedNode(PROVENANCE_GRAPH)
    subject = ox.NamedNode(record.graph)
    return [
        ox.Quad(subject, _TYPE, _ENTITY, graph),
        ox.Quad(subject, _DERIVED_FROM, ox.NamedNode(record.source), graph),
        ox.Quad(subject, _SHA256, ox.Literal(record.sha256), graph),
        ox.Quad(
            subject,
            _GENERATED_AT,
            ox.Literal(record.generated_at.isoformat(), datatype=_DATETIME),
            graph,
        ),
        ox.Quad(
            subject,
            _STATEMENT_COUNT,
            ox.Literal(str(record.statement_count), datatype=_INTEGER),
            graph,
        ),
        ox.Quad(subject, _FORMAT, ox.Literal(record.format), graph),
    ]


#: The subject of the token that every SPARQL update through ``Registry.update`` rewrites in
#: the provenance graph: an update names no file, so stored findings (registry.stored) learn
#: from this token that the data changed.
UPDATE_TOKEN_SUBJECT = "urn:cityreg:store"
_UPDATE_TOKEN = CITYREG + "updateToken"


def update_token_text(token: str) -> str:
    """SPARQL Update operations that replace the update token with ``token``."""
    graph, subject = f"<{PROVENANCE_GRAPH}>", f"<{UPDATE_TOKEN_SUBJECT}>"
    return (f"DELETE WHERE {{ GRAPH {graph} {{ {subject} <{_UPDATE_TOKEN}> ?token }} }} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{ {subject} <{_UPDATE_TOKEN}> \"{token}\" }} }}")


def read_update_token(store: ox.Store) -> str:
    """The token of the last update ("" when the store was never updated)."""
    for quad in store.quads_for_pattern(ox.NamedNode(UPDATE_TOKEN_SUBJECT),
                                        ox.NamedNode(_UPDATE_TOKEN), None,
                                        ox.NamedNode(PROVENANCE_GRAPH)):
        if isinstance(quad.object, ox.Literal):
            return str(quad.object.value)
    return ""


def read_records(quads: Iterable[ox.Quad]) -> dict[str, GraphRecord]:
    """Rebuild the records (graph IRI -> record) from the provenance graph's quads.

    A subject missing one of the six properties (edited by hand through ``update``) is skipped:
    a partial record cannot tell whether a file is unchanged.
    """
    fields: dict[str, dict[str, str]] = {}
    names = {
        _DERIVED_FROM.value: "source",
        _SHA256.value: "sha256",
        _GENERATED_AT.value: "generated_at",
        _STATEMENT_COUNT.value: "statement_count",
        _FORMAT.value: "format",
    }
    for quad in quads:
        field = names.get(quad.predicate.value)
        if field is None or not isinstance(quad.subject, ox.NamedNode) or isinstance(
            quad.object, ox.Triple
        ):
            continue
        fields.setdefault(quad.subject.value, {})[field] = quad.object.value
    records = {}
    for graph, values in fields.items():
        if len(values) != len(names):
            continue
        records[graph] = GraphRecord(
            graph=graph,
            source=values["source"],
            sha256=values["sha256"],
            generated_at=datetime.fromisoformat(values["generated_at"]),
            statement_count=int(values["statement_count"]),
            format=values["format"],
        )
    return records
