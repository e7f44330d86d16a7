"""Which RDF syntaxes the registry reads (by file extension) and writes (by name).

Reading and writing both go through pyoxigraph's native parsers and serializers: they are an
order of magnitude faster than rdflib's (see performance-notes.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from registry.errors import UnknownFormatError


@dataclass(frozen=True)
class RdfSyntax:
    """One RDF syntax: its pyoxigraph format, a human name and the specification to cite."""

    rdf_format: ox.RdfFormat
    name: str
    spec: str

    @property
    def media_type(self) -> str:
        """The IANA media type, recorded as ``dct:format`` in the provenance graph."""
        return str(self.rdf_format.media_type)

    @property
    def has_datasets(self) -> bool:
        """True for syntaxes that can carry named graphs (N-Quads, TriG, JSON-LD)."""
        return bool(self.rdf_format.supports_datasets)

    def describe(self) -> str:
        """What a file of this syntax must contain, for error messages."""
        return f"valid {self.name} ({self.spec})"


TURTLE = RdfSyntax(ox.RdfFormat.TURTLE, "Turtle", "https://www.w3.org/TR/turtle/")
JSON_LD = RdfSyntax(ox.RdfFormat.JSON_LD, "JSON-LD", "https://www.w3.org/TR/json-ld11/")
N_TRIPLES = RdfSyntax(ox.RdfFormat.N_TRIPLES, "N-Triples", "https://www.w3.org/TR/n-triples/")
N_QUADS = RdfSyntax(ox.RdfFormat.N_QUADS, "N-Quads", "https://www.w3.org/TR/n-quads/")
RDF_XML = RdfSyntax(ox.RdfFormat.RDF_XML, "RDF/XML", "https://www.w3.org/TR/rdf-syntax-grammar/")
TRIG = RdfSyntax(ox.RdfFormat.TRIG, "TriG", "https://www.w3.org/TR/trig/")

#: File extensions (lower case, with the dot) that ``Registry.load`` reads.
READ_EXTENSIONS: dict[str, RdfSyntax] = {
    ".ttl": TURTLE,
    ".jsonld": JSON_LD,
    ".json-ld": JSON_LD,
    ".nt": N_TRIPLES,
    ".nq": N_QUADS,
    ".rdf": RDF_XML,
    ".owl": RDF_XML,
    ".xml": RDF_XML,
    ".trig": TRIG,
}

#: Names accepted by ``Registry.export`` and ``cityreg export --format``.
EXPORT_FORMATS: dict[str, RdfSyntax] = {
    "turtle": TURTLE,
    "json-ld": JSON_LD,
    "n-triples": N_TRIPLES,
    "n-quads": N_QUADS,
}


#: Export formats that keep named graphs (the others get the union of the data graphs).
GRAPH_KEEPING_EXPORTS = frozenset({"n-quads"})


def syntax_for_path(path: Path) -> RdfSyntax | None:
    """The syntax a file's extension announces, or ``None`` for an extension we do not read."""
    return READ_EXTENSIONS.get(path.suffix.lower())


def require_syntax_for_path(path: Path) -> RdfSyntax:
    """Like :func:`syntax_for_path`, but an unknown extension is the user's error."""
    syntax = syntax_for_path(path)
    if syntax is None:
        raise UnknownFormatError(
            path.suffix or "(no extension)",
            f"RDF file extension for {path}",
            sorted(READ_EXTENSIONS),
            "rename the file to the extension of its syntax, or convert it to Turtle "
            "(CSV and spreadsheets go through `cityreg import`)",
        )
    return syntax


def export_syntax(name: str) -> RdfSyntax:
    """The syntax for an export format name such as ``"turtle"``."""
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise UnknownFormatError(
            name, "export format", list(EXPORT_FORMATS), "pick one of these names"
        ) from None
