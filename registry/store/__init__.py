"""The registry's RDF store: :class:`Registry` and the small types it returns.

Modules, one concept each:

* ``registry``     the Registry class: open, load, query, export, count
* ``sources``      finding RDF files, parsing them into memory or streaming them into the
                   store (atomic loads start here)
* ``planning``     deciding, before writing, what a load replaces and what is unchanged
* ``transaction``  writing a batch of graph replacements in one pyoxigraph transaction
                   (and undoing its bulk loads if it fails)
* ``provenance``   the PROV-O record kept for every named graph
* ``guards``       refusing, before parsing, what would crash or exhaust the parsers (huge
                   tokens, entity expansion, deep nesting)
* ``changes``      the change marker that tells a running server a store folder changed
* ``formats``      which syntaxes are read (by extension) and written (by name)
* ``sparql``       default prefixes, query/update recognition, readable SPARQL errors
* ``terms``        pyoxigraph <-> rdflib term conversion
* ``reports``      LoadReport, SourceLoad, GraphChange, ClassCount
"""

from registry.store.formats import EXPORT_FORMATS, READ_EXTENSIONS
from registry.store.planning import Statement
from registry.store.provenance import CITYREG, ONTOLOGY_GRAPH, PROVENANCE_GRAPH, GraphRecord
from registry.store.registry import OntologyChoice, QueryResult, Registry
from registry.store.reports import ClassCount, GraphChange, LoadReport, LoadStatus, SourceLoad
from registry.store.sparql import DEFAULT_PREFIXES

__all__ = [
    "CITYREG",
    "DEFAULT_PREFIXES",
    "EXPORT_FORMATS",
    "ONTOLOGY_GRAPH",
    "PROVENANCE_GRAPH",
    "READ_EXTENSIONS",
    "ClassCount",
    "GraphChange",
    "GraphRecord",
    "LoadReport",
    "LoadStatus",
    "OntologyChoice",
    "QueryResult",
    "Registry",
    "SourceLoad",
    "Statement",
]
