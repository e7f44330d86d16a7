"""What a city's map shows: its located deployments, sensors and systems, what each collects,
and the GeoJSON of the same points.

An entity is *located* when it has one WGS84 point, ``geo:lat`` and ``geo:long`` in decimal
degrees (the Amsterdam sensor register's importer maps its latitude and longitude columns to
them; the seed records them with ``cityreg:locationSource`` and ``cityreg:locationPrecision``,
what the point stands for). It is on a city's map when it belongs to the city
(``cityreg:city``, or for a sensor the city of a deployment that places it). A city that
entries name but nothing declares (an import with ``--city`` names one) has a map too.

Each point has a :class:`Category`, the first of :data:`CATEGORIES` that what it collects
matches: its sensor types (``cityreg:sensorType`` of the entity, of the sensor a deployment
places or of the sensors a system uses, with their ``skos:broader`` types) and the personal
data categories (``dpv:hasPersonalData``) of the entity and of the datasets the access trace
says it stands for. Operator, purpose and retention are :class:`Recorded` in one of the three
states of a fact: recorded, not disclosed (``cityreg:notDisclosed``) or not recorded. Who can
access the data is the entity's access trace (:mod:`registry.web.tracepages`), graded, and its
open findings are the binding legal findings on it (with the number of benchmarks: findings
against law that does not bind where it is, shown on its page).

:func:`geojson` writes the points as an RFC 7946 FeatureCollection: ``[longitude, latitude]``,
one Feature per point, its properties the same facts the map's popups show.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from registry.errors import NotFoundError
from registry.web import indexes, tracepages
from registry.web.pages import findings_for, is_benchmark, kind_label, local_name

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.web.pages import Linker

_C = "https://w3id.org/cityreg#"
_GDPR = "https://w3id.org/dpv/legal/eu/gdpr#"

#: The media type of GeoJSON (RFC 7946, section 12).
GEOJSON_MEDIA_TYPE = "application/geo+json"


@dataclass(frozen=True)
class Category:
    """What a point collects, as the legend names it: its slug (the GeoJSON ``category``), its
    label, its marker colour (Okabe-Ito, told apart by colour-blind readers too), and the
    sensor types and personal data categories that put a point in it."""

    slug: str
    label: str
    colour: str
    sensor_types: frozenset[str] = frozenset()
    data: frozenset[str] = frozenset()


#: The categories, in the order they are tried: a face-recognition camera is a camera too, and
#: is shown as face recognition.
CATEGORIES: tuple[Category, ...] = (
    Category("face-recognition", "Face recognition", "#D55E00",
             frozenset({_C + "FaceRecognitionCamera"}), frozenset({_GDPR + "BiometricData"})),
    Category("licence-plates", "Licence plates", "#E69F00",
             frozenset({_C + "LicencePlateReader"}), frozenset({_C + "VehiclePlate"})),
    Category("phone-tracking", "Wi-Fi and phone tracking", "#CC79A7",
             frozenset({_C + "WiFiSensor", _C + "MobilePhoneSensor", _C + "BluetoothSensor"}),
             frozenset({_C + "DeviceIdentifier"})),
    Category("camera", "Cameras and video", "#0072B2",
             frozenset({_C + "CameraSensor"}), frozenset({_C + "ImageOfPerson"})),
    Category("environment", "Environment (air, noise, chemicals)", "#009E73",
             frozenset({_C + "AirQualitySensor", _C + "ChemicalSensor", _C + "AcousticSensor"})),
    Category("other", "Other", "#555555"),
)
CATEGORIES_BY_SLUG = {category.slug: category for category in CATEGORIES}

State = Literal["recorded", "not disclosed", "not recorded"]


@dataclass(frozen=True)
class Recorded:
    """A fact in one of its three states; ``values`` only when it is recorded."""

    state: State
    values: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The values joined, or the state in words (never an empty string)."""
        return "; ".join(self.values) if self.values else self.state

    def to_json(self) -> dict[str, Any]:
        """``{"state": ..., "values": [...]}``."""
        return {"state": self.state, "values": list(self.values)}


