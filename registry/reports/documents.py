"""The documents the law asks for, as templates: one TOML file per kind of report.

A surveillance ordinance or a transparency standard lists what a document must say (the
CCOPS model's surveillance impact report, NYC's POST Act policy, the UK's Algorithmic
Transparency Recording Standard, a GDPR Art. 35(7) DPIA). Each list is a *template* here, held
as data in ``kinds/<kind>.toml`` so that a city can copy one, adapt it and pass it with
``cityreg report --template FILE``. :mod:`registry.reports.documentfill` fills a template from
the registry; :mod:`registry.reports.documentrender` writes the result.

A template names the document, the law it comes from (with its address), where that law binds
(a body of law of ``shapes/jurisdiction.ttl``, or countries and cities of its own), the kinds of
entity it is about, and its elements in order. Each element has an id, a heading, the question
it answers, and how it is filled: *reads*, each either

* a property path from a *scope* (named sets of nodes around the entity, themselves paths:
  ``""`` is the entity, ``"ssn:deployedSystem"`` its sensor, ``"^ssn:deployedSystem"`` its
  deployments), such as ``dpv:hasPurpose`` or ``cityreg:operator/cityreg:contactPoint``;
* a SPARQL SELECT with ``$this`` (each scope node) and ``$year`` (the ``--year``) that binds
  ``?value`` (and, for its source, ``?subject`` and ``?predicate``), with ``about``: the
  property whose "not disclosed" marks explain an empty answer; or
* a built-in: ``trace``, the access trace (:mod:`registry.flows`), who can access the data.

Loading checks everything (keys, prefixes, paths, scopes, SPARQL variables) and names the
file, the key, what it holds and what was expected: a bad template fails before any query.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.errors import InputError
from registry.namespaces import PREFIXES

__all__ = [
    "BUILTINS",
    "KINDS_DIR",
    "DocumentKind",
    "Element",
    "Law",
    "Read",
    "Step",
    "builtin_kinds",
    "kind_by_id",
    "load_kind",
    "parse_path",
]

#: Where the built-in templates are.
KINDS_DIR = Path(__file__).resolve().parent / "kinds"
#: The named fills a read may use instead of a path or a query.
BUILTINS = frozenset({"trace"})
_CURIE = re.compile(r"^([a-z][\w-]*):([A-Za-z_][\w.-]*)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP_KEYS = {"kind", "title", "summary", "rule", "applies_to", "law", "scopes", "units",
             "needs_year", "elements", "version"}
_LAW_KEYS = {"label", "url", "body", "countries", "cities", "note"}
_ELEMENT_KEYS = {"id", "heading", "question", "covers", "reads", "section", "reference"}
_READ_KEYS = {"scope", "path", "sparql", "about", "builtin", "beyond_first_holders"}


@dataclass(frozen=True)
class Step:
    """One link of a property path: ``predicate`` (full IRI), followed backwards if
    ``inverse``."""

    predicate: str
    inverse: bool = False


@dataclass(frozen=True)
class Read:
    """One way an element is filled: a path, a SPARQL query or a built-in, from ``scope``."""

    scope: str
    path: tuple[Step, ...] = ()
    sparql: str | None = None
    about: str | None = None
    builtin: str | None = None
    beyond_first_holders: bool = False

    @property
    def property(self) -> str | None:
        """The property whose absence leaves this read empty: the path's last link, or
        ``about``."""
        return self.path[-1].predicate if self.path else self.about


@dataclass(frozen=True)
class Element:
    """An item the document must address: what it asks and how the registry answers it."""

    id: str
    heading: str
    question: str
    reads: tuple[Read, ...]
    covers: str | None = None  # the cityreg:DocumentElement it stands for
    section: str | None = None  # a group of the standard's own structure (ATRS tiers)
    reference: str | None = None  # the standard's own field number


@dataclass(frozen=True)
class Law:
    """Where the document comes from and where it binds.

    ``body`` is a body of law of ``shapes/jurisdiction.ttl`` (its IRI); without it,
    ``countries`` and ``cities`` (UN/LOCODEs) say where the template binds. ``note`` qualifies
    it (the POST Act binds the NYPD only; the ATRS is policy, not statute).
    """

    label: str
    url: str
    body: str | None = None
    countries: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class DocumentKind:
    """A report kind: its title, law, the entities it is about and its elements."""

    id: str
    title: str
    summary: str
    rule: str
    applies_to: tuple[str, ...]
    law: Law
    scopes: Mapping[str, tuple[tuple[Step, ...], ...]]
    elements: tuple[Element, ...]
    units: str | None = None  # SPARQL: the technologies of a city (annual report)
    needs_year: bool = False
    version: str = ""
    file: Path | None = None

    @property
    def sections(self) -> tuple[str, ...]:
        """The element groups in order (empty when the template has none)."""
        return tuple(dict.fromkeys(e.section for e in self.elements if e.section))


def _expand(curie: str, where: str) -> str:
    match = _CURIE.match(curie)
    if match is None:
        raise InputError(f"{where}: {curie!r} is not a prefixed name: expected prefix:name "
                         f"such as dpv:hasPurpose, with a prefix among "
                         f"{', '.join(sorted(PREFIXES))}")
    prefix, local = match.groups()
    if prefix not in PREFIXES:
        raise InputError(f"{where}: the prefix {prefix!r} of {curie!r} is not known: expected "
                         f"one of {', '.join(sorted(PREFIXES))}")
    return PREFIXES[prefix] + local


def parse_path(text: str, where: str) -> tuple[Step, ...]:
    """``"cityreg:operator/^ssn:deployedSystem"`` as steps; ``""`` is the entity itself."""
    if not text.strip():
        return ()
    steps = []
    for part in text.split("/"):
        part = part.strip()
        inverse = part.startswith("^")
        steps.append(Step(_expand(part.lstrip("^"), where), inverse))
    return tuple(steps)


class _Reader:
    """Checks one template file's table, naming the file and the key of each problem."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(f"{self.file}: {key}: {problem}; see the built-in templates in "
                          f"{KINDS_DIR} for the format")

    def keys(self, table: Mapping[str, Any], allowed: set[str], key: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(key, f"unknown key{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(unknown)}: expected only {', '.join(sorted(allowed))}")

    def text(self, table: Mapping[str, Any], name: str, key: str, required: bool = True) -> str:
        value = table.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{key}.{name}" if key else name,
                            f"got {value!r}: expected a non-empty string")
        return value

    def strings(self, table: Mapping[str, Any], name: str, key: str) -> list[str]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key}.{name}" if key else name,
                            f"got {value!r}: expected a list of strings")
        return list(value)

    def law(self, table: Any) -> Law:
        if not isinstance(table, dict):
            raise self.fail("law", f"got {table!r}: expected a table with label and url")
        self.keys(table, _LAW_KEYS, "law")
        body = table.get("body")
        if body is not None and (not isinstance(body, str) or not body.startswith("http")):
            raise self.fail("law.body", f"got {body!r}: expected the IRI of a body of law of "
                            "shapes/jurisdiction.ttl")
        countries = self.strings(table, "countries", "law")
        cities = self.strings(table, "cities", "law")
        if body is None and not countries and not cities:
            raise self.fail("law", "says nowhere where it binds: expected body (a body of law "
                            "of shapes/jurisdiction.ttl) or countries/cities")
        return Law(self.text(table, "label", "law"), self.text(table, "url", "law"), body,
                   frozenset(countries), frozenset(cities),
                   self.text(table, "note", "law", required=False))

    def read(self, table: Any, key: str, scopes: Mapping[str, object]) -> Read:
        if not isinstance(table, dict):
            raise self.fail(key, f"got {table!r}: expected a table such as "
                            "{ scope = \"technology\", path = \"dpv:hasPurpose\" }")
        self.keys(table, _READ_KEYS, key)
        scope = self.text(table, "scope", key)
        if scope not in scopes:
            raise self.fail(f"{key}.scope", f"{scope!r} is not a scope of this template: "
                            f"expected one of {', '.join(sorted(scopes))}")
        kinds = [name for name in ("path", "sparql", "builtin") if name in table]
        if len(kinds) != 1:
            raise self.fail(key, f"has {', '.join(kinds) or 'none'} of path, sparql, builtin: "
                            "expected exactly one")
        beyond = table.get("beyond_first_holders", False)
        if not isinstance(beyond, bool):
            raise self.fail(f"{key}.beyond_first_holders", f"got {beyond!r}: expected true "
                            "or false")
        if "path" in table:
            path = parse_path(self.text(table, "path", key), f"{self.file}: {key}.path")
            if not path:
                raise self.fail(f"{key}.path", "is empty: expected at least one property")
            return Read(scope, path=path)
        if "builtin" in table:
            name = self.text(table, "builtin", key)
            if name not in BUILTINS:
                raise self.fail(f"{key}.builtin", f"{name!r} is not a built-in: expected one "
                                f"of {', '.join(sorted(BUILTINS))}")
            return Read(scope, builtin=name, beyond_first_holders=beyond)
        query = self.text(table, "sparql", key)
        if "?value" not in query or "$this" not in query:
            raise self.fail(f"{key}.sparql", "must use $this (each scope node) and bind "
                            "?value (optionally ?subject and ?predicate, for its source)")
        about = self.text(table, "about", key, required=False)
        if not about:
            raise self.fail(f"{key}.about", "is missing: a SPARQL read needs the property "
                            "whose 'not disclosed' marks explain an empty answer")
        return Read(scope, sparql=query, about=_expand(about, f"{self.file}: {key}.about"))

    def element(self, table: Any, index: int, scopes: Mapping[str, object]) -> Element:
        key = f"elements[{index}]"
        if not isinstance(table, dict):
            raise self.fail(key, f"got {table!r}: expected a table")
        self.keys(table, _ELEMENT_KEYS, key)
        element_id = self.text(table, "id", key)
        if not _ID.match(element_id):
            raise self.fail(f"{key}.id", f"{element_id!r}: expected lower-case letters, digits, "
                            "hyphens and underscores")
        reads = table.get("reads")
        if not isinstance(reads, list) or not reads:
            raise self.fail(f"{key}.reads", f"got {reads!r}: expected a non-empty list of "
                            "reads")
        covers = self.text(table, "covers", key, required=False)
        return Element(
            element_id, self.text(table, "heading", key), self.text(table, "question", key),
            tuple(self.read(r, f"{key}.reads[{i}]", scopes) for i, r in enumerate(reads)),
            _expand(covers, f"{self.file}: {key}.covers") if covers else None,
            self.text(table, "section", key, required=False) or None,
            self.text(table, "reference", key, required=False) or None)

    def kind(self, table: Mapping[str, Any]) -> DocumentKind:
        self.keys(table, _TOP_KEYS, "(top level)")
        kind_id = self.text(table, "kind", "")
        if not _ID.match(kind_id):
            raise self.fail("kind", f"{kind_id!r}: expected lower-case letters, digits and "
                            "hyphens, such as surveillance-impact-report")
        raw_scopes = table.get("scopes")
        if not isinstance(raw_scopes, dict) or not raw_scopes:
            raise self.fail("scopes", f"got {raw_scopes!r}: expected a table of named lists "
                            "of paths, such as technology = [\"\", \"ssn:deployedSystem\"]")
        scopes = {name: tuple(parse_path(p, f"{self.file}: scopes.{name}")
                              for p in self.strings(raw_scopes, name, "scopes"))
                  for name in raw_scopes}
        applies = [_expand(c, f"{self.file}: applies_to")
                   for c in self.strings(table, "applies_to", "")]
        if not applies:
            raise self.fail("applies_to", "is empty: expected the classes of the entities the "
                            "document is about, such as cityreg:System")
        elements = table.get("elements")
        if not isinstance(elements, list) or not elements:
            raise self.fail("elements", "expected a non-empty array of [[elements]] tables")
        parsed = tuple(self.element(e, i, scopes) for i, e in enumerate(elements))
        seen: set[str] = set()
        for element in parsed:
            if element.id in seen:
                raise self.fail("elements", f"the id {element.id!r} is used twice: expected "
                                "each element's id once")
            seen.add(element.id)
        needs_year = table.get("needs_year", False)
        if not isinstance(needs_year, bool):
            raise self.fail("needs_year", f"got {needs_year!r}: expected true or false")
        units = self.text(table, "units", "", required=False) or None
        if units is not None and ("?unit" not in units or "$this" not in units):
            raise self.fail("units", "must use $this (the entity) and bind ?unit (each "
                            "technology the document has a section for)")
        return DocumentKind(
            kind_id, self.text(table, "title", ""), self.text(table, "summary", ""),
            self.text(table, "rule", ""), tuple(applies), self.law(table.get("law")), scopes,
            parsed, units, needs_year, self.text(table, "version", "", required=False),
            self.file)


def load_kind(file: Path) -> DocumentKind:
    """The template in ``file``, checked; InputError names the file, key and expectation."""
    try:
        table = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no template file {file}: give the path of a TOML template, such "
                         f"as a copy of one in {KINDS_DIR}") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{file}: not valid TOML ({error}); fix its syntax") from None
    return _Reader(file).kind(table)


def builtin_kinds() -> dict[str, DocumentKind]:
    """The built-in report kinds by id, in the order of their file names."""
    kinds = (load_kind(path) for path in sorted(KINDS_DIR.glob("*.toml")))
    return {kind.id: kind for kind in kinds}


def kind_by_id(kind_id: str, kinds: Sequence[DocumentKind] | None = None) -> DocumentKind:
    """The built-in kind ``kind_id``; InputError listing the kinds otherwise."""
    found = {k.id: k for k in kinds} if kinds is not None else builtin_kinds()
    if kind_id not in found:
        raise InputError(f"unknown report kind {kind_id!r}: expected one of "
                         f"{', '.join(found)} (or --template FILE for an adapted one)")
    return found[kind_id]
