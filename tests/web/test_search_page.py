"""The search page and its downloads: every word of q in labels and descriptions, facets by
type, city, vendor and severity that add up and narrow, bounded queries, the header's form."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette

from registry.api.app import create_app
from registry.context import RegistryContext
from registry.resources import seed_dir
from registry.store import Registry
from registry.web.routes import build_routes
from registry.web.search import MAX_QUERY_CHARS, PAGE_SIZE, fold, snippet

ID = "https://w3id.org/cityreg/id/"
CEBU_SCC = ID + "cebu/programme/ibm-smarter-cities-challenge"
IBM = ID + "global/company/ibm"


@pytest.fixture(scope="module")
def seed() -> Iterator[Any]:
    """A client for the whole application (GraphQL and the site) over the seed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StarletteDeprecationWarning: httpx -> httpx2
        from starlette.testclient import TestClient
    with Registry.memory() as registry:
        registry.load(seed_dir())
        with TestClient(create_app(RegistryContext(registry))) as client:
            yield client


def search(client: Any, **params: str) -> dict[str, Any]:
    response = client.get("/search.json", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="search.json"'
    body: dict[str, Any] = json.loads(response.content)
    return body


def counts(body: dict[str, Any], facet: str) -> dict[str | None, int]:
    return {value["value"]: value["count"] for value in body["facets"][facet]}


def test_ibm_finds_the_smarter_cities_challenge_programmes(seed: Any) -> None:
    body = search(seed, q="IBM")
    programmes = {row["iri"] for row in body["rows"] if row["kind"] == "programme"}
    assert CEBU_SCC in programmes
    assert ID + "sekondi-takoradi/programme/ibm-smarter-cities-challenge" in programmes
    assert ID + "global/programme/ibm-smarter-cities-challenge" in programmes
    cebu = next(row for row in body["rows"] if row["iri"] == CEBU_SCC)
    assert cebu["label"] == "IBM Smarter Cities Challenge – Cebu (2012)"
    assert cebu["kind_title"] == "Programmes"
    assert (cebu["city"], cebu["city_label"]) == (ID + "cebu/city/cebu", "Cebu")
    assert cebu["description"].startswith("Cebu won the Smarter Cities Challenge in 2012")
    assert body["total"] == len(body["rows"])
    assert body["source"] == "http://testserver/search?q=IBM"
    html = seed.get("/search", params={"q": "IBM"}).text
    assert '<a href="/id/cebu/programme/ibm-smarter-cities-challenge">' in html
    assert "<mark>IBM</mark>" in html  # the snippet shows where the word is


def test_every_word_must_match_any_case_any_accent_start_of_words(seed: Any) -> None:
    both = {row["iri"] for row in search(seed, q="ibm cebu")["rows"]}
    assert CEBU_SCC in both
    assert ID + "sekondi-takoradi/programme/ibm-smarter-cities-challenge" not in both
    assert both <= {row["iri"] for row in search(seed, q="IBM")["rows"]}
    assert {row["label"] for row in search(seed, q="systemes")["rows"]} >= {"Dassault Systèmes"}
    assert CEBU_SCC in {row["iri"] for row in search(seed, q="SMART challen")["rows"]}
    assert search(seed, q="zzzqqq")["total"] == 0
    assert fold("São Paulo ÉCOLE") == "sao paulo ecole"


def test_label_matches_come_before_description_matches(seed: Any) -> None:
    rows = search(seed, q="IBM")["rows"]
    in_label = ["ibm" in fold(row["label"]) for row in rows]
    assert in_label == sorted(in_label, reverse=True)
    assert not in_label[-1]  # some match by their description only


def test_facet_counts_add_up_to_the_results(seed: Any) -> None:
    body = search(seed, q="IBM")
    for facet in ("type", "city", "severity"):
        assert sum(counts(body, facet).values()) == body["total"], facet
    vendors = counts(body, "vendor")
    assert vendors[IBM] == sum(IBM in row["vendors"].split("; ") for row in body["rows"])
    assert {value["label"] for value in body["facets"]["vendor"]} >= {"IBM"}


def test_facets_narrow_the_search(seed: Any) -> None:
    everything = search(seed, q="IBM")
    programmes = search(seed, q="IBM", type="programme")
    assert programmes["total"] == counts(everything, "type")["programme"]
    assert {row["kind"] for row in programmes["rows"]} == {"programme"}
    cebu = search(seed, q="IBM", type="programme", city="cebu")
    assert [row["iri"] for row in cebu["rows"]] == [CEBU_SCC]
    assert counts(cebu, "city") == {"cebu": 1}
    on_ibm = search(seed, q="IBM", vendor=IBM)
    assert on_ibm["total"] == counts(everything, "vendor")[IBM]
    assert all(IBM in row["vendors"].split("; ") for row in on_ibm["rows"])
    html = seed.get("/search", params={"q": "IBM"}).text
    link = '<a href="/search?q=IBM&amp;type=programme">Programmes</a> (4)'
    assert link in html
    narrowed = seed.get("/search", params={"q": "IBM", "type": "programme"}).text
    assert "type: programme" in narrowed
    assert 'href="/search?q=IBM">remove</a>' in narrowed


def test_vendor_facet_means_what_graphql_vendor_filter_means(seed: Any) -> None:
    lists = " ".join(f'{field}(vendor: "{IBM}", first: 500) {{ nodes {{ id }} }}'
                     for field in ("contracts", "datasets"))
    query = "{ " + lists + " }"
    data = seed.post("/graphql", json={"query": query}).json()["data"]
    for kind, field in (("contract", "contracts"), ("dataset", "datasets")):
        graphql = {node["id"] for node in data[field]["nodes"]}
        found = {row["iri"] for row in search(seed, type=kind, vendor=IBM)["rows"]}
        assert found == graphql, kind
        assert found, kind


def test_unknown_facet_values_find_nothing_and_are_no_error(seed: Any) -> None:
    for params in ({"type": "unicorn"}, {"city": "atlantis"}, {"vendor": ID + "nobody"},
                   {"severity": "catastrophic"}):
        body = search(seed, q="IBM", **params)
        assert (body["total"], body["rows"]) == (0, []), params
        assert seed.get("/search", params={"q": "IBM", **params}).status_code == 200


def test_empty_q_browses_everything_a_page_at_a_time(seed: Any) -> None:
    body = search(seed)
    assert body["total"] == len(body["rows"]) > PAGE_SIZE
    assert sum(counts(body, "type").values()) == body["total"]
    assert counts(body, "type")["programme"] == len(
        seed.get("/types/programme.json").json()["rows"])
    first = seed.get("/search").text
    second = seed.get("/search", params={"page": "2"}).text
    assert first.count("<li><a href=\"/id/") == PAGE_SIZE
    assert 'rel="next"' in first
    assert 'href="/search?page=2"' in first
    assert f'<ol class="results" start="{PAGE_SIZE + 1}">' in second
    assert 'rel="prev"' in second
    beyond = seed.get("/search", params={"page": "999"})
    assert beyond.status_code == 200
    assert "past the last page" in beyond.text


def test_queries_are_bounded(seed: Any) -> None:
    long_q = "x" * (MAX_QUERY_CHARS + 1)
    for path in ("/search", "/search.csv", "/search.json"):
        response = seed.get(path, params={"q": long_q})
        assert response.status_code == 400, path
        assert f"more than the limit of {MAX_QUERY_CHARS}" in response.text
    assert seed.get("/search", params={"q": "x" * MAX_QUERY_CHARS}).status_code == 200
    bad_page = seed.get("/search.csv", params={"page": "two"})
    assert bad_page.status_code == 400
    assert "expected a whole number" in bad_page.text


def test_search_csv_has_the_json_rows(seed: Any) -> None:
    response = seed.get("/search.csv", params={"q": "IBM", "type": "programme"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="search.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    body = search(seed, q="IBM", type="programme")
    assert list(rows[0]) == body["columns"]
    assert [row["iri"] for row in rows] == [row["iri"] for row in body["rows"]]


def test_the_page_links_its_downloads_with_its_query(seed: Any) -> None:
    html = seed.get("/search", params={"q": "IBM", "city": "cebu"}).text
    assert 'href="/search.csv?q=IBM&amp;city=cebu"' in html
    assert 'href="/search.json?q=IBM&amp;city=cebu"' in html
    assert "<script" not in html
    assert html.count("<h1>") == 1


def test_every_page_has_the_header_search_form(seed: Any) -> None:
    for path in ("/", "/cities/", "/findings", "/id/cebu/programme/ibm-smarter-cities-challenge"):
        html = seed.get(path, headers={"Accept": "text/html"}).text
        assert '<form class="site-search" role="search" method="get" action="/search">' in html
        assert '<input id="site-q" type="search" name="q">' in html


def test_facet_links_keep_the_query(seed: Any) -> None:
    html = seed.get("/search", params={"q": "smart city", "severity": "none"}).text
    facets = html[html.index('id="facets-heading"'):html.index('id="results-heading"')]
    hrefs = [part.split('"', 1)[0] for part in facets.split('href="')[1:]]
    assert len(hrefs) > 3
    removals = 0
    for href in hrefs:
        params = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        assert params["q"] == ["smart city"], href
        if "severity" in params:  # narrows further: one more facet, the picked one kept
            assert params["severity"] == ["none"], href
            assert len(params) == 3, href
        else:  # the picked value's "remove" link
            assert len(params) == 1, href
            removals += 1
    assert removals == 1


def test_snippet_marks_the_words_around_the_first_match() -> None:
    text = ("word " * 60) + "the Smarter Cities Challenge of IBM " + ("tail " * 60)
    parts = snippet(text, ["ibm", "smart"])
    assert ("Smarter", True) in parts
    assert ("IBM", True) in parts
    assert parts[0] == ("… ", False)
    assert parts[-1] == (" …", False)
    assert sum(len(text) for text, _ in parts) < 200


# -- severity: binding against benchmark ------------------------------------------------------


def test_severity_is_the_most_severe_binding_finding_and_benchmarks_never_count(
        harbour: RegistryContext, make_client: Any) -> None:
    client = make_client(Starlette(routes=build_routes(harbour)))
    rows = json.loads(client.get("/search.json").content)["rows"]
    by_iri = {row["iri"]: row["severity"] for row in rows}
    findings = harbour.validation.findings
    ranks = ("violation", "warning", "info")
    for iri, severity in by_iri.items():
        own = [f for f in findings if f.focus == iri]
        binding = [str(f.severity) for f in own if str(f.standing) != "benchmark"]
        if binding:
            assert severity == min(binding, key=ranks.index), iri
        elif own:
            assert severity == "benchmark", iri
        else:
            assert severity == "none", iri
    assert {"benchmark", "warning"} <= set(by_iri.values())
    # benchmarks of rules that are violations where they bind are still only benchmarks
    assert any(str(f.rule_severity) == "violation" and by_iri.get(f.focus) == "benchmark"
               for f in findings)
    assert "violation" not in by_iri.values()
    only_benchmarks = json.loads(client.get("/search.json?severity=benchmark").content)
    assert only_benchmarks["total"] == sum(1 for s in by_iri.values() if s == "benchmark")


def test_the_page_shows_the_most_frequent_facet_values(seed: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import registry.web.listroutes

    monkeypatch.setattr(registry.web.listroutes, "FACET_VALUES_SHOWN", 2)
    body = search(seed)
    html = seed.get("/search").text
    types = html[html.index("<h3>Type</h3>"):html.index("<h3>City</h3>")]
    assert types.count("<li>") == 2
    assert f"and {len(body['facets']['type']) - 2} more" in types
    first = body["facets"]["type"][0]
    assert f'href="/search?type={first["value"]}">{first["label"]}</a> ({first["count"]})' in types


def test_the_documents_the_law_asks_for_are_searched_and_listed(seed: Any) -> None:
    """Records of processing, notices, policies and claims are entities of the site too."""
    body = search(seed, q="travel card")
    kinds = {row["iri"]: row["kind"] for row in body["rows"]}
    assert kinds[ID + "nordhaven/notice/travel-card"] == "notice"
    assert kinds[ID + "nordhaven/org/travel-card-joint-controllers"] == "joint-controllers"
    assert kinds[ID + "nordhaven/agreement/travel-card-joint-arrangement"] == "arrangement"
    claims = search(seed, q="30 government agencies", type="claim")["rows"]
    assert ID + "rio/claim/operations-centre-30-agencies" in [row["iri"] for row in claims]
    assert {row["kind"] for row in claims} == {"claim"}
    records = seed.get("/types/record.json")
    assert records.status_code == 200
    listed = {row["iri"] for row in json.loads(records.content)["rows"]}
    assert ID + "nordhaven/record/station-cameras" in listed
    assert seed.get("/types/record").status_code == 200
