"""``cityreg serve --store DIR``: a generation over an unchanged store reads the stored
findings instead of validating, a load re-validates what it changed, and while a validation
runs /healthz shows its progress and every answer is flagged."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from registry.server import generation
from registry.server.generation import Settings
from registry.server.live import LiveServer
from registry.store import Registry
from registry.web.admission import Limits

TESTVILLE = Path(__file__).parent.parent / "data" / "flows" / "testville.ttl"


def _settings() -> Settings:
    return Settings("https://w3id.org/cityreg/id/", None, Limits().with_workers(1))


def test_a_restart_on_an_unchanged_store_reads_the_stored_findings(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "store") as registry:
        registry.load(TESTVILLE)
    settings = _settings()
    first = generation.from_store_folder(tmp_path / "store", settings, 1)
    findings = list(first.context.validation.findings)
    first.close()
    assert settings.status.as_json()["findings"] == "full"
    assert findings
    second = generation.from_store_folder(tmp_path / "store", settings, 1)
    try:
        assert settings.status.as_json()["findings"] == "stored"
        assert list(second.context.validation.findings) == findings
        health = TestClient(second.app).get("/healthz").json()
        assert health["validation"] == {"state": "idle", "findings": "stored",
                                        "revalidatedEntities": 0,
                                        "seconds": health["validation"]["seconds"]}
    finally:
        second.close()


def test_a_load_is_revalidated_where_it_changed_and_answers_meanwhile_are_flagged(
        tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with Registry.open(folder) as registry:
        registry.load(TESTVILLE)
    settings = _settings()
    live = LiveServer(generation.from_store_folder(folder, settings, 1), folder=folder,
                      build=lambda n: generation.from_store_folder(folder, settings, n),
                      status=settings.status)
    try:
        client = TestClient(live)
        assert "cityreg-findings" not in client.get("/healthz").headers
        settings.status.start()  # as a new generation's validation does
        settings.status.progress(3, 10)
        answer = client.get("/healthz")
        assert answer.headers["cityreg-findings"] == (
            "previous; validating the changed registry (3/10 queries)")
        assert answer.json()["validation"]["state"] == "validating"
        assert answer.json()["validation"]["queriesDone"] == 3
        settings.status.fail()
        (tmp_path / "extra.ttl").write_text(
            "<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> \"a\" .\n",
            encoding="utf-8")
        with Registry.open(folder) as registry:
            registry.load(tmp_path / "extra.ttl")
        assert live.reload_if_changed() is True
        shown = TestClient(live.current.app).get("/healthz").json()["validation"]
        assert shown["findings"] == "incremental"
        assert shown["revalidatedEntities"] >= 1
    finally:
        live.stop()
