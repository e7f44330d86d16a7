"""Mappings for tables: a subset of W3C CSVW metadata ("Metadata Vocabulary for Tabular Data").

A mapping is a CSVW JSON document. cityreg reads this subset of it:

* ``tables[].url`` (the file the table describes, matched by file name or stem) and
  ``dialect`` (``delimiter``, ``encoding``, ``quoteChar``);
* ``tableSchema.aboutUrl`` and, per column, ``name``, ``titles`` (the register's header text;
  columns are found by title, in any order), ``datatype`` (``string``, ``integer``,
  ``decimal``, ``double``, ``boolean`` with ``format`` like ``"Ja|Nee"``, ``date`` with
  ``format`` like ``"dd-MM-yyyy"``, ``anyURI``; ``minimum``/``maximum``), ``separator``
  (multi-value cells), ``null``, ``required``, ``lang``, ``aboutUrl``, ``propertyUrl``,
  ``valueUrl`` and ``virtual`` columns;
* URI templates are RFC 6570 ``{name}`` (percent-encoded) and ``{+name}``, resolved against the
  import's entity base (``--base``, or the default base + ``--city``).

cityreg adds annotations, which CSVW allows as prefixed names:

* ``cityreg:valueMap`` (column): cell text -> IRI (prefixed name or absolute), such as
  ``"Optische / camera sensor": "cityreg:CameraSensor"``; matching ignores case and spacing;
  a cell may also name the term itself (``cityreg:CameraSensor`` or a full IRI);
  a value not in the map is a problem unless ``cityreg:otherwise`` gives a fallback IRI, or
  ``cityreg:strict`` is false (the value is then left out: free-text answers such as a legal
  basis in the register's own words, kept verbatim by another column).
* ``cityreg:slug`` (column, true): the value enters IRI templates as a slug
  (``Gemeente Amsterdam`` -> ``gemeente-amsterdam``).
* ``cityreg:valueTemplate`` (virtual column): a literal built from cells, ``"{type} {ref}"``.
* ``cityreg:onlyIf`` (virtual column): the column's name that must have a value for the
  virtual column to apply.
* ``cityreg:layout`` (table, ``"keyValue"``): the file is ``key;value`` lines describing one
  thing (Amsterdam's ``Uw gegevens.csv``); its named values can be used in the templates of
  the other tables of the same import.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.errors import InputError
from registry.namespaces import PREFIXES

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
DATATYPES = frozenset({"string", "integer", "decimal", "double", "boolean", "date", "anyURI"})
#: Where the shipped mappings live (the templates' mappings and the Amsterdam register).
SHIPPED = Path(__file__).parent / "mappings"


@dataclass(frozen=True)
class Datatype:
    """A column's datatype with its ``format`` and bounds."""

    base: str = "string"
    format: str | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Column:
    """One column description of the mapping."""

    name: str
    titles: tuple[str, ...]
    property_url: str | None = None
    about_url: str | None = None
    value_url: str | None = None
    datatype: Datatype = Datatype()
    separator: str | None = None
    null: tuple[str, ...] = ("",)
    required: bool = False
    lang: str | None = None
    virtual: bool = False
    value_map: dict[str, str] | None = None
    """Normalised cell text -> IRI."""
    value_texts: tuple[str, ...] = ()
    """The map's keys as the mapping spells them, for error messages."""
    otherwise: str | None = None
    slug: bool = False
    value_template: str | None = None
    only_if: str | None = None
    strict: bool = True


@dataclass(frozen=True)
class Table:
    """One table of the mapping: the file it describes and its columns."""

    url: str
    columns: tuple[Column, ...]
    about_url: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    quote_char: str = '"'
    key_value: bool = False


@dataclass(frozen=True)
class Mapping:
    """A CSVW table group: the tables one import may read together."""

    path: Path
    tables: tuple[Table, ...]
    prefixes: dict[str, str] = field(default_factory=dict)

    def table_for(self, file: Path) -> Table:
        """The table describing ``file``, by file name, then stem; the only table otherwise."""
        for table in self.tables:
            name = Path(table.url).name.lower()
            if name == file.name.lower() or Path(name).stem == file.stem.lower():
                return table
        if len(self.tables) == 1:
            return self.tables[0]
        names = ", ".join(repr(table.url) for table in self.tables)
        raise InputError(f"{file}: the mapping {self.path.name} has no table for this file: "
                         f"expected a file named one of {names}; rename the file or give "
                         "another --mapping")

    def expand(self, name: str) -> str:
        """A prefixed name (``cityreg:CameraSensor``) or absolute IRI, as an absolute IRI."""
        prefix, _, local = name.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return name


