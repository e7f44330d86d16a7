"""Full-text search over the labels and descriptions of every entity, with facets.

``/search?q=...&type=...&city=...&vendor=...&severity=...&page=N`` (and ``/search.csv``,
``/search.json`` with the same parameters) finds the entities whose labels and descriptions
(``rdfs:label``, ``dct:description``, any language) hold every word of ``q``: case and accents
do not matter (``sao`` finds "São"), and a word matches the start of a word (``smart`` finds
"Smarter"). An empty ``q`` matches every entity, so the facets alone browse the registry.

Each entity has one value of each facet but ``vendor``:

* ``type``: its kind (:data:`registry.web.indexes.KINDS`, the first that fits, in that order);
  the value is the kind's slug, as in ``/types/<slug>``;
* ``city``: the slug of its city (as in ``/cities/<slug>``): its ``cityreg:city``, and for a
  contract that states none the city GraphQL gives it (its buyer's, controller's, ...);
  entities without a city are counted as "no city" and cannot be picked;
* ``vendor``: the IRI of each vendor it depends on, as GraphQL's ``vendor:`` filter means it
  (``registry.api.schema._vendor_related``): it names the vendor as supplier, data processor,
  sub-processor, developer or host, or the access graph's vendor concentration counts it among
  the vendor's contracts, datasets or sensors. An entity may depend on several vendors or none,
  so these counts do not add up to the total;
* ``severity``: the most severe *binding* finding on it (``violation``, ``warning``, ``info``);
  ``benchmark`` when all its findings are benchmarks (never counted as violations), ``none``
  when it has none. Without the legal checks this facet is left out.

Facet counts are over the results (the text and every facet picked), so the counts of
``type``, ``city`` and ``severity`` each add up to the number of results; an unknown facet
value finds nothing, it is not an error. The index (:class:`SearchIndex`) is built once per
served registry, which does not change while it is served; a query is bounded:
``q`` has at most :data:`MAX_QUERY_CHARS` characters (400 beyond), a page shows
:data:`PAGE_SIZE` results, and the downloads hold every result.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from rdflib import Literal

from registry.server.firstrun import VENDOR_CONCENTRATION
from registry.web import indexes
from registry.web.pages import is_benchmark, validation_report
from registry.web.tables import Row, Table

if TYPE_CHECKING:
    from registry.api.readmodel import ReadModel
    from registry.context import RegistryContext

#: The longest ``q`` accepted, in characters.
MAX_QUERY_CHARS = 200
#: Results on one HTML page.
PAGE_SIZE = 50
#: The facets, in the order the page shows them.
FACETS = ("type", "city", "vendor", "severity")
#: Severity values, most severe first (``benchmark``: only benchmarks; ``none``: no findings).
SEVERITIES = ("violation", "warning", "info", "benchmark", "none")
#: How many values of one facet the page shows (the most frequent; the downloads have all).
FACET_VALUES_SHOWN = 25
#: How many characters of a description a result shows around the first match.
SNIPPET_CHARS = 180

COLUMNS = ("iri", "label", "kind", "kind_title", "city", "city_label", "severity", "vendors",
           "vendor_labels", "description")

_WORD = re.compile(r"\w+")
_DESCRIPTION = "http://purl.org/dc/terms/description"


class SearchError(ValueError):
    """A search request that cannot run; its message says what to send instead."""


def fold(text: str) -> str:
    """``text`` without case or accents: ``São Paulo`` -> ``sao paulo``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Doc:
    """One searchable entity with its facet values."""

    iri: str
    label: str
    kind: indexes.Kind
    city: str | None
    city_label: str | None
    city_slug: str | None
    description: str | None
    vendors: tuple[str, ...]
    severity: str | None

    def facet_values(self, facet: str) -> tuple[str, ...]:
        """The values of ``facet`` this entity has (``""``: no city)."""
        if facet == "type":
            return (self.kind.slug,)
        if facet == "city":
            return (self.city_slug or "",)
        if facet == "vendor":
            return self.vendors
        return (self.severity,) if self.severity is not None else ()