@dataclass(frozen=True)
class Reach:
    """One organisation the data reaches, as the trace grades it."""

    label: str
    grade: str
    href: str | None
    undisclosed_category: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class OpenFinding:
    """A binding legal finding on the point's entity."""

    rule_id: str
    severity: str
    kind: str
    message: str


@dataclass(frozen=True)
class Access:
    """Who can access the point's data: the trace's organisations, whether the search was
    complete, and how many facts it lacked. ``traced`` is False when the entity stands for no
    dataset (nothing to trace)."""

    traced: bool
    organisations: tuple[Reach, ...] = ()
    complete: bool = True
    gaps: int = 0


@dataclass(frozen=True)
class MapPoint:
    """One located entity of a city, with everything its marker and popup show."""

    iri: str
    label: str
    kind: str
    latitude: float
    longitude: float
    category: Category
    collects: tuple[str, ...]
    operator: Recorded
    purpose: Recorded
    retention: Recorded
    precision: str | None
    location_source: tuple[str, str | None] | None
    access: Access
    findings: tuple[OpenFinding, ...] | None
    benchmarks: int
    entity_href: str | None
    trace_href: str | None
    entity_path: str | None = None
    trace_path: str | None = None


@dataclass(frozen=True)
class Unlocated:
    """A deployment or sensor of the city with no usable point, and why."""

    iri: str
    label: str
    kind: str
    reason: str


@dataclass
class CityMap:
    """A city's map: its points and the deployments and sensors it could not place."""

    slug: str
    iri: str
    label: str
    points: list[MapPoint] = field(default_factory=list)
    unlocated: list[Unlocated] = field(default_factory=list)
    #: False for a city entries name but nothing declares (no city page to link to)
    declared: bool = True

    @property
    def categories(self) -> list[tuple[Category, int]]:
        """Every category with the number of points in it (the legend)."""
        return [(c, sum(p.category is c for p in self.points)) for c in CATEGORIES]


_LOCATED = """
SELECT ?e ?lat ?long ?kind WHERE {
  { ?e cityreg:city <%(city)s> } UNION { ?d ssn:deployedSystem ?e . ?d cityreg:city <%(city)s> }
  ?e geo:lat ?lat ; geo:long ?long .
  OPTIONAL { VALUES (?class ?kind) { (ssn:Deployment "deployment") (sosa:Sensor "sensor")
                                     (cityreg:System "system") }
             ?e a/rdfs:subClassOf* ?class }
}"""

_UNLOCATED = """
SELECT DISTINCT ?e ?kind WHERE {
  VALUES (?class ?kind) { (ssn:Deployment "deployment") (sosa:Sensor "sensor") }
  ?e a/rdfs:subClassOf* ?class .
  { ?e cityreg:city <%(city)s> } UNION { ?d ssn:deployedSystem ?e . ?d cityreg:city <%(city)s> }
  FILTER NOT EXISTS { ?e geo:lat ?lat }
  FILTER NOT EXISTS { ?e ssn:deployedSystem ?s . ?s geo:lat ?slat }
  FILTER NOT EXISTS { ?d2 ssn:deployedSystem ?e . ?d2 geo:lat ?dlat }
}"""

