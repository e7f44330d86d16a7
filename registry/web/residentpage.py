"""A resident's page for each deployment: what is collected here, why, for how long, who can
see it, how to object, and whom to ask, in plain words and readable on a phone.

``/resident/<path>`` (``<path>`` as in ``/id/<path>``) is the page of a deployment
(``ssn:Deployment``), or of a sensor or system that records its own place in public space
(``cityreg:publiclyAccessible`` true with ``cityreg:locationDescription`` or ``geo:lat``) and
that no deployment places. The static site writes ``resident/<path>.html``.

Every statement says how it is known: *known* (the registry records it), *inferred* (a
recorded link suggests it; from the access trace), *not disclosed* (``cityreg:notDisclosed``,
or a contract whose text is not public) or *not recorded* (the registry is silent). "Not
recorded" is never written as "no" or "none". Statements link to the sources of the facts
they rest on. Rights are stated only where the registry's table of laws
(``shapes/jurisdiction.ttl``) says a data-protection law binds at the entity's place.

Phrasing rules: short sentences; no IRIs; no legal abbreviation without its meaning ("the
GDPR, the EU's data protection law"); articles written "Article 15", never "Art.".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from registry.flows.model import GRADES
from registry.namespaces import CITYREG, DCT, DPV, GEO, SOSA, SSN
from registry.places import locate
from registry.web import render
from registry.web.dumps import exists
from registry.web.negotiation import HTML, choose_representation
from registry.web.pages import finding_views
from registry.web.residentfacts import (
    INFERRED,
    KNOWN,
    NOT_DISCLOSED,
    NOT_RECORDED,
    STATUS_OF,
    Facts,
    ResidentPage,
    Section,
    SourceLink,
    Statement,
    days_text,
    join_words,
    place_name,
    sentence,
)
from registry.web.residentlaw import jurisdictions, objection
from registry.web.residentwords import DATA_WORDS, PURPOSE_WORDS, ROLE_WORDS, SENSOR_WORDS
from registry.web.tracepages import trace_of, trace_path, traceable

if TYPE_CHECKING:
    from registry.context import RegistryContext
    from registry.flows.model import OrganisationAccess
    from registry.web.pages import Linker

#: The site path under which resident pages live.
RESIDENT_ROOT = "/resident/"


# --- which entities have a page -------------------------------------------------------------

#: What has a resident page: a deployment, or a sensor or system in public space that records
#: its own place and that no deployment places.
_HAS_PAGE = """
  { ?e a ssn:Deployment }
  UNION {
    { ?e a sosa:Sensor } UNION { ?e a/rdfs:subClassOf* cityreg:System }
    ?e cityreg:publiclyAccessible true .
    { ?e cityreg:locationDescription ?where } UNION { ?e geo:lat ?lat }
    FILTER NOT EXISTS { ?d a ssn:Deployment ; ssn:deployedSystem ?e }
  }"""


def resident_subjects(context: RegistryContext) -> list[str]:
    """Every IRI that has a resident page, sorted."""
    rows = context.registry.select(f"SELECT DISTINCT ?e WHERE {{ {_HAS_PAGE} }}")
    return sorted(str(row["e"]) for row in rows if isinstance(row.get("e"), URIRef))


def has_resident_page(context: RegistryContext, iri: str) -> bool:
    """Whether ``iri`` is a deployment, or a sensor or system placed in public space."""
    return context.registry.ask(f"ASK {{ {_HAS_PAGE} }}", {"e": URIRef(iri)})


def resident_path(linker: Linker, iri: str) -> str | None:
    """``/resident/<path>`` for an IRI under the entity base, else None."""
    page = linker.entity_path(iri)
    return None if page is None else RESIDENT_ROOT + page[len("/id/"):]


def resident_href(context: RegistryContext, linker: Linker, iri: str) -> str | None:
    """The href of ``iri``'s resident page from ``linker``'s page; None when it has none."""
    path = resident_path(linker, iri)
    if path is None or not has_resident_page(context, iri):
        return None
    return linker.href(path)


# --- the page --------------------------------------------------------------------------------


def resident_page(context: RegistryContext, iri: str, linker: Linker) -> ResidentPage:
    """The page model of ``iri``, which has a resident page and is under the entity base."""
    facts = Facts(context, linker)
    entity = linker.entity_path(iri)
    assert entity is not None, iri
    systems = facts.iris(iri, SSN.deployedSystem)
    datasets = _datasets(facts, iri, systems)
    users = _users(context, [iri, *systems, *datasets])
    can_trace = traceable(context, iri)
    trace = trace_path(linker, iri)
    sections = (
        Section("what", "What is collected here", tuple(_what(facts, iri, systems, datasets))),
        Section("where", "Where", tuple(_where(facts, iri, systems))),
        Section("why", "Why", tuple(_why(facts, iri, systems, users))),
        Section("how-long", "How long it is kept", tuple(_how_long(facts, iri, datasets))),
        Section("who", "Who can see the data", tuple(_who(context, facts, iri, can_trace))),
        Section("object", "How to object or opt out",
                tuple(objection(context, facts, iri, systems, datasets, users))),
        Section("ask", "Whom to ask", tuple(_ask(facts, iri, users))),
        Section("checks", "What the registry's legal checks found",
                tuple(_checks(context, iri))),
    )
    return ResidentPage(iri, facts.label(iri), facts.flag(iri, CITYREG.fictional) is True,
                        linker.href(entity),
                        linker.href(trace) if trace is not None and can_trace else None,
                        sections)


def _datasets(facts: Facts, iri: str, systems: list[str]) -> list[str]:
    found = [d for e in (iri, *systems) for d in facts.iris(e, CITYREG.feedsDataset)]
    return list(dict.fromkeys(found))


def _users(context: RegistryContext, iris: list[str]) -> list[str]:
    """The processings and systems that use the entity's sensors, systems or datasets."""
    if not iris:
        return []
    values = " ".join(f"<{iri}>" for iri in iris)
    rows = context.registry.select(f"""
        SELECT DISTINCT ?u WHERE {{ VALUES ?x {{ {values} }}
          ?u cityreg:usesSensor|cityreg:usesDataset|cityreg:usesSystem ?x }}""")
    return sorted({str(row["u"]) for row in rows} - set(iris))