@dataclass(frozen=True)
class Query:
    """A search request: the text, the facet values picked, the page (from 1)."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        """The query of URL parameters ``q``, the facets and ``page``; :class:`SearchError`
        for a ``q`` too long or a ``page`` that is not a positive whole number."""
        q = params.get("q", "").strip()
        if len(q) > MAX_QUERY_CHARS:
            raise SearchError(
                f"q is {len(q)} characters long, more than the limit of {MAX_QUERY_CHARS}: "
                "search with fewer or shorter words")
        raw_page = params.get("page", "1").strip() or "1"
        if not raw_page.isdigit() or int(raw_page) < 1 or len(raw_page) > 9:
            raise SearchError(f"page {raw_page!r} is not a page number: expected a whole "
                              "number from 1, e.g. page=2")
        filters = tuple((facet, params[facet]) for facet in FACETS
                        if params.get(facet, "") != "")
        return cls(q, filters, int(raw_page))

    def params(self, **changes: str | None) -> dict[str, str]:
        """The URL parameters of this query with ``changes`` (``None`` removes one); the page
        goes back to the first unless it is changed."""
        values: dict[str, str | None] = {"q": self.q or None, **dict(self.filters)}
        values.update(changes)
        if "page" not in changes:
            values.pop("page", None)
        return {key: value for key, value in values.items() if value}

    def link(self, **changes: str | None) -> str:
        """The query string (``?q=...``) of this query with ``changes``."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""

    def picked(self, facet: str) -> str | None:
        """The value picked for ``facet``, if any."""
        return dict(self.filters).get(facet)


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with its count, its label and whether it is picked."""

    value: str
    label: str
    count: int
    picked: bool


@dataclass(frozen=True)
class Hit:
    """A result: its entity and a snippet (``(text, matched)`` parts)."""

    doc: Doc
    snippet: tuple[tuple[str, bool], ...]


@dataclass
class Results:
    """The answer to a :class:`Query`: every matching entity, the facets, one page of hits."""

    query: Query
    docs: list[Doc]
    facets: dict[str, list[FacetValue]]
    hits: list[Hit] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many entities match."""
        return len(self.docs)

    @property
    def pages(self) -> int:
        """How many pages of :data:`PAGE_SIZE` the results fill (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        """The position (from 1) of the first hit on this page."""
        return (self.query.page - 1) * PAGE_SIZE + 1


class Postings:
    """Which docs hold which words: a sorted vocabulary (for prefix look-ups) and, per word,
    the positions of the docs that hold it (a compact array)."""

    def __init__(self, texts: Iterable[str]) -> None:
        """Index ``texts``, the text of the doc at each position."""
        postings: dict[str, array[int]] = {}
        for position, text in enumerate(texts):
            for word in set(words(text)):
                found = postings.get(word)
                if found is None:
                    found = postings[word] = array("I")
                found.append(position)
        self.vocabulary = sorted(postings)
        self.postings = postings

    def matching(self, q_words: Iterable[str]) -> set[int] | None:
        """Positions of the docs with a word that starts with each of ``q_words``; ``None``
        for no words (no condition)."""
        found: set[int] | None = None
        for word in dict.fromkeys(q_words):
            positions: set[int] = set()
            index = bisect_left(self.vocabulary, word)
            while index < len(self.vocabulary) and self.vocabulary[index].startswith(word):
                positions.update(self.postings[self.vocabulary[index]])
                index += 1
            found = positions if found is None else found & positions
            if not found:
                return set()
        return found


class SearchIndex:
    """Every entity's words, facet values and text, built once (see the module docstring)."""

    def __init__(self, docs: list[Doc], texts: list[str], labels: dict[str, str],
                 severities: bool) -> None:
        """``docs`` by label; ``texts[i]``: every label and description of ``docs[i]``;
        ``labels``: the label of every vendor; ``severities``: whether the legal checks ran."""
        self.docs = docs
        self.labels = labels
        self.facets = FACETS if severities else FACETS[:-1]
        self.text = Postings(texts)
        self.label = Postings(doc.label for doc in docs)

    @classmethod
    def build(cls, context: RegistryContext, model: ReadModel | None = None) -> SearchIndex:
        """The index of ``context``'s registry; ``model``: the API's read model, if the caller
        has it (else one is built)."""
        from registry.api.readmodel import ReadModel

        model = model or ReadModel.from_registry(context.registry)
        texts: dict[str, list[str]] = defaultdict(list)
        descriptions: dict[str, list[Literal]] = defaultdict(list)
        for row in context.registry.select(
                "SELECT ?e ?p ?o WHERE { VALUES ?p { rdfs:label dct:description } ?e ?p ?o "
                "FILTER(isIRI(?e) && isLiteral(?o)) }"):
            literal = row["o"]
            assert isinstance(literal, Literal)
            texts[str(row["e"])].append(str(literal))
            if str(row["p"]) == _DESCRIPTION:
                descriptions[str(row["e"])].append(literal)
        vendors, labels = _vendors_of(context, model)
        severity = _severities(context)
        seen: set[str] = set()
        docs: list[Doc] = []
        for kind in indexes.KINDS:
            for item in indexes.kind_members(context, kind.slug) or ():
                if item.iri in seen:
                    continue  # an entity of two kinds has the first
                seen.add(item.iri)
                entity = model.get(item.iri)
                city = model.city_of(entity) if entity is not None else item.city_iri
                city_label = None if city is None else (
                    item.city if city == item.city_iri and item.city else model.label(city))
                slug = None if city is None else indexes.city_slug(city, context.entity_base)
                docs.append(Doc(
                    item.iri, item.label, kind, city, city_label, slug,
                    _description(descriptions.get(item.iri, [])),
                    tuple(sorted(vendors.get(item.iri, ()), key=lambda v: labels[v].casefold())),
                    None if severity is None else severity.get(item.iri, "none")))
        docs.sort(key=lambda doc: (doc.label.casefold(), doc.iri))
        return cls(docs, [" ".join([doc.label, *texts.get(doc.iri, [])]) for doc in docs],
                   labels, severity is not None)

    def matching(self, q: str) -> list[int]:
        """Positions of the docs whose words start with every word of ``q`` (all for none)."""
        found = self.text.matching(words(q))
        return list(range(len(self.docs))) if found is None else sorted(found)

    def search(self, query: Query) -> Results:
        """The results of ``query``: entities whose label matches every word first, then the
        others, each by label; the facets; the hits of ``query.page``."""
        picked = dict(query.filters)
        positions = [p for p in self.matching(query.q)
                     if all(value in self.docs[p].facet_values(facet)
                            for facet, value in picked.items())]
        q_words = words(query.q)
        in_label = self.label.matching(q_words)
        if in_label is not None:  # label matches first; the sort is stable: by label within
            positions.sort(key=lambda p: p not in in_label)
        docs = [self.docs[p] for p in positions]
        results = Results(query, docs, self._facets(docs, query))
        start = (query.page - 1) * PAGE_SIZE
        results.hits = [Hit(doc, snippet(doc.description or "", q_words))
                        for doc in docs[start:start + PAGE_SIZE]]
        return results

    def _facets(self, docs: list[Doc], query: Query) -> dict[str, list[FacetValue]]:
        facets: dict[str, list[FacetValue]] = {}
        for facet in self.facets:
            counts: Counter[str] = Counter(value for doc in docs
                                           for value in doc.facet_values(facet))
            labels = self._facet_labels(facet, docs)
            values = [FacetValue(value, labels.get(value, value), count,
                                 query.picked(facet) == value)
                      for value, count in counts.items()]
            if facet == "severity":
                values.sort(key=lambda v: SEVERITIES.index(v.value))
            else:
                values.sort(key=lambda v: (-v.count, v.value == "", v.label.casefold()))
            facets[facet] = values
        return facets

    def _facet_labels(self, facet: str, docs: list[Doc]) -> dict[str, str]:
        if facet == "type":
            return {kind.slug: kind.title for kind in indexes.KINDS}
        if facet == "city":
            return {"": "(no city)", **{doc.city_slug: doc.city_label or doc.city_slug
                                        for doc in docs if doc.city_slug}}
        if facet == "vendor":
            return self.labels
        return {"benchmark": "benchmarks only", "none": "no findings"}

    def table(self, results: Results) -> Table:
        """Every result of ``results`` as the rows of its downloads."""
        def rows() -> Iterator[Row]:
            for doc in results.docs:
                yield {"iri": doc.iri, "label": doc.label, "kind": doc.kind.slug,
                       "kind_title": doc.kind.title, "city": doc.city,
                       "city_label": doc.city_label, "severity": doc.severity,
                       "vendors": "; ".join(doc.vendors),
                       "vendor_labels": "; ".join(self.labels[v] for v in doc.vendors),
                       "description": doc.description}
        return Table("/search", "Search", COLUMNS, rows())


