"""Spreadsheets (CSV, XLSX) -> registry statements, through a CSVW mapping.

Reading checks every cell first and collects every problem (``file:row:column: message``, the
row as the spreadsheet shows it, the header being row 1); statements are only returned when
there is none. Key-value tables (``cityreg:layout: keyValue``) are read first, so that their
values can be used in the other tables' templates (Amsterdam's operator).

A workbook of templates (several sheets, named after the shipped tables: ``sensors``,
``contracts`` ...; what ``cityreg export --format xlsx`` writes) is read sheet by sheet, each as
the CSV file of that name would be, and each sheet is a result of its own. CSV cells are read
through :func:`registry.cells.spreadsheet_text`, the inverse of the quote that keeps formulas
from running, so that text written by ``cityreg export --format csv`` comes back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from registry.cells import spreadsheet_text
from registry.errors import InputError
from registry.importers.base import (
    XSD,
    ImportProblem,
    ImportProblems,
    ImportResult,
    progress,
    read_bytes,
    slug,
)
from registry.importers.csv_mapping import (
    Column,
    Mapping,
    Table,
    load_mapping,
    normalise,
    shipped_mappings,
)

_TEMPLATE = re.compile(r"\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}")
_EXTRA = "\0extra"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_RESERVED = ":/?#[]@!$&'()*+,;="
#: A cell that names a term itself (``cityreg:TrafficManagement``, ``https://...``) instead of
#: using a value map's wording.
_IRI_LIKE = re.compile(r"(https?://\S+|[A-Za-z][\w-]*:[A-Za-z_][\w.-]*)")
_DATE_PARTS = {"dd": r"(?P<d>\d{1,2})", "MM": r"(?P<m>\d{1,2})", "yyyy": r"(?P<y>\d{4})"}


@dataclass(frozen=True)
class Source:
    """One table to read: a CSV or XLSX file, or one named sheet of a workbook."""

    path: Path
    sheet: str | None = None
    """The worksheet to read; None: the file itself (a workbook's first sheet)."""

    @property
    def label(self) -> str:
        """How problems name it: ``sensors.csv``, ``registry.xlsx[sensors]``."""
        return str(self.path) if self.sheet is None else f"{self.path}[{self.sheet}]"

    @property
    def name(self) -> Path:
        """What a mapping's tables are matched against: the file, or the sheet's name."""
        return self.path if self.sheet is None else Path(self.sheet)


@dataclass(frozen=True)
class Row:
    """One record: its row number as the spreadsheet shows it, and header -> cell text."""

    number: int
    cells: dict[str, str]
    where: dict[str, int]
    """For key-value files: the row of each key."""


#: The most bytes an XLSX workbook may unpack to (its XML), against zip bombs.
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def read_table(path: Path, data: bytes, table: Table, sheet: str | None = None
               ) -> tuple[list[str], list[Row]]:
    """The header and rows of a CSV or XLSX file (its ``sheet``, or first sheet), as text.

    Raises ImportProblems for a file that cannot be read as the table says (encoding, quoting,
    a column named twice), located as ``file:row:column``.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, data, sheet)
    else:
        records = _csv_records(path, data, table)
    label = Source(path, sheet).label
    if table.key_value:
        _check_unique(label, [(f"row {number}", r[0].strip(), f"{number}:{r[0].strip()}")
                             for number, r in records if r and r[0].strip()], "key")
        cells = {r[0].strip(): (r[1] if len(r) > 1 else "") for _, r in records if r}
        where = {r[0].strip(): n for n, r in records if r}
        return list(cells), [Row(1, cells, where)]
    if not records:
        return [], []
    header = [cell.strip() for cell in records[0][1]]
    _check_unique(label, [(f"column {index}", text, f"{records[0][0]}:{text}")
                         for index, text in enumerate(header, start=1) if text], "column")
    rows = []
    for number, record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, record + [""] * (len(header) - len(record)), strict=False))
        extra = [cell for cell in record[len(header):] if cell.strip()]
        if extra:
            cells[_EXTRA] = ";".join(extra)
        rows.append(Row(number, cells, {}))
    return header, rows


def _csv_records(path: Path, data: bytes, table: Table) -> list[tuple[int, list[str]]]:
    """(line the record starts on, its cells) for every record of a CSV file.

    Each cell is read through :func:`~registry.cells.spreadsheet_text`: the ``'`` that keeps a
    spreadsheet from running ``=...`` as a formula is not part of the text.
    """
    try:
        text = data.decode(table.encoding)
    except UnicodeDecodeError as error:
        raise ImportProblems([ImportProblem(
            str(path), "1:-", f"not {table.encoding} text (byte {error.start})"
            f"{_encoding_guess(data)}; save it as {table.encoding} or set dialect.encoding "
            "in the mapping")]) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=table.delimiter,
                        quotechar=table.quote_char, strict=True)
    records = []
    line = 1
    try:
        for record in reader:
            records.append((line, [spreadsheet_text(cell) for cell in record]))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportProblems([ImportProblem(str(path), f"{line}:-", _csv_problem(
            str(error), table))]) from None
    return records


def _csv_problem(message: str, table: Table) -> str:
    """What Python's csv module reports, said for a spreadsheet user."""
    quote = table.quote_char
    if "field larger than field limit" in message:
        return (f"a cell longer than {csv.field_size_limit():,} characters (often a {quote} "
                f"that opens a quoted cell and is never closed); expected cells of ordinary "
                "length: check the quotes in this row")
    if "unexpected end of data" in message or "newline inside string" in message:
        return (f"a quoted cell opens with {quote} here and is never closed, so the rest of "
                f"the file would be one cell; expected a closing {quote}: add it, or double "
                f"a {quote} that belongs in the text ({quote}{quote})")
    if "expected after" in message:
        return (f"text right after the closing {quote} of a quoted cell ({message}); expected "
                f"{table.delimiter!r} or the end of the line there: double a {quote} that "
                f"belongs in the text ({quote}{quote})")
    return f"not a readable CSV row ({message}); check the quotes and delimiters in this row"


def _encoding_guess(data: bytes) -> str:
    """`` (it looks like UTF-16 text)`` and the like, or nothing."""
    nul_between = len(data) >= 4 and ((data[1] == 0 and data[3] == 0)
                                      or (data[0] == 0 and data[2] == 0))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or nul_between:
        return " (it looks like UTF-16 text, as some spreadsheet programs save 'Unicode text')"
    return " (it may be Latin-1 or Windows-1252 text)"


def _check_unique(path: str, names: list[tuple[str, str, str]], what: str) -> None:
    """Refuse a header (or key-value file) that names a column (or key) twice.

    ``names``: (where it is, such as ``column 3``; its text; the ``row:column`` to report).
    """
    seen: dict[str, str] = {}
    problems = []
    for place, name, where in names:
        first = seen.setdefault(normalise(name), place)
        if first != place:
            problems.append(ImportProblem(
                path, where, f"the {what} {name!r} is given twice ({first} and {place}); "
                f"expected each {what} once: rename or remove one"))
    if problems:
        raise ImportProblems(problems)


def read_header(path: Path, table: Table, sheet: str | None = None) -> list[str]:
    """Only the header of a CSV or XLSX file (the keys, for key-value files)."""
    if table.key_value or path.suffix.lower() in (".xlsx", ".xlsm"):
        data, _ = read_bytes(path)
        header, _ = read_table(path, data, table, sheet)
        return header
    try:
        with path.open(encoding=table.encoding, newline="") as handle:
            first = next(csv.reader(handle, delimiter=table.delimiter,
                                    quotechar=table.quote_char, strict=True), [])
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except UnicodeDecodeError as error:
        head, _ = read_bytes(path)
        raise InputError(f"{path}: cannot read it as {table.encoding} CSV (byte {error.start} "
                         f"is not {table.encoding}){_encoding_guess(head[:4])}; save it as "
                         "UTF-8") from None
    except (OSError, csv.Error) as error:
        raise InputError(f"{path}: cannot read it as {table.encoding} CSV ({error})") from None
    return [spreadsheet_text(cell).strip() for cell in first]


def _xlsx_records(path: Path, data: bytes, sheet: str | None = None
                  ) -> list[tuple[int, list[str]]]:
    """The rows of the workbook's sheet named ``sheet`` (default: its first), as text.

    A formula cell gives the result the spreadsheet program stored with it; one without a
    stored result (a file written by a script) is a problem, not an empty cell.
    """
    formulas = _xlsx_check(path, data)
    label = Source(path, sheet).label
    import openpyxl

    def rows(data_only: bool) -> list[list[object]]:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        try:
            if not book.worksheets:
                raise InputError(f"{path}: the workbook has no worksheet; expected the table "
                                 "on its first sheet")
            if sheet is not None and sheet not in book.sheetnames:
                raise InputError(f"{path}: no sheet named {sheet!r}; the workbook has "
                                 f"{', '.join(repr(name) for name in book.sheetnames)}")
            chosen = book.worksheets[0] if sheet is None else book[sheet]
            return [list(values) for values in chosen.iter_rows(values_only=True)]
        finally:
            book.close()

    try:
        values = rows(data_only=True)
        written = rows(data_only=False) if formulas else values
    except InputError:
        raise
    except Exception as error:  # openpyxl and its XML parser raise many types for a broken file
        raise InputError(f"{path}: not a readable XLSX workbook ({type(error).__name__}: "
                         f"{error}); save it again as .xlsx or export it as CSV") from None
    header = [xlsx_text(value) for value in values[0]] if values else []
    problems = []
    for number, (row, raw) in enumerate(zip(values, written, strict=True), start=1):
        for index, (value, formula) in enumerate(zip(row, raw, strict=False)):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                column = header[index] if index < len(header) and header[index] else (
                    f"column {index + 1}")
                problems.append(ImportProblem(
                    label, f"{number}:{column}", f"the cell holds the formula {formula!r} "
                    "but no result of it: cityreg reads values, never formulas; type the "
                    "value, or open the file in a spreadsheet program and save it so that it "
                    "stores the result"))
    if problems:
        raise ImportProblems(problems)
    return [(number, [xlsx_text(value) for value in row])
            for number, row in enumerate(values, start=1)]


def _xlsx_check(path: Path, data: bytes, formulas: bool = True) -> bool:
    """Refuse what is not a zip archive, or unpacks too far; True if a sheet has formulas
    (looked for only when ``formulas``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            if unpacked > MAX_XLSX_UNPACKED:
                raise InputError(
                    f"{path}: the workbook unpacks to {unpacked / 2**20:,.0f} MiB, over the "
                    f"{MAX_XLSX_UNPACKED // 2**20} MiB cityreg reads from an XLSX file (a "
                    "'zip bomb', or a sheet too large for XLSX): expected a smaller workbook; "
                    "export the sheet as CSV")
            return formulas and any(
                _FORMULA_ELEMENT.search(archive.read(member))
                for member in members if member.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError,
            NotImplementedError) as error:
        raise InputError(f"{path}: not a readable XLSX workbook (not a complete zip archive: "
                         f"{error}); save it again as .xlsx or export it as CSV") from None


def xlsx_text(value: object) -> str:
    """A workbook cell's value as the text a CSV cell would hold (``2024-01-31``, ``4``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class TableImport:
    """Applies a mapping's table to rows, collecting problems and statements."""

    def __init__(self, mapping: Mapping, base: str, variables: dict[str, str]) -> None:
        self.mapping = mapping
        self.base = base
        self.variables = variables
        """Values of key-value tables, usable in every template."""
        self.problems: list[ImportProblem] = []
        self._templates: dict[str, list[tuple[str, str | None, bool]]] = {}
        self._iris: dict[str, ox.NamedNode] = {}
        self._predicates: dict[str, ox.NamedNode] = {}

    def run(self, path: Path, table: Table, result: ImportResult, sheet: str | None = None
            ) -> None:
        """Read ``path`` (its ``sheet``) with ``table`` into ``result``; problems go to
        ``self.problems``."""
        data, _ = read_bytes(path)
        header, rows = read_table(path, data, table, sheet)
        self.import_rows(Source(path, sheet).label, table, header, rows, result)

    def import_rows(self, name: str, table: Table, header: Sequence[str], rows: Sequence[Row],
                    result: ImportResult) -> None:
        """Turn rows already read into ``result``'s statements; ``name`` locates problems.

        A row with a problem adds nothing. ``cityreg export`` runs the rows it writes through
        here, to know exactly what importing them gives.
        """
        found = self._columns(name, table, header)
        for row in progress(rows, f"Importing {Path(name).name}"):
            self._row(name, table, found, row, result)

    def cell_value(self, column: Column, text: str, variables: dict[str, str]
                   ) -> ox.NamedNode | ox.Literal | None:
        """What one cell's ``text`` of ``column`` becomes, or None when a row would refuse it
        (or leave it out); ``variables`` fill the column's templates. Records no problem.

        ``cityreg export`` writes a value only when this gives the registry's value back.
        """
        before = len(self.problems)
        value = self._value("", Row(0, {}, {}), column.name, column, text,
                            {**self.variables, **variables})
        del self.problems[before:]
        return value

    def iri(self, template: str, variables: dict[str, str]) -> ox.NamedNode | None:
        """The IRI ``template`` gives with ``variables`` (None: a variable is missing or the
        IRI is not valid), resolved as a row's would be. Records no problem."""
        before = len(self.problems)
        node = self._iri("", Row(0, {}, {}), "", template, {**self.variables, **variables})
        del self.problems[before:]
        return node

    def _columns(self, name: str, table: Table, header: Sequence[str]
                 ) -> dict[str, str | None]:
        """Column name -> the header text it was found under (None: absent)."""
        by_text = {normalise(text): text for text in header}
        found: dict[str, str | None] = {}
        for column in table.columns:
            if column.virtual:
                continue
            match = next((by_text[normalise(t)] for t in column.titles
                          if normalise(t) in by_text), None)
            found[column.name] = match
            if match is None and column.required:
                where = "-" if table.key_value else "1"
                self.problems.append(ImportProblem(
                    name, f"{where}:{column.titles[0]}",
                    f"missing required column (expected a header "
                    f"{' or '.join(repr(t) for t in column.titles)})"))
        return found

    def _row(self, name: str, table: Table, found: dict[str, str | None], row: Row,
             result: ImportResult) -> None:
        problems_before = len(self.problems)
        extra = row.cells.get(_EXTRA)
        if extra is not None:
            self._problem(name, row, "-", f"cells beyond the last column "
                          f"({extra!r}); expected at most as many cells as "
                          "the header has")
        values: dict[str, list[str]] = {}
        for column in table.columns:
            header = found.get(column.name)
            if column.virtual or header is None:
                continue
            text = row.cells.get(header, "").strip()
            parts = [text] if column.separator is None else [
                part.strip() for part in text.split(column.separator)]
            parts = [part for part in parts if part not in column.null and part != ""]
            if not parts and column.required:
                self._problem(name, row, header, "empty, but the column is required")
            values[column.name] = parts
        variables = dict(self.variables)
        for column in table.columns:
            parts = values.get(column.name) or []
            if parts:
                variables[column.name] = slug(parts[0]) if column.slug else parts[0]
        triples = []
        for column in table.columns:
            header = found.get(column.name) or column.name
            if column.virtual:
                triples.extend(self._virtual(name, row, table, column, variables))
                continue
            for index, part in enumerate(values.get(column.name, [])):
                own = variables if index == 0 else {
                    **variables, column.name: slug(part) if column.slug else part}
                obj = self._value(name, row, header, column, part, own)
                if obj is None or column.property_url is None:
                    continue
                subject = self._iri(name, row, header, column.about_url or table.about_url,
                                    own)
                if subject is not None:
                    triples.append(ox.Triple(subject, self._predicate(column.property_url),
                                             obj))
        if len(self.problems) == problems_before:
            result.triples.update(triples)

    def _virtual(self, name: str, row: Row, table: Table, column: Column,
                 variables: dict[str, str]) -> list[ox.Triple]:
        if column.only_if is not None and column.only_if not in variables:
            return []
        if column.property_url is None:
            return []
        subject = self._iri(name, row, column.name, column.about_url or table.about_url,
                            variables)
        obj: ox.NamedNode | ox.Literal | None
        if column.value_template is not None:
            text = self._fill(column.value_template, variables, raw=True)
            obj = None if text is None else ox.Literal(text, language=column.lang) \
                if column.lang else ox.Literal(text)
        elif column.value_url is not None:
            obj = self._iri(name, row, column.name, column.value_url, variables)
        else:
            obj = None
        if subject is None or obj is None:
            return []
        return [ox.Triple(subject, self._predicate(column.property_url), obj)]

    def _predicate(self, name: str) -> ox.NamedNode:
        found = self._predicates.get(name)
        if found is None:
            found = self._predicates[name] = ox.NamedNode(self.mapping.expand(name))
        return found

    def _iri(self, name: str, row: Row, header: str, template: str | None,
             variables: dict[str, str]) -> ox.NamedNode | None:
        if template is None:
            self._problem(name, row, header, "the mapping gives no aboutUrl for this column")
            return None
        text = self._fill(template, variables, raw=False)
        if text is None:
            return None
        node = self._iris.get(text)
        if node is None:
            expanded = self.mapping.expand(text)
            if not _SCHEME.match(expanded):
                expanded = self.base + expanded.removeprefix("./").lstrip("/")
            try:
                node = self._iris[text] = ox.NamedNode(expanded)
            except ValueError as error:
                self._problem(name, row, header, f"{expanded!r} is not a valid IRI ({error}); "
                              "check the cell or the mapping's template")
                return None
        return node

    def _fill(self, template: str, variables: dict[str, str], raw: bool) -> str | None:
        """Expand ``{name}`` / ``{+name}``; None when a variable has no value."""
        parts = self._templates.get(template)
        if parts is None:
            parts = self._templates[template] = _compile(template)
        pieces = []
        for literal, name, reserved in parts:
            pieces.append(literal)
            if name is None:
                continue
            value = variables.get(name)
            if value is None:
                return None
            pieces.append(value if raw else quote(value, safe=_RESERVED if reserved else ""))
        return "".join(pieces)

    def _value(self, name: str, row: Row, header: str, column: Column, text: str,
               variables: dict[str, str]) -> ox.NamedNode | ox.Literal | None:
        if column.value_map is not None:
            if _IRI_LIKE.fullmatch(text) and (text.startswith(("http://", "https://"))
                                              or text.split(":")[0] in self.mapping.prefixes):
                return ox.NamedNode(self.mapping.expand(text))
            target = column.value_map.get(normalise(text), column.otherwise)
            if target is None and not column.strict:
                return None
            if target is None:
                known = ", ".join(repr(k) for k in column.value_texts[:8])
                more = " ..." if len(column.value_texts) > 8 else ""
                self._problem(name, row, header, f"{text!r} is not a known value: expected "
                              f"one of {known}{more} (or add it to the mapping's "
                              "cityreg:valueMap)")
                return None
            return ox.NamedNode(self.mapping.expand(target))
        if column.value_url is not None:
            return self._iri(name, row, header, column.value_url, variables)
        try:
            return _literal(column, text)
        except ValueError as error:
            self._problem(name, row, header, f"{text!r}: {error}")
            return None

    def _problem(self, name: str, row: Row, header: str, message: str) -> None:
        number = row.where.get(header, row.number)
        self.problems.append(ImportProblem(name, f"{number}:{header}", message))


def _compile(template: str) -> list[tuple[str, str | None, bool]]:
    """``"a/{x}/{+y}"`` -> ``[("a/", "x", False), ("/", "y", True)]``."""
    parts: list[tuple[str, str | None, bool]] = []
    position = 0
    for match in _TEMPLATE.finditer(template):
        parts.append((template[position:match.start()], match.group(2), bool(match.group(1))))
        position = match.end()
    parts.append((template[position:], None, False))
    return parts


def _literal(column: Column, text: str) -> ox.Literal:
    """A typed literal for ``text``; ValueError says what was expected."""
    kind = column.datatype
    if kind.base == "string":
        return ox.Literal(text, language=column.lang) if column.lang else ox.Literal(text)
    if kind.base == "boolean":
        yes, no = (kind.format or "true|false").split("|")
        lowered = text.casefold()
        if lowered in (yes.casefold(), "true"):
            return ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
        if lowered in (no.casefold(), "false"):
            return ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean"))
        raise ValueError(f"expected {yes!r} or {no!r}")
    if kind.base == "date":
        return ox.Literal(_date(text, kind.format).isoformat(),
                          datatype=ox.NamedNode(XSD + "date"))
    if kind.base == "anyURI":
        if not re.match(r"^(https?|mailto|ftp):\S+$", text):
            if re.match(r"^[\w.-]+\.[a-z]{2,}(/\S*)?$", text):
                text = "https://" + text
            else:
                raise ValueError("expected a web address such as https://example.org/privacy")
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "anyURI"))
    number = _number(text, kind.base)
    if kind.minimum is not None and number < kind.minimum:
        raise ValueError(f"expected at least {kind.minimum}")
    if kind.maximum is not None and number > kind.maximum:
        raise ValueError(f"expected at most {kind.maximum}")
    return ox.Literal(text.replace(",", ".") if kind.base != "integer" else str(int(number)),
                      datatype=ox.NamedNode(XSD + kind.base))


