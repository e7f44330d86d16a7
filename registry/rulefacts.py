"""The facts each rule needs, and where its law binds: ``shapes/FACTS.md``, made from the shapes.

A legal team that signs a finding must know what the check read. For every rule id this lists
the body of law and where it binds (``shapes/jurisdiction.ttl``) and the properties its shapes
read (:func:`registry.evidence.shape_facts`): the facts an officer must record for the rule to
pass or fail, rather than to report "cannot be verified". The table is generated, never
edited by hand: ``python -m registry.rulefacts > shapes/FACTS.md``; a test checks it is up to
date.
"""

from __future__ import annotations

from collections import defaultdict

from registry.evidence import shape_facts
from registry.jurisdiction import BodyOfLaw
from registry.namespaces import compact
from registry.validate import RuleShapes, load_shapes

__all__ = ["facts_table"]

_HEADER = """# The facts each rule reads, and where its law binds

Generated from the shapes by `python -m registry.rulefacts > shapes/FACTS.md`; do not edit.
For each rule id: its body of law, where that law binds (`shapes/jurisdiction.ttl`; elsewhere
its findings are benchmarks), and the properties its shapes read. A finding's evidence lists
the entity's statements on these properties. A property an entity does not record leaves the
rule unable to decide: where the rule names the property in a "not recorded" or "not
disclosed" companion, it says so; `shapes/MANUAL-REVIEW.md` lists what a person must check.

| rule | law | binds in | facts read |
|---|---|---|---|
"""


def facts_table(shapes: RuleShapes | None = None) -> str:
    """The Markdown table of ``shapes/FACTS.md``."""
    rule_shapes = shapes or load_shapes()
    read = shape_facts(rule_shapes.graph)
    facts: dict[str, set[str]] = defaultdict(set)
    laws: dict[str, set[str]] = defaultdict(set)
    places: dict[str, set[str]] = defaultdict(set)
    for annotation in rule_shapes.annotations.values():
        facts[annotation.rule_id] |= read.get(annotation.shape, frozenset())
        law = rule_shapes.jurisdictions.law_of(annotation.legal_source)
        if law is not None:
            laws[annotation.rule_id].add(law.label)
            places[annotation.rule_id].add(_where(law, annotation.legal_source in
                                                  rule_shapes.jurisdictions.uk))
    rows = [f"| {rule} | {'; '.join(sorted(laws[rule])) or '(none given)'} | "
            f"{'; '.join(sorted(places[rule])) or 'everywhere'} | "
            f"{', '.join(sorted(f'`{compact(p)}`' for p in facts[rule]))} |"
            for rule in sorted(facts)]
    return _HEADER + "\n".join(rows) + "\n"


def _where(law: BodyOfLaw, uk: bool) -> str:
    if law.good_practice:
        return "nowhere (good practice)"
    if law.everywhere:
        return "everywhere"
    parts = []
    if law.countries:
        eu = len(law.countries) >= 27
        parts.append("EU" + (" and EEA" if {"IS", "LI", "NO"} <= law.countries else "")
                     if eu else ", ".join(sorted(law.countries)))
    if law.cities:
        parts.append(", ".join(sorted(law.cities)))
    if uk:
        parts.append("GB (UK equivalent)")
    return ", ".join(parts)



if __name__ == "__main__":  # pragma: no cover - the regeneration command in the docstring
    print(facts_table(), end="")
