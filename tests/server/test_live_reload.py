"""Updates without downtime: ``cityreg load --store DIR`` works while ``cityreg serve --store
DIR`` runs, and every answer a hammering client gets is the old state or the new one."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
from served import Served, serving

from registry.resources import seed_dir

pytestmark = pytest.mark.slow

NEW_CITY = """@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cityreg/id/newtown/city> a cityreg:City ; rdfs:label "Newtown"@en ;
    cityreg:locode "GBNEW" .
"""
CITIES_GRAPHQL = json.dumps({"query": "{ cities { nodes { id label } } }"}).encode()
CITIES_SPARQL = ("/sparql?query=" + quote(
    "SELECT ?label WHERE { ?c a cityreg:City ; rdfs:label ?label } ORDER BY ?label")
    + "&format=json")


def _cityreg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from registry.cli import main; main()",
                           *args], capture_output=True, text=True, timeout=300, check=False)


def _answer(served: Served, kind: str) -> tuple[int, bytes]:
    """The status and body of one request of ``kind``: the list of cities as GraphQL, SPARQL
    or a page."""
    if kind == "graphql":
        status, _, body = served.post("/graphql", CITIES_GRAPHQL, "application/json")
    else:
        status, _, body = served.get(CITIES_SPARQL if kind == "sparql" else "/cities/")
    return status, body


def _answers(served: Served) -> dict[str, tuple[int, bytes]]:
    return {kind: _answer(served, kind) for kind in ("graphql", "sparql", "page")}


def test_a_load_while_a_client_hammers_the_server(tmp_path: Path) -> None:
    store = tmp_path / "store"
    loaded = _cityreg("load", str(seed_dir()), "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    (tmp_path / "newtown.ttl").write_text(NEW_CITY, encoding="utf-8")
    with serving("--store", str(store), "--reload-interval", "0.3") as served:
        old = _answers(served)
        assert all(status == 200 for status, _ in old.values()), old
        assert b"Newtown" not in old["graphql"][1]
        seen: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
        stop = threading.Event()

        def hammer(kind: str) -> None:
            while not stop.is_set():
                seen[kind].append(_answer(served, kind))

        threads = [threading.Thread(target=hammer, args=(kind,)) for kind in old]
        for thread in threads:
            thread.start()
        time.sleep(1)
        load = _cityreg("load", str(tmp_path / "newtown.ttl"), "--store", str(store))
        deadline = time.monotonic() + 120
        while served.health()["generation"] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
        assert load.returncode == 0, load.stderr  # the load did not wait for a server stop
        assert served.health()["generation"] == 2
        new = _answers(served)
        assert b"Newtown" in new["graphql"][1]
        assert b"Newtown" in new["sparql"][1]
        assert b"Newtown" in new["page"][1]
        for kind, answers in seen.items():
            assert answers, kind
            assert all(answer in (old[kind], new[kind]) for answer in answers), kind
            # the client saw both states, and never a new answer followed by an old one
            states = [answer == new[kind] for answer in answers]
            assert states[0] is False, kind
            assert states[-1] is True, kind
            assert states == sorted(states), kind


def test_a_failed_load_leaves_the_served_state_alone(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert _cityreg("load", str(seed_dir()), "--store", str(store)).returncode == 0
    (tmp_path / "broken.ttl").write_text("<urn:x:a> <urn:x:b> .\n", encoding="utf-8")
    with serving("--store", str(store), "--reload-interval", "0.3") as served:
        before = _answers(served)
        failed = _cityreg("load", str(tmp_path / "broken.ttl"), "--store", str(store))
        assert failed.returncode == 2
        assert "broken.ttl:1" in failed.stderr
        time.sleep(1)
        assert served.health()["generation"] == 1
        assert _answers(served) == before
