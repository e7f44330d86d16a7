"""The cities' maps without a browser: the GeoJSON is RFC 7946 ([longitude, latitude], ranges,
media type), points get the category of what they collect, popups carry operator, purpose,
retention (in the three states of a fact), graded access and open findings, tile templates
are checked and allowed by the page's CSP alone, and the static site gets every file the page
loads."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from registry.context import RegistryContext
from registry.errors import InputError
from registry.resources import seed_dir
from registry.store import Registry
from registry.web import STATIC_DIR
from registry.web.mapdata import CATEGORIES, GEOJSON_MEDIA_TYPE, city_map, script_json
from registry.web.mappage import (
    LEAFLET_ASSETS,
    MAP_SCRIPT,
    MAP_STYLESHEET,
    TileSource,
    configure_tiles,
    configured_tiles,
    map_files,
    map_routes,
)
from registry.web.pages import Linker
from registry.web.security import CONTENT_SECURITY_POLICY, security_middleware

ID = "https://w3id.org/cityreg/id/"
NORDHAVEN = ID + "nordhaven/deployment/"
HYDE_PARK = ID + "london/deployment/hyde-park-phone-tracking"
LOUNGE = ID + "jakarta/system/smart-city-lounge"
PREFIXES = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix ssn: <http://www.w3.org/ns/ssn/> . @prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dpv: <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@base <https://w3id.org/cityreg/id/testville/> .
<city/testville> a cityreg:City ; rdfs:label "Testville" .
"""


@pytest.fixture(scope="module")
def context() -> Iterator[RegistryContext]:
    with Registry.memory() as registry:
        registry.load(seed_dir())
        yield RegistryContext(registry)


def _client(context: RegistryContext, tiles: TileSource | None = None) -> TestClient:
    routes = [*map_routes(context, Linker(context.entity_base), tiles),
              Mount("/static", app=StaticFiles(directory=STATIC_DIR))]
    return TestClient(Starlette(routes=routes, middleware=security_middleware()))


@pytest.fixture(scope="module")
def client(context: RegistryContext) -> TestClient:
    return _client(context)


def _features(client: TestClient, slug: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/cities/{slug}.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == GEOJSON_MEDIA_TYPE
    return {f["id"]: f for f in response.json()["features"]}


def _check_rfc7946(document: dict[str, Any]) -> None:
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document  # RFC 7946 section 4: WGS84 only, no crs member
    assert isinstance(document["features"], list)
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["id"], str)
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        longitude, latitude = geometry["coordinates"]  # section 3.1.1: [longitude, latitude]
        assert all(isinstance(v, int | float) for v in (longitude, latitude))
        assert -180 <= longitude <= 180
        assert -90 <= latitude <= 90
        properties = feature["properties"]
        for key in ("id", "label", "category", "operator", "purpose", "retention", "links"):
            assert key in properties, key
        assert properties["category"] in {c.slug for c in CATEGORIES}


@pytest.mark.parametrize("slug", ["nordhaven", "london", "jakarta", "rio", "davao",
                                  "singapore"])
def test_geojson_is_rfc_7946(client: TestClient, slug: str) -> None:
    response = client.get(f"/cities/{slug}.geojson")
    _check_rfc7946(json.loads(response.content))


def test_coordinates_are_longitude_then_latitude(client: TestClient) -> None:
    hyde_park = _features(client, "london")[HYDE_PARK]
    assert hyde_park["geometry"]["coordinates"] == [-0.16306, 51.5075]
    lounge = _features(client, "jakarta")[LOUNGE]
    assert lounge["geometry"]["coordinates"] == [106.828409, -6.1814046]


def test_the_seeds_located_entries_and_their_categories(client: TestClient) -> None:
    nordhaven = {iri[len(NORDHAVEN):]: f["properties"]["category"]
                 for iri, f in _features(client, "nordhaven").items()}
    assert nordhaven == {
        "station-cameras": "camera", "footfall-cameras": "camera",
        "wifi-probes": "phone-tracking", "lpr": "licence-plates",
        "parking-bay-sensors": "licence-plates",  # ParkingSensor, its dataset holds plates
        "air-quality": "environment"}
    assert _features(client, "london")[HYDE_PARK]["properties"]["category"] == "phone-tracking"
    assert _features(client, "jakarta")[LOUNGE]["properties"]["category"] == "camera"
    for slug in ("rio", "davao", "singapore"):  # no source gives a point: nothing is guessed
        assert _features(client, slug) == {}


