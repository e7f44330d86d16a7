"""The CSV and JSON downloads of every list page: same rows as the page, stable headers, cells
no spreadsheet runs, streamed as attachments, counted as dumps, written by the static site."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from registry.context import RegistryContext
from registry.store import Registry
from registry.web import indexes, tables
from registry.web.admission import request_kind
from registry.web.publish import publish
from registry.web.routes import build_routes

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/cityreg/id/"


class MainLinks(HTMLParser):
    """The hrefs inside ``<main>``, in order, and the rows of its tables' bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = self.in_body = False
        self.links: list[str] = []
        self.body_rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_main |= tag == "main"
        self.in_body |= tag == "tbody"
        href = dict(attrs).get("href")
        if self.in_main and tag == "a" and href:
            self.links.append(href)
        if self.in_body and tag == "tr":
            self.body_rows += 1

    def handle_endtag(self, tag: str) -> None:
        self.in_main &= tag != "main"
        self.in_body &= tag != "tbody"


def main_links(html: str) -> MainLinks:
    parser = MainLinks()
    parser.feed(html)
    return parser


def entity_links(html: str) -> list[str]:
    """The IRIs of the entities a page lists (its links to /id/...), in order."""
    return [BASE + href.removeprefix("/id/") for href in main_links(html).links
            if href.startswith("/id/")]


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def read_json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = json.loads(response.content)
    return body


def test_every_list_page_links_its_downloads_and_they_parse(client: Any,
                                                            harbour: RegistryContext) -> None:
    pages = tables.list_pages(harbour)
    assert {"/cities/", "/vendors/", "/findings", "/cities/harbour", "/types/agency"} <= set(pages)
    for page in pages:
        stem = tables.download_stem(page)
        html = client.get(page)
        assert html.status_code == 200, page
        assert f"{stem}.csv" in main_links(html.text).links, page
        assert f"{stem}.json" in main_links(html.text).links, page
        as_csv = client.get(f"{stem}.csv")
        as_json = client.get(f"{stem}.json")
        rows = read_csv(as_csv)
        body = read_json(as_json)
        name = stem.strip("/").replace("/", "-")
        assert as_csv.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
        assert as_json.headers["content-disposition"] == f'attachment; filename="{name}.json"'
        header = next(csv.reader(io.StringIO(as_csv.text)))
        assert header == body["columns"], page
        assert body["source"] == "http://testserver" + page
        assert [list(row) for row in body["rows"]] == [body["columns"]] * len(body["rows"])
        assert len(rows) == len(body["rows"]), page
        for row, item in zip(rows, body["rows"], strict=True):
            assert row == {column: "" if value is None else str(value)
                           for column, value in item.items()}, page


def test_cities_download_has_every_city_of_the_page(client: Any) -> None:
    slugs = [href.removeprefix("/cities/") for href in main_links(client.get("/cities/").text).links
             if href.startswith("/cities/")]
    rows = read_csv(client.get("/cities.csv"))
    assert [row["slug"] for row in rows] == slugs
    assert rows[0] == {"iri": BASE + "harbour/city/harbour", "label": "Harbour City",
                       "slug": "harbour"}


def test_city_and_kind_downloads_have_the_rows_of_their_page(client: Any) -> None:
    for page in ["/cities/harbour", *(f"/types/{kind.slug}" for kind in indexes.KINDS)]:
        listed = entity_links(client.get(page).text)
        rows = read_csv(client.get(page + ".csv"))
        assert [row["iri"] for row in rows] == listed, page
    city = read_csv(client.get("/cities/harbour.csv"))
    assert {"kind": "contract", "kind_title": "Vendor contracts",
            "iri": BASE + "harbour/contract/control-room",
            "label": "Control room contract"} in city
    systems = read_csv(client.get("/types/system.csv"))
    assert systems == [{"iri": BASE + "harbour/system/control-room",
                        "label": "Harbour control room", "city": BASE + "harbour/city/harbour",
                        "city_label": "Harbour City"}]


def test_vendor_download_has_one_row_per_vendor_and_city(client: Any,
                                                         harbour: RegistryContext) -> None:
    page = main_links(client.get("/vendors/").text)
    rows = read_csv(client.get("/vendors.csv"))
    assert len(rows) == page.body_rows
    assert {BASE + href.removeprefix("/id/") for href in page.links if "/company/" in href} <= {
        row["vendor"] for row in rows}
    bigvendor = next(row for row in rows if row["vendor_label"] == "BigVendor Inc.")
    assert bigvendor["city"] == BASE + "harbour/city/harbour"
    assert bigvendor["contracts"] == "1"
    assert read_json(client.get("/vendors.json"))["rows"][0]["contracts"] == int(
        rows[0]["contracts"])


