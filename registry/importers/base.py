"""What every importer shares: problems, results, IRI minting, writing, dry-run diffs.

An importer turns one source file into an :class:`ImportResult`: the triples for that file's
own named graph, plus the file's checksum. Before anything is written, every problem in every
file is collected as an :class:`ImportProblem` (``file:row:column: message`` for tables,
``file:/json/pointer: message`` for JSON) and raised together as :class:`ImportProblems`; so a
bad file never leaves a half-import behind.

Idempotency comes from two rules: entity IRIs are minted from the source's own identifiers
(never counters or UUIDs), and each source file owns one named graph which a re-import replaces
(``Registry.replace_graph``). Importing the same file twice leaves the same statements. A
workbook of templates is the exception that proves the rule: each of its sheets owns a graph
(``<file URI>#<sheet>``) and an ``--out`` file (``<sheet>.ttl``) of its own, as the CSV file
of that template would. Nothing outside the replaced graph or file is touched: statements other
files hold about the same entities stay.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import click
import pyoxigraph as ox

from registry.errors import InputError
from registry.namespaces import DEFAULT_ENTITY_BASE
from registry.progress import bar_on_screen, nested
from registry.store import Registry, SourceLoad
from registry.store.sparql import prefixes_used

CITYREG = "https://w3id.org/cityreg#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"

_T = TypeVar("_T")


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong with the input, located as precisely as the format allows.

    ``where`` is ``row:column`` for tables (row as the spreadsheet shows it, the header being
    row 1; column by its header text) or a JSON pointer for JSON sources.
    """

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.where}: {self.message}"


class ImportProblems(InputError):
    """Every problem found in the input; nothing was imported."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the input; nothing was imported "
            f"(fix them and import again):\n{lines}")


@dataclass
class ImportResult:
    """The triples one source file becomes, ready to replace that file's named graph."""

    source: Path
    """The imported file."""
    media_type: str
    """What the file was: ``text/csv``, ``application/json``, ``text/turtle`` ..."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""
    triples: set[ox.Triple] = field(default_factory=set)
    sheet: str | None = None
    """For one sheet of a workbook of templates: the sheet's name (each sheet is a result)."""

    @property
    def graph(self) -> str:
        """The named graph this file owns: its ``file://`` URI, as ``cityreg load`` names it;
        a workbook's sheet owns ``<file URI>#<sheet>``."""
        uri = self.source.resolve().as_uri()
        return uri if self.sheet is None else f"{uri}#{quote(self.sheet, safe='')}"

    @property
    def label(self) -> str:
        """How messages name the input: ``sensors.csv``, or ``registry.xlsx[sensors]``."""
        return str(self.source) if self.sheet is None else f"{self.source}[{self.sheet}]"

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode,
            obj: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        """Add one statement."""
        self.triples.add(ox.Triple(subject, predicate, obj))

    def canonicalise(self) -> None:
        """Rewrite literals in the store's canonical form (``52.3790`` -> ``52.379``).

        The store keeps numbers and dates canonically; writing them the same way here makes
        dry-run diffs and ``--out`` files compare equal to what a store holds.
        """
        typed = sorted({t.object for t in self.triples if isinstance(t.object, ox.Literal)
                        and t.object.datatype.value != XSD + "string"
                        and t.object.language is None}, key=str)
        if not typed:
            return
        store = ox.Store()
        probe = ox.NamedNode("urn:cityreg:canonical")
        store.extend(ox.Quad(ox.NamedNode(f"urn:cityreg:canonical:{index}"), probe, literal,
                             ox.DefaultGraph()) for index, literal in enumerate(typed))
        canonical = {typed[int(str(q.subject)[1:-1].rsplit(":", 1)[1])]: q.object
                     for q in store.quads_for_pattern(None, probe, None, ox.DefaultGraph())}
        changed = {old: new for old, new in canonical.items() if old != new}
        if changed:
            self.triples = {ox.Triple(t.subject, t.predicate, changed.get(t.object, t.object))
                            if isinstance(t.object, ox.Literal) else t for t in self.triples}

    def stabilise_blank_nodes(self) -> None:
        """Name blank nodes by what they say, so re-imports give the same Turtle.

        Parsers number blank nodes arbitrarily; a blank node is renamed after a hash of its
        statements (nested blank nodes by theirs, to a small depth), which is stable for the
        contact points and addresses catalogues use.
        """
        if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                   for t in self.triples):
            return
        outgoing: dict[ox.BlankNode, list[ox.Triple]] = {}
        for triple in self.triples:
            if isinstance(triple.subject, ox.BlankNode):
                outgoing.setdefault(triple.subject, []).append(triple)

        def describe(node: ox.BlankNode, depth: int) -> str:
            parts = sorted(
                f"{t.predicate} " + (describe(t.object, depth - 1)
                                     if isinstance(t.object, ox.BlankNode) and depth
                                     else "[]" if isinstance(t.object, ox.BlankNode)
                                     else str(t.object))
                for t in outgoing.get(node, []))
            return "[" + " ; ".join(parts) + "]"

        blanks = {term for triple in self.triples for term in (triple.subject, triple.object)
                  if isinstance(term, ox.BlankNode)}
        names = {node: ox.BlankNode("b" + hashlib.sha256(
            describe(node, 3).encode("utf-8")).hexdigest()[:16]) for node in blanks}
        if len(set(names.values())) != len(names):
            return  # two indistinguishable blank nodes: keep the parser's names

        def rename(term: Any) -> Any:
            return names.get(term, term) if isinstance(term, ox.BlankNode) else term

        self.triples = {ox.Triple(rename(t.subject), t.predicate, rename(t.object))
                        for t in self.triples}

    def entities(self) -> dict[str, list[str]]:
        """Class IRI -> sorted IRIs of the typed entities (blank nodes left out)."""
        return _typed(self.triples)


