"""The resident's page of a deployment: what is collected, where, why, for how long, who can
see it (graded as the trace gives it), how to object, and whom to ask, in plain words; honest
about what is not disclosed or not recorded and about where the law binds."""

from __future__ import annotations

import re
import warnings
from html import unescape
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.store import Registry
from registry.web.pages import Linker
from registry.web.residentpage import (
    has_resident_page,
    resident_files,
    resident_href,
    resident_page,
    resident_subjects,
)
from registry.web.routes import build_routes
from registry.web.security import security_middleware

BASE = "https://w3id.org/cityreg/id/"
HYDE_PARK = "london/deployment/hyde-park-phone-tracking"
UNDERGROUND = "london/deployment/underground-wifi-generalised"
WIFI = "nordhaven/deployment/wifi-probes"
STATION = "nordhaven/deployment/station-cameras"
LPR = "nordhaven/deployment/lpr"
AIR = "nordhaven/deployment/air-quality"
RIO = "rio/deployment/cctv-traffic-network"


@pytest.fixture(scope="module")
def seed_client(seed_context: RegistryContext) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    app = Starlette(routes=build_routes(seed_context), middleware=security_middleware())
    return TestClient(app)


def page_html(client: Any, path: str) -> str:
    response = client.get("/resident/" + path)
    assert response.status_code == 200, response.text
    return str(response.text)