def test_every_seed_point_says_what_it_stands_for_and_where_that_comes_from(
        client: TestClient) -> None:
    for slug in ("nordhaven", "london", "jakarta"):
        for feature in _features(client, slug).values():
            properties = feature["properties"]
            assert properties["locationPrecision"], feature["id"]
            assert properties["locationSource"]["url"].startswith("http"), feature["id"]
            if slug == "nordhaven":
                assert properties["locationPrecision"].startswith("Fictional:")


def test_popup_facts_keep_the_three_states(client: TestClient) -> None:
    hyde = _features(client, "london")[HYDE_PARK]["properties"]
    assert hyde["operator"] == {"state": "recorded", "values": ["Future Cities Catapult"]}
    assert hyde["retention"] == {"state": "not disclosed", "values": []}
    air = _features(client, "nordhaven")[NORDHAVEN + "air-quality"]["properties"]
    assert air["retention"] == {"state": "not recorded", "values": []}
    wifi = _features(client, "nordhaven")[NORDHAVEN + "wifi-probes"]["properties"]
    assert wifi["retention"]["values"] == ["kept indefinitely"]
    station = _features(client, "nordhaven")[NORDHAVEN + "station-cameras"]["properties"]
    assert station["retention"]["values"] == ["3 days"]
    assert "crowd and footfall analytics" in station["purpose"]["values"]


def test_popups_grade_access_and_list_open_findings(client: TestClient) -> None:
    features = _features(client, "nordhaven")
    station = features[NORDHAVEN + "station-cameras"]["properties"]
    access = station["access"]
    assert access["traced"] is True
    assert {o["grade"] for o in access["organisations"]} <= {"asserted", "inferred",
                                                              "undisclosed"}
    labels = {o["label"] for o in access["organisations"]}
    assert "Nordhaven Transit (fictional)" in labels
    assert station["links"] == {"entity": "/id/nordhaven/deployment/station-cameras",
                                "trace": "/trace/nordhaven/deployment/station-cameras"}
    footfall = features[NORDHAVEN + "footfall-cameras"]["properties"]
    assert {"GDPR-35-3"} <= {f["rule"] for f in footfall["findings"]}
    assert all(f["severity"] in ("violation", "warning", "info") for f in footfall["findings"])
    hyde = _features(client, "london")[HYDE_PARK]["properties"]
    undisclosed = [o for o in hyde["access"]["organisations"] if o["identityNotDisclosed"]]
    assert all(o["href"] is None for o in undisclosed)


def test_the_map_page(client: TestClient) -> None:
    response = client.get("/cities/nordhaven/map")
    assert response.status_code == 200
    html = response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for asset in (*LEAFLET_ASSETS, MAP_SCRIPT, MAP_STYLESHEET):
        assert f'"{asset}"' in html
        assert client.get(asset).status_code == 200
    assert 'href="/cities/nordhaven.geojson"' in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert " style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None  # no event-handler attribute
    data = re.search(r'<script type="application/json" id="city-map-data">(.*?)</script>', html,
                     re.S)
    assert data is not None
    _check_rfc7946(json.loads(data.group(1)))
    for category in CATEGORIES:
        assert category.label in html  # the legend
    assert "not recorded" in html  # the air-quality sensors' retention


def test_unknown_city_is_404(client: TestClient) -> None:
    assert client.get("/cities/atlantis/map").status_code == 404
    assert client.get("/cities/atlantis.geojson").status_code == 404


def test_tile_templates_are_checked() -> None:
    tiles = TileSource.parse("https://tile.example.org:8443/osm/{z}/{x}/{y}{r}.png")
    assert tiles.origin == "https://tile.example.org:8443"
    for bad, says in (("ftp://x.org/{z}/{x}/{y}", "http"), ("https://x.org/{z}/{x}.png", "{y}"),
                      ("https://{s}.x.org/{z}/{x}/{y}.png", "{s}"), ("tiles", "http")):
        with pytest.raises(InputError, match=re.escape(says)):
            TileSource.parse(bad)
    try:
        assert configure_tiles("https://t.example/{z}/{x}/{y}.png") == configured_tiles()
    finally:
        configure_tiles(None)
    assert configured_tiles() is None


def test_a_tile_host_is_allowed_by_the_map_page_alone(context: RegistryContext) -> None:
    client = _client(context, TileSource.parse("https://tile.example.org/{z}/{x}/{y}.png"))
    page = client.get("/cities/london/map")
    policy = page.headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.example.org;" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert 'data-tiles="https://tile.example.org/{z}/{x}/{y}.png"' in page.text
    geojson = client.get("/cities/london.geojson")
    assert geojson.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_script_json_cannot_close_its_element() -> None:
    turtle = PREFIXES + """
<deployment/x> a ssn:Deployment ; rdfs:label "</script><script>alert(1)</script> & co" ;
    cityreg:city <city/testville> ; geo:lat 1.5 ; geo:long 2.5 ."""
    with Registry.memory() as registry:
        _load(registry, turtle)
        found = city_map(RegistryContext(registry), "testville", Linker(ID))
        assert found is not None
        text = script_json(found)
        assert "</script" not in text
        assert "<" not in text
        assert "&" not in text
        assert json.loads(text)["features"][0]["properties"]["label"].startswith("</script>")