def snippet(text: str, q_words: list[str]) -> tuple[tuple[str, bool], ...]:
    """About :data:`SNIPPET_CHARS` characters of ``text`` around its first word that starts
    with one of ``q_words``, split into ``(text, matched)`` parts (the matched words marked)."""
    if not text:
        return ()
    spans = []
    for match in _WORD.finditer(text):
        folded = fold(match.group())
        if any(folded.startswith(word) for word in q_words):
            spans.append((match.start(), match.end()))
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    parts: list[tuple[str, bool]] = [("… ", False)] if start else []
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts += [(text[position:span_start], False), (text[span_start:span_end], True)]
        position = span_end
    parts.append((text[position:end], False))
    if end < len(text):
        parts.append((" …", False))
    return tuple(part for part in parts if part[0])


def _description(literals: list[Literal]) -> str | None:
    """The English (or untagged) description, else any."""
    if not literals:
        return None
    ranked = sorted(literals, key=lambda lit: (lit.language not in ("en", None),
                                               lit.language is not None, str(lit)))
    return str(ranked[0])


def _vendors_of(context: RegistryContext, model: ReadModel
                ) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The vendors each entity depends on, by GraphQL's rule (``_vendor_related``, inverted:
    the vendors of the access graph's vendor concentration, and what names them in one of
    ``VENDOR_PROPERTIES``), and the label of every vendor."""
    from registry.api.schema import VENDOR_PROPERTIES

    depends: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    context.check_ready(VENDOR_CONCENTRATION)
    for row in context.access_graph.vendor_concentration():
        labels[row.vendor] = row.label
        for iri in (*row.contracts, *row.datasets, *row.sensors):
            depends[iri].add(row.vendor)
    for vendor in labels:
        for prop in VENDOR_PROPERTIES:
            for entity in model.pointing_at(vendor, prop):
                depends[entity.iri].add(vendor)
    return depends, labels


def _severities(context: RegistryContext) -> dict[str, str] | None:
    """The severity facet of every entity with findings (see the module docstring); ``None``
    without the legal checks."""
    report = validation_report(context)
    if report is None:
        return None
    ranks = {name: rank for rank, name in enumerate(SEVERITIES)}
    found: dict[str, str] = {}
    for finding in report.findings:
        value = "benchmark" if is_benchmark(finding) else str(finding.severity)
        current = found.get(finding.focus)
        if current is None or ranks[value] < ranks[current]:
            found[finding.focus] = value
    return found