def _number(text: str, base: str) -> float:
    pattern = r"[+-]?\d+" if base == "integer" else r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?"
    if not re.fullmatch(pattern, text):
        raise ValueError(f"expected {'a whole number' if base == 'integer' else 'a number'}")
    return float(text.replace(",", "."))


def _date(text: str, fmt: str | None) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if fmt is not None:
        pattern = re.escape(fmt)
        for token, group in _DATE_PARTS.items():
            pattern = pattern.replace(token, group)
        match = re.fullmatch(pattern, text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError as error:
                raise ValueError(f"not a real date ({error})") from None
    raise ValueError(f"expected a date as {fmt or 'yyyy-MM-dd'}")


def import_tables(paths: Sequence[Path | Source], mapping: Mapping, base: str,
                  progress: Callable[[int, int], None] | None = None) -> list[ImportResult]:
    """Import each file (or sheet) with its table of ``mapping``; every problem of every file,
    or none. ``progress(done, total)`` counts the files (or sheets) read."""
    sources = [_source(item) for item in paths]
    if progress is not None:
        progress(0, len(sources))
    problems: list[ImportProblem] = []
    tables = [(source, mapping.table_for(source.name)) for source in sources]
    ordered = sorted(tables, key=lambda item: not item[1].key_value)
    variables: dict[str, str] = {}
    results = {}
    for source, table in ordered:
        data, sha256 = read_bytes(source.path)
        media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                 if source.path.suffix.lower() == ".xlsx" else "text/csv")
        result = ImportResult(source.path, media, sha256, sheet=source.sheet)
        runner = TableImport(mapping, base, variables)
        runner.run(source.path, table, result, source.sheet)
        problems.extend(runner.problems)
        if table.key_value:
            _, rows = read_table(source.path, data, table, source.sheet)
            for column in table.columns:
                for title in column.titles:
                    value = rows[0].cells.get(title, "").strip() if rows else ""
                    if value:
                        variables[column.name] = slug(value) if column.slug else value
        results[source] = result
        if progress is not None:
            progress(len(results), len(sources))
    if problems:
        raise ImportProblems(problems)
    return [results[source] for source in sources]


