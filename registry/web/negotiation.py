"""Content negotiation: which representation of a resource a request asks for.

An entity IRI ``<base>/<path>`` is served at ``/id/<path>``. A client that asks for the IRI
itself gets ``303 See Other`` to the document that suits its ``Accept`` header (the "Cool URIs
for the Semantic Web" recipe), with ``Vary: Accept``; the documents themselves live at
``/id/<path>.html``, ``.ttl``, ``.jsonld`` and ``.nt``, so a link to one format is stable and a
static web host can serve them as plain files.

This module only decides; it knows nothing about the registry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Representation:
    """One way to serve a resource: its media type, file extension and rdflib format name."""

    media_type: str
    extension: str
    rdflib_format: str | None  # None for HTML

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value (UTF-8 for every textual format)."""
        return f"{self.media_type}; charset=utf-8"


HTML = Representation("text/html", ".html", None)
TURTLE = Representation("text/turtle", ".ttl", "turtle")
JSON_LD = Representation("application/ld+json", ".jsonld", "json-ld")
N_TRIPLES = Representation("application/n-triples", ".nt", "nt")

#: Representations of an entity, in order of preference when the client does not care.
ENTITY_REPRESENTATIONS: tuple[Representation, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES)
BY_EXTENSION: dict[str, Representation] = {r.extension: r for r in ENTITY_REPRESENTATIONS}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header: ``type/subtype`` (either may be ``*``) and its q."""

    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 2 exact, 1 ``type/*``, 0 ``*/*``,
        -1 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == main and self.subtype == sub:
            return 2
        if self.type == main and self.subtype == "*":
            return 1
        if self.type == "*" and self.subtype == "*":
            return 0
        return -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header (RFC 9110 §12.5.1); malformed parts are skipped.

    A missing or empty header means ``*/*``.
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges: list[MediaRange] = []
    for order, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media, _, sub = fields[0].lower().partition("/")
        if not media or not sub:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(media, sub, q, order))
    return ranges


def choose(header: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type the client prefers, or ``None`` when it accepts none of them.

    Each offered type gets the q of the most specific range that matches it; the highest q wins,
    ties go to the client's earlier range, then to the server's order of ``offered``.
    """
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for position, media_type in enumerate(offered):
        matching = [(r.matches(media_type), r) for r in ranges if r.matches(media_type) >= 0]
        if not matching:
            continue
        _, most_specific = max(matching, key=lambda item: (item[0], -item[1].order))
        if most_specific.q <= 0:
            continue
        key = (most_specific.q, -most_specific.order, -position)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen


def choose_representation(header: str | None,
                          offered: tuple[Representation, ...] = ENTITY_REPRESENTATIONS
                          ) -> Representation | None:
    """Like :func:`choose`, for :class:`Representation` objects."""
    media_type = choose(header, tuple(r.media_type for r in offered))
    return next((r for r in offered if r.media_type == media_type), None)


def split_extension(path: str) -> tuple[str, Representation | None]:
    """``"rio/system/x.ttl"`` -> ``("rio/system/x", TURTLE)``; no known extension -> ``(path,
    None)``."""
    for extension, representation in BY_EXTENSION.items():
        if path.endswith(extension) and len(path) > len(extension):
            return path[: -len(extension)], representation
    return path, None
