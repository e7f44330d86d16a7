"""Moving RDF terms between rdflib, SPARQL text and pyoxigraph.

Three conversions matter to the engine, and each has a trap:

* rdflib term -> SPARQL text (:func:`sparql_term`): constants in compiled queries. Blank nodes
  cannot be written into a query (they would become variables), so they are refused.
* pyoxigraph term -> rdflib term (:func:`to_rdflib`): results. Oxigraph gives every simple
  literal the datatype ``xsd:string``; rdflib's Turtle parser gives it none, and rdflib does
  not consider ``"x"`` and ``"x"^^xsd:string`` equal. Simple literals therefore come back
  without a datatype, as rdflib would have parsed them.
* rdflib term -> pyoxigraph term (the store's own
  :func:`~registry.store.terms.to_oxigraph`), used by :func:`store_from_graph` to build a
  store that keeps the blank-node labels of an rdflib graph (tests compare results on both
  sides node for node).

Oxigraph stores typed literals in a canonical form: ``"01"^^xsd:integer`` is read back as
``"1"``, ``"1.50"^^xsd:decimal`` as ``"1.5"``, and the derived integer types (``xsd:int``,
``xsd:long``, ``xsd:nonNegativeInteger`` ...) and ``xsd:dateTimeStamp`` lose their datatype
(they come back as ``xsd:integer`` / ``xsd:dateTime``). :func:`canonical_literal` applies the
same canonicalisation to an rdflib literal, so that results can be compared across engines.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from registry.store.terms import to_oxigraph

_XSD_STRING = str(XSD.string)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_IRI_FORBIDDEN = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}


def sparql_term(term: Node) -> str:
    """Write an IRI or literal as a SPARQL constant; blank nodes are refused."""
    if isinstance(term, URIRef):
        text = str(term)
        if any(ch in _IRI_FORBIDDEN for ch in text):
            raise ValueError(f"{text!r} cannot be written as a SPARQL IRI")
        return f"<{text}>"
    if isinstance(term, Literal):
        lexical = "".join(_ESCAPES.get(ch, ch) for ch in str(term))
        if term.language:
            return f'"{lexical}"@{term.language}'
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f'"{lexical}"^^{sparql_term(term.datatype)}'
        return f'"{lexical}"'
    raise ValueError(f"{term!r} cannot be written into a SPARQL query (only IRIs and literals)")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """Convert a pyoxigraph term to the rdflib term rdflib's parsers would have produced."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        with warnings.catch_warnings():
            # rdflib warns about ill-typed booleans such as "yes"; the value is kept as is.
            warnings.simplefilter("ignore", UserWarning)
            return Literal(term.value, datatype=URIRef(datatype))
    raise ValueError(f"RDF-star triple terms are not supported: {term}")


def store_from_graph(graph: Graph, store: ox.Store | None = None) -> ox.Store:
    """Copy an rdflib graph into the default graph of a (new, in-memory) pyoxigraph store."""
    target = ox.Store() if store is None else store
    target.bulk_extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    return target


@functools.lru_cache(maxsize=65536)
def canonical_literal(term: Literal) -> Literal:
    """The literal as an Oxigraph store gives it back once stored (see the module docstring)."""
    if term.language or term.datatype is None:
        return term
    store = ox.Store()
    node = ox.NamedNode("urn:x-cityreg:canonical")
    store.add(ox.Quad(node, node, to_oxigraph(term)))
    stored = next(iter(store)).object
    result = to_rdflib(stored)
    assert isinstance(result, Literal)
    return result


def canonical(term: Node | None) -> Node | None:
    """Canonicalise literals (see :func:`canonical_literal`); other terms are returned as is."""
    return canonical_literal(term) if isinstance(term, Literal) else term


def values_block(variable: str, terms: Iterable[Node]) -> str:
    """A ``VALUES ?variable { ... }`` block binding ``variable`` to each of ``terms``."""
    return f"VALUES ?{variable} {{ {' '.join(sparql_term(t) for t in terms)} }}"
