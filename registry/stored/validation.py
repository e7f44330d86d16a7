"""One validation of an on-disk registry that reuses what its stored report still holds
(see the package docstring)."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from registry.evidence import DERIVED, Evidence
from registry.findings import sort_findings
from registry.places import registry_cities
from registry.shacl.engine import Progress, ValidationEngine
from registry.store import Registry
from registry.store.provenance import RESERVED_GRAPHS
from registry.stored import affected, findingsdb, findingswriter, reportfile
from registry.stored.key import ValidationKey, key_of
from registry.stored.reportfile import StoredReport
from registry.stored.walks import stored_walks
from registry.validate import (
    RuleShapes,
    ValidationReport,
    finding_parts,
    load_shapes,
    shape_files,
    validate_registry,
)

How = Literal["stored", "incremental", "full"]


@dataclass
class StoredRun:
    """A validation report and how it was got: ``stored`` (no query ran), ``incremental``
    (``revalidated`` entities checked again) or ``full``."""

    report: ValidationReport
    how: How
    revalidated: int = 0
    seconds: float = 0.0


def stored_validation(registry: Registry, folder: Path, as_of: date, *,
                      progress: Progress | None = None, save: bool = True,
                      key: ValidationKey | None = None,
                      findings_file: Path | None = None) -> StoredRun:
    """The findings of ``registry`` at ``as_of`` with the default shapes, from the report
    stored in ``folder`` where it still holds (see the package docstring); with ``save``, what
    was computed is stored there for the next run. ``key``: the registry's key now, when the
    caller has it (it costs queries to make).

    ``findings_file``: the name a server's findings file (registry.stored.findingsdb) takes
    in ``folder``. A full run with ``save`` then writes its findings and their evidence into
    that file as they come (registry.stored.findingswriter), the stored report is written
    from the file, and the report returned reads from it: the run never holds its findings
    at once. Where that file cannot be made, the run is held in memory as without it.
    """
    started = time.perf_counter()
    files = shape_files()
    rule_shapes = load_shapes(files)
    key = key or _key_now(registry, as_of, files)
    stored = reportfile.read(folder, rule_shapes.shape_properties,
                             lambda found: found == key or found.same_except_graphs(key))
    if stored is not None and stored.key == key:
        return StoredRun(_report(stored, rule_shapes), "stored",
                         seconds=time.perf_counter() - started)
    run: StoredRun | None = None
    if stored is not None and stored.key.same_except_graphs(key):
        run = _incremental(registry, folder, stored, key, rule_shapes.engine, progress)
    del stored
    beside: dict[str, Path] = {}
    if run is None and findings_file is not None and save:
        streamed = _full_into_file(registry, as_of, key, rule_shapes,
                                   folder.parent / f".{findings_file.name}-{os.getpid()}",
                                   progress)
        if streamed is not None:
            run = StoredRun(streamed[0], "full")
            beside[findings_file.name] = streamed[1]
    if run is None:
        run = StoredRun(_full(registry, as_of, progress), "full")
    if save:
        _save(registry, folder, key, run.report, beside)
        for left in beside.values():  # not moved (the folder could not be written): the
            left.unlink(missing_ok=True)  # report reads its open file until it is closed
        if registry.path is not None:  # ready for the next load's incremental run
            stored_walks(rule_shapes.engine, key.shapes + key.code)
    run.seconds = time.perf_counter() - started
    return run


def served_validation(registry: Registry, folder: Path, as_of: date, *,
                      progress: Progress | None = None) -> StoredRun:
    """:func:`stored_validation` for a server, whose findings stay on disk: the report comes
    from the findings file kept beside the stored report (registry.stored.findingsdb) when it
    was made for the registry as it is now, and no finding is read until asked for; else the
    registry is validated as :func:`stored_validation` does, a full run writing its findings
    into the file as they come, and the report is read from the file. Where the file cannot
    be written, the run's report is served from memory."""
    started = time.perf_counter()
    files = shape_files()
    rule_shapes = load_shapes(files)
    key = _key_now(registry, as_of, files)
    path = folder / findingsdb.FILE_NAME
    kept = _open_kept(path, key, rule_shapes)
    if kept is not None:
        return StoredRun(kept, "stored", seconds=time.perf_counter() - started)
    run = stored_validation(registry, folder, as_of, progress=progress, key=key,
                            findings_file=path)
    if not isinstance(run.report, findingsdb.StoredValidationReport):
        try:
            findingswriter.write(path, key, run.report.findings, run.report.facts)
        except (OSError, sqlite3.Error) as error:
            print(f"cityreg: could not keep the findings in {path} ({error}); they are held "
                  "in memory instead", file=sys.stderr)
            return run
    kept = _open_kept(path, key, rule_shapes)
    if kept is not None:
        if isinstance(run.report, findingsdb.StoredValidationReport):
            run.report.close()  # the file read while it was written, before its rename
        run.report = kept
    run.seconds = time.perf_counter() - started
    return run