#: How a Turtle file written by ``cityreg import --out`` starts: what tells such a file from a
#: hand-written one (registry.importers.template_export).
IMPORTED_MARK = "# Imported by `cityreg import`"


def read_bytes(path: Path) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256, or an InputError naming the path."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder: expected a file to import") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror})") from None
    return data, hashlib.sha256(data).hexdigest()


# -- IRIs ---------------------------------------------------------------------------------------

def slug(text: str) -> str:
    """A stable, readable IRI segment: ``"Gemeente Amsterdam"`` -> ``gemeente-amsterdam``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return cleaned or hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def entity_base(city: str | None, base: str | None) -> str | None:
    """The IRI new entities are minted under: ``--base``, else the default base + city slug.

    ``city`` may be a slug (``amsterdam``) or a full IRI (its last segment is the slug).
    ``None`` when neither is given: importers that mint IRIs then ask for one.
    """
    if base is not None:
        if not re.match(r"^[a-z][a-z0-9+.-]*:", base):
            raise InputError(f"--base {base!r} is not an absolute IRI: expected something like "
                             "'https://example.org/id/'")
        return base if base.endswith(("/", "#")) else base + "/"
    return None if city is None else f"{DEFAULT_ENTITY_BASE}{city_slug(city)}/"


def require_base(base: str | None) -> str:
    """``base``, or an InputError saying how to give one."""
    if base is None:
        raise InputError("new entities need a home: give --city SLUG (IRIs under "
                         f"{DEFAULT_ENTITY_BASE}<slug>/) or --base IRI")
    return base


def city_slug(city: str) -> str:
    """``amsterdam`` or ``https://w3id.org/cityreg/id/amsterdam/city/amsterdam`` -> slug."""
    return slug(city.rstrip("/").rsplit("/", 1)[-1]) if ":" in city else slug(city)


def city_iri(city: str) -> ox.NamedNode:
    """The cityreg:City an import attaches entities to (``--city``), as MODELLING.md names it."""
    if ":" in city:
        return ox.NamedNode(city)
    return ox.NamedNode(f"{DEFAULT_ENTITY_BASE}{slug(city)}/city/{slug(city)}")


def mint(base: str, kind: str, *parts: str) -> ox.NamedNode:
    """``<base><kind>/<slug(part)>/...``: the same source id always gives the same IRI."""
    return ox.NamedNode(base + "/".join([kind, *(slug(part) for part in parts)]))


