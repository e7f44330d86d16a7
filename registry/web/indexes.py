"""The index pages: home, cities, entity types, vendors and the findings dashboard.

Each function returns a plain model for its template. Entity kinds follow the IRI scheme of
ontology/MODELLING.md (``<city>/<kind>/<slug>``); a kind is the set of instances of its root
classes and their subclasses in the ontology.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from registry.context import RegistryContext
from registry.server.firstrun import VENDOR_CONCENTRATION
from registry.web.dumps import is_iri_safe
from registry.web.pages import local_name, validation_report

if TYPE_CHECKING:
    from registry.findings import Finding
    from registry.validate import ValidationReport


@dataclass(frozen=True)
class Kind:
    """One kind of entity: its URL slug, its plural title and its root classes."""

    slug: str
    title: str
    roots: tuple[str, ...]


_C = "https://w3id.org/cityreg#"
KINDS: tuple[Kind, ...] = (
    Kind("city", "Cities", (_C + "City",)),
    Kind("agency", "Public agencies", (_C + "Agency",)),
    Kind("company", "Companies", (_C + "Company",)),
    Kind("org", "Other organisations", (_C + "OtherOrganisation",)),
    Kind("sensor", "Sensors", ("http://www.w3.org/ns/sosa/Sensor",)),
    Kind("deployment", "Deployments", ("http://www.w3.org/ns/ssn/Deployment",)),
    Kind("system", "Systems", (_C + "System",)),
    Kind("dataset", "Datasets", ("http://www.w3.org/ns/dcat#Dataset",)),
    Kind("contract", "Vendor contracts", (_C + "VendorContract",)),
    Kind("agreement", "Data-sharing agreements", (_C + "DataSharingAgreement",)),
    Kind("flow", "Data flows", (_C + "DataFlow",)),
    Kind("clause", "Clauses", ("https://w3id.org/dpv#ContractualClause",)),
    Kind("assessment", "Impact assessments", ("https://w3id.org/dpv#ImpactAssessment",)),
    Kind("audit", "Audits", ("https://w3id.org/dpv#Audit",)),
    Kind("processing", "Processing activities", (_C + "Processing",)),
    Kind("programme", "Programmes", (_C + "Programme",)),
    Kind("record", "Records of processing", (_C + "RecordOfProcessing",)),
    Kind("notice", "Privacy notices", (_C + "Notice",)),
    Kind("policy", "Use policies", (_C + "UsePolicy",)),
    Kind("report", "Surveillance reports", (_C + "AnnualSurveillanceReport",)),
    Kind("approval", "Council approvals", (_C + "CouncilApproval",)),
    Kind("amendment", "Contract amendments", (_C + "Amendment",)),
    Kind("joint-controllers", "Joint controllers", ("https://w3id.org/dpv#JointDataControllers",)),
    Kind("arrangement", "Joint controllers' arrangements",
         ("https://w3id.org/dpv#JointDataControllersAgreement",)),
    Kind("claim", "Sources' claims", (_C + "Claim",)),
    Kind("source", "Sources", (_C + "Source",)),
)
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


@dataclass(frozen=True)
class Item:
    """An entity in a list: IRI, label, and the label and IRI of its city if it has one."""

    iri: str
    label: str
    city: str | None = None
    city_iri: str | None = None


def _members(context: RegistryContext, kind: Kind, city: str | None = None) -> list[Item]:
    roots = " ".join(f"<{root}>" for root in kind.roots)
    city_filter = f"?e cityreg:city <{city}> ." if city else ""
    rows = context.registry.select(f"""
        SELECT DISTINCT ?e (SAMPLE(?l) AS ?label) (MIN(?cl) AS ?cityLabel) (MIN(?c) AS ?city)
        WHERE {{
          VALUES ?root {{ {roots} }}
          ?t rdfs:subClassOf* ?root . ?e a ?t . FILTER(isIRI(?e))
          {city_filter}
          OPTIONAL {{ ?e rdfs:label ?l FILTER(LANG(?l) IN ("", "en")) }}
          OPTIONAL {{ ?e cityreg:city ?c FILTER(isIRI(?c))
                     OPTIONAL {{ ?c rdfs:label ?cl FILTER(LANG(?cl) IN ("", "en")) }} }}
        }} GROUP BY ?e""")
    items = [Item(str(row["e"]), str(row.get("label", local_name(str(row["e"])))),
                  str(row["cityLabel"]) if "cityLabel" in row else None,
                  str(row["city"]) if "city" in row else None) for row in rows]
    return sorted(items, key=lambda item: (item.label.lower(), item.iri))


def kind_members(context: RegistryContext, slug: str) -> list[Item] | None:
    """The entities of the kind ``slug``; ``None`` for an unknown kind."""
    kind = KINDS_BY_SLUG.get(slug)
    return None if kind is None else _members(context, kind)


@dataclass
class City:
    """A city with its slug (first path segment of its IRI under the base) and its entities."""

    slug: str
    iri: str
    label: str
    groups: list[tuple[Kind, list[Item]]] = field(default_factory=list)


def city_slug(iri: str, entity_base: str) -> str:
    """``<base>rio/city/rio`` -> ``rio``; an IRI outside the base -> its last segment."""
    if iri.startswith(entity_base):
        return iri[len(entity_base):].split("/", 1)[0] or local_name(iri)
    return local_name(iri)


def cities(context: RegistryContext) -> list[City]:
    """Every city in the registry, by label."""
    items = _members(context, KINDS_BY_SLUG["city"])
    return [City(city_slug(item.iri, context.entity_base), item.iri, item.label)
            for item in items]


def city_page(context: RegistryContext, slug: str) -> City | None:
    """The city ``slug`` with its entities grouped by kind; ``None`` if there is none."""
    city = next((c for c in cities(context) if c.slug == slug), None)
    if city is None or not is_iri_safe(city.iri):
        return None
    for kind in KINDS:
        if kind.slug == "city":
            continue
        members = _members(context, kind, city.iri)
        if members:
            city.groups.append((kind, members))
    return city


@dataclass(frozen=True)
class KindCount:
    """How many entities of one kind the registry holds."""

    kind: Kind
    count: int


def kind_counts(context: RegistryContext) -> list[KindCount]:
    """Entity counts per kind (kinds with none left out)."""
    counts = []
    for kind in KINDS:
        roots = " ".join(f"<{root}>" for root in kind.roots)
        rows = context.registry.select(
            f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?root {{ {roots} }} "
            "?t rdfs:subClassOf* ?root . ?e a ?t . FILTER(isIRI(?e)) }")
        count = int(rows[0]["n"]) if rows else 0  # type: ignore[call-overload]
        if count:
            counts.append(KindCount(kind, count))
    return counts


@dataclass(frozen=True)
class VendorRow:
    """A vendor with the cities it works in and how much of each depends on it."""

    iri: str
    label: str
    cities: tuple[tuple[str | None, str | None, int, int, int], ...]

    @property
    def contracts(self) -> int:
        """Contracts across all cities."""
        return sum(row[2] for row in self.cities)


def vendors(context: RegistryContext) -> list[VendorRow]:
    """Vendors (from the access graph's vendor concentration), most contracts first."""
    grouped: dict[tuple[str, str], list[tuple[str | None, str | None, int, int, int]]] = (
        defaultdict(list))
    context.check_ready(VENDOR_CONCENTRATION)
    for row in context.access_graph.vendor_concentration():
        grouped[(row.vendor, row.label)].append(
            (row.city, row.city_label, len(row.contracts), len(row.datasets), len(row.sensors)))
    rows = [VendorRow(iri, label, tuple(sorted(cs, key=lambda c: c[1] or "")))
            for (iri, label), cs in grouped.items()]
    return sorted(rows, key=lambda v: (-v.contracts, v.label.lower()))


#: At most this many findings of one rule are listed on the findings dashboard (at N=1000 the
#: full list was a 42 MB page, rendered on every request).
LISTED_PER_RULE = 100


#: At most this many findings of one rule are listed on the findings dashboard (at N=1000 the
#: full list was a 42 MB page, rendered on every request).
LISTED_PER_RULE = 100


@dataclass
class RuleSummary:
    """One rule on the findings dashboard: its counts per severity and the entities it hits."""

    rule_id: str
    legal_source: str
    legal_source_label: str
    severities: Counter[str] = field(default_factory=Counter)
    #: every finding of the rule on this side of the dashboard, in report order (a report
    #: kept in a file reads them a page at a time: registry.stored.findingsdb)
    findings: Sequence[Finding] = field(default_factory=list)
    #: where to read the article (the first finding's: in the UK, its UK equivalent)
    legal_source_url: str = ""
    #: the bodies of law its findings were measured against, in order of first finding
    laws: list[str] = field(default_factory=list)

    @property
    def listed(self) -> list[Finding]:
        """The findings the dashboard lists: at most :data:`LISTED_PER_RULE`, so that the page
        of a national registry stays a page (every finding is on its entity's page, in the
        GraphQL ``findings(rule:)`` list and in ``cityreg validate --format json``)."""
        return list(self.findings[:LISTED_PER_RULE])

    @property
    def unlisted(self) -> int:
        """How many of its findings the dashboard leaves out."""
        return max(0, len(self.findings) - LISTED_PER_RULE)


@dataclass
class Dashboard:
    """The findings dashboard: binding findings and benchmarks apart.

    ``totals`` counts the binding findings per severity (findings under a lens count as
    binding); ``benchmarks`` are never counted as violations, whatever their rule's severity;
    ``kinds`` counts the binding findings per kind (rule, not-disclosed, not-recorded,
    manual-review).
    """

    totals: Counter[str]
    rules: list[RuleSummary]
    benchmark_rules: list[RuleSummary]
    benchmark_count: int
    kinds: Counter[str] = field(default_factory=Counter)


def _summaries(report: ValidationReport, benchmark: bool) -> list[RuleSummary]:
    """One summary per rule of the binding findings (or the benchmarks), by rule id: counts
    and laws asked of the report, the findings as the report's sequence (never copied)."""
    summaries = []
    for rule_id in sorted(report.count_by("rule_id", benchmark=benchmark)):
        findings = report.select(rule_id=rule_id, benchmark=benchmark)
        first = findings[0]
        summaries.append(RuleSummary(
            rule_id, first.legal_source, first.legal_source_label,
            Counter(report.count_by("severity", rule_id=rule_id, benchmark=benchmark)),
            findings, legal_source_url=first.legal_source_url or first.legal_source,
            laws=[law for law in report.count_by("law", rule_id=rule_id, benchmark=benchmark)
                  if law]))
    return summaries


def findings_dashboard(context: RegistryContext) -> Dashboard | None:
    """Binding findings (counts per severity, one summary per rule, by rule id) and benchmarks
    (one summary per rule) apart; ``None`` without legal checks."""
    report = validation_report(context)
    if report is None:
        return None
    standing = report.count_by("standing")
    return Dashboard(Counter(report.count_by("severity", benchmark=False)),
                     _summaries(report, False), _summaries(report, True),
                     standing.get("benchmark", 0),
                     Counter(report.count_by("kind", benchmark=False)))
