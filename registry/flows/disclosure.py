"""What a trace needed and the registry does not hold: the gaps of an answer.

A gap is one fact about one entity, of the few the access trace reads (:data:`TRACE_TERMS`:
legal roles, recipients, onward-sharing terms, dates, holders). It is *not disclosed* when the
registry marks it so (``cityreg:notDisclosed``, or a contract whose document is not or only
partly disclosed), and *not recorded* when the registry is simply silent. Either way it is a
gap, never a "no": a trace that met one says so at the top of its answer.

Gaps are made once per entity and property and shared by every hop that meets them, so a
large registry pays for them once.
"""

from __future__ import annotations

from registry.flows.facts import Facts
from registry.flows.model import Gap, GapStatus
from registry.namespaces import CITYREG, DCT, DPV

_NOT_DISCLOSED = str(CITYREG.notDisclosed)
_DOCUMENT_DISCLOSURE = str(CITYREG.documentDisclosure)
_HIDDEN_DOCUMENTS = frozenset(str(term) for term in (CITYREG.NotDisclosed,
                                                     CITYREG.PartiallyDisclosed))

#: The facts the trace reads, with the words a reader sees and what a gap in each hides.
TRACE_TERMS: dict[str, tuple[str, str]] = {
    str(DPV.hasDataController): (
        "data controller", "who decides what is done with the data is not known"),
    str(DPV.hasDataProcessor): (
        "data processor", "the legal role, and so the limits, of the organisation that "
        "handles the data are not known"),
    str(DPV.hasJointDataControllers): (
        "joint controllers", "who shares control of the data is not known"),
    str(CITYREG.hasSubProcessor): (
        "sub-processors", "further organisations may handle the data"),
    str(DPV.hasRecipient): (
        "recipients", "further organisations receive the data"),
    str(DPV.hasThirdParty): (
        "third parties", "further organisations receive the data"),
    str(CITYREG.recipient): ("recipient", "who receives the data is not known"),
    str(CITYREG.provider): ("provider", "who provides the data is not known"),
    str(CITYREG.onwardSharingAllowed): (
        "onward-sharing terms", "whether the recipient may pass the data on is not known, so "
        "the trace follows it further"),
    str(CITYREG.startDate): ("start date", "since when the access exists is not known"),
    str(CITYREG.endDate): ("end date", "until when the access exists is not known"),
    str(CITYREG.operator): ("operator", "who runs it, and so holds its data, is not known"),
    str(CITYREG.owner): ("owner", "who owns it is not known"),
    str(DCT.publisher): ("publisher", "who holds the dataset is not known"),
    str(CITYREG.recipientRole): (
        "recipient's role", "the legal role of the recipient is not known"),
}


class Disclosure:
    """Makes and shares the gaps of a registry's entities (see the module docstring)."""

    def __init__(self, facts: Facts) -> None:
        self._facts = facts
        self._gaps: dict[tuple[str, str], Gap] = {}
        self._marked: dict[str, tuple[Gap, ...]] = {}
        self._combined: dict[tuple[Gap, ...], tuple[Gap, ...]] = {}

    def status(self, entity: str, prop: str) -> GapStatus:
        """``not disclosed`` when the registry marks the fact so, else ``not recorded``."""
        facts = self._facts
        if prop in facts.get(entity, _NOT_DISCLOSED):
            return "not disclosed"
        if facts.first(entity, _DOCUMENT_DISCLOSURE) in _HIDDEN_DOCUMENTS:
            return "not disclosed"
        return "not recorded"

    def gap(self, entity: str, prop: str, why: str | None = None,
            status: GapStatus | None = None) -> Gap:
        """The gap of ``prop`` on ``entity``, one per pair: ``why`` and ``status`` replace the
        usual explanation and the marking when the pair is first met."""
        key = (entity, prop)
        found = self._gaps.get(key)
        if found is None:
            facts = self._facts
            label, usual = TRACE_TERMS.get(prop, (facts.label(prop), ""))
            found = self._gaps[key] = Gap(
                entity, facts.label(entity), prop, label, status or self.status(entity, prop),
                why or usual, self.sources(entity))
        return found

    def marked(self, entity: str | None) -> tuple[Gap, ...]:
        """The trace facts ``entity`` marks as not disclosed (and does not state anyway)."""
        if entity is None:
            return ()
        found = self._marked.get(entity)
        if found is None:
            facts = self._facts
            found = self._marked[entity] = tuple(
                self.gap(entity, prop) for prop in facts.get(entity, _NOT_DISCLOSED)
                if prop in TRACE_TERMS and not facts.get(entity, prop))
        return found

    def shared(self, *groups: tuple[Gap, ...] | list[Gap]) -> tuple[Gap, ...]:
        """The distinct gaps of ``groups`` as one tuple, the same object for the same gaps."""
        merged = tuple(dict.fromkeys(gap for group in groups for gap in group))
        if not merged:
            return ()
        return self._combined.setdefault(merged, merged)

    def sources(self, entity: str) -> tuple[str, ...]:
        """The cityreg:source nodes of ``entity`` (a tuple shared by every entity with the same
        sources)."""
        return self._facts.sources.get(entity, ())