def _what(facts: Facts, iri: str, systems: list[str], datasets: list[str]
          ) -> Iterator[Statement]:
    for system in systems or [iri]:
        types = facts.iris(system, CITYREG.sensorType)
        words = [SENSOR_WORDS.get(URIRef(t), facts.label(t)) for t in types]
        if words:
            yield Statement(f"It records {join_words(words)}.", sources=facts.sources(system))
        elif system != iri:
            yield Statement(f"What kind of device {facts.label(system)} is, is "
                            f"{facts.status(system, CITYREG.sensorType)}.",
                            facts.status(system, CITYREG.sensorType), facts.sources(system))
        count = facts.first(system, CITYREG.unitCount)
        if isinstance(count, Literal):
            number = int(count)
            yield Statement(f"There {'is 1 device' if number == 1 else f'are {number:,} devices'}"
                            ".", sources=facts.sources(system))
        observed = [facts.label(o) for o in facts.iris(system, SOSA.observes)]
        if observed:
            yield Statement(f"It watches for: {join_words(observed)}.",
                            sources=facts.sources(system))
    if not systems:
        yield Statement("Which sensor or system is placed here is "
                        f"{facts.status(iri, SSN.deployedSystem)}.",
                        facts.status(iri, SSN.deployedSystem), facts.sources(iri))
    personal = facts.flag(iri, CITYREG.processesPersonalData)
    categories: dict[str, list[str]] = {}
    for holder in (iri, *datasets):
        for category in facts.iris(holder, DPV.hasPersonalData):
            categories.setdefault(category, []).append(holder)
    if personal is False:
        yield Statement("It collects no personal data (data about people who can be "
                        "identified), the registry records.", sources=facts.sources(iri))
    elif personal is True:
        yield Statement("It collects personal data: data about people who can be identified.",
                        sources=facts.sources(iri))
    else:
        status = facts.status(iri, CITYREG.processesPersonalData)
        yield Statement(f"Whether it collects personal data is {status}.", status,
                        facts.sources(iri))
    if categories:
        yield Statement("The data includes:", items=tuple(
            Statement(sentence(DATA_WORDS.get(URIRef(c), facts.label(c))),
                      sources=facts.sources(*holders))
            for c, holders in categories.items()))
    elif personal is not False:
        status = NOT_DISCLOSED if any(facts.status(h, DPV.hasPersonalData) == NOT_DISCLOSED
                                      for h in (iri, *datasets)) else NOT_RECORDED
        yield Statement(f"Which kinds of personal data it collects is {status}.", status,
                        facts.sources(iri, *datasets))
    description = facts.first(iri, DCT.description)
    if description is not None:
        yield Statement(f"The registry's description: {description}",
                        sources=facts.sources(iri))


