"""The registry as the spreadsheet templates ``cityreg import csv`` reads: the way back.

Transparency officers keep their entries in spreadsheets. ``cityreg export --format csv`` (one
file per template) and ``--format xlsx`` (one workbook, one sheet per template) write the
shipped templates (``registry/importers/templates/``) filled from the registry, so that an
officer can edit a cell and import the sheet again, and the registry changes by that one fact.

The mapping that reads a template is also what writes it, and the importer is the judge:

* **rows**: the instances of a template's class (``sosa:Sensor``, ``dcat:Dataset``, the
  organisation kinds, ``cityreg:VendorContract``, ``cityreg:DataFlow``) whose IRI the template
  mints from its identifier columns under the base the import uses (``--city`` or ``--base``:
  ``<base>sensor/<id>``, ``<base><kind>/<id>``, ``<base>flow/<agreement>/<id>``); one row each,
  sorted by IRI so that two exports of similar registries diff line by line;
* **cells**: every column is inverted through the importer's own reading of a cell
  (:meth:`TableImport.cell_value`); a value is written only in a form that reads back to the
  same statement: a value map's words (``camera``, ``public interest``), else a prefixed name
  (``cityreg:TrafficManagement``) or the IRI; IRIs under the base as paths
  (``agency/transport``), others in full; ``yes``/``no``, ``yyyy-MM-dd``; several values
  joined with the column's separator (``;``), as the importer splits them;
* **what the sheets cannot hold**: the rows written are imported once more, in memory
  (:meth:`TableImport.import_rows`, with ``--city`` attaching the city as the import does), and
  compared with the registry: the statements about the exported entries that no column holds
  (``uncarried``: kept where they are, since an import replaces only its own graph or ``--out``
  file), and those the import would add (``added``: the identifiers, labels and source records
  the templates write for every row, when the registry was not made from them).

CSV files are UTF-8 with a byte-order mark (spreadsheet programs then read accents right) and
CRLF line ends, and every cell goes through :func:`registry.cells.spreadsheet_safe`, which the
importer undoes. In a workbook, text is stored as text (with the ``'`` style, so a cell such as
``=HYPERLINK(...)`` is never a formula), and numbers and dates as numbers and dates where they
read back the same. Files are written to a temporary name and renamed: never half-written.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pyoxigraph as ox

from registry.cells import FORMULA_TRIGGERS, spreadsheet_safe
from registry.errors import InputError
from registry.importers.base import (
    IMPORTED_MARK,
    RDF_TYPE,
    ImportProblem,
    ImportResult,
    attach_city,
    city_iri,
    slug,
)
from registry.importers.csv_import import Row, TableImport, xlsx_text
from registry.importers.csv_mapping import (
    SHIPPED,
    Column,
    Mapping,
    Table,
    load_mapping,
    normalise,
)
from registry.store import ONTOLOGY_GRAPH, PROVENANCE_GRAPH, Registry
from registry.store.sparql import prefixes_used

__all__ = [
    "TEMPLATES",
    "FilledTemplate",
    "TemplateExport",
    "export_templates",
    "summary_lines",
    "write_csv_folder",
    "write_workbook",
]

#: The shipped templates, in the order the workbook's sheets (and the summary) list them.
TEMPLATES = ("sensors", "datasets", "organisations", "contracts", "agreements")
_RDF_TYPE = RDF_TYPE.value
_VARIABLE = re.compile(r"\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}")
_RESERVED_GRAPHS = frozenset({ONTOLOGY_GRAPH, PROVENANCE_GRAPH})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FilledTemplate:
    """One template with the registry's entries: its header and one row of cells each."""

    name: str
    """The template's name (``sensors``): its CSV file's stem and its workbook sheet."""
    header: tuple[str, ...]
    """The template's columns, exactly as its CSV file's header row."""
    columns: tuple[Column, ...]
    """The mapping's column of each header cell."""
    rows: tuple[tuple[str, ...], ...]
    """Cell texts, in header order, one row per entry, sorted by the entry's IRI."""
    iris: tuple[str, ...]
    """The IRI of each row's entry."""


