"""The HTML documentation of the cityreg ontology, generated from ontology/cityreg.ttl.

Classes (with links to their super- and subclasses), object and datatype properties (with
domain and range) and the controlled lists (the individuals the ontology defines, grouped by
their class), each term with its label, definition and an anchor: ``#LocalName`` for cityreg
terms, ``#prefix-LocalName`` for the reused ones (``#dpv-DPIA``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import rdflib
from rdflib import OWL, RDF, RDFS, Literal, URIRef

from registry import resources
from registry.namespaces import CITYREG, PREFIXES, SKOS

_CITYREG = str(CITYREG._NS)


@dataclass
class Term:
    """One documented term."""

    iri: str
    curie: str
    anchor: str
    label: str
    definition: str | None
    parents: list[Term] = field(default_factory=list)
    children: list[Term] = field(default_factory=list)
    domain: list[Term] = field(default_factory=list)
    range: list[Term] = field(default_factory=list)
    documented: bool = True


@dataclass
class OntologyDoc:
    """The documentation model: title, description and the term sections."""

    title: str
    description: str | None
    iri: str
    classes: list[Term]
    object_properties: list[Term]
    datatype_properties: list[Term]
    lists: list[tuple[Term, list[Term]]]


def curie(iri: str) -> str:
    """``https://w3id.org/cityreg#City`` -> ``cityreg:City``; unknown namespaces unchanged."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def anchor(iri: str) -> str:
    """The fragment of a term's entry on the page."""
    if iri.startswith(_CITYREG):
        return iri[len(_CITYREG):]
    return curie(iri).replace(":", "-").replace("/", "-").replace("#", "-")


def _text(graph: rdflib.Graph, node: URIRef, predicate: URIRef) -> str | None:
    values = [o for o in graph.objects(node, predicate) if isinstance(o, Literal)]
    values.sort(key=lambda lit: (lit.language not in (None, "en"), str(lit)))
    return str(values[0]) if values else None


def build(path: Path | None = None) -> OntologyDoc:
    """Read the ontology (the built-in one unless ``path`` is given) into a documentation model."""
    graph = rdflib.Graph()
    graph.parse(path or resources.ontology_path(), format="turtle")
    terms: dict[str, Term] = {}

    def term(node: URIRef) -> Term:
        key = str(node)
        if key not in terms:
            label = _text(graph, node, RDFS.label)
            terms[key] = Term(key, curie(key), anchor(key), label or curie(key),
                              _text(graph, node, SKOS.definition), documented=label is not None)
        return terms[key]

    def of_type(kind: URIRef) -> list[Term]:
        found = [term(s) for s in set(graph.subjects(RDF.type, kind)) if isinstance(s, URIRef)]
        return sorted(found, key=lambda t: t.label.lower())

    classes = of_type(OWL.Class)
    for cls in classes:
        for parent in graph.objects(URIRef(cls.iri), RDFS.subClassOf):
            if isinstance(parent, URIRef):
                parent_term = term(parent)
                cls.parents.append(parent_term)
                parent_term.children.append(cls)
    for cls in classes:
        cls.children.sort(key=lambda t: t.label.lower())
    properties = {kind: of_type(kind) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)}
    for prop in (*properties[OWL.ObjectProperty], *properties[OWL.DatatypeProperty]):
        node = URIRef(prop.iri)
        prop.domain = [term(d) for d in graph.objects(node, RDFS.domain) if isinstance(d, URIRef)]
        prop.range = [term(r) for r in graph.objects(node, RDFS.range) if isinstance(r, URIRef)]
    class_iris = {cls.iri for cls in classes}
    lists = []
    for cls in classes:
        members = [term(s) for s in set(graph.subjects(RDF.type, URIRef(cls.iri)))
                   if isinstance(s, URIRef) and str(s) not in class_iris]
        if members:
            lists.append((cls, sorted(members, key=lambda t: t.label.lower())))
    ontology = URIRef(_CITYREG)
    return OntologyDoc(
        title=_text(graph, ontology, RDFS.label) or "cityreg ontology",
        description=_text(graph, ontology, SKOS.definition), iri=_CITYREG,
        classes=classes, object_properties=properties[OWL.ObjectProperty],
        datatype_properties=properties[OWL.DatatypeProperty], lists=lists)


@cache
def build_cached() -> OntologyDoc:
    """:func:`build` of the built-in ontology, read once per process."""
    return build()


@cache
def documented_terms() -> frozenset[str]:
    """IRIs of the terms the built-in ontology's page has an entry for."""
    doc = build_cached()
    terms = [*doc.classes, *doc.object_properties, *doc.datatype_properties]
    terms += [member for _, members in doc.lists for member in members]
    return frozenset(term.iri for term in terms if term.documented)
