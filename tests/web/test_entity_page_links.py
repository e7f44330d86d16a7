"""Issue #19 on the entity pages: a deployment's page links its resident's page and the
documents the law asks for, a city's page its map, and every one of those links answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.web.routes import build_routes
from registry.web.security import security_middleware

BASE = "https://w3id.org/cityreg/id/"


@pytest.fixture(scope="module")
def client(seed_context: RegistryContext) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    return TestClient(Starlette(routes=build_routes(seed_context),
                                middleware=security_middleware()))


def _links(html: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"#]*)"', html)))


def test_a_deployment_page_links_its_resident_page_and_documents(client: Any) -> None:
    html = client.get("/id/london/deployment/hyde-park-phone-tracking.html").text
    assert _links(html, "/resident/") == ["/resident/london/deployment/hyde-park-phone-tracking"]
    documents = _links(html, "/report/")
    assert "/report/surveillance-impact-report/london/deployment/hyde-park-phone-tracking" in (
        documents)
    for href in [*_links(html, "/resident/"), *documents]:
        response = client.get(href)
        assert response.status_code == 200, href


def test_a_city_page_links_its_map_and_the_map_its_geojson(client: Any) -> None:
    html = client.get("/cities/london").text
    assert "/cities/london/map" in _links(html, "/cities/london/")
    page = client.get("/cities/london/map")
    assert page.status_code == 200
    geojson = client.get("/cities/london.geojson")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    assert [f["properties"]["id"] for f in geojson.json()["features"]] == [
        BASE + "london/deployment/hyde-park-phone-tracking"]