# -- writing ------------------------------------------------------------------------------------

def to_turtle(result: ImportResult) -> bytes:
    """Deterministic Turtle: sorted statements, only the prefixes used, a provenance header.

    The header names the file and its checksum but no time, so re-importing an unchanged file
    gives byte-identical output and git diffs show only real changes.
    """
    triples = sorted(result.triples, key=_sort_key)
    iris = [term.value for triple in triples for term in triple
            if isinstance(term, ox.NamedNode)]
    iris += [triple.object.datatype.value for triple in triples
             if isinstance(triple.object, ox.Literal)]
    buffer = io.BytesIO()
    ox.serialize(triples, buffer, ox.RdfFormat.TURTLE, prefixes=prefixes_used(iris))
    sheet = "" if result.sheet is None else f", sheet {result.sheet}"
    header = (f"{IMPORTED_MARK} from {result.source.name}{sheet}\n"
              f"# sha256 {result.sha256}; do not edit by hand, re-import instead.\n\n")
    return header.encode("utf-8") + buffer.getvalue()


def _sort_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def out_path(out_dir: Path, result: ImportResult) -> Path:
    """``<out>/<file stem>.ttl``; a workbook's sheet: ``<out>/<sheet>.ttl``, the file its
    template's CSV would write (so a workbook and a folder of CSV files are interchangeable)."""
    return out_dir / f"{result.source.stem if result.sheet is None else result.sheet}.ttl"


def write_out(out_dir: Path, results: Sequence[ImportResult],
              progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write one Turtle file per result into ``out_dir``, all or nothing (temp + rename).

    ``progress(done, total)`` counts the files written.
    """
    targets: dict[Path, str] = {}
    for result in results:
        other = targets.setdefault(out_path(out_dir, result), result.label)
        if other != result.label:
            raise InputError(f"{other} and {result.label} would both be written to "
                             f"{out_path(out_dir, result)}: expected files with different "
                             "names; rename one, or import them into separate --out folders")
    for target, label in targets.items():
        if target.exists() and not _written_by_import(target):
            raise InputError(
                f"{target} exists and was not written by `cityreg import` (it does not start "
                f"with {IMPORTED_MARK!r}): importing {label} would replace it and lose what it "
                "says; import into another --out folder, or move the file away first")
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    if progress is not None:
        progress(0, len(results))
    try:
        for result in results:
            target = out_path(out_dir, result)
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_bytes(to_turtle(result))
            staged.append((temporary, target))
            if progress is not None:
                progress(len(staged), len(results))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in staged:
        temporary.replace(target)
    return [target for _, target in staged]


def _written_by_import(path: Path) -> bool:
    """Whether the file at ``path`` is one ``--out`` wrote: it starts with :data:`IMPORTED_MARK`."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(IMPORTED_MARK)) == IMPORTED_MARK.encode("utf-8")
    except OSError:
        return False


def write_store(registry: Registry, results: Sequence[ImportResult],
                progress: Callable[[int, int], None] | None = None) -> list[SourceLoad]:
    """Replace each file's named graph in the registry, with its provenance record.

    ``progress(done, total)`` counts the graphs written.
    """
    loads: list[SourceLoad] = []
    if progress is not None:
        progress(0, len(results))
    for result in results:
        loads.append(registry.replace_graph(
            result.graph, result.triples, {"source": result.graph, "format": result.media_type}))
        if progress is not None:
            progress(len(loads), len(results))
    return loads


# -- dry-run diff -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Diff:
    """What writing a result would change, per entity type."""

    source: str
    added: Counter[str]
    removed: Counter[str]
    unchanged: Counter[str]
    new_entities: tuple[str, ...]

    def lines(self, shown: int = 5) -> list[str]:
        """Readable summary: one line per entity type, then the first new entities."""
        types = sorted(set(self.added) | set(self.removed) | set(self.unchanged))
        lines = [f"{self.source}: +{sum(self.added.values())} "
                 f"-{sum(self.removed.values())} ={sum(self.unchanged.values())} statements"]
        for kind in types:
            lines.append(f"  {kind}: +{self.added[kind]} -{self.removed[kind]} "
                         f"={self.unchanged[kind]}")
        if self.new_entities:
            more = len(self.new_entities) - shown
            lines.append("  new: " + ", ".join(self.new_entities[:shown])
                         + (f" (and {more} more)" if more > 0 else ""))
        return lines


def diff(source: str, old: set[ox.Triple], new: set[ox.Triple]) -> Diff:
    """Compare a file's current statements with what the import would write."""
    types = _subject_types(old | new)

    def count(triples: Iterable[ox.Triple]) -> Counter[str]:
        return Counter(types.get(str(triple.subject), "(untyped)") for triple in triples)

    old_entities = set(_subjects_typed(old))
    new_entities = sorted({subject for subject in _subjects_typed(new)
                           if subject not in old_entities})
    return Diff(source, count(new - old), count(old - new), count(new & old),
                tuple(new_entities))


def _subject_types(triples: Iterable[ox.Triple]) -> dict[str, str]:
    types: dict[str, str] = {}
    for triple in sorted(triples, key=_sort_key):
        if triple.predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            types.setdefault(str(triple.subject), _short(triple.object.value))
    return types


def _subjects_typed(triples: Iterable[ox.Triple]) -> Iterator[str]:
    for triple in triples:
        if triple.predicate == RDF_TYPE and isinstance(triple.subject, ox.NamedNode):
            yield triple.subject.value


def _typed(triples: Iterable[ox.Triple]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for triple in triples:
        if (triple.predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode)
                and isinstance(triple.subject, ox.NamedNode)):
            found.setdefault(triple.object.value, set()).add(triple.subject.value)
    return {kind: sorted(subjects) for kind, subjects in sorted(found.items())}


def _short(iri: str) -> str:
    for name, namespace in prefixes_used([iri]).items():
        return f"{name}:{iri[len(namespace):]}"
    return f"<{iri}>"


def existing_in_store(registry: Registry, graph: str) -> set[ox.Triple]:
    """The statements the file's graph holds now (empty when it was never imported)."""
    result = registry.raw_query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QueryTriples)
    return set(result)