def test_findings_download_holds_every_finding_binding_and_benchmarks_apart(
        client: Any, harbour: RegistryContext) -> None:
    findings = harbour.validation.findings
    rows = read_csv(client.get("/findings.csv"))
    assert len(rows) == len(findings)
    benchmarks = [row for row in rows if row["counted_as"] == "benchmark"]
    assert len(benchmarks) == sum(f.standing == "benchmark" for f in findings)
    assert all(row["severity"] == "info" for row in benchmarks)  # never a violation
    assert {row["counted_as"] for row in rows} == {"binding", "benchmark"}
    assert rows.index(benchmarks[0]) == len(rows) - len(benchmarks)  # binding ones first
    assert {row["as_of"] for row in rows} == {harbour.as_of.isoformat()}
    assert {(row["focus"], row["rule_id"]) for row in rows} == {
        (f.focus, f.rule_id) for f in findings}


def test_an_unknown_list_page_has_no_download(client: Any) -> None:
    for path in ("/cities/atlantis.csv", "/types/unicorn.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert "no list page" in response.text


def test_downloads_count_as_dumps_and_the_search_page_as_a_page(
        harbour: RegistryContext) -> None:
    for page in [*tables.list_pages(harbour), "/search"]:
        for extension in tables.FORMATS:
            path = f"{tables.download_stem(page)}.{extension}"
            assert request_kind({"path": path, "method": "GET"}) == "dump", path
    assert request_kind({"path": "/search", "method": "GET"}) == "page"
    assert request_kind({"path": "/cities/harbour", "method": "GET"}) == "page"
    assert request_kind({"path": "/id/harbour/city/harbour.jsonld", "method": "GET"}) == "page"


# -- formula injection ------------------------------------------------------------------------

HOSTILE = """
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cityreg/id/harbour/agency/evil> a cityreg:Agency ;
    rdfs:label "=HYPERLINK(\\"http://evil.example\\",\\"x\\")" ;
    cityreg:city <https://w3id.org/cityreg/id/harbour/city/harbour> .
<https://w3id.org/cityreg/id/harbour/agency/minus> a cityreg:Agency ; rdfs:label "-2+3" .
<https://w3id.org/cityreg/id/harbour/agency/number> a cityreg:Agency ; rdfs:label "-5" .
"""


@pytest.fixture
def hostile(tmp_path: Path, make_client: Any) -> Iterator[Any]:
    extra = tmp_path / "hostile.ttl"
    extra.write_text(HOSTILE, encoding="utf-8")
    with Registry.memory() as registry:
        registry.load(DATA / "harbour.ttl")
        registry.load(extra)
        yield make_client(Starlette(routes=build_routes(RegistryContext(registry))))


def test_formula_cells_are_neutralised_in_csv_and_kept_in_json(hostile: Any) -> None:
    labels = {row["iri"].rsplit("/", 1)[-1]: row["label"]
              for row in read_csv(hostile.get("/types/agency.csv"))}
    assert labels["evil"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert labels["minus"] == "'-2+3"
    assert labels["number"] == "-5"  # a plain number is what a spreadsheet should see
    city = read_csv(hostile.get("/cities/harbour.csv"))
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in {row["label"] for row in city}
    data = read_json(hostile.get("/types/agency.json"))
    assert '=HYPERLINK("http://evil.example","x")' in {row["label"] for row in data["rows"]}


# -- the static site --------------------------------------------------------------------------


def test_the_static_site_has_the_same_downloads(harbour: RegistryContext, client: Any,
                                               tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(harbour, site)
    for page in tables.list_pages(harbour):
        stem = tables.download_stem(page).lstrip("/")
        written = (site / f"{stem}.csv").read_bytes()
        assert written == client.get(f"/{stem}.csv").content, page
        body = json.loads((site / f"{stem}.json").read_text(encoding="utf-8"))
        source = (site / stem).parent / body["source"]
        assert source.is_file(), f"{stem}.json: source {body['source']} is not a page"
        assert body["rows"] == read_json(client.get(f"/{stem}.json"))["rows"]
    assert not (site / "search.csv").exists()
    assert "site-search" not in (site / "index.html").read_text(encoding="utf-8")