def _where(facts: Facts, iri: str, systems: list[str]) -> Iterator[Statement]:
    place = facts.first(iri, CITYREG.locationDescription)
    city = facts.iris(iri, CITYREG.city)
    city_name = place_name(facts.label(city[0])) if city else ""
    city_words = f" in {city_name}" if city else ""
    if place is not None:
        yield Statement(f"Place: {place}" + (f", {city_name}." if city else "."),
                        sources=facts.sources(iri))
    else:
        status = facts.status(iri, CITYREG.locationDescription)
        yield Statement(f"The exact place is {status}" + (f"; it is{city_words}." if city
                                                          else "."),
                        status, facts.sources(iri))
    coverage = facts.iris(iri, CITYREG.coverage)
    if coverage:
        yield Statement(f"It covers {facts.label(coverage[0])}.", sources=facts.sources(iri))
    public = facts.flag(iri, CITYREG.publiclyAccessible)
    if public is True:
        yield Statement("It is a public place: anyone who passes can be recorded.",
                        sources=facts.sources(iri))
    elif public is False:
        yield Statement("It is not a place open to the public.", sources=facts.sources(iri))
    for holder in (iri, *systems):
        lat, long = facts.first(holder, GEO.lat), facts.first(holder, GEO.long)
        if isinstance(lat, Literal) and isinstance(long, Literal):
            href = (f"https://www.openstreetmap.org/?mlat={lat}&mlon={long}"
                    f"#map=17/{lat}/{long}")
            precision = facts.first(holder, CITYREG.locationPrecision)
            sources = _point_sources(facts, holder)
            yield Statement(f"Map position: latitude {lat}, longitude {long}.",
                            sources=sources, link=(href, "Open the map"))
            if precision is not None:
                text = str(precision).strip().rstrip(".")
                yield Statement(f"What the point stands for: {text[:1].lower()}{text[1:]}.",
                                sources=sources)
            break
    else:
        yield Statement("Its position on a map is not recorded.", NOT_RECORDED)


def _point_sources(facts: Facts, holder: str) -> tuple[SourceLink, ...]:
    """The source of a WGS84 point: its own (cityreg:locationSource), else the entity's."""
    own = facts.iris(holder, CITYREG.locationSource)
    found = tuple(link for source in own for link in facts.sources_at(source))
    return found or facts.sources(holder)


def _purpose_words(facts: Facts, purpose: str) -> str:
    words = PURPOSE_WORDS.get(URIRef(purpose))
    return words if words is not None else facts.label(purpose)


def _why(facts: Facts, iri: str, systems: list[str], users: list[str]) -> Iterator[Statement]:
    purposes = facts.iris(iri, DPV.hasPurpose)
    if len(purposes) == 1:
        yield Statement(f"It is used for {_purpose_words(facts, purposes[0])}.",
                        sources=facts.sources(iri))
    elif purposes:
        yield Statement("It is used for these reasons:", sources=facts.sources(iri),
                        items=tuple(Statement(sentence(_purpose_words(facts, p)))
                                    for p in purposes))
    else:
        status = facts.status(iri, DPV.hasPurpose)
        yield Statement(f"Why it is used is {status}.", status, facts.sources(iri))
    extra = [u for u in facts.iris(iri, CITYREG.actualUse) if u not in purposes]
    if extra:
        yield Statement("The registry records that the data is also used for "
                        f"{join_words([_purpose_words(facts, p) for p in extra])}. This was not "
                        "among the reasons given.", sources=facts.sources(iri))
    for user in [*systems, *users]:
        used_for = [p for p in facts.iris(user, DPV.hasPurpose) if p not in purposes]
        if used_for:
            yield Statement("The data is also used for "
                            f"{join_words([_purpose_words(facts, p) for p in used_for])} "
                            f"({facts.label(user)}).", sources=facts.sources(user))