@dataclass(frozen=True)
class TemplateExport:
    """The filled templates, and what they cannot say about the registry."""

    base: str
    """The IRI the entries' identifiers are read under (``--city`` or ``--base``)."""
    templates: tuple[FilledTemplate, ...]
    uncarried: frozenset[ox.Triple]
    """Statements about the exported entries that no template column holds."""
    added: frozenset[ox.Triple]
    """Statements importing the sheets unchanged would add (the registry does not have them)."""
    left_out: tuple[str, ...]
    """Entries under the base of a template's classes whose IRI no template can mint."""
    problems: tuple[ImportProblem, ...]
    """What the import would refuse in the rows written (an empty required cell ...)."""
    other_files: tuple[str, ...] = ()
    """The graphs, other than imported sheets, that state facts the sheets hold: importing an
    edited sheet adds its value beside theirs, it does not replace it."""

    @property
    def row_count(self) -> int:
        """Rows in all templates."""
        return sum(len(template.rows) for template in self.templates)


def export_templates(registry: Registry, base: str, city: str | None = None) -> TemplateExport:
    """Fill every shipped template from ``registry``; nothing is written.

    ``base`` is the IRI the entries are minted under, as
    :func:`~registry.importers.base.entity_base` gives it for ``--city``/``--base``; ``city``,
    when the import will be given ``--city``, makes the comparison count the ``cityreg:city``
    statements that import attaches.
    """
    facts = _Facts(registry.store)
    templates: list[FilledTemplate] = []
    sheet_triples: set[ox.Triple] = set()
    exported: set[str] = set()
    problems: list[ImportProblem] = []
    candidates: set[str] = set()
    for name in TEMPLATES:
        mapping = load_mapping(SHIPPED / f"template-{name}.json")
        filled, triples, template_problems = _fill(mapping, name, base, city, facts)
        templates.append(filled)
        sheet_triples |= triples
        problems.extend(template_problems)
        exported |= set(filled.iris) | {t.subject.value for t in triples
                                       if isinstance(t.subject, ox.NamedNode)}
        candidates.update(iri for kind in _entry_classes(mapping.tables[0], mapping)
                          for iri in facts.instances(kind) if iri.startswith(base))
    known = {triple for subject in exported for triple in facts.about(subject)}
    carried = known & sheet_triples
    other_files = {graph for subject in exported for triple, graphs in
                   facts.graphs(subject).items() if triple in carried for graph in graphs
                   if not _is_sheet(graph)}
    return TemplateExport(
        base=base, templates=tuple(templates),
        uncarried=frozenset(known - sheet_triples), added=frozenset(sheet_triples - known),
        left_out=tuple(sorted(set(candidates) - exported)), problems=tuple(problems),
        other_files=tuple(sorted(other_files)))


def _is_sheet(graph: str) -> bool:
    """Whether the graph ``graph`` holds what `cityreg import` made of a sheet: imported into a
    store, it is named after the sheet's file (with ``#<sheet>`` for a workbook's); written
    with ``--out``, it is a Turtle file that starts with :data:`IMPORTED_MARK`."""
    name = graph.partition("#")[0]
    if name.lower().endswith((".csv", ".tsv", ".xlsx", ".xlsm")):
        return True
    if not name.startswith("file:"):
        return False
    try:
        with Path(url2pathname(urlparse(name).path)).open(encoding="utf-8") as handle:
            return handle.readline().startswith(IMPORTED_MARK)
    except (OSError, UnicodeDecodeError):  # gone since it was loaded, or not text
        return False


# -- filling one template -------------------------------------------------------------------------

