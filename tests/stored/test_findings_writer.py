"""A server's first start writes its findings into their file as the run goes
(registry.stored.findingswriter): the file holds what a run in memory reports, in the same
order, the run never holds its findings at once, and a run that fails leaves what was kept."""

from __future__ import annotations

import gc
import random
from datetime import date
from pathlib import Path

import pytest

from registry.findings import Finding, sort_findings
from registry.store import Registry
from registry.stored import findingsdb, findingswriter, served_validation, stored_validation
from registry.stored.findingsdb import StoredValidationReport
from registry.stored.findingswriter import FindingsWriter
from registry.stored.validation import _in_memory, _key_now
from registry.validate import ValidationReport, load_shapes, shape_files, validate_registry

AS_OF = date(2026, 1, 1)


@pytest.fixture(scope="module")
def in_memory(seed_folder: Path) -> ValidationReport:
    """The seed's findings from a plain run in memory, nothing stored or read back (on a
    copy of the store, as a server's full run validates one)."""
    with Registry.open(seed_folder) as registry, _in_memory(registry) as copy:
        return validate_registry(copy, AS_OF)


def _options() -> dict[str, object]:
    shapes = load_shapes(shape_files())
    return {"rule_ids": shapes.rule_ids, "sources": shapes.sources,
            "shape_properties": shapes.shape_properties}


def test_a_first_start_streams_the_findings_a_run_in_memory_reports(
        tmp_path: Path, seed_folder: Path, in_memory: ValidationReport,
        capsys: pytest.CaptureFixture[str]) -> None:
    # as an engine's first start keeps them: in the user's cache, a folder not made yet
    folder = tmp_path / "engines" / "0123abcd" / "cityreg-validation"
    with Registry.open(seed_folder) as registry:
        run = served_validation(registry, folder, AS_OF)
    assert run.how == "full"
    assert "could not keep" not in capsys.readouterr().err  # streamed, not held in memory
    assert isinstance(run.report, StoredValidationReport)
    assert len(in_memory.findings) > 400
    assert list(run.report.findings) == list(in_memory.findings)
    for finding in in_memory.findings:
        assert run.report.evidence(finding) == in_memory.evidence(finding), finding
    assert any(in_memory.evidence(f) for f in in_memory.findings)
    # the stored report was written from the file: read back, it says the same
    with Registry.open(seed_folder) as registry:
        again = stored_validation(registry, folder, AS_OF, save=False)
    assert again.how == "stored"
    assert list(again.report.findings) == list(in_memory.findings)
    for finding in in_memory.findings[::7]:
        assert again.report.evidence(finding) == in_memory.evidence(finding)
    # the file sits in the folder, nothing of the run's is left beside it
    assert sorted(p.name for p in folder.iterdir()) == [findingsdb.FILE_NAME, "report.trig",
                                                       "state"]
    assert [p.name for p in folder.parent.iterdir()] == ["cityreg-validation"]


def test_the_writer_puts_findings_in_report_order_and_drops_repeats(
        tmp_path: Path, seed_folder: Path, in_memory: ValidationReport) -> None:
    findings = list(in_memory.findings)
    shuffled = findings + findings[::3]  # every third one twice
    random.Random(7).shuffle(shuffled)
    with Registry.open(seed_folder) as registry:
        key = _key_now(registry, AS_OF, shape_files())
    path = tmp_path / "findings.sqlite"
    with FindingsWriter(path, key, {}, evidence=False) as writer:
        for start in range(0, len(shuffled), 37):
            writer.add(shuffled[start:start + 37])
        assert not path.exists()  # only a whole file takes its name
        writer.finish()
    report = findingsdb.open_report(path, key, **_options())  # type: ignore[arg-type]
    assert report is not None
    assert list(report.findings) == sort_findings(shuffled) == findings
    assert report.facts is None
    assert [p.name for p in tmp_path.iterdir()] == ["findings.sqlite"]


