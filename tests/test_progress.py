"""Progress on the command line (registry/progress.py): plain lines off a terminal, a bar on
one, nothing when silenced; and validate, load and import report on stderr only, stdout being
byte for byte what it is without progress."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from registry import cli, progress, resources
from registry.importers import base, import_files
from registry.progress import PlainLines, percent, progress_reporter
from registry.store import Registry

DATA = Path(__file__).parent / "data"
IMPORTS = Path(__file__).parent / "importers" / "data"
ONLY_ART28 = ["--shapes", str(resources.shapes_dir() / "prefixes.ttl"),
              "--shapes", str(resources.shapes_dir() / "gdpr-art28.ttl")]
LINE = re.compile(r"^(cityreg [a-z]+(?: \((?:reading|writing)\))?): (\d+)/(\d+) ([a-z]+) "
                  r"\((\d+) %\)$")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    """A clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _progress_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(progress.ENVIRONMENT, raising=False)
    monkeypatch.delenv("TERM", raising=False)


# -- plain lines ----------------------------------------------------------------------------------


def test_plain_lines_one_per_tenth_and_the_last() -> None:
    stream, clock = io.StringIO(), _Clock()
    report = PlainLines("cityreg validate", "queries", stream, delay=0, clock=clock)
    for done in range(212):
        report(done, 211)
    assert stream.getvalue().splitlines() == [
        "cityreg validate: 0/211 queries (0 %)",
        "cityreg validate: 22/211 queries (10 %)",
        "cityreg validate: 43/211 queries (20 %)",
        "cityreg validate: 64/211 queries (30 %)",
        "cityreg validate: 85/211 queries (40 %)",
        "cityreg validate: 106/211 queries (50 %)",
        "cityreg validate: 127/211 queries (60 %)",
        "cityreg validate: 148/211 queries (70 %)",
        "cityreg validate: 169/211 queries (80 %)",
        "cityreg validate: 190/211 queries (90 %)",
        "cityreg validate: 211/211 queries (100 %)",
    ]


def test_plain_lines_wait_for_the_delay_and_quick_work_writes_nothing() -> None:
    stream, clock = io.StringIO(), _Clock()
    quick = PlainLines("cityreg load", "files", stream, delay=5, clock=clock)
    quick(0, 3)
    clock.now += 4.9
    quick(3, 3)
    assert stream.getvalue() == ""

    slow = PlainLines("cityreg load", "files", stream, delay=5, clock=clock)
    slow(0, 4)
    clock.now += 2
    slow(1, 4)  # 25 %, before the delay: not written
    clock.now += 4
    slow(2, 4)
    slow(2, 4)  # the same count again: not written twice
    slow(4, 4)
    slow(4, 4)
    assert stream.getvalue() == ("cityreg load: 2/4 files (50 %)\n"
                                 "cityreg load: 4/4 files (100 %)\n")


def test_plain_lines_within_a_tenth_at_most_every_so_often() -> None:
    stream, clock = io.StringIO(), _Clock()
    report = PlainLines("cityreg import (reading)", "tables", stream, delay=0, every=30,
                        clock=clock)
    report(0, 1000)
    clock.now += 29
    report(5, 1000)  # same tenth, not 30 s yet
    clock.now += 2
    report(6, 1000)  # same tenth, 31 s since the last line: the count moved
    clock.now += 40
    report(6, 1000)  # the count did not move
    assert stream.getvalue().splitlines() == [
        "cityreg import (reading): 0/1000 tables (0 %)",
        "cityreg import (reading): 6/1000 tables (1 %)",
    ]


def test_percent_is_rounded_but_100_only_when_done() -> None:
    assert [percent(0, 7), percent(40, 211), percent(1, 3), percent(999, 1000),
            percent(1000, 1000), percent(0, 0)] == [0, 19, 33, 99, 100, 100]


