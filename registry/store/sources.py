"""Finding RDF files on disk and parsing them, before anything they hold is committed.

``Registry.load`` is atomic: it first turns every path into a :class:`Source` (discover), then
parses every source that needs Python's view of its quads into a :class:`ParsedSource` (parse,
fully in memory), and only when all of them parsed does it write anything. A new file whose
statements all go into one new graph is not parsed here: :func:`stream_source` hands it to
pyoxigraph's bulk loader, which writes straight into the store without a Python object per
statement (a 5-million-statement Turtle file loads into a memory registry with 2.2 GB and in
21 s instead of 5.4 GB and 54 s); the transaction module drops that graph again if anything in
the load fails. Apart from that one call, this module knows nothing about the store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from registry.errors import InputError, ParseError
from registry.store import guards
from registry.store.formats import (
    JSON_LD,
    RDF_XML,
    READ_EXTENSIONS,
    RdfSyntax,
    require_syntax_for_path,
    syntax_for_path,
)
from registry.store.provenance import RESERVED_GRAPHS

# pyoxigraph prefixes its messages with the location, which ParseError prints gcc-style itself.
_LOCATION_PREFIX = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)


@dataclass(frozen=True)
class Source:
    """One RDF file to load and the named graph it will fill."""

    display: str
    """The path as the user wrote it (joined with the file's place in a folder)."""
    path: Path
    """The resolved absolute path."""
    uri: str
    """``file://`` URI of ``path``: the base IRI for parsing and ``prov:wasDerivedFrom``."""
    graph: str
    """IRI of the file's own named graph (its default graph, for N-Quads and TriG)."""
    syntax: RdfSyntax


@dataclass(frozen=True)
class ParsedSource:
    """A source parsed into memory: its checksum and its distinct quads per named graph."""

    source: Source
    sha256: str
    graphs: dict[str, set[ox.Quad]]


def discover(paths: Sequence[str | Path], graph_base: str | None = None) -> list[Source]:
    """Expand files and folder trees into sources, in a stable order.

    Folders are walked recursively in sorted order; hidden files and folders and files with
    extensions we do not read are skipped, but a folder without any RDF file is an error (it is
    almost always a wrong path). A file named explicitly must have a known extension.
    Without ``graph_base`` each file's graph IRI is its ``file://`` URI; with it, the graph IRI
    is ``graph_base`` followed by the file's path relative to the folder given (or its name),
    so that the same data gets the same graph IRIs on every machine.
    """
    if not paths:
        raise InputError("no path given: expected at least one RDF file or folder to load")
    if graph_base is not None:
        _check_iri(graph_base + "x", "graph_base", "give an absolute IRI such as "
                   "'https://example.org/graphs/'")
    sources: list[Source] = []
    seen: set[Path] = set()
    for given in paths:
        for path, relative in _expand(Path(given)):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            uri = resolved.as_uri()
            graph = uri if graph_base is None else graph_base + quote(relative.as_posix())
            syntax = require_syntax_for_path(path)
            sources.append(Source(str(path), resolved, uri, graph, syntax))
    _check_unique_graphs(sources)
    return sources


def _expand(root: Path) -> list[tuple[Path, Path]]:
    """(path, path relative to ``root``) of every RDF file under ``root``."""
    if root.is_file():
        return [(root, Path(root.name))]
    if not root.is_dir():
        if root.exists():
            raise InputError(f"{str(root)!r} is neither a file nor a folder (a device, pipe or "
                             "socket): expected an RDF file or a folder of them; check the path")
        if root.is_symlink():
            raise InputError(f"{str(root)!r} is a symbolic link to nothing (or to itself): "
                             "expected an RDF file or a folder of them; check the link")
        raise InputError(f"no such file or folder: {str(root)!r}; check the path")
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if syntax_for_path(path) is not None:
            found.append((path, relative))
    if not found:
        raise InputError(
            f"the folder {str(root)!r} contains no RDF files: expected files ending in "
            f"{', '.join(sorted(READ_EXTENSIONS))}; check the path"
        )
    return found


def _check_unique_graphs(sources: list[Source]) -> None:
    owners: dict[str, Source] = {}
    for source in sources:
        other = owners.setdefault(source.graph, source)
        if other is not source:
            raise InputError(
                f"{source.display} and {other.display} would both load into the graph "
                f"<{source.graph}>: expected one file per graph; load them in separate calls "
                "or with a graph_base under which their relative paths differ"
            )


def _check_iri(iri: str, what: str, fix: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise InputError(f"{what} {iri!r} is not a valid absolute IRI ({error}); {fix}") from None


def read_source(source: Source) -> tuple[bytes, str]:
    """The file's bytes and their hex SHA-256."""
    try:
        data = source.path.read_bytes()
    except OSError as error:
        raise _read_error(source, error) from error
    return data, hashlib.sha256(data).hexdigest()


def scan_file(source: Source) -> str:
    """The file's hex SHA-256, read in chunks (never held whole), checked on the way.

    For a file that the bulk loader will stream: its encoding and, for RDF/XML, its entities
    and nesting are checked here (see :mod:`guards`), so that it is refused before anything is
    written.
    """
    digest = hashlib.sha256()
    scan = guards.XmlScan(source.display) if source.syntax == RDF_XML else None
    try:
        for index, chunk in enumerate(guards.read_chunks(source.path)):
            if index == 0:
                guards.check_encoding(source.display, source.syntax, chunk[:4])
            digest.update(chunk)
            if scan is not None:
                scan.feed(chunk)
        if scan is not None:
            scan.finish(source.path)
    except OSError as error:
        raise _read_error(source, error) from error
    return digest.hexdigest()


def parse_source(source: Source, data: bytes, sha256: str) -> ParsedSource:
    """Parse ``data`` fully into memory with pyoxigraph's native parser.

    The file's default graph goes into ``source.graph``; named graphs of N-Quads and TriG keep
    their IRIs. Blank nodes are renamed so that two files' ``_:b0`` stay two nodes. The limits
    of :mod:`guards` are checked first; a UTF-8 byte order mark is skipped.
    """
    check_data(source, data)
    default_graph = ox.NamedNode(source.graph)
    graphs: dict[str, set[ox.Quad]] = {}
    try:
        parser = ox.parse(
            data.removeprefix(guards.UTF8_BOM), source.syntax.rdf_format, base_iri=source.uri,
            rename_blank_nodes=True)
        for quad in parser:
            name = quad.graph_name
            if isinstance(name, ox.DefaultGraph):
                graphs.setdefault(source.graph, set()).add(
                    ox.Quad(quad.subject, quad.predicate, quad.object, default_graph)
                )
            else:
                graphs.setdefault(_named_graph(source, name), set()).add(quad)
    except SyntaxError as error:
        raise _parse_error(source, error, data) from error
    except MemoryError as error:
        if guards.BUFFER_FULL not in str(error):
            raise
        raise guards.oversized_token_error(source.display, data, source.syntax) from None
    if not graphs:
        graphs[source.graph] = set()
    return ParsedSource(source, sha256, graphs)


def check_data(source: Source, data: bytes) -> None:
    """The limits of :mod:`guards` for a file held in memory: ParseError if one is broken."""
    guards.check_encoding(source.display, source.syntax, data[:4])
    if source.syntax == JSON_LD:
        guards.check_json_ld(source.display, data)
    elif source.syntax == RDF_XML:
        scan = guards.XmlScan(source.display)
        for start in range(0, len(data), guards.CHUNK):
            scan.feed(data[start:start + guards.CHUNK])
        scan.finish(data)


def stream_source(store: ox.Store, source: Source) -> None:
    """Parse the file with pyoxigraph's bulk loader straight into ``source.graph`` of ``store``.

    Only for syntaxes without named graphs (Turtle, N-Triples, RDF/XML), whose every statement
    lands in that one graph, and only after :func:`scan_file` checked it. Like
    :func:`parse_source`, blank nodes are renamed (per call), so two files' ``_:b0`` stay two
    nodes, and a UTF-8 byte order mark is skipped. The bulk loader is not atomic: after a
    ParseError part of the file may already be in the graph, and the caller must drop it.
    """
    options: dict[str, Any] = {"format": source.syntax.rdf_format, "base_iri": source.uri,
                               "to_graph": ox.NamedNode(source.graph)}
    try:
        with source.path.open("rb") as file:
            if file.read(len(guards.UTF8_BOM)) == guards.UTF8_BOM:
                store.bulk_load(input=file, **options)
            else:
                store.bulk_load(path=source.path, **options)
    except SyntaxError as error:
        raise _parse_error(source, error, _head(source)) from error
    except MemoryError as error:
        if guards.BUFFER_FULL not in str(error):
            raise
        raise guards.oversized_token_error(source.display, source.path, source.syntax
                                           ) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError) as error:
        raise _read_error(source, error) from error


def _head(source: Source) -> bytes:
    """The file's first bytes, to explain an error (empty if it cannot be read any more)."""
    try:
        with source.path.open("rb") as file:
            return file.read(4096)
    except OSError:
        return b""


def _named_graph(source: Source, name: ox.NamedNode | ox.BlankNode) -> str:
    if isinstance(name, ox.BlankNode):
        raise InputError(
            f"{source.display} names a graph with the blank node _:{name.value}: expected an "
            "IRI, because a blank node graph cannot be found again to reload it; give the graph "
            "an IRI"
        )
    if name.value in RESERVED_GRAPHS:
        raise InputError(
            f"{source.display} writes into the graph <{name.value}>, which cityreg manages "
            "itself: expected any other graph IRI; rename the graph in the file"
        )
    return str(name.value)


def _read_error(source: Source, error: OSError) -> InputError:
    return InputError(f"cannot read {source.display}: {error.strerror or error}; check the "
                      "file's permissions")


def _parse_error(source: Source, error: SyntaxError, data: bytes) -> ParseError:
    """Turn pyoxigraph's SyntaxError (1-based line and column in ``args[1]``) into ours.

    ``data`` is the file's text (or its start), to say more about some errors: a remote
    JSON-LD context, or bytes that are not UTF-8.
    """
    message = str(error.args[0]) if error.args else str(error)
    message = _LOCATION_PREFIX.sub("", message)
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    line = column = None
    if len(error.args) > 1 and isinstance(error.args[1], tuple) and len(error.args[1]) > 2:
        line, column = error.args[1][1], error.args[1][2]
    expected = source.syntax.describe()
    fix = guards.encoding_hint(message) or "fix the file and load again; nothing was loaded"
    if source.syntax == JSON_LD and "remote context" in message.lower():
        contexts = list(_remote_contexts(data))
        named = f" <{contexts[0]}>" if contexts else ""
        message = (f"the @context{named} is a remote document, which cityreg does not fetch: "
                   "a load never reads the network or other files")
        expected = "JSON-LD whose @context is written in the file (an object)"
        fix = ("copy the context's content into the file as the value of \"@context\", or "
               "convert the file to Turtle; nothing was loaded")
    return ParseError(
        source.display,
        line if isinstance(line, int) else None,
        column if isinstance(column, int) else None,
        message,
        expected,
        fix,
    )


def _remote_contexts(data: bytes) -> Iterator[str]:
    """The IRIs that a JSON-LD document's ``@context`` (or ``@import``) values name."""
    try:
        document = json.loads(data.removeprefix(guards.UTF8_BOM))
    except (ValueError, RecursionError):
        return
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    values = value if isinstance(value, list) else [value]
                    yield from (item for item in values if isinstance(item, str))
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(reversed(node))
