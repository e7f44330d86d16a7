"""What each kept publication changed, and the site's ``changes.html`` that lists it.

:func:`publication_changes` turns the kept publications (:mod:`registry.web.publications`)
into :class:`PublicationChanges`, newest first: counts, the entities added, removed and changed
(field by field for a changed or removed entity), the findings that appeared or were resolved,
each entity with its page when the site has one (a removed entity has none). ``changes.html``
and the Atom feed (:mod:`registry.web.feed`) both show this model, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from registry.context import RegistryContext
from registry.errors import InputError
from registry.web import render
from registry.web.pages import Linker, static_file
from registry.web.publications import CHANGES, FOLDER, MANIFEST, Publication, name_time

#: The site paths of the changes page and its feed.
PAGE = "/changes"
FEED = "/changes.atom"
#: The most entities (and findings) the page lists per publication; changes.json has all.
MAX_LISTED = 1000

PageOf = Callable[[str], str | None]
"""The site path (``/id/<path>``) of an entity's page, or ``None`` when the site has none."""


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed entity: its label and the values removed and added."""

    label: str
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class EntityChange:
    """An entity added, removed or changed by a publication."""

    iri: str
    label: str
    kinds: tuple[str, ...]
    change: str
    page: str | None
    fields: tuple[FieldChange, ...]

    @property
    def shown_fields(self) -> tuple[FieldChange, ...]:
        """The fields worth listing: all of a changed or removed entity, none of an added one
        that has its own page (which shows them)."""
        return () if self.change == "added" and self.page is not None else self.fields


@dataclass(frozen=True)
class FindingChange:
    """A legal finding that appeared or was resolved with a publication."""

    change: str
    rule: str
    severity: str
    focus_label: str
    page: str | None
    message: str


@dataclass(frozen=True)
class PublicationChanges:
    """One publication as the changes page and the feed show it."""

    name: str
    published: datetime
    manifest_sha256: str
    files: tuple[str, ...]
    first: bool
    counts: dict[str, int]
    """``added``, ``removed``, ``changed`` (entities), ``appeared``, ``resolved`` (findings)."""
    entities: tuple[EntityChange, ...]
    findings: tuple[FindingChange, ...]

    @property
    def anchor(self) -> str:
        """The id of its section on the changes page."""
        return f"publication-{self.name}"

    @property
    def folder(self) -> str:
        """The site path of its folder (ending in ``/``)."""
        return f"/{FOLDER}/{self.name}/"

    @property
    def title(self) -> str:
        """``Publication of 2026-12-07 01:20:31 UTC``: the time its name stands for (which
        is one second after the previous one's if it was published within the same second)."""
        return f"Publication of {name_time(self.name):%Y-%m-%d %H:%M:%S} UTC"

    @property
    def summary(self) -> str:
        """The counts in one sentence."""
        if self.first:
            return "The first publication kept: there is no earlier one to compare it with."
        counts = self.counts
        if not any(counts.values()):
            return "No change since the previous publication."
        entities = (f"{_entities(counts['added'])} added, {counts['removed']} removed, "
                    f"{counts['changed']} changed")
        findings = (f"{_findings(counts['appeared'])} appeared, {counts['resolved']} "
                    "resolved")
        return f"Since the previous publication: {entities}; {findings}."


def _entities(count: int) -> str:
    return "1 entity" if count == 1 else f"{count} entities"


def _findings(count: int) -> str:
    return "1 finding" if count == 1 else f"{count} findings"


def site_pages(root: Path, entity_base: str) -> PageOf:
    """:data:`PageOf` for the site being written in ``root``: a page only if its file is
    there."""
    linker = Linker(entity_base)

    def page_of(iri: str) -> str | None:
        path = linker.entity_path(iri)
        return path if path is not None and (root / static_file(path)).is_file() else None

    return page_of


def publication_changes(history: Sequence[Publication], page_of: PageOf
                        ) -> list[PublicationChanges]:
    """The kept publications (oldest first, as :func:`publications.history` gives them) as
    :class:`PublicationChanges`, newest first."""
    shown = []
    for publication in reversed(history):
        try:
            shown.append(_one(publication, page_of))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"the changes of the publication {FOLDER}/{publication.name} cannot be read "
                f"({type(error).__name__}: {error}): expected the {CHANGES} cityreg publish "
                "wrote; run `cityreg verify` on the site to find what changed") from None
    return shown


def _one(publication: Publication, page_of: PageOf) -> PublicationChanges:
    data: dict[str, Any] = publication.changes or {}
    entities, findings = data.get("entities", {}), data.get("findings", {})
    counts = {key: int(entities.get(key, 0)) for key in ("added", "removed", "changed")}
    counts |= {key: int(findings.get(key, 0)) for key in ("appeared", "resolved")}
    return PublicationChanges(
        publication.name, publication.published, publication.manifest_sha256,
        publication.files, publication.changes is None, counts,
        tuple(_entity(change, page_of) for change in data.get("changes", [])),
        tuple(_finding(change, page_of) for change in data.get("findingChanges", [])))


def _entity(change: dict[str, Any], page_of: PageOf) -> EntityChange:
    iri = str(change["iri"])
    fields = tuple(FieldChange(str(field.get("label") or field.get("predicate", "")),
                               tuple(map(str, field.get("removed", []))),
                               tuple(map(str, field.get("added", []))))
                   for field in change.get("fields", []))
    return EntityChange(iri, str(change.get("label") or iri),
                        tuple(_short(kind) for kind in change.get("types", [])),
                        str(change["change"]), page_of(iri), fields)


def _finding(change: dict[str, Any], page_of: PageOf) -> FindingChange:
    focus = str(change.get("focus", ""))
    return FindingChange(str(change["change"]), str(change.get("rule", "")),
                         str(change.get("severity", "")),
                         str(change.get("focusLabel") or focus), page_of(focus),
                         str(change.get("message", "")))


def _short(kind: Any) -> str:
    """A type's local name (``Sensor`` for ``http://www.w3.org/ns/sosa/Sensor``)."""
    text = str(kind)
    if "://" not in text:
        return text
    return text.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]


def changes_page(context: RegistryContext, shown: Sequence[PublicationChanges]) -> str:
    """The HTML of ``changes.html``."""
    return render("changes.html", Linker(context.entity_base, PAGE), publications=shown,
                  feed=FEED, manifest=MANIFEST, changes_file=CHANGES, limit=MAX_LISTED)