def existing_in_folder(out_dir: Path, result: ImportResult) -> set[ox.Triple]:
    """The statements of the Turtle file ``--out`` would overwrite (empty when missing)."""
    target = out_path(out_dir, result)
    if not target.is_file():
        return set()
    return {ox.Triple(t.subject, t.predicate, t.object)
            for t in ox.parse(path=str(target), format=ox.RdfFormat.TURTLE)}


# -- progress -----------------------------------------------------------------------------------

def progress(items: Sequence[_T], label: str) -> Iterator[_T]:
    """Iterate ``items``, with a progress bar on stderr only when it is a terminal.

    Under the bar of a command's progress (:mod:`registry.progress`), a line of that bar.
    """
    stream = sys.stderr
    if not stream.isatty() or len(items) < 200:
        yield from items
        return
    if bar_on_screen():
        yield from nested(items, label)
        return
    with click.progressbar(items, label=label, file=stream) as bar:
        yield from bar


# -- shared facts -------------------------------------------------------------------------------

#: Classes whose instances belong to one city (``--city`` adds ``cityreg:city`` to them).
CITY_SCOPED = frozenset(CITYREG + name for name in (
    "Agency", "Programme", "VendorContract", "SubProcessingContract", "DataSharingAgreement",
    "DataFlow", "System", "OperationsCentre", "AISystem", "Processing")) | frozenset({
        "http://www.w3.org/ns/sosa/Sensor", "http://www.w3.org/ns/ssn/Deployment",
        "http://www.w3.org/ns/dcat#Dataset", "http://www.w3.org/ns/dcat#Catalog"})


def attach_city(result: ImportResult, city: ox.NamedNode) -> None:
    """Link every city-scoped entity of ``result`` to ``city`` with ``cityreg:city``."""
    predicate = ox.NamedNode(CITYREG + "city")
    for kind, subjects in result.entities().items():
        if kind in CITY_SCOPED:
            for subject in subjects:
                result.add(ox.NamedNode(subject), predicate, city)
