"""What a person types for an entity: its IRI or its label, turned into the one IRI it names.

Journalists and officers know entities by name ("London Underground Wi-Fi tracking", "IBM"),
not by IRI. Every place a person types an entity (GraphQL arguments, the CLI's trace and check)
goes through :func:`pick`, so they all accept the same things and fail the same way:

* an IRI among the candidates is that entity;
* else a label matched exactly, then ignoring case and surrounding spaces, names it when
  exactly one candidate has it;
* a label several candidates share is refused, listing them (label, kind, IRI), so the person
  can choose the IRI;
* a text nothing matches is refused with the closest labels, when there are some.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from registry.errors import InputError, NotFoundError

#: How many candidates an error lists before it says "and N more".
LISTED = 8


@dataclass(frozen=True)
class Candidate:
    """An entity a person may mean: its IRI, its labels, and what kind of thing it is."""

    iri: str
    labels: tuple[str, ...]
    kind: str = ""

    def described(self) -> str:
        """``label (kind) <IRI>``, for error messages."""
        label = self.labels[0] if self.labels else self.iri
        kind = f" ({self.kind})" if self.kind else ""
        return f"{label}{kind} <{self.iri}>"


class Names:
    """The candidates of one question, indexed by IRI and by label, built once."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        """Index ``candidates`` (later ones with an IRI already seen add their labels)."""
        self.by_iri: dict[str, Candidate] = {}
        for candidate in candidates:
            known = self.by_iri.get(candidate.iri)
            if known is not None:
                candidate = Candidate(candidate.iri, known.labels + tuple(
                    label for label in candidate.labels if label not in known.labels),
                    known.kind or candidate.kind)
            self.by_iri[candidate.iri] = candidate
        self._exact: dict[str, list[str]] = {}
        self._folded: dict[str, list[str]] = {}
        for iri in sorted(self.by_iri):
            for label in self.by_iri[iri].labels:
                _add(self._exact, label, iri)
                _add(self._folded, _fold(label), iri)

    @classmethod
    def from_labels(cls, labels: Mapping[str, str | Iterable[str]], kind: str = "") -> Names:
        """Candidates from ``IRI -> label`` (or labels), all of one ``kind``."""
        return cls(Candidate(iri, (label,) if isinstance(label, str) else tuple(label), kind)
                   for iri, label in labels.items())

    def __contains__(self, iri: object) -> bool:
        return iri in self.by_iri

    def pick(self, text: str, what: str, fix: str, plural: str = "entities") -> str:
        """The IRI ``text`` names: see the module. ``what`` says what kind of entity was
        wanted ("contract or agreement"), ``fix`` how to find one, ``plural`` what several of
        them are called ("contracts"); all go into the errors."""
        if text in self.by_iri:
            return text
        for index, key in ((self._exact, text), (self._folded, _fold(text))):
            found = index.get(key, [])
            if len(found) == 1:
                return found[0]
            if found:
                raise InputError(f"the label {text!r} names {len(found)} {plural}: "
                                 f"{self._listed(found)}; give the IRI of the one you mean")
        raise NotFoundError(what, text, fix + self._suggestions(text))

    def _listed(self, iris: list[str]) -> str:
        shown = "; ".join(self.by_iri[iri].described() for iri in iris[:LISTED])
        more = len(iris) - LISTED
        return shown + (f"; and {more} more" if more > 0 else "")

    def _suggestions(self, text: str) -> str:
        """``; did you mean: ...`` with labels that contain the text or are close to it."""
        wanted = _fold(text)
        if not wanted or len(wanted) > 200:
            return ""
        close = [label for label in self._folded if wanted in label]
        if not close:
            close = difflib.get_close_matches(wanted, list(self._folded), n=LISTED, cutoff=0.6)
        iris = sorted({iri for label in close for iri in self._folded[label]},
                      key=lambda iri: (_fold(self.by_iri[iri].labels[0])
                                       if self.by_iri[iri].labels else iri, iri))
        return f"; did you mean: {self._listed(iris)}" if iris else ""


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _add(index: dict[str, list[str]], key: str, iri: str) -> None:
    found = index.setdefault(key, [])
    if iri not in found:
        found.append(iri)