class _Facts:
    """The registry's statements per subject (every data graph, each statement once)."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self._cache: dict[str, dict[ox.Triple, set[str]]] = {}

    def graphs(self, subject: str) -> dict[ox.Triple, set[str]]:
        """The statements about ``subject`` with the names of the named graphs that hold each
        (read once: :meth:`about` is their keys)."""
        found = self._cache.get(subject)
        if found is None:
            found = self._cache[subject] = {}
            for quad in self._store.quads_for_pattern(ox.NamedNode(subject), None, None, None):
                graph = quad.graph_name
                name = graph.value if isinstance(graph, ox.NamedNode) else None
                if name in _RESERVED_GRAPHS:
                    continue
                holders = found.setdefault(
                    ox.Triple(quad.subject, quad.predicate, quad.object), set())
                if name is not None:
                    holders.add(name)
        return found

    def about(self, subject: str) -> Set[ox.Triple]:
        """The statements about ``subject``, each once."""
        return self.graphs(subject).keys()

    def instances(self, kind: str) -> list[str]:
        """The IRIs typed ``kind`` (blank nodes left out)."""
        return sorted({quad.subject.value for quad in self._store.quads_for_pattern(
            None, RDF_TYPE, ox.NamedNode(kind), None) if isinstance(quad.subject, ox.NamedNode)})

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
        return sorted((triple.object for triple in self.about(subject)
                       if triple.predicate.value == predicate
                       and isinstance(triple.object, ox.NamedNode | ox.Literal)), key=str)


def _fill(mapping: Mapping, name: str, base: str, city: str | None, facts: _Facts
          ) -> tuple[FilledTemplate, set[ox.Triple], list[ImportProblem]]:
    """The template's rows, the statements importing them gives, and what it would refuse."""
    table = mapping.tables[0]
    columns = tuple(column for column in table.columns if not column.virtual)
    header = tuple(column.titles[0] for column in columns)
    runner = TableImport(mapping, base, {})
    entries: list[tuple[str, dict[str, str]]] = []
    pattern = _pattern(table.about_url or "", mapping, base)
    for kind in _row_classes(table, mapping):
        for iri in facts.instances(kind):
            variables = _variables(iri, pattern, table, runner)
            if variables is not None:
                entries.append((iri, variables))
    rows: list[tuple[str, ...]] = []
    iris: list[str] = []
    for iri, variables in sorted(dict(entries).items()):
        cells = tuple(_cell(column, table, variables, facts, runner, base, mapping)
                      for column in columns)
        rows.append(cells)
        iris.append(iri)
    result = ImportResult(Path(f"{name}.csv"), "text/csv", "")
    runner.import_rows(f"{name}.csv", table, header,
                       [Row(number, dict(zip(header, cells, strict=True)), {})
                        for number, cells in enumerate(rows, start=2)], result)
    if city is not None:
        attach_city(result, city_iri(city))
    result.canonicalise()
    filled = FilledTemplate(name, header, columns, tuple(rows), tuple(iris))
    return filled, result.triples, list(runner.problems)


def _row_classes(table: Table, mapping: Mapping) -> list[str]:
    """The classes the template gives the entry a row stands for (its ``aboutUrl``)."""
    return sorted(kind for column, kind in _typing_columns(table, mapping)
                  if (column.about_url or table.about_url) == table.about_url)


def _entry_classes(table: Table, mapping: Mapping) -> list[str]:
    """The classes the template gives every row's entries (not the optional source records),
    for naming the instances it leaves out."""
    return sorted({kind for column, kind in _typing_columns(table, mapping)
                   if column.only_if is None})


def _typing_columns(table: Table, mapping: Mapping) -> list[tuple[Column, str]]:
    """(column, class IRI) for every column that writes ``rdf:type``."""
    found = []
    for column in table.columns:
        if column.property_url is None or mapping.expand(column.property_url) != _RDF_TYPE:
            continue
        if column.virtual and column.value_url and "{" not in column.value_url:
            found.append((column, mapping.expand(column.value_url)))
        found.extend((column, mapping.expand(target))
                     for target in (column.value_map or {}).values())
    return found


def _pattern(template: str, mapping: Mapping, base: str) -> re.Pattern[str] | None:
    """A regular expression matching the IRIs ``template`` mints, one group per variable."""
    parts = _VARIABLE.split(template)
    literal = parts[0]
    expanded = mapping.expand(literal)
    prefix = expanded if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", expanded) else (
        base + literal.removeprefix("./").lstrip("/"))
    regex = [re.escape(prefix)]
    seen: set[str] = set()
    for index in range(1, len(parts), 3):
        reserved, name, text = parts[index], parts[index + 1], parts[index + 2]
        if name in seen:
            regex.append(f"(?P={name})")
        else:
            regex.append(f"(?P<{name}>.+?)" if reserved else f"(?P<{name}>[^/?#]+)")
            seen.add(name)
        regex.append(re.escape(text))
    return re.compile("".join(regex) + r"\Z") if seen else None


def _variables(iri: str, pattern: re.Pattern[str] | None, table: Table, runner: TableImport
               ) -> dict[str, str] | None:
    """The identifier cells that mint ``iri`` (``{"id": "cam-01"}``), or None if none do."""
    match = pattern.match(iri) if pattern is not None else None
    if match is None:
        return None
    variables = {name: unquote(value) for name, value in match.groupdict().items()}
    by_name = {column.name: column for column in table.columns}
    for name, value in variables.items():
        column = by_name.get(name)
        if column is None or not _cell_ok(column, value) or runner.cell_value(
                column, value, variables) is None:
            return None
    minted = runner.iri(table.about_url or "", variables)
    return variables if minted is not None and minted.value == iri else None