def _full_into_file(registry: Registry, as_of: date, key: ValidationKey,
                    rule_shapes: RuleShapes, staging: Path, progress: Progress | None
                    ) -> tuple[findingsdb.StoredValidationReport, Path] | None:
    """Validate everything, each query's findings and their evidence written into a findings
    file at ``staging`` as they come; the report read from that file, and the file. None
    (with a warning) where the file cannot be made: the caller validates in memory."""
    try:
        staging.parent.mkdir(parents=True, exist_ok=True)  # an engine's first start: none yet
        writer = findingswriter.FindingsWriter(staging, key, rule_shapes.shape_properties)
    except (OSError, sqlite3.Error) as error:
        print(f"cityreg: could not keep the findings in {staging.parent} ({error}); they are "
              "held in memory instead", file=sys.stderr)
        return None
    with writer, _in_memory(registry) as copy:
        for part in finding_parts(copy, as_of, rule_shapes, facts=writer.evidence,
                                  progress=progress):
            writer.add(part)
        writer.finish()
    report = _open_kept(staging, key, rule_shapes)
    if report is None:  # not reached: the file was just written for this key
        raise RuntimeError(f"the findings file {staging} just written cannot be read")
    return report, staging


def _open_kept(path: Path, key: ValidationKey, rule_shapes: RuleShapes
               ) -> findingsdb.StoredValidationReport | None:
    return findingsdb.open_report(path, key, rule_ids=rule_shapes.rule_ids,
                                  sources=rule_shapes.sources,
                                  shape_properties=rule_shapes.shape_properties)


def _key_now(registry: Registry, as_of: date, files: list[Path]) -> ValidationKey:
    """The key of validating ``registry`` as it is now with the shape ``files``."""
    cities = registry_cities(registry)
    only = [f"{iri} {place}" for iri, place in cities.items()] if len(cities) == 1 else []
    return key_of(registry, as_of, files, only)


def _full(registry: Registry, as_of: date, progress: Progress | None) -> ValidationReport:
    """Validate everything, in memory (see :func:`_in_memory`)."""
    with _in_memory(registry) as copy:
        return validate_registry(copy, as_of, progress=progress)


@contextmanager
def _in_memory(registry: Registry) -> Iterator[Registry]:
    """The registry a full run validates: itself, or a copy in memory of an on-disk one.

    Oxigraph answers the whole-graph queries of a full run from RocksDB five to ten times
    slower than from memory (generated N=1000 registry: 112 s of CPU on disk, 22 s in memory),
    and the copy costs about a second per 300,000 statements. The copy holds every graph,
    provenance and ontology included, so the findings, labels, places and evidence are those
    of the registry.
    """
    if registry.path is None:
        yield registry
        return
    copy = Registry(ox.Store(), None)
    try:
        copy.store.bulk_extend(registry.store.quads_for_pattern(None, None, None, None))
        yield copy
    finally:
        copy.close()