def _retention(facts: Facts, holder: str) -> Statement | None:
    """How long ``holder`` keeps its data; None when nothing about it is recorded."""
    days = facts.first(holder, CITYREG.retentionPeriodDays)
    why = facts.first(holder, CITYREG.retentionJustification)
    reason = f" Reason given: {sentence(str(why))}" if why is not None else ""
    if facts.flag(holder, CITYREG.retainedIndefinitely) is True:
        return Statement(f"It is kept with no time limit.{reason}",
                         sources=facts.sources(holder))
    if isinstance(days, Literal):
        return Statement(f"It is kept for {days_text(int(days))}.{reason}",
                         sources=facts.sources(holder))
    criteria = facts.first(holder, CITYREG.retentionCriteria)
    if criteria is not None:
        return Statement(f"How long it is kept depends on this: {criteria}",
                         sources=facts.sources(holder))
    if CITYREG.retentionPeriodDays in facts.values(holder, CITYREG.absent):
        return Statement("No time limit is set for keeping it.", sources=facts.sources(holder))
    if facts.status(holder, CITYREG.retentionPeriodDays) == NOT_DISCLOSED:
        return Statement("How long it is kept is not disclosed.", NOT_DISCLOSED,
                         facts.sources(holder))
    return None


def _how_long(facts: Facts, iri: str, datasets: list[str]) -> Iterator[Statement]:
    own = _retention(facts, iri)
    if own is not None:
        yield own
    for dataset in datasets:
        said = _retention(facts, dataset) or Statement(
            "How long it is kept is not recorded.", NOT_RECORDED, facts.sources(dataset))
        yield Statement(f"{facts.label(dataset)}: {said.text[:1].lower()}{said.text[1:]}",
                        said.status, said.sources)
    if own is None and not datasets:
        yield Statement("How long the data is kept is not recorded.", NOT_RECORDED,
                        facts.sources(iri))


def _holder_words(facts: Facts, iri: str, access: OrganisationAccess) -> Statement:
    """One organisation that can get the data, with how, from its best evidence path."""
    path = access.paths[0]
    last = path.hops[-1]
    sources = tuple(dict.fromkeys(link for hop in path.hops
                                  for link in facts.sources(hop.via)))
    if not access.disclosed:
        return Statement(f"Organisations not named, recorded only as "
                         f"“{access.category_label or 'recipient'}”, through "
                         f"{last.via_label}.", NOT_DISCLOSED, sources)
    if last.kind == "origin":
        it = "it" if last.via == iri else last.via_label
        role = ROLE_WORDS.get(last.role_label, f"is the {last.role_label} of {{it}}")
        text = f"{access.label} {role.format(it=it)}"
    else:
        kind = {"agreement": "the agreement", "contract": "the contract",
                "processing": "the processing"}.get(last.kind, "")
        text = f"{access.label} gets it from {last.source_label} under {kind} “{last.via_label}”"
    if access.grade == "inferred" and last.rule_label:
        text += f": {last.rule_label}"
    return Statement(sentence(text), KNOWN if access.grade == "asserted" else INFERRED,
                     sources)


_GRADE_LEADS = {
    "asserted": ("These organisations can get the data. A recorded role, contract or agreement "
                 "says so:", KNOWN),
    "inferred": ("These organisations probably can get the data. A recorded link suggests it, "
                 "but no record sets out their access:", INFERRED),
    "undisclosed": ("Others get the data, but who they are is not disclosed:", NOT_DISCLOSED),
}