def test_reporter_off_a_terminal_writes_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0)
    stream = io.StringIO()
    with progress_reporter("cityreg load", "files", stream=stream) as report:
        for done in range(3):
            report(done, 2)
    assert stream.getvalue() == ("cityreg load: 0/2 files (0 %)\n"
                                 "cityreg load: 1/2 files (50 %)\n"
                                 "cityreg load: 2/2 files (100 %)\n")


# -- the bar --------------------------------------------------------------------------------------


def test_reporter_on_a_terminal_draws_a_bar_and_finishes() -> None:
    terminal = _Terminal()
    with progress_reporter("cityreg validate", "queries", stream=terminal) as report:
        assert progress.bar_on_screen()
        for done in range(4):
            report(done, 3)
    assert not progress.bar_on_screen()
    drawn = terminal.getvalue()
    last = drawn.rsplit("\r", 1)[-1]  # the bar as it was left on screen
    assert "cityreg validate" in last
    assert "━" in last
    assert "3/3" in last
    assert "queries" in last
    assert "\n" in last  # left on screen, its line ended: what follows starts below it


def test_a_dumb_terminal_gets_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0)
    terminal = _Terminal()
    with progress_reporter("cityreg load", "files", stream=terminal) as report:
        report(1, 1)
    assert terminal.getvalue() == "cityreg load: 1/1 files (100 %)\n"


@pytest.mark.parametrize("value", ["0", "off", "FALSE", "no"])
def test_cityreg_progress_0_silences_bar_and_lines(monkeypatch: pytest.MonkeyPatch,
                                                   value: str) -> None:
    monkeypatch.setenv(progress.ENVIRONMENT, value)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0)
    for stream in (_Terminal(), io.StringIO()):
        with progress_reporter("cityreg load", "files", stream=stream) as report:
            report(0, 1)
            report(1, 1)
        assert stream.getvalue() == ""


