"""Access questions on an engine: answered from the web around each question, equal to the
embedded store's whole projection; the vendor concentration kept between server starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from running_engines import Engine

from registry.flows import AccessGraph, keptrows
from registry.flows.ondemand import OnDemandAccess
from registry.flows.questions import access_for
from registry.resources import seed_dir
from registry.store import Registry


def test_every_seed_trace_on_the_engine_equals_the_embedded_projection(engine: Engine) -> None:
    with Registry.memory() as embedded, Registry.connect(engine.url) as remote:
        embedded.load(seed_dir())
        remote.load(seed_dir())
        whole = AccessGraph.from_registry(embedded)
        on_engine = access_for(remote)
        assert isinstance(on_engine, OnDemandAccess)
        sources = sorted(whole._projection.source_datasets)
        assert len(sources) > 50
        for iri in sources:
            assert on_engine.who_can_access(iri).to_dict() == \
                whole.who_can_access(iri).to_dict(), iri
        for org in sorted(whole._projection.organisations):
            assert on_engine.reachable_by(org) == whole.reachable_by(org), org


def test_the_vendor_concentration_is_kept_for_the_engines_state(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYREG_CACHE_DIR", str(tmp_path / "cache"))
    with Registry.memory() as embedded, Registry.connect(engine.url) as remote:
        embedded.load(seed_dir())
        remote.load(seed_dir())
        expected = AccessGraph.from_registry(embedded).vendor_concentration()
        assert OnDemandAccess(remote).vendor_concentration() == expected
        where = keptrows.file_for(remote)
        assert where is not None
        assert where[0].is_file()

        def not_again(_self: OnDemandAccess) -> list[object]:
            raise AssertionError("computed again although kept for this state")

        with monkeypatch.context() as patched:
            patched.setattr(OnDemandAccess, "_computed_rows", not_again)
            assert OnDemandAccess(remote).vendor_concentration() == expected

        # a load changes the state: the kept rows are not read for it
        (tmp_path / "extra.ttl").write_text(
            "<https://w3id.org/cityreg/id/x/c> a <https://w3id.org/cityreg#VendorContract> ;\n"
            "  <https://w3id.org/cityreg#supplier> <https://w3id.org/cityreg/id/x/v> .\n",
            encoding="utf-8")
        remote.load(tmp_path / "extra.ttl")
        embedded.load(tmp_path / "extra.ttl")
        changed = keptrows.file_for(remote)
        assert changed is not None
        assert changed[1] != where[1]
        assert keptrows.read(*changed) is None
        assert OnDemandAccess(remote).vendor_concentration() == \
            AccessGraph.from_registry(embedded).vendor_concentration()


def test_the_entity_index_is_kept_for_the_engines_state(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server started again on the same data opens the index the last one built, without
    reading the engine's labels and types; after a load it builds one of the new data."""
    from registry.api import keptindex, readmodel
    from registry.api.readmodel import ReadModel

    monkeypatch.setenv("CITYREG_CACHE_DIR", str(tmp_path / "cache"))
    with Registry.memory() as embedded, Registry.connect(engine.url) as remote:
        embedded.load(seed_dir())
        remote.load(seed_dir())
        expected = ReadModel.from_registry(embedded)
        built = ReadModel.from_registry(remote)
        where = keptindex.file_for(remote)
        assert where is not None
        assert where[0].is_file()

        def answers(model: ReadModel) -> tuple[object, ...]:
            contracts = model.listed(["Contract"])
            return (model.entity_count(), model.statement_count,
                    [(e.iri, e.label, e.kind) for e in model.listed(None)],
                    [(e.iri, model.city_of(e)) for e in contracts])

        assert answers(built) == answers(expected)

        def not_again(_registry: Registry) -> list[object]:
            raise AssertionError("read from the engine although kept for this state")

        with monkeypatch.context() as patched:
            patched.setattr(readmodel, "_labels", not_again)
            patched.setattr(Registry, "count", not_again)
            assert answers(ReadModel.from_registry(remote)) == answers(expected)

        extra = tmp_path / "extra.ttl"
        extra.write_text(
            "<https://w3id.org/cityreg/id/x/c> a <https://w3id.org/cityreg#VendorContract> ;\n"
            "  <http://www.w3.org/2000/01/rdf-schema#label> \"Extra contract\"@en .\n",
            encoding="utf-8")
        remote.load(extra)
        embedded.load(extra)
        after = ReadModel.from_registry(remote)
        assert after.label("https://w3id.org/cityreg/id/x/c") == "Extra contract"
        assert answers(after) == answers(ReadModel.from_registry(embedded))
        assert sorted(p.name for p in where[0].parent.glob("*entity-index*")) == [
            "entity-index.sqlite"]


def test_the_on_demand_bench_prints_its_figures(engine: Engine,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    with Registry.connect(engine.url) as remote:
        remote.load(seed_dir())
    path = Path(__file__).resolve().parents[2] / "bench" / "ondemand.py"
    spec = importlib.util.spec_from_file_location("bench_ondemand", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--store", engine.url, "--sources", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"on-demand traces: {engine.url}, ")
    assert ", 6 sources (" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["first", "asked", "largest", "peak"]
    assert lines[1].endswith(" ms")