_DETAILS = """
SELECT ?what ?value ?label WHERE {
  VALUES ?e { <%(e)s> }
  {
    { ?e cityreg:sensorType ?t } UNION { ?e ssn:deployedSystem/cityreg:sensorType ?t }
    UNION { ?e cityreg:usesSensor/cityreg:sensorType ?t }
    ?t skos:broader* ?value . BIND("type" AS ?what)
  } UNION {
    { VALUES ?s { <%(e)s> %(datasets)s } ?s dpv:hasPersonalData ?value }
    UNION { ?e (cityreg:usesDataset|cityreg:feedsDataset|ssn:deployedSystem/cityreg:feedsDataset)
              /dpv:hasPersonalData ?value }
    BIND("data" AS ?what)
  } UNION {
    { ?e cityreg:operator ?value } UNION { ?e ssn:deployedSystem/cityreg:operator ?value }
    BIND("operator" AS ?what)
  } UNION {
    ?e dpv:hasPurpose ?value . BIND("purpose" AS ?what)
  } UNION {
    VALUES ?s { <%(e)s> %(datasets)s } ?s cityreg:notDisclosed ?value .
    BIND("hidden" AS ?what)
  } UNION {
    VALUES ?s { <%(e)s> %(datasets)s } ?s cityreg:retentionPeriodDays ?value .
    BIND("days" AS ?what)
  } UNION {
    VALUES ?s { <%(e)s> %(datasets)s } ?s cityreg:retentionCriteria ?value .
    BIND("criteria" AS ?what)
  } UNION {
    VALUES ?s { <%(e)s> %(datasets)s } ?s cityreg:retainedIndefinitely true .
    BIND("indefinite" AS ?what) BIND("kept indefinitely" AS ?value)
  } UNION {
    ?e cityreg:locationPrecision ?value . BIND("precision" AS ?what)
  } UNION {
    ?e cityreg:locationSource ?value . BIND("source" AS ?what)
    OPTIONAL { ?value cityreg:url ?url }
  } UNION {
    ?e rdfs:label ?value . BIND("label" AS ?what)
  }
  OPTIONAL { ?value rdfs:label ?en FILTER(LANG(?en) IN ("", "en")) }
  OPTIONAL { ?value rdfs:label ?other }
  BIND(COALESCE(?url, ?en, ?other) AS ?label)
} ORDER BY ?what ?value ?label"""


def city_map(context: RegistryContext, slug: str, linker: Linker) -> CityMap | None:
    """The map of the city ``slug`` with hrefs for a page written with ``linker``; ``None``
    when the registry has no such city."""
    city = next((c for c in map_cities(context) if c.slug == slug), None)
    if city is None:
        return None
    found = CityMap(slug, city.iri, city.label, declared=city.declared)
    coordinates: dict[str, tuple[list[str], list[str], str]] = {}
    for row in context.registry.select(_LOCATED % {"city": city.iri}):
        iri = str(row["e"])
        lats, longs, kind = coordinates.setdefault(iri, ([], [], str(row.get("kind", "entity"))))
        for values, value in ((lats, str(row["lat"])), (longs, str(row["long"]))):
            if value not in values:
                values.append(value)
    for iri, (lats, longs, kind) in sorted(coordinates.items()):
        point, problem = _parse_point(lats, longs)
        if point is None:
            found.unlocated.append(Unlocated(iri, _label(context, iri), kind, problem))
        else:
            found.points.append(map_point(context, iri, kind, point, linker))
    for row in context.registry.select(_UNLOCATED % {"city": city.iri}):
        iri = str(row["e"])
        if iri not in coordinates:
            found.unlocated.append(Unlocated(iri, _label(context, iri), str(row["kind"]),
                                             "no coordinates recorded"))
    found.points.sort(key=lambda p: (p.label.casefold(), p.iri))
    found.unlocated.sort(key=lambda u: (u.label.casefold(), u.iri))
    return found


@dataclass(frozen=True)
class MapCity:
    """A city that can have a map: its slug, IRI, label, and whether it is declared
    (``a cityreg:City``, with a city page) or only named by entries' ``cityreg:city``, as an
    import with ``--city`` leaves it."""

    slug: str
    iri: str
    label: str
    declared: bool


