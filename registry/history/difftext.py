"""A registry diff as plain text: what ``cityreg diff`` prints by default.

::

    Before: dump before.ttl
    After:  dump after.ttl

    Changed: Air-quality platform contract (fictional) <https://...> (Vendor contract)
      switching notice (months)
        - 6
        + 2

    Finding resolved: violation DA-25-2-d on Air-quality platform contract (fictional) <...>
      The data processing service contract ... [Data Act Art. 25(2)(d)]

    Summary: 0 entities added, 0 removed, 1 changed; 0 findings appeared, 1 resolved.

Each entity starts with ``Added:``, ``Removed:`` or ``Changed:`` and each finding with
``Finding appeared:`` or ``Finding resolved:``, so that ``grep`` finds them; under a field,
``-`` marks a value gone and ``+`` a value new. A value of several lines keeps its lines,
indented under its mark.
"""

from __future__ import annotations

from registry.history.diff import EntityChange, FindingChange, RegistryDiff


def render_text(diff: RegistryDiff, *, findings_compared: bool = True) -> str:
    """The report, ending with a newline; ``findings_compared=False`` says in the summary
    that the legal findings were not compared."""
    lines = [f"Before: {diff.before}", f"After:  {diff.after}"]
    for entity in diff.entities:
        lines += ["", *_entity(entity)]
    for finding in diff.findings:
        lines += ["", *_finding(finding)]
    lines += ["", summary(diff, findings_compared=findings_compared)]
    return "\n".join(lines) + "\n"


def summary(diff: RegistryDiff, *, findings_compared: bool = True) -> str:
    """``Summary: 1 entity added, 0 removed, 2 changed; 1 finding appeared, 0 resolved.``"""
    if diff.is_empty():
        return ("Summary: no differences in entities or findings." if findings_compared
                else "Summary: no differences in entities (findings not compared).")
    added = diff.count("added")
    entities = (f"{added} {'entity' if added == 1 else 'entities'} added, "
                f"{diff.count('removed')} removed, {diff.count('changed')} changed")
    if not findings_compared:
        return f"Summary: {entities}; findings not compared."
    appeared = diff.count("appeared")
    return (f"Summary: {entities}; {appeared} finding{'' if appeared == 1 else 's'} "
            f"appeared, {diff.count('resolved')} resolved.")


def named(label: str, iri: str) -> str:
    """``label <IRI>``, or ``<IRI>`` alone when the label is the IRI."""
    return f"<{iri}>" if label == iri else f"{label} <{iri}>"


def _entity(entity: EntityChange) -> list[str]:
    types = f" ({', '.join(entity.types)})" if entity.types else ""
    lines = [f"{entity.change.capitalize()}: {named(entity.label, entity.iri)}{types}"]
    for field in entity.fields:
        lines.append(f"  {field.label}")
        lines += [_value("-", value) for value in field.removed]
        lines += [_value("+", value) for value in field.added]
    return lines


def _value(mark: str, value: str) -> str:
    first, *more = value.splitlines() or [""]
    return "\n".join([f"    {mark} {first}", *(f"      {line}".rstrip() for line in more)])


def _finding(finding: FindingChange) -> list[str]:
    return [f"Finding {finding.change}: {finding.severity} {finding.rule} on "
            f"{named(finding.focus_label, finding.focus)}",
            f"  {finding.message} [{finding.source}]"]