def _who(context: RegistryContext, facts: Facts, iri: str, can_trace: bool
         ) -> Iterator[Statement]:
    named: set[str] = set()
    for prop, words in ((CITYREG.operator, "runs it"), (CITYREG.owner, "owns it"),
                        (DPV.hasDataController, "decides what is done with the data")):
        orgs = facts.iris(iri, prop)
        if orgs:
            named.update(orgs)
            yield Statement(f"{join_words([facts.label(o) for o in orgs])} {words}.",
                            sources=facts.sources(iri))
        elif prop == CITYREG.operator:
            status = facts.status(iri, prop)
            yield Statement(f"Who runs it is {status}.", status, facts.sources(iri))
    result = trace_of(context, iri) if can_trace else None
    if result is None or not result.datasets:
        yield Statement("The registry records no data set that it feeds, so it cannot say who "
                        "gets the data.", NOT_RECORDED)
        return
    for grade in GRADES:
        # the organisations named above, when they hold the data first hand, are not repeated
        reached = [a for a in result.organisations if a.grade == grade and not (
            a.organisation in named and a.paths[0].length == 1)]
        if reached:
            lead, status = _GRADE_LEADS[grade]
            if grade == "asserted" and named:
                lead = lead.replace("organisations can get", "organisations can also get")
            yield Statement(lead, status,
                            items=tuple(_holder_words(facts, iri, a) for a in reached))
    if result.complete:
        yield Statement("The registry followed every recorded link to find them.")
    else:
        yield Statement("The registry's search stopped at its limit, so more organisations may "
                        "get the data than are listed here.", NOT_RECORDED)
    if result.disclosure:
        yield Statement("What the registry does not know:", items=tuple(
            Statement(sentence(f"{gap.entity_label}: {gap.why} ({gap.prop_label} "
                                f"{gap.status})"), STATUS_OF[gap.status],
                      facts.sources(gap.entity))
            for gap in result.disclosure))


def _contact(facts: Facts, org: str, role: str) -> Statement:
    items = []
    for prop, words in ((CITYREG.contactPoint, "Contact"),
                        (CITYREG.dataProtectionOfficer, "Data protection officer (the person "
                         "who checks that it follows data protection law)"),
                        (CITYREG.address, "Address")):
        for value in facts.values(org, prop):
            text = str(value)
            href = (f"mailto:{text}" if "@" in text and " " not in text else
                    text if text.startswith(("https://", "http://")) else None)
            items.append(Statement(f"{words}:" if href else f"{words}: {text}.",
                                   sources=facts.sources(org),
                                   link=None if href is None else (href, text)))
    officer = facts.first(org, CITYREG.accountableOfficer)
    if officer is not None:
        items.append(Statement(f"The person responsible: {officer}.",
                               sources=facts.sources(org)))
    if not items:
        items.append(Statement(f"How to contact {facts.label(org)} is not recorded.",
                               NOT_RECORDED))
    return Statement(f"{facts.label(org)}: {role}.", sources=facts.sources(org),
                     items=tuple(items))


def _ask(facts: Facts, iri: str, users: list[str]) -> Iterator[Statement]:
    asked: dict[str, str] = {}
    for holder in (iri, *users):
        for org in facts.iris(holder, DPV.hasDataController):
            asked.setdefault(org, "decides what is done with the data")
    for prop, role in ((CITYREG.operator, "runs it"), (CITYREG.owner, "owns it")):
        for org in facts.iris(iri, prop):
            asked.setdefault(org, role)
    for org, role in asked.items():
        yield _contact(facts, org, role)
    officer = facts.first(iri, CITYREG.accountableOfficer)
    if officer is not None:
        yield Statement(f"The person responsible for it: {officer}.", sources=facts.sources(iri))
    if not asked:
        status = facts.status(iri, CITYREG.operator)
        yield Statement(f"Who runs it is {status}. You can ask the people who publish this "
                        "registry.", status,
                        link=(facts.linker.href("/catalog.ttl"), "The registry's catalogue"))