def _load(registry: Registry, turtle: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.ttl"
        path.write_text(turtle, encoding="utf-8")
        registry.load(path)


def test_categories_follow_types_and_data_and_bad_points_are_listed() -> None:
    turtle = PREFIXES + """
<sensor/face> a sosa:Sensor ; cityreg:sensorType cityreg:FaceRecognitionCamera .
<deployment/face> a ssn:Deployment ; ssn:deployedSystem <sensor/face> ;
    cityreg:city <city/testville> ; geo:lat 10 ; geo:long 20 .
<sensor/bio> a sosa:Sensor ; cityreg:sensorType cityreg:OtherSensorType ;
    cityreg:feedsDataset <dataset/bio> .
<dataset/bio> a dcat:Dataset ; dpv:hasPersonalData eu-gdpr:BiometricData .
<deployment/bio> a ssn:Deployment ; ssn:deployedSystem <sensor/bio> ;
    cityreg:city <city/testville> ; geo:lat 10.1 ; geo:long 20.1 .
<sensor/noise> a sosa:Sensor ; cityreg:sensorType cityreg:AcousticSensor ;
    cityreg:city <city/testville> ; geo:lat -10 ; geo:long -20 .
<sensor/thing> a sosa:Sensor ; cityreg:city <city/testville> ; geo:lat 0 ; geo:long 0 .
<deployment/twice> a ssn:Deployment ; cityreg:city <city/testville> ;
    geo:lat 1, 2 ; geo:long 3 .
<deployment/far> a ssn:Deployment ; cityreg:city <city/testville> ; geo:lat 95 ; geo:long 3 .
<deployment/nowhere> a ssn:Deployment ; cityreg:city <city/testville> ;
    cityreg:locationDescription "somewhere in town" .
"""
    with Registry.memory() as registry:
        _load(registry, turtle)
        found = city_map(RegistryContext(registry), "testville", Linker(ID))
        assert found is not None
        categories = {p.iri.rsplit("/", 2)[-2] + "/" + p.iri.rsplit("/", 1)[-1]: p.category.slug
                      for p in found.points}
        assert categories == {"deployment/face": "face-recognition",
                              "deployment/bio": "face-recognition",
                              "sensor/noise": "environment", "sensor/thing": "other"}
        reasons = {u.iri.rsplit("/", 1)[-1]: u.reason for u in found.unlocated}
        assert set(reasons) == {"twice", "far", "nowhere"}
        assert "2 latitudes" in reasons["twice"]
        assert "out of range" in reasons["far"]
        assert reasons["nowhere"] == "no coordinates recorded"
        thing = next(p for p in found.points if p.iri.endswith("sensor/thing"))
        assert thing.operator.state == "not recorded"
        assert thing.precision is None


def test_the_static_site_gets_every_file_the_page_loads(context: RegistryContext) -> None:
    files = dict(map_files(context, Linker(context.entity_base)))
    for slug in ("nordhaven", "london", "jakarta", "rio"):
        assert f"/cities/{slug}/map" in files
        _check_rfc7946(json.loads(files[f"/cities/{slug}.geojson"]))
    for asset in (*LEAFLET_ASSETS, MAP_SCRIPT, "/static/vendor/leaflet-1.9.4/LICENSE"):
        assert files[asset] == (STATIC_DIR / asset[len("/static/"):]).read_bytes()
    page = files["/cities/london/map"].decode()
    assert 'src="../../static/vendor/leaflet-1.9.4/leaflet.js"' in page
    assert 'href="../../static/cityreg-map.css"' in page  # written by publish's *.css
    assert (STATIC_DIR / "cityreg-map.css").is_file()
    assert 'href="../london.geojson"' in page
    assert 'href="../../id/london/deployment/hyde-park-phone-tracking.html"' in page
    geojson = json.loads(files["/cities/london.geojson"])
    links = geojson["features"][0]["properties"]["links"]
    assert links["entity"] == "../id/london/deployment/hyde-park-phone-tracking.html"


def test_the_vendored_leaflet_is_what_the_script_pins() -> None:
    import importlib.util
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets_for_maps", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    pinned = {f"/static/vendor/{package.folder.name}/{Path(file).name}"
              for package in module.MAPS for file in package.files}
    assert pinned == set(LEAFLET_ASSETS)
