"""`cityreg harvest` against two `cityreg serve` instances on loopback (conftest.py): each
city's dump into graphs of its own with its provenance; nothing downloaded again until a city
changes; a failed download leaves the store as it was."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from served_sites import Site, wait

from registry.cli import main
from registry.harvest import Limits, harvest, local_graph
from registry.history.versions import read_versions
from registry.store import Registry
from registry.store.provenance import RESERVED_GRAPHS


def _data(store: Path) -> dict[str, set[tuple[str, str, str]]]:
    """Each data graph of a store (the graphs cityreg manages left out): its statements."""
    graphs: dict[str, set[tuple[str, str, str]]] = {}
    with Registry.open(store) as registry:
        for quad in registry.store.quads_for_pattern(None, None, None, None):
            name = getattr(quad.graph_name, "value", "")
            if name and name not in RESERVED_GRAPHS:
                graphs.setdefault(name, set()).add(
                    (str(quad.subject), str(quad.predicate), str(quad.object)))
    return graphs


def test_each_city_is_harvested_into_graphs_of_its_own_with_provenance(
        sites: tuple[Site, Site], tmp_path: Path) -> None:
    rio, asia = sites
    started = datetime.now(UTC) - timedelta(seconds=1)
    with Registry.open(tmp_path / "national") as registry:
        reports = harvest(registry, [rio.url, asia.url])
        records = {record.graph: record for record in registry.graphs()}
    assert [(r.url, r.status) for r in reports] == [
        (rio.url + "registry.nq", "harvested"), (asia.url + "registry.nq", "harvested")]
    harvested = _data(tmp_path / "national")
    for site, report in zip(sites, reports, strict=True):
        served = _data(site.store)
        assert {change.status for change in report.changes} == {"added"}
        assert {c.graph: c.statements for c in report.changes} == {
            local_graph(report.url, ox.NamedNode(g)): len(s) for g, s in served.items()}
        for graph, statements in served.items():
            mine = local_graph(report.url, ox.NamedNode(graph))
            assert harvested[mine] == statements
            assert records[mine].source == report.url
            assert records[mine].generated_at >= started
            assert records[mine].format == "application/n-quads"
    assert len(harvested) == sum(len(_data(site.store)) for site in sites)


def test_nothing_is_downloaded_again_until_a_city_changes(sites: tuple[Site, Site],
                                                          tmp_path: Path) -> None:
    """Changes what the sites serve: Rio gets a renamed label and a second file, the other
    site loses Jakarta."""
    rio, asia = sites
    with Registry.open(tmp_path / "national") as registry:
        harvest(registry, [rio.url, asia.url])
        first = registry.graphs()
        again = harvest(registry, [rio.url, asia.url])
        assert [r.status for r in again] == ["not modified", "not modified"]
        assert registry.graphs() == first  # not even the load times were rewritten
    # Rio renames a camera network, adds a file, and Jakarta's file goes from the other site
    rio_file = rio.files / "rio.ttl"
    rio_file.write_text(rio_file.read_text(encoding="utf-8").replace(
        'rdfs:label "', 'rdfs:label "Renamed ', 1), encoding="utf-8")
    extra = rio.files / "extra.ttl"
    extra.write_text("<https://w3id.org/cityreg/id/rio/x> <http://www.w3.org/2000/01/"
                     "rdf-schema#label> \"An added entity (fictional)\"@en .\n",
                     encoding="utf-8")
    rio.load(rio_file, extra)
    with Registry.open(asia.store) as served:
        jakarta = next(r.graph for r in served.graphs() if r.graph.endswith("jakarta.ttl"))
    before = asia.generation()
    with Registry.open(asia.store) as served:
        served.remove_graph(jakarta)
    wait(lambda: asia.generation() > before, "the other site to serve the removal", 120)
    with Registry.open(tmp_path / "national") as registry:
        changed = harvest(registry, [rio.url, asia.url])
    assert [r.status for r in changed] == ["harvested", "harvested"]
    assert sorted((c.status, c.graph.rsplit("%2F", 1)[-1]) for c in changed[0].changes) == [
        ("added", "extra.ttl"), ("changed", "rio.ttl")]
    assert sorted((c.status, c.graph.rsplit("%2F", 1)[-1]) for c in changed[1].changes) == [
        ("removed", "jakarta.ttl"), ("unchanged", "davao.ttl")]
    harvested = _data(tmp_path / "national")
    assert not any(graph.endswith("jakarta.ttl") for graph in harvested)
    assert any("Renamed " in o for graph, statements in harvested.items()
               for _s, _p, o in statements if graph.endswith("rio.ttl"))


@contextmanager
def _serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Broken(http.server.BaseHTTPRequestHandler):
    """A catalogue whose N-Quads dump is malformed on its second line."""

    def do_GET(self) -> None:
        if self.path == "/catalog.ttl":
            body = (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
                    b"<#d> a dcat:Dataset ; dcat:distribution [ dcat:downloadURL <dump.nq> ;\n"
                    b"  dcat:mediaType <https://www.iana.org/assignments/media-types/"
                    b"application/n-quads> ] .\n")
            kind = "text/turtle"
        else:
            body = b"<urn:a> <urn:b> <urn:c> <urn:g> .\n<urn:a> <urn:b> .\n"
            kind = "application/n-quads"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_failed_download_leaves_the_store_as_it_was_and_the_others_are_harvested(
        sites: tuple[Site, Site], tmp_path: Path) -> None:
    rio, _asia = sites
    with Registry.open(tmp_path / "national") as registry:
        harvest(registry, [rio.url])
    kept = _data(tmp_path / "national")
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    quiet = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    try:
        with _serving(_Broken) as broken, Registry.open(tmp_path / "national") as registry:
            reports = harvest(registry, [broken, quiet, rio.url + "registry.ttl"],
                              Limits(seconds=2))
            small = harvest(registry, [rio.url + "registry.jsonld"], Limits(max_bytes=1000))
    finally:
        silent.close()
    assert [r.status for r in reports] == ["failed", "failed", "harvested"]
    assert reports[0].url == broken + "dump.nq"
    assert "dump.nq as application/n-quads" in reports[0].error
    assert "line 2" in reports[0].error or "2:" in reports[0].error
    assert reports[1].url == quiet
    assert "within 2 s" in reports[1].error
    assert small[0].status == "failed"
    assert "larger than 1,000 bytes" in small[0].error
    after = _data(tmp_path / "national")
    assert {g: s for g, s in after.items() if g in kept} == kept
    assert set(after) - set(kept) == {rio.url + "registry.ttl"}


def test_cityreg_harvest_prints_a_line_per_download(sites: tuple[Site, Site],
                                                   tmp_path: Path) -> None:
    rio, asia = sites
    served = [_data(site.store) for site in sites]
    counts = [sum(len(s) for s in graphs.values()) for graphs in served]
    graphs = [len(graphs) for graphs in served]
    store = str(tmp_path / "national")
    runner = CliRunner()
    first = runner.invoke(main, ["harvest", rio.url, asia.url, "--store", store])
    assert first.exit_code == 0, first.output
    assert first.output == (
        f"harvested     {counts[0]:>8}  {rio.url}registry.nq  "
        f"({graphs[0]} graph{'s' * (graphs[0] > 1)}: {graphs[0]} added)\n"
        f"harvested     {counts[1]:>8}  {asia.url}registry.nq  "
        f"({graphs[1]} graph{'s' * (graphs[1] > 1)}: {graphs[1]} added)\n"
        f"2 downloads: 2 harvested; {sum(counts)} statements.\n")
    again = runner.invoke(main, ["harvest", rio.url, asia.url, "--store", store])
    assert again.output == (
        f"not modified  {counts[0]:>8}  {rio.url}registry.nq  "
        f"({graphs[0]} graph{'s' * (graphs[0] > 1)})\n"
        f"not modified  {counts[1]:>8}  {asia.url}registry.nq  "
        f"({graphs[1]} graph{'s' * (graphs[1] > 1)})\n"
        f"2 downloads: 2 not modified; {sum(counts)} statements.\n")
    with Registry.open(Path(store)) as registry:  # one version (issue #18); none for "again"
        [version] = read_versions(registry)
    assert version.command == "cityreg harvest"
    assert [source for source, _ in version.sources] == sorted(
        [f"{rio.url}registry.nq", f"{asia.url}registry.nq"])
    assert sum(c.added for c in version.changes if c.graph.startswith("http")) == sum(counts)
    gone = runner.invoke(main, ["harvest", "http://127.0.0.1:9/", "--store", store,
                                "--timeout", "5"])
    assert gone.exit_code == 2
    assert gone.stdout == ("failed               -  http://127.0.0.1:9/\n"
                           "1 download: 1 failed; 0 statements.\n")
    assert gone.stderr.startswith("Error: cannot harvest http://127.0.0.1:9/catalog.ttl: ")
    assert "check the URL and that the server runs" in gone.stderr
    refused = runner.invoke(main, ["harvest", "file:///etc/passwd", "--store", store])
    assert refused.exit_code == 2
    assert "expected an http:// or https:// URL" in refused.stderr


def test_a_harvest_needs_a_store() -> None:
    done = CliRunner().invoke(main, ["harvest", "http://127.0.0.1:9/"])
    assert done.exit_code == 2
    assert "Missing option '--store'" in done.output


@pytest.mark.parametrize("graph", ["file:///srv/seed/rio.ttl", "urn:x:a b"])
def test_a_remote_graph_is_named_under_its_download(graph: str) -> None:
    name = local_graph("https://city.example/registry.nq", ox.NamedNode(graph)
                       if " " not in graph else ox.BlankNode("b"))
    assert name.startswith("https://city.example/registry.nq#graph=")
    ox.NamedNode(name)  # a valid IRI
    assert local_graph("https://city.example/registry.ttl", ox.DefaultGraph()) == (
        "https://city.example/registry.ttl")