def test_findings_equal_in_report_order_keep_the_order_they_came_in(
        tmp_path: Path, seed_folder: Path, in_memory: ValidationReport) -> None:
    """Two findings alike in every part of the report order (a rule's two shapes saying the
    same of the same entity) stay in the order the run found them, as sort_findings keeps
    them."""
    first = in_memory.findings[0]
    twin = Finding(first.rule_id, first.severity, first.kind, first.focus, first.focus_label,
                   first.path, first.value, first.raw_message, first.legal_source,
                   first.legal_source_label, first.resolution, first.shape + "-twin",
                   first.component, first.value_term, standing=first.standing,
                   rule_severity=first.rule_severity, where=first.where, law=first.law,
                   legal_source_url=first.legal_source_url)
    assert twin.sort_key == first.sort_key
    assert twin != first
    with Registry.open(seed_folder) as registry:
        key = _key_now(registry, AS_OF, shape_files())
    for order in ([twin, first], [first, twin]):
        path = tmp_path / f"{order[0].shape.rsplit('-', 1)[-1]}.sqlite"
        findingswriter.write(path, key, order, None)
        report = findingsdb.open_report(path, key, **_options())  # type: ignore[arg-type]
        assert report is not None
        assert list(report.findings) == sort_findings(order) == order


def _findings_alive() -> int:
    gc.collect()
    return sum(isinstance(o, Finding) for o in gc.get_objects())


def test_the_run_holds_no_more_findings_than_one_query_s(
        tmp_path: Path, seed_folder: Path, in_memory: ValidationReport,
        monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = _findings_alive()  # the in-memory report's, held by the fixture
    seen: list[tuple[int, int]] = []  # (findings alive beyond the baseline, this part's)
    add = FindingsWriter.add

    def counting(self: FindingsWriter, findings: list[Finding]) -> None:
        add(self, findings)
        if len(seen) % 10 == 0 or len(findings) > 20:
            seen.append((_findings_alive() - baseline, len(findings)))
        else:
            seen.append((0, len(findings)))

    monkeypatch.setattr(FindingsWriter, "add", counting)
    # One query at a time: listing every object while the engine's threads run would hold
    # their query results, which pyoxigraph lets only the thread that made them drop.
    monkeypatch.setattr(load_shapes(shape_files()).engine, "workers", 1)
    with Registry.open(seed_folder) as registry:
        run = served_validation(registry, tmp_path / "cityreg-validation", AS_OF)
    assert run.how == "full"
    assert sum(size for _alive, size in seen) >= len(in_memory.findings)
    largest = max(size for _alive, size in seen)
    assert largest < len(in_memory.findings) // 4
    assert max(alive for alive, _size in seen) <= largest
    assert _findings_alive() == baseline


def test_a_run_that_fails_half_way_leaves_the_kept_findings_as_they_were(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "store"
    with Registry.open(folder) as registry:
        registry.load(Path(__file__).parent.parent / "data" / "flows" / "testville.ttl")
        stored = folder / "cityreg-validation"
        first = served_validation(registry, stored, AS_OF)
        kept = {p.name: p.read_bytes() for p in stored.iterdir() if p.is_file()}
        expected = list(first.report.findings)
        assert expected
        assert isinstance(first.report, StoredValidationReport)
        first.report.close()

        from registry.stored import validation

        def failing(*args: object, **options: object):  # type: ignore[no-untyped-def]
            yield []
            raise RuntimeError("the engine went away")

        monkeypatch.setattr(validation, "finding_parts", failing)
        # a new date: the kept findings do not hold, and the run starts again from nothing
        with pytest.raises(RuntimeError, match="went away"):
            served_validation(registry, stored, date(2027, 1, 1))
    assert {p.name: p.read_bytes() for p in stored.iterdir() if p.is_file()} == kept
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    with Registry.open(folder) as registry:
        again = served_validation(registry, stored, AS_OF)
    assert again.how == "stored"
    assert list(again.report.findings) == expected
