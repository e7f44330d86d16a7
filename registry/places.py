"""Where registry entities are: the places (city, country) that decide which law binds them.

An entity is where it says it is (``cityreg:city``, or for an organisation with no city its
``cityreg:countryCode``). Most entries say nothing of the kind: a sensor, a clause, a DPIA.
Such an entity is where the things it is linked to are: its operator, controller, buyer,
the systems that use it, the contract or record that holds it (:data:`LINKS`, one link in
either direction). A registry that holds exactly one city places everything else there. What
is still unplaced has no place: whether a law binds it is not known.

A city's place is its ``cityreg:countryCode`` and its UN/LOCODE (``cityreg:locode``).
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.jurisdiction import Place
from registry.store import Registry
from registry.store.terms import term_text

__all__ = ["LINKS", "locate"]

#: The links along which an entity that records no city takes the city of what it is linked
#: to, one link, read in both directions.
LINKS = (
    "cityreg:operator", "cityreg:owner", "dpv:hasDataController", "cityreg:buyer",
    "dct:publisher", "cityreg:parentOrganisation", "cityreg:parentContract",
    "cityreg:coversSystem", "cityreg:coversDataset", "cityreg:usesSystem", "cityreg:usesSensor",
    "cityreg:usesDataset", "cityreg:feedsDataset", "cityreg:sharesDataset",
    "ssn:deployedSystem", "dpv:hasContractualClause", "cityreg:hasOversightDocument",
    "dpv:hasImpactAssessment", "cityreg:hasRecordOfProcessing", "cityreg:hasDataFlow",
    "cityreg:hasAmendment", "cityreg:hasAudit", "cityreg:auditOf", "cityreg:partOfProgramme",
)
_CHUNK = 400


def locate(registry: Registry, iris: Iterable[str], cities: dict[str, Place] | None = None
           ) -> dict[str, tuple[Place, ...]]:
    """The places of each IRI (an empty tuple where none is known); ``cities``: the
    registry's cities (:func:`registry_cities`) when the caller has them already."""
    wanted = sorted(set(iris))
    cities = registry_cities(registry) if cities is None else cities
    only = next(iter(cities.values())) if len(cities) == 1 else None
    found: dict[str, tuple[Place, ...]] = {}
    # One simple pattern per link and direction, in a UNION: Oxigraph evaluates that from the
    # bound entities, where an alternative property path of 48 links took 500 times as long.
    linked_patterns = " UNION ".join(f"{{ ?e {link} ?via }} UNION {{ ?via {link} ?e }}"
                                     for link in LINKS)
    for start in range(0, len(wanted), _CHUNK):
        chunk = " ".join(f"<{iri}>" for iri in wanted[start:start + _CHUNK])
        own: dict[str, set[str]] = {}
        linked: dict[str, set[str]] = {}
        country: dict[str, str] = {}
        rows = [tuple(term_text(term) for term in row) for row in registry.select_terms(f"""
            SELECT ?e ?how ?c WHERE {{
              VALUES ?e {{ {chunk} }}
              {{ ?e cityreg:city ?c . BIND("own" AS ?how) }}
              UNION {{ ?e a cityreg:City . BIND(?e AS ?c) BIND("own" AS ?how) }}
              UNION {{ ?e cityreg:countryCode ?c . BIND("country" AS ?how) }}
            }}""")]
        # The links in a flat pattern of their own: inside a nested group Oxigraph would
        # evaluate the UNION before binding ?e (500 times slower).
        linked_rows = registry.select_terms(
            f"SELECT ?e ?c WHERE {{ VALUES ?e {{ {chunk} }} {{ {linked_patterns} }} "
            "?via cityreg:city ?c }")
        rows += [(term_text(entity), "linked", term_text(city)) for entity, city in linked_rows]
        for entity, how, value in rows:
            if how == "own":
                own.setdefault(entity, set()).add(value)
            elif how == "linked":
                linked.setdefault(entity, set()).add(value)
            else:
                country.setdefault(entity, value)
        for iri in wanted[start:start + _CHUNK]:
            places = _places(own.get(iri), "recorded", cities) or _places(
                linked.get(iri), "linked", cities)
            if not places and iri in country:
                places = (Place(country[iri], country[iri]),)
            if not places and only is not None:
                places = (Place(only.label, only.country, only.locode, only.city, "only city"),)
            found[iri] = places
    return found


def _places(iris: set[str] | None, how: str, cities: dict[str, Place]) -> tuple[Place, ...]:
    if not iris:
        return ()
    result = []
    for iri in sorted(iris):
        city = cities.get(iri)
        if city is not None:
            result.append(Place(city.label, city.country, city.locode, iri, how))
    return tuple(result)


def registry_cities(registry: Registry) -> dict[str, Place]:
    """Every city of the registry with its label and codes."""
    rows = registry.select("""
        SELECT ?c (SAMPLE(?l) AS ?label) (SAMPLE(?cc) AS ?country) (SAMPLE(?lo) AS ?locode)
        WHERE { ?c a cityreg:City .
                OPTIONAL { ?c rdfs:label ?l FILTER (lang(?l) = "en" || lang(?l) = "") }
                OPTIONAL { ?c cityreg:countryCode ?cc }
                OPTIONAL { ?c cityreg:locode ?lo } }
        GROUP BY ?c""")
    cities: dict[str, Place] = {}
    for row in rows:
        iri = str(row["c"])
        country = None if row.get("country") is None else str(row["country"])
        label = str(row["label"]) if row.get("label") is not None else iri
        cities[iri] = Place(f"{label} ({country})" if country else label, country,
                            None if row.get("locode") is None else str(row["locode"]), iri)
    return cities