def _cell(column: Column, table: Table, variables: dict[str, str], facts: _Facts,
          runner: TableImport, base: str, mapping: Mapping) -> str:
    """The text of one cell: the entry's values of the column, in the form that reads back."""
    if column.name in variables:
        return variables[column.name]
    if column.property_url is None:
        return ""
    subject = runner.iri(column.about_url or table.about_url or "", variables)
    if subject is None:
        return ""
    texts = []
    for obj in facts.objects(subject.value, mapping.expand(column.property_url)):
        text = _text(column, obj, variables, runner, base, mapping)
        if text is not None:
            texts.append(text)
    if column.separator is None:
        return texts[0] if texts else ""
    return column.separator.join(sorted(set(texts)))


def _text(column: Column, obj: ox.NamedNode | ox.Literal, variables: dict[str, str],
          runner: TableImport, base: str, mapping: Mapping) -> str | None:
    """The first cell text the importer reads back as ``obj``, or None if none does."""
    candidates: list[str] = []
    if isinstance(obj, ox.NamedNode) and column.value_map is not None:
        candidates += [text for text in column.value_texts
                       if mapping.expand(column.value_map[normalise(text)]) == obj.value]
        candidates += [_compact(obj.value, mapping), obj.value]
    elif isinstance(obj, ox.NamedNode) and column.value_url is not None:
        if obj.value.startswith(base):
            candidates.append(obj.value[len(base):])
        candidates.append(obj.value)
    elif isinstance(obj, ox.Literal) and column.value_map is None and column.value_url is None:
        candidates.append(_literal_text(column, obj))
    for text in candidates:
        if not _cell_ok(column, text):
            continue
        own = {**variables, column.name: slug(text) if column.slug else text}
        if runner.cell_value(column, text, own) == obj:
            return text
    return None


def _cell_ok(column: Column, text: str) -> bool:
    """Whether the importer keeps ``text`` as one value of the column (not trimmed, not a
    null, not split by the separator)."""
    return (text != "" and text == text.strip() and text not in column.null
            and (column.separator is None or column.separator not in text))


def _literal_text(column: Column, literal: ox.Literal) -> str:
    if column.datatype.base == "boolean" and literal.value in ("true", "false"):
        yes, no = (column.datatype.format or "true|false").split("|")
        return yes if literal.value == "true" else no
    return literal.value


def _compact(iri: str, mapping: Mapping) -> str:
    """``cityreg:TrafficManagement`` for an IRI in one of the mapping's namespaces."""
    best = max(((name, namespace) for name, namespace in mapping.prefixes.items()
                if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*",
                                                              iri[len(namespace):])),
               key=lambda item: len(item[1]), default=None)
    return iri if best is None else f"{best[0]}:{iri[len(best[1]):]}"


# -- writing ----------------------------------------------------------------------------------

