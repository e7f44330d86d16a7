"""DCAT / DCAT-AP catalogues (Turtle, JSON-LD, RDF/XML ...) -> the registry's datasets.

An open-data portal already publishes its datasets as RDF; the importer keeps their IRIs and
their own statements, and adds what the registry needs on top:

* each ``dcat:Dataset`` with its statements, its distributions (``dcat:distribution``) and
  their statements, its themes (``dcat:theme``, with whatever the file says about them) and
  its contact point; ``dct:title`` becomes ``rdfs:label`` as well (one per language);
* each publisher (``dct:publisher``) becomes an ``org:Organization`` with its name as label;
  a DCAT-AP publisher type (``dct:type``, ADMS publisher types) makes it a ``cityreg:Agency``
  (any ``...Authority``), a ``cityreg:Company`` (``Company``, ``IndustryConsortium``) or a
  ``cityreg:OtherOrganisation`` (the rest);
* the ``dcat:Catalog`` itself is recorded as the datasets' ``cityreg:Source`` (the portal
  file), with its homepage or IRI as ``cityreg:url``; ``--city`` adds ``cityreg:city``.

Catalogue records, agents' other details and anything not reachable from a dataset are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from registry.errors import ParseError
from registry.importers.base import (
    CITYREG,
    RDF_TYPE,
    RDFS_LABEL,
    XSD,
    ImportProblem,
    ImportProblems,
    ImportResult,
)
from registry.store.sources import discover, parse_source, read_source

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
_TITLE = ox.NamedNode(DCT + "title")
_NAMES = (ox.NamedNode(FOAF + "name"), ox.NamedNode(SKOS + "prefLabel"), RDFS_LABEL)

Subject = ox.NamedNode | ox.BlankNode


def import_dcat(paths: Sequence[Path], progress: Callable[[int, int], None] | None = None
                ) -> list[ImportResult]:
    """One result per catalogue file; every problem in every file, or none.

    ``progress(done, total)`` counts the files read.
    """
    problems: list[ImportProblem] = []
    results = []
    sources = discover(paths)
    if progress is not None:
        progress(0, len(sources))
    for done, source in enumerate(sources, 1):
        data, sha256 = read_source(source)
        result = ImportResult(Path(source.display), source.syntax.media_type, sha256)
        try:
            parsed = parse_source(source, data, sha256)
        except ParseError as error:
            where = f"{error.line}:{error.column}" if error.line is not None else "-"
            problems.append(ImportProblem(error.file, where,
                                          f"{error.problem} (expected {error.expected})"))
        else:
            triples = {ox.Triple(q.subject, q.predicate, q.object)
                       for quads in parsed.graphs.values() for q in quads}
            problems.extend(_Catalogue(source.display, triples, result).run())
            results.append(result)
        if progress is not None:
            progress(done, len(sources))
    if problems:
        raise ImportProblems(problems)
    return results


class _Catalogue:
    def __init__(self, file: str, triples: set[ox.Triple], result: ImportResult) -> None:
        self.file = file
        self.result = result
        self.by_subject: dict[Subject, list[ox.Triple]] = {}
        for triple in triples:
            if not isinstance(triple.subject, ox.Triple):
                self.by_subject.setdefault(triple.subject, []).append(triple)

    def objects(self, subject: Subject, predicate: str) -> list[ox.NamedNode | ox.BlankNode
                                                                | ox.Literal]:
        return sorted((t.object for t in self.by_subject.get(subject, [])
                       if t.predicate.value == predicate and not isinstance(t.object, ox.Triple)),
                      key=str)

    def of_type(self, cls: str) -> list[Subject]:
        return sorted((s for s, triples in self.by_subject.items()
                       if any(t.predicate == RDF_TYPE and t.object == ox.NamedNode(cls)
                              for t in triples)), key=str)

    def run(self) -> list[ImportProblem]:
        datasets = self.of_type(DCAT + "Dataset")
        if not datasets:
            return [ImportProblem(self.file, "-", "no dcat:Dataset in the file: expected a "
                                  "DCAT or DCAT-AP catalogue of an open-data portal")]
        problems = [ImportProblem(self.file, _name(d), "the dataset has no dct:title: expected "
                                  "one title (per language) to name it in the registry")
                    for d in datasets if not self.objects(d, DCT + "title")]
        if problems:
            return problems
        source = self._catalogue_source()
        for dataset in datasets:
            self._keep(dataset)
            for title in self.objects(dataset, DCT + "title"):
                self.result.add(dataset, RDFS_LABEL, title)
            for linked in ("distribution", "theme", "contactPoint"):
                namespace = DCAT
                for node in self.objects(dataset, namespace + linked):
                    if not isinstance(node, ox.Literal):
                        self._keep(node)
            for publisher in self.objects(dataset, DCT + "publisher"):
                if not isinstance(publisher, ox.Literal):
                    self._publisher(publisher)
            if source is not None:
                self.result.add(dataset, ox.NamedNode(CITYREG + "source"), source)
        return []

    def _keep(self, subject: Subject) -> None:
        for triple in self.by_subject.get(subject, []):
            self.result.triples.add(triple)

    def _publisher(self, publisher: Subject) -> None:
        self._keep(publisher)
        self.result.add(publisher, RDF_TYPE, ox.NamedNode("http://www.w3.org/ns/org#Organization"))
        for predicate in _NAMES:
            names = self.objects(publisher, predicate.value)
            if names:
                for name in names:
                    self.result.add(publisher, RDFS_LABEL, name)
                break
        for kind in self.objects(publisher, DCT + "type"):
            cls = _publisher_class(str(kind.value))
            if cls is not None:
                self.result.add(publisher, RDF_TYPE, ox.NamedNode(CITYREG + cls))

    def _catalogue_source(self) -> ox.NamedNode | None:
        """The catalogue as a cityreg:Source, when the file names one with an IRI."""
        catalogues = [c for c in self.of_type(DCAT + "Catalog") if isinstance(c, ox.NamedNode)]
        if len(catalogues) != 1:
            return None
        catalogue = catalogues[0]
        self.result.add(catalogue, RDF_TYPE, ox.NamedNode(CITYREG + "Source"))
        titles = self.objects(catalogue, DCT + "title") or [ox.Literal(catalogue.value)]
        for title in titles:
            self.result.add(catalogue, RDFS_LABEL, title)
        pages = [p for p in self.objects(catalogue, FOAF + "homepage")
                 if isinstance(p, ox.NamedNode)]
        url = pages[0].value if pages else catalogue.value
        if url.startswith(("http://", "https://")):
            self.result.add(catalogue, ox.NamedNode(CITYREG + "url"),
                            ox.Literal(url, datatype=ox.NamedNode(XSD + "anyURI")))
        return catalogue


def _publisher_class(kind: str) -> str | None:
    if not kind.startswith(ADMS_PUBLISHER_TYPE):
        return None
    name = kind[len(ADMS_PUBLISHER_TYPE):]
    if name.endswith("Authority"):
        return "Agency"
    if name in ("Company", "IndustryConsortium"):
        return "Company"
    return "OtherOrganisation"


def _name(node: Subject) -> str:
    return f"<{node.value}>" if isinstance(node, ox.NamedNode) else f"_:{node.value}"
