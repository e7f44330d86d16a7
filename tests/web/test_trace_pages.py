"""Trace pages: ``/trace/<path>`` with its summary and chain diagram, ``.svg`` and ``.png``
downloads, 404s, the cache, the entity page's copy of the diagram, and the static site."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.web import tracepages, traceserve
from registry.web.publish import publish
from registry.web.routes import build_routes

SVG = "{http://www.w3.org/2000/svg}"
CAMERAS = "/trace/nordhaven/sensor/station-cameras"
WIFI = "/trace/london/sensor/underground-wifi"


@pytest.fixture
def seed(seed_context: RegistryContext, make_client: Any) -> Any:
    """A client for the publishing routes over the seed (a new app, so a new cache, per test)."""
    return make_client(Starlette(routes=build_routes(seed_context)))


def _svg_of(html: str) -> str:
    return html[html.index("<svg"):html.index("</svg>") + len("</svg>")]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_trace_page_sums_up_and_draws_the_chain(seed: Any) -> None:
    response = seed.get(CAMERAS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    text = _text(html)
    assert "<h1>Who can access data from Central Station cameras (fictional)</h1>" in html
    assert ("6 organisations can access its data, through 18 evidence paths: 6 asserted, "
            "0 inferred, 0 undisclosed") in text
    assert "Complete: the search reached none of its limits (6 hops, 100 evidence paths)" in text
    assert "Fully disclosed: the trace met no fact" in text
    svg = ET.fromstring(_svg_of(html))
    assert svg.get("class") == "chain-diagram"
    for link in (CAMERAS + ".svg", CAMERAS + ".png", "/id/nordhaven/sensor/station-cameras"):
        assert f'href="{link}"' in html
    # The table lists each organisation with its column and best chain.
    assert ("Central Station cameras (fictional) → Nordhaven City Council (fictional) → "
            "Nordhaven Transit (fictional) → Footfall Analytics Ltd (fictional) → AdReach Data "
            "Brokers (fictional) → Billboard Media Group (fictional)") in text
    assert "<script" not in html


def test_a_partly_disclosed_trace_lists_its_gaps(seed: Any) -> None:
    html = seed.get(WIFI).text
    text = _text(html)
    assert "1 asserted, 0 inferred, 1 undisclosed" in text
    assert "Not fully disclosed: the trace met 1 fact not disclosed or not recorded" in text
    assert ("recipients of Sale of London Underground Wi-Fi data to third parties not "
            "disclosed") in text
    assert "identity not disclosed: third party" in text


def test_the_downloads_have_their_types(seed: Any) -> None:
    svg = seed.get(CAMERAS + ".svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["content-disposition"] == (
        'inline; filename="trace-nordhaven-sensor-station-cameras.svg"')
    assert svg.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(svg.content)
    assert root.tag == SVG + "svg"
    assert root.get("data-source") == "https://w3id.org/cityreg/id/nordhaven/sensor/station-cameras"
    png = seed.get(CAMERAS + ".png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG"
    assert image.width > 1000
    html = seed.get(CAMERAS + ".html")
    assert html.status_code == 200
    assert html.text == seed.get(CAMERAS).text


def test_the_entity_page_and_the_trace_page_draw_the_same_diagram(seed: Any) -> None:
    for path in ("nordhaven/sensor/station-cameras", "london/sensor/underground-wifi",
                 "jakarta/dataset/qlue-reports", "nordhaven/agency/city-council"):
        entity = seed.get(f"/id/{path}.html").text
        trace = seed.get(f"/trace/{path}").text
        assert _svg_of(entity) == _svg_of(trace), path
        assert f'href="/trace/{path}"' in entity
        assert f'href="/trace/{path}.png"' in entity
    assert seed.get("/trace/nordhaven/sensor/station-cameras.svg").text.endswith(
        _svg_of(seed.get("/trace/nordhaven/sensor/station-cameras").text) + "\n")


def test_an_entity_that_is_not_traced_keeps_its_neighbours_with_whole_labels(seed: Any) -> None:
    html = seed.get("/id/nordhaven/agreement/transit-footfall-analytics.html").text
    svg = ET.fromstring(_svg_of(html))
    assert svg.get("class") == "flow-diagram"
    assert "/trace/" not in html
    words = {" ".join(t.text or "" for t in node.iter(SVG + "text"))
             for node in svg.iter() if (node.get("class") or "").startswith("flow-node")}
    assert "Nordhaven Transit – Footfall Analytics passenger-flow study (fictional)" in words
    assert "Footfall Analytics Ltd (fictional)" in words
    assert "…" not in " ".join(t.text or "" for t in svg.iter(SVG + "text"))


@pytest.mark.parametrize(("path", "words"), [
    ("/trace/nordhaven/sensor/no-such-sensor",
     "The registry has no entity https://w3id.org/cityreg/id/nordhaven/sensor/no-such-sensor, "
     "so there is no trace"),
    ("/trace/nordhaven/agreement/transit-footfall-analytics",
     "is not a sensor, deployment, system, dataset or organisation, so it has no trace"),
    ("/trace/nordhaven/agreement/transit-footfall-analytics.svg", "has no entity"),
    ("/trace/nordhaven/agreement/transit-footfall-analytics.png", "has no entity"),
    ("/trace/", "has no entity"),
])
def test_what_cannot_be_traced_is_a_404_that_says_why(seed: Any, path: str, words: str) -> None:
    response = seed.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert words in response.text
    plain = seed.get(path, headers={"accept": "text/plain"})
    assert plain.status_code == 404
    assert plain.headers["content-type"].startswith("text/plain")


def test_each_answer_is_made_once_and_only_for_what_exists(
        seed_context: RegistryContext, make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []

    def counting(context: RegistryContext, iri: str) -> bytes:
        made.append(iri)
        return tracepages.chain_png(context, iri)

    monkeypatch.setattr(traceserve, "chain_png", counting)
    client = make_client(Starlette(routes=build_routes(seed_context)))
    first = client.get(CAMERAS + ".png").content
    assert client.get(CAMERAS + ".png").content == first
    assert len(made) == 1
    for _ in range(3):
        assert client.get("/trace/nordhaven/sensor/nothing.png").status_code == 404
    assert len(made) == 1


def test_a_truncated_trace_says_so_on_its_page(
        seed_context: RegistryContext, make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracepages, "MAX_PATHS", 4)
    client = make_client(Starlette(routes=build_routes(seed_context)))
    html = client.get(CAMERAS).text
    text = _text(html)
    assert "Incomplete: the search stopped at max_paths=4" in text
    assert "The trace is incomplete:" in text
    svg = ET.fromstring(_svg_of(html))
    assert svg.get("data-complete") == "false"
    assert "INCOMPLETE: the trace stopped at max_paths=4" in (svg.findtext(SVG + "desc") or "")


def test_the_static_site_has_the_trace_pages(harbour: RegistryContext, tmp_path: Path) -> None:
    site = publish(harbour, tmp_path / "site").out
    trace = site / "trace/harbour/system/control-room.html"
    assert trace.is_file()
    html = trace.read_text(encoding="utf-8")
    assert 'href="control-room.svg"' in html
    assert 'href="control-room.png"' in html
    assert 'href="../../../id/harbour/system/control-room.html"' in html
    ET.fromstring((site / "trace/harbour/system/control-room.svg").read_bytes())
    with Image.open(site / "trace/harbour/system/control-room.png") as image:
        assert image.format == "PNG"
    entity_file = site / "id/harbour/system/control-room.html"
    entity = entity_file.read_text(encoding="utf-8")
    assert 'href="../../../trace/harbour/system/control-room.html"' in entity
    # The same diagram; its links are relative to each page, and lead to the same files.
    targets = []
    for page, text in ((entity_file, entity), (trace, html)):
        svg = _svg_of(text)
        targets.append(sorted((page.parent / href).resolve().relative_to(site).as_posix()
                              for href in re.findall(r'href="([^"]+)"', svg)))
        assert all((site / target).is_file() for target in targets[-1])
        assert re.sub(r'href="[^"]+"', "", svg) == re.sub(r'href="[^"]+"', "",
                                                           _svg_of(html))
    assert targets[0] == targets[1]
    assert not (site / "trace/harbour/contract/control-room.html").exists()


def test_the_answer_cache_keeps_the_most_recent_within_its_bytes() -> None:
    cache = traceserve.AnswerCache(limit=10)
    cache.put("a", (b"aaaa", "text/html"))
    cache.put("b", (b"bbbb", "image/png"))
    assert cache.get("a") == (b"aaaa", "text/html")  # now the most recently used
    cache.put("c", (b"cccc", "image/svg+xml"))  # 12 bytes > 10: the least recent (b) goes
    assert (cache.get("b"), len(cache), cache.size) == (None, 2, 8)
    cache.put("huge", (b"x" * 11, "image/png"))  # larger than the whole cache: not kept
    assert (cache.get("huge"), cache.get("a"), cache.get("c")) == (
        None, (b"aaaa", "text/html"), (b"cccc", "image/svg+xml"))
    cache.put("a", (b"a", "text/html"))  # replacing an answer counts its new size only
    assert cache.size == 5