def load_mapping(path: Path) -> Mapping:
    """Read and check a CSVW mapping; errors name the JSON key and what was expected."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--mapping {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"--mapping {path}: a folder, expected a CSVW metadata file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a JSON file ({error}); expected CSVW metadata") from None
    except (RecursionError, ValueError) as error:
        raise InputError(f"{path}: not a JSON file that cityreg can read ({error}); expected "
                         "CSVW metadata") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a JSON object (CSVW metadata)")
    prefixes = dict(PREFIXES)
    context = document.get("@context")
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            prefixes.update({k: v for k, v in item.items()
                             if isinstance(v, str) and not k.startswith("@")})
    language = _context_language(context)
    raw_tables = document.get("tables", [document] if "tableSchema" in document else None)
    if not isinstance(raw_tables, list) or not raw_tables:
        raise InputError(f"{path}: expected \"tables\" (a list) or a \"tableSchema\"; see the "
                         "shipped mappings in registry/importers/mappings/")
    tables = tuple(_table(path, index, raw, language) for index, raw in enumerate(raw_tables))
    return Mapping(path, tables, prefixes)


def shipped_mappings() -> list[Path]:
    """The mappings that ship with cityreg, sorted by name."""
    return sorted(SHIPPED.glob("*.json"))


def _context_language(context: Any) -> str | None:
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict) and isinstance(item.get("@language"), str):
            return str(item["@language"])
    return None


def _table(path: Path, index: int, raw: Any, language: str | None) -> Table:
    where = f"{path}: tables[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("tableSchema"), dict):
        raise InputError(f"{where}: expected an object with a \"tableSchema\" object")
    schema = raw["tableSchema"]
    columns_raw = schema.get("columns")
    if not isinstance(columns_raw, list) or not columns_raw:
        raise InputError(f"{where}.tableSchema.columns: expected a non-empty list of columns")
    dialect = raw.get("dialect", {})
    if not isinstance(dialect, dict):
        raise InputError(f"{where}.dialect: expected an object such as "
                         "{\"delimiter\": \";\", \"encoding\": \"utf-8\"}")
    delimiter = dialect.get("delimiter", ",")
    quote_char = dialect.get("quoteChar", '"')
    encoding = dialect.get("encoding", "utf-8-sig")
    for key, value in (("delimiter", delimiter), ("quoteChar", quote_char)):
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            raise InputError(f"{where}.dialect.{key}: {value!r} is not one character: expected "
                             "a single character such as \",\" or \";\"")
    try:
        codecs.lookup(encoding if isinstance(encoding, str) else "")
    except LookupError:
        raise InputError(f"{where}.dialect.encoding: {encoding!r} is not an encoding Python "
                         "knows: expected a name such as \"utf-8\", \"utf-8-sig\" or "
                         "\"windows-1252\"") from None
    columns = tuple(_column(f"{where}.tableSchema.columns[{i}]", c, language)
                    for i, c in enumerate(columns_raw))
    names = [column.name for column in columns]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(f"{where}: column names {duplicates} are used twice; expected each "
                         "column \"name\" once")
    return Table(
        url=str(raw.get("url", "")), columns=columns, about_url=schema.get("aboutUrl"),
        delimiter=delimiter, encoding=encoding, quote_char=quote_char,
        key_value=raw.get("cityreg:layout") == "keyValue",
    )


def _column(where: str, raw: Any, language: str | None) -> Column:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise InputError(f"{where}: expected an object with a \"name\"")
    name = raw["name"]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError(f"{where}: column name {name!r} must be letters, digits and _ so that "
                         "templates can use it as {name}")
    for key in ("propertyUrl", "aboutUrl", "valueUrl", "separator", "lang", "cityreg:otherwise",
                "cityreg:valueTemplate", "cityreg:onlyIf"):
        if not isinstance(raw.get(key, ""), str):
            raise InputError(f"{where}.{key}: {raw[key]!r} is not text: expected a string")
    titles = _texts(f"{where}.titles", raw.get("titles", [] if raw.get("virtual") else [name]))
    datatype = _datatype(where, raw.get("datatype", "string"))
    null = _texts(f"{where}.null", raw.get("null", ""))
    value_map = raw.get("cityreg:valueMap")
    if value_map is not None and (not isinstance(value_map, dict) or not all(
            isinstance(value, str) for value in value_map.values())):
        raise InputError(f"{where}: \"cityreg:valueMap\" must map cell text to IRIs")
    return Column(
        name=name, titles=titles, property_url=raw.get("propertyUrl"),
        about_url=raw.get("aboutUrl"), value_url=raw.get("valueUrl"), datatype=datatype,
        separator=raw.get("separator"), null=null,
        required=bool(raw.get("required", False)),
        lang=None if raw.get("lang", language) in (None, "", "und") else raw.get("lang", language),
        virtual=bool(raw.get("virtual", False)),
        value_map=None if value_map is None else {_norm(k): v for k, v in value_map.items()},
        value_texts=tuple(value_map or ()),
        otherwise=raw.get("cityreg:otherwise"), slug=bool(raw.get("cityreg:slug", False)),
        value_template=raw.get("cityreg:valueTemplate"), only_if=raw.get("cityreg:onlyIf"),
        strict=bool(raw.get("cityreg:strict", True)),
    )


def _datatype(where: str, raw: Any) -> Datatype:
    if isinstance(raw, str):
        raw = {"base": raw}
    if not isinstance(raw, dict):
        raise InputError(f"{where}.datatype: expected a name or an object with \"base\"")
    base = str(raw.get("base", "string"))
    if base not in DATATYPES:
        raise InputError(f"{where}.datatype: {base!r} is not supported; expected one of "
                         f"{', '.join(sorted(DATATYPES))}")
    fmt = raw.get("format")
    if base == "boolean" and fmt is not None and str(fmt).count("|") != 1:
        raise InputError(f"{where}.datatype.format: {fmt!r} must be \"true-text|false-text\", "
                         "such as \"Ja|Nee\"")
    bounds = [raw.get("minimum"), raw.get("maximum")]
    if any(bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float))
           for bound in bounds):
        raise InputError(f"{where}.datatype: minimum and maximum must be numbers, not "
                         f"{bounds[0]!r} and {bounds[1]!r}")
    return Datatype(base, None if fmt is None else str(fmt), bounds[0], bounds[1])


def _texts(where: str, raw: Any) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple."""
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InputError(f"{where}: {raw!r} is neither text nor a list of texts: expected a "
                         "string or a list of strings")
    return tuple(raw)


def _norm(text: str) -> str:
    """Cell text as value maps compare it: case and spacing ignored."""
    return " ".join(text.split()).casefold()


normalise = _norm
