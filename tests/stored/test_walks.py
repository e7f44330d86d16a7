"""The walks a finding can read (registry/stored/walks.py): what decides which entities a
change sends to be validated again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from registry.stored.walks import ANY, Walk, walks_of

CITYREG = "https://w3id.org/cityreg#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = "PREFIX cityreg: <https://w3id.org/cityreg#>\n"


def _walks(where: str) -> frozenset[Walk]:
    query = SimpleNamespace(text=lambda _focus: f"{PREFIXES}SELECT $this WHERE {{ {where} }}")
    engine: Any = SimpleNamespace(queries=[query])
    found = walks_of(engine)
    assert found is not None
    return found


def _names(walk: Walk) -> list[set[tuple[str, bool]]]:
    return [{(p.removeprefix(CITYREG).removeprefix(TYPE[:-4]), back)
             for p, back in step.choices} for step in walk]


ANY_THEN_TYPE = [{(ANY, False)}, {("type", False)}]


def test_a_predicate_variable_restricted_by_a_filter_walks_only_those_predicates() -> None:
    """INT-STATE's form: a changed rdf:type of a clause reaches back only the entities that
    mark that class absent or not disclosed, not every entity with any link to the class."""
    walks = [_names(w) for w in _walks("""$this ?path ?value .
        FILTER(?path IN (cityreg:absent, cityreg:notDisclosed))
        $this cityreg:hasClause ?clause . ?clause a ?value .""")]
    assert [{("absent", False)}, {("type", True)}] in walks
    assert [{("notDisclosed", False)}, {("type", True)}] in walks
    assert [{(ANY, False)}, {("type", True)}] not in walks


def test_equality_and_sameterm_restrict_a_predicate_variable_too() -> None:
    walks = [_names(w) for w in _walks("""$this ?p ?x . ?x ?q ?y . ?y a ?c .
        FILTER(?p = cityreg:operatedBy && sameTerm(cityreg:partOf, ?q))""")]
    assert [{("operatedBy", False)}, {("partOf", False)}, {("type", False)}] in walks
    assert [{(ANY, False)}, {(ANY, False)}, {("type", False)}] not in walks


def test_a_filter_that_does_not_restrict_leaves_any_predicate() -> None:
    """A negated list, an alternative (||) and a filter inside a subquery that does not
    project the variable say nothing of which predicates the pattern can take."""
    for where in ("$this ?p ?x . ?x a ?c . FILTER(!(?p IN (cityreg:absent)))",
                  """$this ?p ?x . ?x a ?c .
                     FILTER(?p = cityreg:absent || ?p = cityreg:notDisclosed)""",
                  """?x a ?c . FILTER(?p = cityreg:absent)
                     { SELECT $this ?x WHERE { $this ?p ?x } }"""):
        assert ANY_THEN_TYPE in [_names(w) for w in _walks(where)], where


def test_a_subquery_keeps_the_restriction_of_a_variable_it_projects() -> None:
    walks = [_names(w) for w in _walks("""?x a ?c . FILTER(?p = cityreg:absent)
                      { SELECT $this ?p ?x WHERE { $this ?p ?x } }""")]
    assert [{("absent", False)}, {("type", False)}] in walks
    assert ANY_THEN_TYPE not in walks
