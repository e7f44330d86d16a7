"""Conversion of RDF terms between pyoxigraph (the store) and rdflib (everything else).

The store speaks pyoxigraph; validation (pyshacl), the web pages and most callers speak rdflib.
Plain string literals become rdflib literals *without* a datatype: RDF 1.1 says ``"x"`` and
``"x"^^xsd:string`` are the same term, but rdflib does not compare them equal, and pyshacl's
``sh:in`` / ``sh:hasValue`` would then fail for every node (see performance-notes.md).
"""

from __future__ import annotations

from typing import TypeAlias

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from registry.errors import QueryError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

OxTerm: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def term_text(term: object) -> str:
    """A pyoxigraph term's text: an IRI, a literal's lexical form, a blank node's id (for hot
    paths that need the text and not an rdflib term)."""
    return str(term.value)  # type: ignore[attr-defined]


def to_rdflib(term: OxTerm) -> Node:
    """Convert one pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise QueryError(
        f"the result contains the quoted triple {term}, which rdflib cannot represent; "
        "rewrite the query to return the triple's subject, predicate and object"
    )


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language is not None:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != RDF_LANG_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} ({type(term).__name__}): expected an rdflib "
                    "URIRef, BNode or Literal")

