"""The static site: same pages, relative links that resolve to files, atomic writing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import rdflib
from click.testing import CliRunner

from registry.cli import main
from registry.context import RegistryContext
from registry.errors import InputError
from registry.web.publish import MARKER, publish

DATA = Path(__file__).parent / "data"
HREF = re.compile(r'(?:href|src)="([^"]*)"')


def local_links(page: Path) -> list[str]:
    """The links of a page that point into the site (no scheme, no pure fragment)."""
    links = []
    for href in HREF.findall(page.read_text(encoding="utf-8")):
        if href.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", href):
            continue
        links.append(href)
    return links


@pytest.fixture
def site(harbour: RegistryContext, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    publish(harbour, out)
    return out


def test_every_local_link_resolves_to_a_file(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    checked = 0
    for page in pages:
        for href in local_links(page):
            assert not href.startswith("/"), f"{page}: absolute link {href}"
            target = (page.parent / unquote(href.split("#", 1)[0])).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {href}"
            checked += 1
    assert checked > 500


@pytest.mark.slow
def test_seed_site_links_resolve(tmp_path: Path) -> None:
    from registry.resources import seed_dir
    from registry.store import Registry

    with Registry.memory() as registry:
        registry.load(seed_dir())
        report = publish(RegistryContext(registry), tmp_path / "seed")
    assert report.skipped == ()
    site = report.out
    assert (site / "id/rio/system/operations-centre.html").is_file()
    for page in site.rglob("*.html"):
        for href in local_links(page):
            target = (page.parent / unquote(href.split("#", 1)[0])).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {href}"


def test_layout_and_data_files(site: Path) -> None:
    for name in ("index.html", "cities/index.html", "cities/harbour.html", "types/agency.html",
                 "vendors/index.html", "findings.html", "ontology.html", "404.html",
                 "registry.ttl", "registry.jsonld", "registry.nq", "catalog.ttl",
                 "static/cityreg.css", MARKER):
        assert (site / name).is_file(), name
    page = (site / "id/harbour/system/control-room.html").read_text(encoding="utf-8")
    assert "<h1>Harbour control room</h1>" in page
    assert 'href="../../global/company/bigvendor.html"' in page
    assert 'href="../../../static/cityreg.css"' in page
    graph = rdflib.Graph().parse(site / "id/harbour/system/control-room.ttl", format="turtle")
    assert len(graph) > 5
    catalog = rdflib.Graph().parse(site / "catalog.ttl", format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert len(list(catalog.subjects(rdflib.RDF.type, dcat.Distribution))) == 3
    assert not list(catalog.subjects(rdflib.RDF.type, dcat.DataService))


def test_refuses_a_foreign_folder_and_replaces_its_own(harbour: RegistryContext,
                                                       tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("do not delete")
    with pytest.raises(InputError, match="not a site made by cityreg publish"):
        publish(harbour, foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging left behind
    site = tmp_path / "site"
    publish(harbour, site)
    (site / "stale.html").write_text("old")
    publish(harbour, site)
    assert not (site / "stale.html").exists()


def test_cli_publish(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["publish", "--out", str(out), str(DATA / "harbour.ttl")])
    assert result.exit_code == 0, result.output
    pages = len(list(out.rglob("*.html")))
    data = sum(1 for p in out.rglob("*") if p.suffix in (".ttl", ".jsonld", ".nt", ".nq"))
    files = sum(1 for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    assert result.output == (
        f"Published 15 entities to {out}\n"
        f"  {pages} pages (HTML)\n"
        f"  {data} data files (Turtle, JSON-LD, N-Triples, N-Quads)\n"
        f"  {files} files in total\n")


def test_cli_publish_errors(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x")
    result = CliRunner().invoke(main, ["publish", "--out", str(taken),
                                       str(DATA / "harbour.ttl")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {taken} exists and is not a site made by")
    bad = CliRunner().invoke(main, ["publish", "--out", str(tmp_path / "o"), "--site-url",
                                    "https://example.org", str(DATA / "harbour.ttl")])
    assert bad.exit_code == 2
    assert "must end in '/'" in bad.output
    late = CliRunner().invoke(main, ["publish", "--out", str(tmp_path / "o"), "--as-of",
                                     "yesterday", str(DATA / "harbour.ttl")])
    assert late.exit_code == 2
    assert "'yesterday' is not a date: expected YYYY-MM-DD" in late.output
    assert not (tmp_path / "o").exists()


def test_help_is_documented() -> None:
    result = CliRunner().invoke(main, ["publish", "--help"])
    assert result.exit_code == 0
    assert "Write the registry as a static website to DIR" in result.output
    assert all(option in result.output for option in ("--out", "--store", "--base",
                                                      "--site-url", "--as-of"))


def test_published_pages_match_the_server(site: Path, client: Any) -> None:
    served = client.get("/id/harbour/dataset/footage.html").text
    written = (site / "id/harbour/dataset/footage.html").read_text(encoding="utf-8")
    def text_only(html: str) -> str:
        return re.sub(r'(href|src)="[^"]*"', "", html)
    server_only = re.compile(r'<li><a >SPARQL</a></li>|  +<form class="site-search".*?</form>\n',
                             flags=re.S)  # the static site has no server to query or search
    assert server_only.sub("", text_only(served)) == text_only(written)