def _checks(context: RegistryContext, iri: str) -> Iterator[Statement]:
    views = finding_views(context, iri)
    if views is None:
        yield Statement("This copy of the registry has no legal checks.", NOT_RECORDED)
        return
    binding = [v for v in views if not v.benchmark]
    kinds = [str(v.finding.kind) for v in binding]
    counts = [(kinds.count("rule"), "{n} {rules} not met.", KNOWN),
              (kinds.count("not-disclosed"), "{n} {rules} cannot be checked, because the facts "
               "they need are not disclosed.", NOT_DISCLOSED),
              (kinds.count("not-recorded"), "{n} {rules} cannot be checked, because the facts "
               "they need are not recorded.", NOT_RECORDED),
              (kinds.count("manual-review"), "{n} {rules} need a person to judge.", KNOWN)]
    shown = [Statement(words.format(n=number, rules="rule is" if number == 1 else "rules are")
                       .replace("rule is need", "rule needs").replace("rules are need",
                                                                      "rules need"), status)
             for number, words, status in counts if number]
    if shown:
        yield Statement("The registry checked it against the law that applies here:",
                        items=tuple(shown))
    elif any(jurisdictions().binds_somewhere(place)
             for place in locate(context.registry, [iri]).get(iri, ())):
        yield Statement("The registry's checks found nothing against the law that applies "
                        "here. They only cover what the registry records.")
    else:
        yield Statement("None of the laws the registry checks binds here, so its checks "
                        "cannot find a breach. That does not mean the local law is followed.",
                        NOT_RECORDED)
    benchmarks = len(views) - len(binding)
    if benchmarks:
        yield Statement(f"It was also measured against {benchmarks} "
                        f"{'rule' if benchmarks == 1 else 'rules'} of other laws, or of good "
                        "practice, that do not bind here. Those results are not breaches.")


# --- serving and publishing ------------------------------------------------------------------


def resident_html(context: RegistryContext, iri: str, linker: Linker) -> str:
    """The HTML of ``iri``'s resident page (it has one, under the entity base)."""
    return render("resident.html", linker, page=resident_page(context, iri, linker),
                  missing=None)


def _why_not(context: RegistryContext, linker: Linker, path: str) -> tuple[str, str | None]:
    iri = context.entity_base + path
    if not exists(context.registry, iri):
        return (f"The registry has no entity {iri}, so there is no resident's page for it. "
                "A resident's page needs the path of a deployment, as in its page's address "
                "/id/<path>.", None)
    entity = linker.entity_path(iri)
    return (f"{iri} is not a deployment, nor a sensor or system placed in public space, so it "
            "has no resident's page. Its own page shows what the registry records about it.",
            None if entity is None else linker.href(entity))


def resident_routes(context: RegistryContext, linker: Linker) -> list[Route]:
    """The ``/resident/{path}`` route (``.html`` accepted): the page, or a 404 that says why
    and links to the entity's own page when there is one."""
    rendered: dict[str, bytes] = {}  # only pages that exist: bounded by the deployments

    def endpoint(request: Request) -> Response:
        path: str = request.path_params["path"]
        if path.endswith(".html") and has_resident_page(context,
                                                        context.entity_base + path[:-5]):
            path = path[:-5]
        body = rendered.get(path)
        if body is None:
            iri = context.entity_base + path
            if not has_resident_page(context, iri):
                message, entity = _why_not(context, linker, path)
                accept = request.headers.get("accept")
                if choose_representation(accept, (HTML,)) is None and accept and \
                        "html" not in accept:
                    return PlainTextResponse(message + "\n", status_code=404)
                return HTMLResponse(render("resident.html", linker, page=None,
                                           missing=(message, entity)), status_code=404)
            body = rendered[path] = resident_html(context, iri, linker).encode("utf-8")
        return HTMLResponse(body)

    return [Route(RESIDENT_ROOT + "{path:path}", endpoint, name="resident")]


def resident_files(context: RegistryContext, linker: Linker) -> Iterable[tuple[str, bytes]]:
    """For the static site: ``(site path, HTML)`` of every resident page under the entity base
    (``/resident/<path>``, written as ``resident/<path>.html``); ``linker`` gives the base."""
    from registry.web.pages import Linker as PageLinker

    for iri in resident_subjects(context):
        site_path = resident_path(linker, iri)
        if site_path is not None:
            page_linker = PageLinker(linker.entity_base, site_path)
            yield site_path, resident_html(context, iri, page_linker).encode("utf-8")


__all__ = ["RESIDENT_ROOT", "ResidentPage", "Section", "SourceLink", "Statement",
           "has_resident_page", "resident_files", "resident_href", "resident_html",
           "resident_page", "resident_routes", "resident_subjects"]