def import_spreadsheets(paths: Sequence[Path], base: str,
                        progress: Callable[[int, int], None] | None = None
                        ) -> list[ImportResult]:
    """Import files with the shipped mappings that fit them; one result per file or sheet.

    A workbook of templates is read sheet by sheet (:func:`template_sheets`). The files (and
    sheets) are read together with one mapping when one fits them all (so that a register's
    key-value file serves its other tables); otherwise each with the mapping that fits it, so
    that ``cityreg import csv sheets/*.csv`` reads a folder of templates. Every problem of
    every file is raised together, and nothing is returned when there is one.
    ``progress(done, total)`` counts the files and sheets read.
    """
    sheets: list[str | None] = [None]
    sources = [Source(path, sheet) for path in paths
               for sheet in (template_sheets(path) or sheets)]
    if progress is not None:
        progress(0, len(sources))
    try:
        groups = [(detect_mapping(sources), sources)]
    except InputError:
        if len(sources) == 1:
            raise
        by_mapping: dict[Path, tuple[Mapping, list[Source]]] = {}
        for source in sources:
            mapping = detect_mapping([source])
            by_mapping.setdefault(mapping.path, (mapping, []))[1].append(source)
        groups = list(by_mapping.values())
    problems: list[ImportProblem] = []
    results: dict[Source, ImportResult] = {}
    read = 0  # sources of the groups before this one
    for mapping, members in groups:
        counted = None if progress is None else partial(_after, progress, read, len(sources))
        read += len(members)
        try:
            results.update(zip(members, import_tables(members, mapping, base, counted),
                               strict=True))
        except ImportProblems as error:
            problems.extend(error.problems)
    if problems:
        raise ImportProblems(problems)
    return [results[source] for source in sources]


