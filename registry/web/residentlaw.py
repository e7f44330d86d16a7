"""The law part of a resident's page (registry.web.residentpage): which data protection law binds
at the entity's place, the rights it gives, how to object or opt out, and the notices and
procedures the registry records. A right is stated only where the registry's table of laws
(``shapes/jurisdiction.ttl``) says a law binds there."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from rdflib import RDF, Graph

from registry.jurisdiction import Jurisdictions, Place
from registry.namespaces import CITYREG, DPV
from registry.places import locate
from registry.resources import shapes_dir
from registry.web.pages import local_name
from registry.web.residentfacts import (
    KNOWN,
    NOT_DISCLOSED,
    NOT_RECORDED,
    Facts,
    SourceLink,
    Statement,
    join_words,
    place_name,
)
from registry.web.residentwords import BASIS_WORDS

if TYPE_CHECKING:
    from registry.context import RegistryContext

#: The bodies of law of shapes/jurisdiction.ttl that give a resident rights here.
GDPR_LAW = "https://w3id.org/cityreg/shapes#law-gdpr"
LED_LAW = "https://w3id.org/cityreg/shapes#law-led"
#: The United Kingdom's own texts, which the table of laws does not link.
UK_GDPR_URL = "https://www.legislation.gov.uk/eur/2016/679/contents"
UK_DPA_PART3_URL = "https://www.legislation.gov.uk/ukpga/2018/12/part/3"

@cache
def jurisdictions() -> Jurisdictions:
    return Jurisdictions.from_graph(Graph().parse(shapes_dir() / "jurisdiction.ttl"))


def legal_basis(facts: Facts, holders: list[str]) -> tuple[str, str | None, str]:
    """(words, consequence, status) of the legal reason of the first holder recording one."""
    for holder in holders:
        for basis in facts.iris(holder, DPV.hasLegalBasis):
            name = local_name(basis)
            if name.startswith("A6-1-") and name[5:6] in BASIS_WORDS:
                words, follows = BASIS_WORDS[name[5:6]]
                return words, follows, KNOWN
            return facts.label(basis), None, KNOWN
    disclosed = any(facts.status(h, DPV.hasLegalBasis) == NOT_DISCLOSED for h in holders)
    return "", None, NOT_DISCLOSED if disclosed else NOT_RECORDED


def rights(facts: Facts, iri: str, holders: list[str], place: Place, law_words: str,
            law_source: SourceLink) -> Iterator[Statement]:
    controllers = [c for h in holders for c in facts.iris(h, DPV.hasDataController)]
    controllers = controllers or facts.iris(iri, CITYREG.operator)
    who = join_words([facts.label(c) for c in dict.fromkeys(controllers)]) or \
        "the organisation that runs it"
    first = (f"You can ask {who} for a copy of your data (Article 15)." if any(
        facts.iris(h, DPV.hasDataController) for h in holders) else
        "You can ask for a copy of your data (Article 15). Who must answer (the "
        "“controller”, who decides what is done with the data) is not recorded: start with "
        f"{who}.")
    items = [Statement(first, KNOWN if "not recorded" not in first else NOT_RECORDED),
             Statement("You can ask for wrong data to be corrected (Article 16) and, in some "
                       "cases, deleted (Article 17).")]
    words, follows, status = legal_basis(facts, holders)
    if status != KNOWN:
        items.append(Statement(f"Whether you can object (Article 21) depends on the legal "
                               f"reason for using your data. That reason is {status}.", status,
                               facts.sources(*holders)))
    elif follows == "object":
        items.append(Statement(f"The legal reason given is {words}. So you can object to the "
                               "use of your data; they must then stop, unless they show "
                               "strong reasons to go on (Article 21).",
                               sources=facts.sources(*holders)))
    elif follows == "consent":
        items.append(Statement("The legal reason given is your consent. You can withdraw it "
                               "at any time (Article 7).", sources=facts.sources(*holders)))
    else:
        items.append(Statement(f"The legal reason given is {words}. The right to object "
                               "(Article 21) does not cover that reason.",
                               sources=facts.sources(*holders)))
    items.append(Statement("You can complain to the country's data protection authority "
                           "(Article 77)."))
    yield Statement(f"{law_words} here, in {place_name(place.label)}. It gives you these "
                    "rights:",
                    sources=(law_source,), items=tuple(items))


def objection(context: RegistryContext, facts: Facts, iri: str, systems: list[str],
            datasets: list[str], users: list[str]) -> Iterator[Statement]:
    holders = [iri, *systems, *users]
    opt_out = next((facts.flag(h, CITYREG.optOutAvailable) for h in holders
                    if facts.flag(h, CITYREG.optOutAvailable) is not None), None)
    if opt_out is True:
        yield Statement("You can opt out without losing a service you are entitled to.",
                        sources=facts.sources(iri, *users))
    elif opt_out is False:
        yield Statement("You cannot opt out, the registry records.",
                        sources=facts.sources(iri, *users))
    else:
        status = facts.status(iri, CITYREG.optOutAvailable)
        yield Statement(f"Whether you can opt out is {status}.", status, facts.sources(iri))
    signs = facts.flag(iri, CITYREG.signage)
    if signs is True:
        yield Statement("Signs at the site tell people about it.", sources=facts.sources(iri))
    elif signs is False:
        yield Statement("There are no signs at the site to tell people about it.",
                        sources=facts.sources(iri))
    else:
        status = facts.status(iri, CITYREG.signage)
        yield Statement(f"Whether signs at the site tell people about it is {status}.", status,
                        facts.sources(iri))
    yield from notices(facts, holders, datasets)
    personal = facts.flag(iri, CITYREG.processesPersonalData)
    if personal is False:
        yield Statement("Data protection rights are about personal data. The registry records "
                        "that this collects none.", sources=facts.sources(iri))
        return
    yield from law_statements(context, facts, iri, systems, holders)


def notices(facts: Facts, holders: list[str], datasets: list[str]) -> Iterator[Statement]:
    for holder in holders:
        url = facts.first(holder, CITYREG.privacyNotice)
        if url is not None:
            yield Statement("A privacy notice is published.", sources=facts.sources(holder),
                            link=(str(url), "Read the privacy notice"))
        for document in facts.iris(holder, CITYREG.hasOversightDocument):
            if CITYREG.Notice not in facts.values(document, RDF.type):
                continue
            covers = facts.values(document, CITYREG.covers)
            tells = [words for element, words in (
                (CITYREG.RightsElement, "your rights"),
                (CITYREG.ComplaintRight, "how to complain")) if element in covers]
            published = facts.flag(document, CITYREG.published)
            state = ("It is published" if published else "It is not published" if
                     published is False else "Whether it is published is not recorded")
            told = f" It explains {join_words(tells)}." if tells else ""
            yield Statement(f"A notice exists: {facts.label(document)}. {state}.{told}",
                            KNOWN if published is not None else NOT_RECORDED,
                            facts.sources(document))
    for holder in [*holders, *datasets]:
        procedure = facts.first(holder, CITYREG.accessProcedure)
        if procedure is not None:
            yield Statement(f"To see or correct your data: {procedure}.",
                            sources=facts.sources(holder))
            break


def law_statements(context: RegistryContext, facts: Facts, iri: str, systems: list[str],
         holders: list[str]) -> Iterator[Statement]:
    places = locate(context.registry, [iri]).get(iri, ())
    if not places:
        yield Statement("Where it is, is not recorded, so the registry cannot say which law "
                        "gives you rights here.", NOT_RECORDED)
        return
    laws = jurisdictions().laws
    gdpr, led = laws.get(GDPR_LAW), laws.get(LED_LAW)
    police = any(CITYREG.LawEnforcement in facts.values(h, DPV.hasPurpose)
                 for h in (iri, *systems))
    for place in places:
        in_uk = place.country == "GB"
        if police and led is not None and (in_uk or led.binds_in(place)):
            name, url = (("Part 3 of the Data Protection Act 2018 (the UK's rules for police "
                          "use of personal data)", UK_DPA_PART3_URL) if in_uk else
                         ("The Law Enforcement Directive (the EU's rules for police use of "
                          "personal data, made law in each member country)", led.url))
            here = place_name(place.label)
            yield Statement(f"It is used for police work. {name} applies here, in {here}, "
                            "not the GDPR. It gives you rights to be told "
                            "about the processing, to see your data, and to have it corrected "
                            "or deleted. The police may limit these rights, for example so as "
                            "not to harm an investigation. You can complain to the data "
                            "protection authority.", sources=(SourceLink(name.split(" (")[0],
                                                                         url),))
            return
        if in_uk:
            yield from rights(facts, iri, holders, place, "The UK GDPR and the Data "
                               "Protection Act 2018 (the UK's data protection law) apply",
                               SourceLink("UK GDPR", UK_GDPR_URL))
            return
        if gdpr is not None and gdpr.binds_in(place):
            yield from rights(facts, iri, holders, place,
                               "The GDPR (the EU's data protection law) applies",
                               SourceLink("GDPR", gdpr.url))
            return
    where = join_words([place_name(place.label) for place in places])
    yield Statement(f"The registry's table of laws has no data protection law for {where}. "
                    "So this page cannot tell you what rights you have there. Ask the "
                    "organisation that runs it.", NOT_RECORDED)