def test_rows_of_a_big_sheet_are_a_line_under_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """The importers' row loop (importers.base.progress) must not draw a second bar beside the
    command's: it becomes a line of it, gone when the rows are done."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_reporter("cityreg import (reading)", "tables") as report:
        report(0, 1)
        [bar] = progress._on_screen
        rows = []
        for row in base.progress(list(range(300)), "Importing big.csv"):
            rows.append(row)
            if row == 150:
                assert [task.description for task in bar.tasks] == [
                    "cityreg import (reading)", "Importing big.csv"]
        assert rows == list(range(300))
        assert [task.description for task in bar.tasks] == ["cityreg import (reading)"]
        report(1, 1)
    assert "Importing big.csv" in terminal.getvalue()
    assert "rows" in terminal.getvalue()


# -- the hooks ------------------------------------------------------------------------------------


def test_load_counts_files_and_ends_once_written(tiny_ontology: Path, city_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    with Registry.memory(ontology=tiny_ontology) as registry:
        registry.load(city_dir, progress=lambda done, total: calls.append((done, total)))
        assert calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
        calls.clear()
        (city_dir / "agencies.ttl").write_text(
            "<https://example.org/police> a <https://w3id.org/cityreg#Agency> .\n")
        registry.load(city_dir, progress=lambda done, total: calls.append((done, total)))
        assert calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_import_counts_tables_across_mappings() -> None:
    """Files of two mappings are read in two groups; the count runs on across them."""
    calls: list[tuple[int, int]] = []
    results = import_files("csv", [IMPORTS / "amsterdam" / "Sensorregistratie.csv",
                                   IMPORTS / "templates" / "sensors.csv",
                                   IMPORTS / "amsterdam" / "Uw gegevens.csv"],
                           city="amsterdam", progress=lambda d, t: calls.append((d, t)))
    assert len(results) == 3
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


# -- the commands ---------------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_ontology: Path) -> Path:
    """A temp working folder holding city/ and the two Amsterdam spreadsheets."""
    shutil.copytree(DATA / "store" / "city", tmp_path / "city")
    for name in ("Sensorregistratie.csv", "Uw gegevens.csv"):
        shutil.copy(IMPORTS / "amsterdam" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(resources, "ontology_path", lambda: tiny_ontology)
    return tmp_path


def _run(monkeypatch: pytest.MonkeyPatch, *args: str, shown: bool) -> Result:
    """The command with progress lines from the first instant (shown) or silenced."""
    with monkeypatch.context() as patch:
        patch.setattr(progress, "DELAY_SECONDS", 0)
        if not shown:
            patch.setenv(progress.ENVIRONMENT, "0")
        return CliRunner().invoke(cli.main, list(args))


def _progress_lines(stderr: str, what: str, unit: str) -> list[tuple[int, int]]:
    counts = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        if match is not None and match[1] == what:
            assert match[4] == unit
            counts.append((int(match[2]), int(match[3])))
    assert counts, f"no {what} progress in {stderr!r}"
    assert counts[-1][0] == counts[-1][1]  # the last line: all done
    assert [done for done, _ in counts] == sorted(done for done, _ in counts)
    return counts


@pytest.mark.parametrize("args", [
    ["validate", str(DATA / "prelude.ttl"), str(DATA / "invalid"
                                                / "GDPR-28-3-c--no-annex.ttl"),
     "--as-of", "2026-06-01", *ONLY_ART28],
    ["validate", str(DATA / "prelude.ttl"), "--as-of", "2026-06-01", *ONLY_ART28,
     "--format", "json"],
    ["check", "https://w3id.org/cityreg/id/fixture/parking", str(DATA / "prelude.ttl"),
     str(DATA / "invalid" / "GDPR-28-3-c--no-annex.ttl"), "--as-of", "2026-06-01"],
])
def test_validate_and_check_report_queries_on_stderr_only(
        monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    shown = _run(monkeypatch, *args, shown=True)
    silent = _run(monkeypatch, *args, shown=False)
    assert shown.stdout_bytes == silent.stdout_bytes
    assert shown.stdout_bytes
    assert shown.exit_code == silent.exit_code
    assert silent.stderr == ""
    _progress_lines(shown.stderr, f"cityreg {args[0]}", "queries")


def test_load_reports_files_on_stderr_only(monkeypatch: pytest.MonkeyPatch,
                                           in_tmp: Path) -> None:
    shown = _run(monkeypatch, "load", "city", shown=True)
    silent = _run(monkeypatch, "load", "city", shown=False)
    assert shown.exit_code == 0
    assert shown.stdout_bytes == silent.stdout_bytes
    assert shown.stdout.endswith("5 files: 5 loaded; 15 statements.\n")
    assert _progress_lines(shown.stderr, "cityreg load", "files") == [
        (0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    # The lines come first, then the command's own message.
    assert shown.stderr.endswith("\nChecked only: nothing was stored. Add --store DIR to "
                                 "keep the data.\n")


@pytest.mark.parametrize("where", [["--store", "reg"], ["--out", "ttl"], []])
def test_import_reports_reading_and_writing_on_stderr_only(
        monkeypatch: pytest.MonkeyPatch, in_tmp: Path, where: list[str]) -> None:
    args = ["import", "csv", "Sensorregistratie.csv", "Uw gegevens.csv", "--city",
            "amsterdam"]
    silent = _run(monkeypatch, *args, *where, shown=False)
    shutil.rmtree("reg", ignore_errors=True)
    shutil.rmtree("ttl", ignore_errors=True)
    shown = _run(monkeypatch, *args, *where, shown=True)
    assert shown.exit_code == 0
    assert shown.stdout_bytes == silent.stdout_bytes
    assert _progress_lines(shown.stderr, "cityreg import (reading)", "tables") == [
        (0, 2), (1, 2), (2, 2)]
    assert _progress_lines(shown.stderr, "cityreg import (writing)", "tables") == [
        (0, 2), (1, 2), (2, 2)]


def test_quick_commands_keep_stderr_clean_by_default(in_tmp: Path) -> None:
    """Off a terminal, work shorter than DELAY_SECONDS writes no progress at all."""
    result = CliRunner().invoke(cli.main, ["load", "city", "--store", "reg"])
    assert (result.exit_code, result.stderr) == (0, "")