def text_of(html: str) -> str:
    """The page's words, tags removed and white space collapsed."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


ANCHORS = {"What is collected here": "what", "Where": "where", "Why": "why",
           "How long it is kept": "how-long", "Who can see the data": "who",
           "How to object or opt out": "object", "Whom to ask": "ask",
           "What the registry's legal checks found": "checks"}


def section(page: str, title: str) -> str:
    """The words of one section of ``page`` (its HTML), its title first."""
    html = page.split(f'<h2 id="{ANCHORS[title]}">', 1)[1].split("</section>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", title + " " + html)).split())


def test_every_deployment_of_the_seed_has_a_page(seed_context: RegistryContext) -> None:
    subjects = resident_subjects(seed_context)
    assert BASE + HYDE_PARK in subjects
    assert BASE + WIFI in subjects
    assert BASE + RIO in subjects
    assert all("/deployment/" in iri for iri in subjects)
    assert not has_resident_page(seed_context, BASE + "london/sensor/underground-wifi")


def test_hyde_park_phone_tracking(seed_client: Any) -> None:
    html = page_html(seed_client, HYDE_PARK)
    what = section(html, "What is collected here")
    assert "It records where your mobile phone is, found from its signals." in what
    assert "A number that identifies your phone or other device (such as its MAC address)." \
        in what
    assert "Where you are or have been." in what
    where = section(html, "Where")
    assert "Place: Hyde Park, London." in where
    assert "Map position: latitude 51.5075, longitude -0.16306. Open the map" in where
    assert "What the point stands for: a reference point for the whole of Hyde Park" in where
    assert "http://wikimapia.org/14495/Hyde-Park" in html  # the point's own source
    assert "It is used for counting people and studying how crowds move." in section(html, "Why")
    assert ("not disclosed Hyde Park visitors' routes and origins: how long it is kept is not "
            "disclosed.") in section(html, "How long it is kept")
    who = section(html, "Who can see the data")
    assert "Future Cities Catapult runs it." in who
    assert ("not disclosed Others get the data, but who they are is not disclosed: "
            "not disclosed Organisations not named, recorded only as “recipient”") in who
    assert "The registry followed every recorded link to find them." in who
    objecting = section(html, "How to object or opt out")
    assert "not recorded Whether you can opt out is not recorded." in objecting
    assert ("not disclosed Whether signs at the site tell people about it is not disclosed."
            in objecting)
    assert ("The UK GDPR and the Data Protection Act 2018 (the UK's data protection law) apply "
            "here, in London (GB).") in objecting
    assert ("Whether you can object (Article 21) depends on the legal reason for using your "
            "data. That reason is not disclosed.") in objecting
    assert "The GDPR (the EU's" not in text_of(html)  # the UK, not the EU
    ask = section(html, "Whom to ask")
    assert "Future Cities Catapult: runs it." in ask
    assert "not recorded How to contact Future Cities Catapult is not recorded." in ask


def test_underground_wifi_sold_to_third_parties(seed_client: Any) -> None:
    html = page_html(seed_client, UNDERGROUND)
    assert ("It records your phone's Wi-Fi signal (its MAC address: a number that identifies "
            "the device).") in text_of(html)
    assert "The journeys you make." in text_of(html)
    assert "It covers the whole city." in text_of(html)
    why = section(html, "Why")
    assert "not disclosed Why it is used is not disclosed." in why
    assert ("The data is also used for selling the data (Sale of London Underground Wi-Fi data "
            "to third parties).") in why
    who = section(html, "Who can see the data")
    assert "London Underground runs it." in who
    assert "recorded only as “third party”, through Sale of London Underground Wi-Fi" in who
    assert "the third party recipients are not named (recipients not disclosed)" in who
    assert "not recorded Its position on a map is not recorded." in section(html, "Where")


def test_nordhaven_wifi_tracking_graded_and_gdpr_rights(seed_client: Any) -> None:
    html = page_html(seed_client, WIFI)
    assert "This is a made-up example." in text_of(html)
    assert "There are 25 devices." in text_of(html)
    why = section(html, "Why")
    assert "It is used for insights (fictional)." in why
    assert ("The registry records that the data is also used for marketing. This was not "
            "among the reasons given.") in why
    assert "It is kept with no time limit." in section(html, "How long it is kept")
    who = section(html, "Who can see the data")
    assert "Nordhaven City Council (fictional) runs it." in who
    assert ("These organisations can also get the data. A recorded role, contract or agreement "
            "says so: AdReach Data Brokers (fictional) gets it from Nordhaven City Council "
            "(fictional) under the agreement “Wi-Fi shopper insights for AdReach "
            "(fictional)”.") in who
    assert ("inferred These organisations probably can get the data. A recorded link suggests "
            "it, but no record sets out their access: inferred SignalCount (fictional) built "
            "it") in who
    objecting = section(html, "How to object or opt out")
    assert "There are no signs at the site to tell people about it." in objecting
    assert "The GDPR (the EU's data protection law) applies here, in Nordhaven" in objecting
    assert ("You can ask Nordhaven City Council (fictional) for a copy of your data "
            "(Article 15).") in objecting
    assert ("The legal reason given is a task in the public interest. So you can object to "
            "the use of your data") in objecting
    ask = section(html, "Whom to ask")
    assert "Nordhaven City Council (fictional): decides what is done with the data." in ask
    assert "dpo@nordhaven.example" in ask
    assert "privacy@nordhaven.example" in ask


def test_nordhaven_station_cameras_chain_of_agreements(seed_client: Any) -> None:
    html = page_html(seed_client, STATION)
    assert ("Central Station camera footage (fictional): it is kept for 3 days."
            in section(html, "How long it is kept"))
    who = section(html, "Who can see the data")
    assert ("Billboard Media Group (fictional) gets it from AdReach Data Brokers (fictional) "
            "under the agreement “AdReach – Billboard Media audience data (fictional)”.") in who
    assert "inferred" not in who
    assert "not disclosed" not in who
    objecting = section(html, "How to object or opt out")
    assert "Signs at the site tell people about it." in objecting
    assert ("A notice exists: Camera notice at Central Station (fictional). It is published. "
            "It explains your rights and how to complain.") in objecting


def test_police_licence_plates_follow_police_rules_not_the_gdpr(seed_client: Any) -> None:
    html = page_html(seed_client, LPR)
    assert "number plates of passing vehicles" in text_of(html)
    assert ("not recorded Licence-plate reads (fictional): how long it is kept is not "
            "recorded.") in section(html, "How long it is kept")
    objecting = section(html, "How to object or opt out")
    assert "It is used for police work. The Law Enforcement Directive" in objecting
    assert "not the GDPR" in objecting
    assert "Article 21" not in objecting  # no GDPR right to object claimed


def test_no_personal_data_claims_no_rights(seed_client: Any) -> None:
    html = page_html(seed_client, AIR)
    assert ("It collects no personal data (data about people who can be identified), the "
            "registry records.") in text_of(html)
    objecting = section(html, "How to object or opt out")
    assert "The registry records that this collects none." in objecting
    assert "Article" not in objecting


def test_rio_claims_no_right_where_no_law_of_the_table_binds(seed_client: Any) -> None:
    html = page_html(seed_client, RIO)
    assert "not disclosed Who runs it is not disclosed." in section(html, "Who can see the data")
    objecting = section(html, "How to object or opt out")
    assert ("The registry's table of laws has no data protection law for Rio de Janeiro (BR). "
            "So this page cannot tell you what rights you have there.") in objecting
    assert "Article" not in objecting
    assert ("None of the laws the registry checks binds here"
            in section(html, "What the registry's legal checks found"))
    ask = section(html, "Whom to ask")
    assert "You can ask the people who publish this registry." in ask


def test_page_links_sources_entity_and_trace(seed_client: Any) -> None:
    html = seed_client.get("/resident/" + HYDE_PARK).text
    assert f'href="/id/{HYDE_PARK}"' in html
    assert f'href="/trace/{HYDE_PARK}"' in html
    assert 'class="r-source"' in html
    assert "/static/cityreg-resident.css" in html
    body = text_of(html)
    assert "https://w3id.org/cityreg" not in body  # no IRIs in the words
    assert " Art. " not in body


def test_html_suffix_is_the_same_page(seed_client: Any) -> None:
    assert seed_client.get(f"/resident/{HYDE_PARK}.html").text == \
        seed_client.get("/resident/" + HYDE_PARK).text


def test_not_a_deployment_is_404_with_a_link_to_its_page(seed_client: Any) -> None:
    response = seed_client.get("/resident/london/agency/london-underground")
    assert response.status_code == 404
    assert "is not a deployment" in response.text
    assert 'href="/id/london/agency/london-underground"' in response.text
    missing = seed_client.get("/resident/london/deployment/nowhere")
    assert missing.status_code == 404
    assert "has no entity" in missing.text
    assert 'href="/id/' not in missing.text.split(
        "<main", 1)[1]
    plain = seed_client.get("/resident/london/deployment/nowhere",
                            headers={"Accept": "text/plain"})
    assert plain.status_code == 404
    assert plain.headers["content-type"].startswith("text/plain")


def test_resident_href_and_static_files(seed_context: RegistryContext) -> None:
    linker = Linker(seed_context.entity_base, "/id/" + HYDE_PARK)
    assert resident_href(seed_context, linker, BASE + HYDE_PARK) == \
        "../../../resident/london/deployment/hyde-park-phone-tracking.html"
    assert resident_href(seed_context, linker, BASE + "london/agency/london-underground") is None
    files = dict(resident_files(seed_context, Linker(seed_context.entity_base)))
    assert set(files) == {"/resident/" + iri[len(BASE):]
                          for iri in resident_subjects(seed_context)}
    static = files["/resident/" + HYDE_PARK].decode()
    assert 'href="../../../id/london/deployment/hyde-park-phone-tracking.html"' in static
    assert 'href="../../../static/cityreg-resident.css"' in static


SENSOR_IN_A_SQUARE = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
<https://w3id.org/cityreg/id/t/city/t> a cityreg:City ; rdfs:label "Testville" ;
    cityreg:countryCode "DE" .
<https://w3id.org/cityreg/id/t/sensor/s> a sosa:Sensor ; rdfs:label "Square camera" ;
    cityreg:city <https://w3id.org/cityreg/id/t/city/t> ;
    cityreg:sensorType cityreg:CameraSensor ; cityreg:publiclyAccessible true ;
    cityreg:locationDescription "Market square" ; geo:lat 50.1 ; geo:long 8.6 .
"""


def test_a_sensor_placed_in_public_by_itself_has_a_page_saying_what_is_not_recorded() -> None:
    with Registry.memory() as registry:
        _load_text(registry, SENSOR_IN_A_SQUARE)
        context = RegistryContext(registry)
        iri = BASE + "t/sensor/s"
        assert has_resident_page(context, iri)
        page = resident_page(context, iri, Linker(context.entity_base))
        words = [s.text for sec in page.sections for s in sec.statements]
        assert "It records video of people and vehicles passing." in words
        assert "Place: Market square, Testville." in words
        assert "Map position: latitude 50.1, longitude 8.6." in words
        assert "Why it is used is not recorded." in words
        assert "Who runs it is not recorded." in words
        assert "Whether it collects personal data is not recorded." in words


def _load_text(registry: Registry, text: str) -> None:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.ttl"
        path.write_text(text, encoding="utf-8")
        registry.load(path)