def map_cities(context: RegistryContext) -> list[MapCity]:
    """The declared cities, then the cities entries name but nothing declares, by slug."""
    found = [MapCity(c.slug, c.iri, c.label, True) for c in indexes.cities(context)]
    slugs = {c.slug for c in found}
    rows = context.registry.select(
        "SELECT DISTINCT ?c WHERE { ?e cityreg:city ?c FILTER(isIRI(?c)) "
        "FILTER NOT EXISTS { ?c a/rdfs:subClassOf* cityreg:City } }")
    for iri in sorted(str(row["c"]) for row in rows):
        slug = indexes.city_slug(iri, context.entity_base)
        if slug not in slugs and iri.startswith(context.entity_base):
            slugs.add(slug)
            found.append(MapCity(slug, iri, _label(context, iri), False))
    return found


def _parse_point(lats: list[str], longs: list[str]) -> tuple[tuple[float, float] | None, str]:
    """The point of one latitude and one longitude, or ``None`` and what is wrong."""
    if len(lats) != 1 or len(longs) != 1:
        return None, (f"{len(lats)} latitudes and {len(longs)} longitudes recorded: expected "
                      "one of each")
    try:
        latitude, longitude = float(lats[0]), float(longs[0])
    except ValueError:
        return None, f"coordinates {lats[0]!r}, {longs[0]!r} are not decimal degrees"
    if not (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, (f"coordinates {lats[0]}, {longs[0]} are out of range: latitude -90 to "
                      "90, longitude -180 to 180")
    return (latitude, longitude), ""


def _label(context: RegistryContext, iri: str) -> str:
    rows = context.registry.select(
        f'SELECT ?l WHERE {{ <{iri}> rdfs:label ?l }} '
        'ORDER BY (LANG(?l) NOT IN ("", "en")) LANG(?l) STR(?l) LIMIT 1')
    return str(rows[0]["l"]) if rows else local_name(iri)


def _datasets(context: RegistryContext, iri: str) -> list[str]:
    try:
        return list(context.access_graph.datasets_of(iri))
    except NotFoundError:
        return []


def map_point(context: RegistryContext, iri: str, kind: str, point: tuple[float, float],
              linker: Linker) -> MapPoint:
    """The point of the located entity ``iri`` (see the module docstring)."""
    datasets = _datasets(context, iri)
    values = " ".join(f"<{d}>" for d in datasets)
    facts: dict[str, dict[str, str]] = {}
    for row in context.registry.select(_DETAILS % {"e": iri, "datasets": values}):
        value = str(row["value"])
        label = str(row["label"]) if "label" in row else None
        facts.setdefault(str(row["what"]), {}).setdefault(value, label or local_name(value))
    hidden = set(facts.get("hidden", {}))
    kinds = set(facts.get("type", {}))
    data = set(facts.get("data", {}))
    category = next(c for c in CATEGORIES
                    if c.slug == "other" or kinds & c.sensor_types or data & c.data)
    collects = sorted({*facts.get("type", {}).values(), *facts.get("data", {}).values()},
                      key=str.casefold)
    retention = [f"{int(float(days)):,} day{'' if float(days) == 1 else 's'}"
                 for days in facts.get("days", {})]
    retention += sorted(facts.get("criteria", {})) + sorted(facts.get("indefinite", {}))
    source = next(iter(facts.get("source", {}).items()), None)
    found = findings_for(context, iri)
    entity_path = linker.entity_path(iri)
    trace_path = (tracepages.trace_path(linker, iri) if datasets else None)
    return MapPoint(
        iri=iri, label=_label(context, iri), kind=kind,
        latitude=point[0], longitude=point[1], category=category, collects=tuple(collects),
        operator=_recorded(facts.get("operator", {}).values(), hidden, _C + "operator"),
        purpose=_recorded(facts.get("purpose", {}).values(), hidden,
                          "https://w3id.org/dpv#hasPurpose"),
        retention=_recorded(retention, hidden, _C + "retentionPeriodDays"),
        precision=next(iter(facts.get("precision", {})), None),
        location_source=None if source is None else (
            _label(context, source[0]), source[1] if source[1].startswith("http") else None),
        access=_access(context, iri, datasets, linker),
        findings=None if found is None else tuple(
            OpenFinding(f.rule_id, f.severity.name.lower(), kind_label(f), f.message)
            for f in found if not is_benchmark(f)),
        benchmarks=sum(map(is_benchmark, found or ())),
        entity_href=None if entity_path is None else linker.href(entity_path),
        trace_href=None if trace_path is None else linker.href(trace_path),
        entity_path=entity_path, trace_path=trace_path)


def _recorded(values: Iterable[str], hidden: set[str], prop: str) -> Recorded:
    found = tuple(sorted(set(values), key=str.casefold))
    if found:
        return Recorded("recorded", found)
    return Recorded("not disclosed" if prop in hidden else "not recorded")


def _access(context: RegistryContext, iri: str, datasets: list[str], linker: Linker) -> Access:
    if not datasets:
        return Access(traced=False)
    result = tracepages.trace_of(context, iri)
    reached = []
    for access in result.organisations:
        path = linker.entity_path(access.organisation) if access.disclosed else None
        reached.append(Reach(access.label, access.grade,
                             None if path is None else linker.href(path),
                             None if access.disclosed else access.category_label, path))
    return Access(True, tuple(reached), result.complete, len(result.disclosure))


def relinked(city: CityMap, linker: Linker) -> CityMap:
    """``city`` with the hrefs of a page written with ``linker`` (a map is computed once, with
    site paths, and written as a page and as GeoJSON in different folders)."""
    def href(path: str | None) -> str | None:
        return None if path is None else linker.href(path)

    points = [replace(p, entity_href=href(p.entity_path), trace_href=href(p.trace_path),
                      access=replace(p.access, organisations=tuple(
                          replace(r, href=href(r.path)) for r in p.access.organisations)))
              for p in city.points]
    return CityMap(city.slug, city.iri, city.label, points, list(city.unlocated), city.declared)


def feature(point: MapPoint) -> dict[str, Any]:
    """One point as a GeoJSON Feature (RFC 7946 section 3.2): ``[longitude, latitude]``."""
    access = point.access
    return {
        "type": "Feature",
        "id": point.iri,
        "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
        "properties": {
            "id": point.iri,
            "label": point.label,
            "kind": point.kind,
            "category": point.category.slug,
            "categoryLabel": point.category.label,
            "colour": point.category.colour,
            "collects": list(point.collects),
            "operator": point.operator.to_json(),
            "purpose": point.purpose.to_json(),
            "retention": point.retention.to_json(),
            "locationPrecision": point.precision,
            "locationSource": None if point.location_source is None else {
                "label": point.location_source[0], "url": point.location_source[1]},
            "access": {
                "traced": access.traced, "complete": access.complete, "gaps": access.gaps,
                "organisations": [{"label": r.label, "grade": r.grade, "href": r.href,
                                   "identityNotDisclosed": r.undisclosed_category}
                                  for r in access.organisations]},
            "findings": None if point.findings is None else [
                {"rule": f.rule_id, "severity": f.severity, "kind": f.kind,
                 "message": f.message} for f in point.findings],
            "benchmarks": point.benchmarks,
            "links": {"entity": point.entity_href, "trace": point.trace_href},
        },
    }


def geojson(city: CityMap) -> dict[str, Any]:
    """The city's points as an RFC 7946 FeatureCollection."""
    return {"type": "FeatureCollection",
            "name": city.label,
            "features": [feature(point) for point in city.points]}


def geojson_bytes(city: CityMap) -> bytes:
    """:func:`geojson` as UTF-8 JSON."""
    return json.dumps(geojson(city), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def script_json(city: CityMap) -> str:
    """:func:`geojson` for a ``<script type="application/json">`` block: ``<``, ``>`` and
    ``&`` escaped, so no value can close the element."""
    text = json.dumps(geojson(city), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