def _incremental(registry: Registry, folder: Path, stored: StoredReport, key: ValidationKey,
                 engine: ValidationEngine, progress: Progress | None) -> StoredRun | None:
    """Validate again what the changed statements can change (:mod:`affected`); None when
    that cannot be known (no state of the last run, a changed ontology, a shape whose walks
    cannot be read) or is most of the registry (a full run is then cheaper)."""
    changed = stored.key.changed_graphs(key)
    if changed & RESERVED_GRAPHS or registry.path is None:
        return None
    walks = stored_walks(engine, key.shapes + key.code)
    old = reportfile.open_state(folder)
    if walks is None or old is None:
        return None
    try:
        changes = affected.changed_statements(old, registry.store, changed)
        # Beyond about a tenth of the statement count (half the entities of a registry of
        # five statements each), validating entity by entity costs more than a full run.
        limit = max(1_000, registry.count() // 10)
        entities = affected.affected(changes, walks, [registry.store, old], limit)
    except affected.TooMany:
        return None
    finally:
        del old
    fresh = validate_registry(registry, key.as_of, focus=sorted(entities), progress=progress)
    kept = [f for f in stored.findings if f.focus not in entities]
    evidence = stored.evidence
    if evidence is not None and fresh.facts is not None:
        _merge_evidence(evidence, fresh.facts, entities)
    fresh.findings = sort_findings([*kept, *fresh.findings])
    fresh.facts = evidence if evidence is not None else fresh.facts
    return StoredRun(fresh, "incremental", revalidated=len(entities))


def _merge_evidence(stored: Evidence, fresh: Evidence, entities: set[str]) -> None:
    """``stored`` updated with what the fresh run read about the re-validated ``entities``.

    The facts of a re-validated entity are what the fresh run read: its own view (derived
    relations included) where it has findings, else the view of it as involved by another, as
    in a full run; one the fresh run did not read keeps only its stored facts without the
    derived relations. An entity that was not re-validated has unchanged statements: it keeps
    its stored facts, which are its own view when it has findings. Labels and sources are
    replaced where the fresh run read them (a changed label changes the findings that show
    it, which were run again), and a label the fresh run looked for and did not find is
    dropped (the term's IRI stands for it, as in a full run).
    """
    for entity in entities - fresh.triples.keys():
        if entity in stored.triples:
            stored.triples[entity] = tuple(t for t in stored.triples[entity]
                                           if t[1] not in DERIVED)
    for entity, facts in fresh.triples.items():
        if entity in fresh.with_derived or entity in entities or entity not in stored.triples:
            stored.triples[entity] = facts
    for term in fresh.unlabelled:  # its label was removed since the stored run
        stored.labels.pop(term, None)
    stored.labels.update(fresh.labels)
    stored.sources.update(fresh.sources)
    stored.source_refs.update(fresh.source_refs)


def _report(stored: StoredReport, rule_shapes: object) -> ValidationReport:
    return ValidationReport(stored.findings, stored.key.as_of, engine="fast",
                            rule_ids=rule_shapes.rule_ids,  # type: ignore[attr-defined]
                            sources=rule_shapes.sources,  # type: ignore[attr-defined]
                            facts=stored.evidence)


def _save(registry: Registry, folder: Path, key: ValidationKey, report: ValidationReport,
          beside: dict[str, Path] | None = None) -> None:
    """Store the report (and the files ``beside`` it, see :func:`reportfile.write`); a folder
    that cannot be written costs the next run its reuse, not this run its findings."""
    try:
        reportfile.write(folder, StoredReport(key, report.findings, report.facts),
                         registry.store if registry.path is not None else None, beside)
    except OSError as error:
        print(f"cityreg: could not store the findings in {folder} ({error}); the next start "
              "validates again", file=sys.stderr)