def _after(progress: Callable[[int, int], None], before: int, total: int, done: int,
           _in_group: int) -> None:
    """Tell ``progress`` of ``done`` sources of a group read after ``before`` others (its
    start is no news: the count was told when the group before it ended)."""
    if done:
        progress(before + done, total)


def template_sheets(path: Path) -> list[str] | None:
    """The sheets to read of a workbook of templates, or None for any other file.

    A workbook of templates has more than one sheet and names at least one after a shipped
    table (``sensors``, ``contracts``, ... or ``Sensorregistratie``), as ``cityreg export
    --format xlsx`` writes it. Its empty sheets are skipped; a sheet with cells but another name
    is refused, never silently left out. Other workbooks keep being read from their first sheet.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    data, _ = read_bytes(path)
    _xlsx_check(path, data, formulas=False)
    import openpyxl

    known = {Path(table.url).stem.casefold(): Path(table.url).stem
             for mapping in shipped_mappings() for table in load_mapping(mapping).tables}
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            names = book.sheetnames
            if len(names) < 2 or not any(name.casefold() in known for name in names):
                return None
            filled = {sheet.title: any(value is not None for row in sheet.iter_rows(
                values_only=True) for value in row) for sheet in book.worksheets}
        finally:
            book.close()
    except Exception as error:  # openpyxl and its XML parser raise many types for a broken file
        raise InputError(f"{path}: not a readable XLSX workbook ({type(error).__name__}: "
                         f"{error}); save it again as .xlsx or export it as CSV") from None
    strangers = [name for name, has_cells in filled.items()
                 if has_cells and name.casefold() not in known]
    if strangers:
        raise InputError(
            f"{path}: the sheet{'s' if len(strangers) > 1 else ''} "
            f"{', '.join(repr(name) for name in strangers)} of this workbook of templates "
            f"{'are' if len(strangers) > 1 else 'is'} not named after a template: expected "
            f"sheets named {', '.join(sorted(set(known.values()), key=str.casefold))}; rename "
            "or remove it, or import it from a file of its own")
    return [name for name, has_cells in filled.items() if has_cells]


def _source(item: Path | Source) -> Source:
    return item if isinstance(item, Source) else Source(item)


def detect_mapping(paths: Sequence[Path | Source]) -> Mapping:
    """The shipped mapping whose tables fit every file's header (required columns present).

    A mapping whose table is named like the file wins over one that only fits by columns.
    When none fits, the error says why for the first file that fits none: that it cannot be
    read at all (its encoding, its quotes, a broken workbook), or which required columns the
    template named like it lacks.
    """
    sources = [_source(item) for item in paths]
    fitting: list[tuple[bool, Mapping]] = []
    reasons: dict[Source, list[tuple[str, str | InputError]]] = {}
    for candidate in shipped_mappings():
        mapping = load_mapping(candidate)
        named = True
        for source in sources:
            table, reason = _fitting_table(mapping, source)
            if table is None:
                reasons.setdefault(source, []).append(reason)
                break
            named = named and Path(table.url).stem.lower() == source.name.stem.lower()
        else:
            fitting.append((named, mapping))
    if not fitting:
        for source in sources:
            tried = [reason for kind, reason in reasons.get(source, []) if kind != "no table"]
            errors = [reason for reason in tried if isinstance(reason, InputError)]
            if errors and len(errors) == len(tried):
                raise errors[0]  # it cannot be read at all: that is the problem to fix
        names = ", ".join(candidate.stem for candidate in shipped_mappings())
        raise InputError(
            f"no shipped mapping fits {', '.join(s.label for s in sources)}{_why(reasons)}: "
            "expected the header of a template (registry/importers/templates/) or a shipped "
            f"register ({names}); give your own CSVW mapping with --mapping FILE")
    fitting.sort(key=lambda item: not item[0])
    return fitting[0][1]


def _why(reasons: dict[Source, list[tuple[str, str | InputError]]]) -> str:
    """Which required columns the template named like a file lacks, if one is."""
    for found in reasons.values():
        named = [text for kind, text in found if kind == "columns" and text]
        if named:
            return f" ({named[0]})"
    return ""


def _fitting_table(mapping: Mapping, source: Source
                   ) -> tuple[Table | None, tuple[str, str | InputError]]:
    """The table of ``mapping`` that fits ``source``, or why none does: ``("no table", "")``,
    ``("unreadable", the reading error)`` or ``("columns", what is missing, when the table
    is named like the file)``."""
    try:
        table = mapping.table_for(source.name)
    except InputError:
        return None, ("no table", "")
    try:
        header = read_header(source.path, table, source.sheet)
    except InputError as error:
        return None, ("unreadable", error)
    present = {normalise(text) for text in header}
    required = [column for column in table.columns if column.required and not column.virtual]
    missing = [column.titles[0] for column in required
               if not any(normalise(t) in present for t in column.titles)]
    if not required or missing:
        named = Path(table.url).stem.lower() == source.name.stem.lower() and missing
        return None, ("columns", f"{source.label} is named like the table {table.url!r} of "
                      f"{mapping.path.stem} but lacks its required columns "
                      f"{', '.join(repr(title) for title in missing)}" if named else "")
    return table, ("", "")
