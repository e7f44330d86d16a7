"""What a resident's page is made of (registry.web.residentpage): its statements, each with how
it is known and its sources, and the facts it reads, each entity queried once; with the small
helpers that turn names into plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import RDFS, Literal, URIRef
from rdflib.term import Node

from registry.namespaces import CITYREG
from registry.web.pages import local_name

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

#: How a statement is known.
KNOWN, INFERRED, NOT_DISCLOSED, NOT_RECORDED = ("known", "inferred", "not disclosed",
                                                "not recorded")


@dataclass(frozen=True)
class SourceLink:
    """A small "source" link: the document a statement rests on."""

    label: str
    href: str


@dataclass(frozen=True)
class Statement:
    """One sentence of the page, how it is known, its sources, an optional link and the items
    listed under it."""

    text: str
    status: str = KNOWN
    sources: tuple[SourceLink, ...] = ()
    link: tuple[str, str] | None = None  # (href, text)
    items: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class Section:
    """One question the page answers."""

    anchor: str
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class ResidentPage:
    """Everything ``resident.html`` shows."""

    iri: str
    label: str
    fictional: bool
    entity_href: str
    trace_href: str | None
    sections: tuple[Section, ...]


class Facts:
    """The statements about the entities one page reads, each entity queried once."""

    def __init__(self, context: RegistryContext, linker: Linker) -> None:
        self.context = context
        self.linker = linker
        self._by_subject: dict[str, dict[str, list[Node]]] = {}

    def of(self, iri: str) -> dict[str, list[Node]]:
        found = self._by_subject.get(iri)
        if found is None:
            found = {}
            for row in self.context.registry.select(
                    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"s": URIRef(iri)}):
                found.setdefault(str(row["p"]), []).append(row["o"])
            self._by_subject[iri] = found
        return found

    def values(self, iri: str, prop: URIRef) -> list[Node]:
        return sorted(self.of(iri).get(str(prop), []), key=str)

    def iris(self, iri: str, prop: URIRef) -> list[str]:
        return [str(v) for v in self.values(iri, prop) if isinstance(v, URIRef)]

    def first(self, iri: str, prop: URIRef) -> Node | None:
        found = self.values(iri, prop)
        return found[0] if found else None

    def flag(self, iri: str, prop: URIRef) -> bool | None:
        value = self.first(iri, prop)
        return value.toPython() if isinstance(value, Literal) and isinstance(
            value.toPython(), bool) else None

    def status(self, iri: str, prop: URIRef) -> str:
        """known, not disclosed or not recorded ("absent" counts as known: it is stated)."""
        if self.values(iri, prop) or prop in self.values(iri, CITYREG.absent):
            return KNOWN
        if prop in self.values(iri, CITYREG.notDisclosed):
            return NOT_DISCLOSED
        return NOT_RECORDED

    def label(self, iri: str) -> str:
        labels = [v for v in self.values(iri, RDFS.label) if isinstance(v, Literal)]
        labels.sort(key=lambda v: (v.language not in (None, "en"), str(v)))
        return str(labels[0]) if labels else words_of(iri)

    def sources(self, *iris: str) -> tuple[SourceLink, ...]:
        """The source links of ``iris`` (their cityreg:source), each once."""
        links = [link for iri in iris for source in self.iris(iri, CITYREG.source)
                 for link in self.sources_at(source)]
        return tuple({link.href: link for link in reversed(links)}.values())[::-1]

    def sources_at(self, source: str) -> tuple[SourceLink, ...]:
        """The link of one cityreg:Source: its URL, else its page in the registry."""
        url = self.first(source, CITYREG.url)
        page = self.linker.entity_path(source)
        href = str(url) if url is not None else (
            self.linker.href(page) if page is not None else None)
        return () if href is None else (SourceLink(self.label(source), href),)


def words_of(iri: str) -> str:
    """A readable name from an IRI's last part: ``ServiceProvision`` -> ``service provision``."""
    name = local_name(iri)
    spaced = "".join(" " + c.lower() if c.isupper() and i else c.lower()
                     for i, c in enumerate(name))
    return spaced.replace("-", " ").replace("_", " ").strip()


def place_name(label: str) -> str:
    """A city's label without the fictional city's "Fictional: " (the page says so at its
    top)."""
    return label.removeprefix("Fictional: ")


def join_words(words: list[str]) -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def days_text(number: int) -> str:
    if number == 1:
        return "1 day"
    if number % 365 == 0:
        years = number // 365
        return f"{number:,} days ({years} year{'s' if years > 1 else ''})"
    return f"{number:,} days"


#: A trace gap's status, as the page words it.
STATUS_OF: dict[str, str] = {"not disclosed": NOT_DISCLOSED, "not recorded": NOT_RECORDED}