def write_csv_folder(export: TemplateExport, folder: Path) -> list[Path]:
    """Write ``<folder>/<template>.csv`` for every template, all or nothing."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {folder} is a file: expected a folder for --format csv (one "
                         "file per template); give a folder's name")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out {folder}: cannot create the folder ({error.strerror or error})"
                         "; expected a folder you can write to: choose another --out") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for template in export.templates:
            target = folder / f"{template.name}.csv"
            temporary = folder / f".{target.name}.tmp"
            staged.append((temporary, target))
            temporary.write_bytes(_csv_bytes(template))
        for temporary, target in staged:
            temporary.replace(target)
    except OSError as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise InputError(f"--out {folder}: cannot write the templates there "
                         f"({error.strerror or error}); expected a folder you can write to: "
                         "choose another --out") from None
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    return [target for _, target in staged]


def _csv_bytes(template: FilledTemplate) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template.header)
    for row in template.rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_workbook(export: TemplateExport, path: Path) -> None:
    """Write one workbook, a sheet per template (named like it), via a temporary file."""
    if path.is_dir():
        raise InputError(f"--out {path} is a folder: expected a workbook file name ending in "
                         ".xlsx, such as registry.xlsx")
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"--out {path}: expected a file name ending in .xlsx (cityreg import "
                         "csv reads a workbook by that ending); name it such as registry.xlsx")
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for template in export.templates:
        sheet = book.create_sheet(template.name)
        sheet.append(list(template.header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for number, row in enumerate(template.rows, start=2):
            for index, (column, text) in enumerate(zip(template.columns, row, strict=True),
                                                   start=1):
                if text == "":
                    continue
                cell = sheet.cell(number, index)
                value = _typed(column, text)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
                    if value.startswith(FORMULA_TRIGGERS):
                        cell.quotePrefix = True
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        book.save(temporary)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(f"--out {path}: cannot write it ({error.strerror or error}); check "
                         "that the folder exists and is writable") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _typed(column: Column, text: str) -> str | int | float | date:
    """A number or date cell where the importer reads it back as ``text``; else text."""
    kind = column.datatype.base
    value: str | int | float | date = text
    try:
        if kind == "integer" and abs(int(text)) < 2**53:
            value = int(text)
        elif kind in ("decimal", "double"):
            value = float(text)
        elif kind == "date" and _ISO_DATE.fullmatch(text) and text >= "1900-03-01":
            value = date.fromisoformat(text)
    except ValueError:
        return text
    read = value.isoformat() if isinstance(value, date) else xlsx_text(value)
    return value if read == text else text


# -- telling the officer ----------------------------------------------------------------------

def summary_lines(export: TemplateExport, places: Sequence[str], destination: str,
                  shown: int = 5) -> list[str]:
    """What was written (one line per template, ``places`` naming each), and what the sheets
    cannot say: the statements left out, those an import would add, the entries no template
    names, and the rows the import would refuse."""
    width = max(len(_rows(len(t.rows))) for t in export.templates)
    lines = [f"wrote  {_rows(len(t.rows)):<{width}}  {place}"
             for t, place in zip(export.templates, places, strict=True)]
    lines.append(f"{len(export.templates)} templates: {_rows(export.row_count)} written to "
                 f"{destination}.")
    if export.uncarried:
        one = len(export.uncarried) == 1
        lines.append(
            f"{_statements(len(export.uncarried))} about the exported entries "
            f"{'is' if one else 'are'} not in the sheets, as no template column holds "
            f"{'it' if one else 'them'} ({_by_property(export.uncarried, shown)}); importing "
            f"the sheets leaves {'it' if one else 'them'} where {'it is' if one else 'they are'}"
            ": an import replaces only its own graph or --out file.")
    if export.added:
        lines.append(
            f"Importing the sheets unchanged would add {_statements(len(export.added))} the "
            f"registry does not have ({_by_property(export.added, shown)}): what the templates "
            "write for every row.")
    if export.left_out:
        more = len(export.left_out) - shown
        lines.append(
            f"{len(export.left_out)} entr{'y' if len(export.left_out) == 1 else 'ies'} under "
            f"{export.base} {'has an IRI' if len(export.left_out) == 1 else 'have IRIs'} that "
            "no template mints, so the sheets leave "
            f"{'it' if len(export.left_out) == 1 else 'them'} out: "
            + ", ".join(export.left_out[:shown]) + (f" (and {more} more)" if more > 0 else "")
            + ".")
    if export.other_files:
        one = len(export.other_files) == 1
        more = len(export.other_files) - shown
        lines.append(
            f"The facts in these rows are stated in {len(export.other_files)} "
            f"file{'' if one else 's'} that {'is' if one else 'are'} not a sheet ("
            + ", ".join(export.other_files[:shown])
            + (f" and {more} more" if more > 0 else "") + "): importing an edited sheet adds "
            "its values beside theirs, it does not replace them; change such a fact in its "
            "file, or load the sheets in place of those files.")
    if export.problems:
        lines.append(f"The import will refuse {len(export.problems)} "
                     f"cell{'' if len(export.problems) == 1 else 's'} until "
                     f"{'it is' if len(export.problems) == 1 else 'they are'} completed:")
        where = {f"{t.name}.csv": place for t, place in zip(export.templates, places,
                                                             strict=True)}
        lines.extend(f"  {where.get(problem.file, problem.file)}:{problem.where}: "
                     f"{problem.message}" for problem in export.problems)
    return lines


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _statements(count: int) -> str:
    return f"{count} statement{'' if count == 1 else 's'}"


def _by_property(triples: frozenset[ox.Triple], shown: int) -> str:
    """``cityreg:source 12, rdfs:label 3 and 2 more properties``."""
    counts = Counter(_short(triple.predicate.value) for triple in triples)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{name} {count}" for name, count in ranked[:shown])
    more = len(ranked) - shown
    return text + (f" and {more} more propert{'y' if more == 1 else 'ies'}" if more > 0 else "")


def _short(iri: str) -> str:
    for name, namespace in prefixes_used([iri]).items():
        return f"{name}:{iri[len(namespace):]}"
    return f"<{iri}>"
