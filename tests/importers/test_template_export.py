"""`cityreg export --format csv|xlsx`: the templates of `cityreg import csv`, filled from the
registry, and the round trip back.

The acceptance of the spreadsheet round trip: exporting, editing one cell and importing the
edited sheet changes exactly that fact (the N-Quads before and after differ by one statement
removed and one added); exporting and importing without an edit changes nothing; statements no
template column holds are counted on stderr and survive the import. Outputs are asserted
exactly: they are what the README shows.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from registry import cli, resources
from registry.cells import spreadsheet_safe, spreadsheet_text
from registry.importers import import_files, write_out, write_store
from registry.importers.base import entity_base
from registry.importers.template_export import TEMPLATES, export_templates, write_workbook
from registry.store import ONTOLOGY_GRAPH, PROVENANCE_GRAPH, Registry
from registry.store.versioning import HISTORY_GRAPH

TEMPLATE_DIR = Path(__file__).parents[2] / "registry" / "importers" / "templates"
FILLED = Path(__file__).parent / "data" / "templates"
NORDHAVEN = "https://w3id.org/cityreg/id/nordhaven/"
CITYREG = "https://w3id.org/cityreg#"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Facts about the exported entries that no template has a column for.
EXTRA = f"""\
@prefix cityreg: <{CITYREG}> .
<{NORDHAVEN}sensor/cam-01> cityreg:accountableOfficer "Head of Mobility" .
<{NORDHAVEN}contract/vista-2023> cityreg:fictional true .
"""
EXPORTED = """\
wrote  2 rows  {where}sensors{end}
wrote  1 row   {where}datasets{end}
wrote  2 rows  {where}organisations{end}
wrote  1 row   {where}contracts{end}
wrote  1 row   {where}agreements{end}
5 templates: 7 rows written to {destination}.
2 statements about the exported entries are not in the sheets, as no template column holds \
them (cityreg:accountableOfficer 1, cityreg:fictional 1); importing the sheets leaves them \
where they are: an import replaces only its own graph or --out file.
"""
FORMULAS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
            "'=already quoted", "''+1", "-5", "Harbour = quay"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args), prog_name="cityreg")
    return result.exit_code, result.stdout, result.stderr


def nquads(folder: Path) -> set[str]:
    """The N-Quads of a registry folder (each file its graph), provenance left out."""
    with Registry.memory() as registry:
        registry.load(folder)
        return _quads(registry)


def _quads(registry: Registry) -> set[str]:
    return {f"{quad} ." for quad in registry.store
            if not (isinstance(quad.graph_name, ox.NamedNode)
                    and quad.graph_name.value in (ONTOLOGY_GRAPH, PROVENANCE_GRAPH, HISTORY_GRAPH))}


def triples(registry: Registry) -> set[str]:
    """The registry's distinct statements (the union of its graphs), as N-Triples lines."""
    return {f"{ox.Triple(q.subject, q.predicate, q.object)} ." for q in registry.store
            if not (isinstance(q.graph_name, ox.NamedNode)
                    and q.graph_name.value in (ONTOLOGY_GRAPH, PROVENANCE_GRAPH, HISTORY_GRAPH))}


@pytest.fixture
def registry_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry kept as Turtle in git: reg/ holds the five filled templates imported with
    --out, and extra.ttl, facts about the same entries that no template holds."""
    monkeypatch.chdir(tmp_path)
    for name in TEMPLATES:
        write_out(Path("reg"), import_files("csv", [FILLED / f"{name}.csv"], city="nordhaven"))
    Path("reg/extra.ttl").write_text(EXTRA, encoding="utf-8")
    return Path("reg")


def _fact(subject: str, predicate: str, value: str, datatype: str, graph: Path | str) -> str:
    where = graph if isinstance(graph, str) else graph.resolve().as_uri()
    return (f'<{NORDHAVEN}{subject}> <{CITYREG}{predicate}> "{value}"^^<{XSD}{datatype}> '
            f"<{where}> .")


# -- the round trip -------------------------------------------------------------------------------


def test_csv_round_trip_changes_exactly_the_edited_fact(registry_folder: Path) -> None:
    before = nquads(registry_folder)
    code, out, err = run("export", "reg", "--format", "csv", "--out", "sheets",
                         "--city", "nordhaven")
    assert (code, out) == (0, "")
    assert err == EXPORTED.format(where="sheets/", end=".csv", destination="sheets")
    sheet = Path("sheets/sensors.csv")
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    assert [(row["id"], row["unit_count"]) for row in rows] == [("air-07", "1"), ("cam-01", "4")]
    rows[1]["unit_count"] = "6"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    code, out, _ = run("import", "csv", "sheets/sensors.csv", "--city", "nordhaven",
                       "--out", "reg")
    assert (code, out) == (0, "wrote  50  reg/sensors.ttl\n"
                              "1 file: 50 statements written to reg.\n")
    after = nquads(registry_folder)
    graph = registry_folder / "sensors.ttl"
    assert before - after == {_fact("sensor/cam-01", "unitCount", "4", "integer", graph)}
    assert after - before == {_fact("sensor/cam-01", "unitCount", "6", "integer", graph)}


def test_xlsx_round_trip_changes_exactly_the_edited_fact(registry_folder: Path) -> None:
    before = nquads(registry_folder)
    code, out, err = run("export", "reg", "--format", "xlsx", "--out", "registry.xlsx",
                         "--city", "nordhaven")
    assert (code, out) == (0, "")
    assert err == EXPORTED.format(where="registry.xlsx[", end="]",
                                  destination="registry.xlsx")
    book = openpyxl.load_workbook("registry.xlsx")
    assert book.sheetnames == list(TEMPLATES)
    contracts = book["contracts"]
    header = [cell.value for cell in contracts[1]]
    end = contracts.cell(2, header.index("end_date") + 1)
    assert end.value.date() == date(2026, 3, 31)  # a date cell, as an officer would type it
    end.value = date(2027, 3, 31)
    book.save("registry.xlsx")

    code, out, _ = run("import", "csv", "registry.xlsx", "--city", "nordhaven", "--out", "reg")
    assert code == 0
    assert out.splitlines()[-1] == "5 tables in 1 file: 132 statements written to reg."
    after = nquads(registry_folder)
    graph = registry_folder / "contracts.ttl"
    assert before - after == {_fact("contract/vista-2023", "endDate", "2026-03-31", "date",
                                    graph)}
    assert after - before == {_fact("contract/vista-2023", "endDate", "2027-03-31", "date",
                                    graph)}


def test_xlsx_round_trip_through_a_store(registry_folder: Path) -> None:
    """In a store, each sheet of the workbook owns the graph <file URI>#<sheet>."""
    run("export", "reg", "--format", "xlsx", "--out", "registry.xlsx", "--city", "nordhaven")
    code, out, _ = run("import", "csv", "registry.xlsx", "--city", "nordhaven",
                       "--store", "st")
    assert (code, out.splitlines()[0]) == (0, "loaded     50  registry.xlsx[sensors]")
    with Registry.open("st") as registry:
        before = _quads(registry)
    book = openpyxl.load_workbook("registry.xlsx")
    book["sensors"]["E3"] = 6  # unit_count of cam-01 (row 3: air-07 sorts first)
    book.save("registry.xlsx")
    code, out, _ = run("import", "csv", "registry.xlsx", "--city", "nordhaven",
                       "--store", "st")
    assert code == 0
    assert out.splitlines()[0] == "replaced   50  registry.xlsx[sensors] (was 50)"
    assert out.splitlines()[-1] == ("5 tables in 1 file: 1 replaced, 4 unchanged; "
                                    "132 statements.")
    with Registry.open("st") as registry:
        after = _quads(registry)
    graph = Path("registry.xlsx").resolve().as_uri() + "#sensors"
    assert before - after == {_fact("sensor/cam-01", "unitCount", "4", "integer", graph)}
    assert after - before == {_fact("sensor/cam-01", "unitCount", "6", "integer", graph)}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_without_edits_changes_nothing(registry_folder: Path,
                                                          fmt: str) -> None:
    before = nquads(registry_folder)
    out = "sheets" if fmt == "csv" else "registry.xlsx"
    assert run("export", "reg", "--format", fmt, "--out", out, "--city", "nordhaven")[0] == 0
    inputs = sorted(str(path) for path in Path("sheets").glob("*.csv")) if fmt == "csv" else [
        out]
    code, _, err = run("import", "csv", *inputs, "--city", "nordhaven", "--out", "reg")
    assert (code, err) == (0, "")
    assert nquads(registry_folder) == before
    assert sorted(path.name for path in registry_folder.iterdir()) == [
        "agreements.ttl", "contracts.ttl", "datasets.ttl", "extra.ttl", "organisations.ttl",
        "sensors.ttl"]


# -- what is written ------------------------------------------------------------------------------


def test_the_files_are_the_templates_with_one_row_per_entry(registry_folder: Path) -> None:
    run("export", "reg", "--format", "csv", "--out", "sheets", "--city", "nordhaven")
    run("export", "reg", "--format", "xlsx", "--out", "registry.xlsx", "--city", "nordhaven")
    book = openpyxl.load_workbook("registry.xlsx")
    for name in TEMPLATES:
        template = (TEMPLATE_DIR / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        written = Path(f"sheets/{name}.csv").read_bytes()
        assert written.startswith(b"\xef\xbb\xbf" + template.encode() + b"\r\n")
        assert [cell.value for cell in book[name][1]] == template.split(",")
    agreements = Path("sheets/agreements.csv").read_text(encoding="utf-8-sig").splitlines()
    assert agreements[1] == (
        "footfall-sharing,Footfall data for the port authority,agency/port;agency/transport,"
        "one-way,2024-01-01,,city-to-port,agency/transport,agency/port,dataset/footfall,"
        "crowd and footfall analytics,public interest,no,"
        "https://example.org/nordhaven/port-agreement")
    sensors = list(csv.reader(io.StringIO(
        Path("sheets/sensors.csv").read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in sensors[1:]] == ["air-07", "cam-01"]  # sorted by IRI
    assert sensors[2][14] == "image of a person;location data"  # as the importer splits it


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_text_survives_the_round_trip(tmp_path: Path, fmt: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    header = (TEMPLATE_DIR / "organisations.csv").read_text(encoding="utf-8")
    rows = "".join(f"o{index},agency,{_csv_cell(text)},{_csv_cell(text)},NL,,\n"
                   for index, text in enumerate(FORMULAS))
    Path("organisations.csv").write_text(header + rows, encoding="utf-8")
    assert run("import", "csv", "organisations.csv", "--city", "x", "--out", "reg")[0] == 0
    before = nquads(Path("reg"))
    out = "sheets" if fmt == "csv" else "registry.xlsx"
    assert run("export", "reg", "--format", fmt, "--out", out, "--city", "x")[0] == 0
    if fmt == "csv":
        cells = list(csv.reader(io.StringIO(
            Path("sheets/organisations.csv").read_text(encoding="utf-8-sig"))))[1:]
        assert [row[2] for row in cells] == [spreadsheet_safe(text) for text in FORMULAS]
        assert not any(row[2].startswith(("=", "@")) for row in cells)
        source = "sheets/organisations.csv"
    else:
        sheet = openpyxl.load_workbook(out)["organisations"]
        assert [sheet.cell(row, 3).value for row in range(2, 2 + len(FORMULAS))] == FORMULAS
        assert all(sheet.cell(row, 3).data_type == "s" for row in range(2, 2 + len(FORMULAS)))
        source = out
    assert run("import", "csv", source, "--city", "x", "--out", "reg")[0] == 0
    assert nquads(Path("reg")) == before
    with Registry.memory() as registry:
        registry.load("reg")
        labels = {str(row["l"]) for row in registry.select(
            "SELECT ?l WHERE { ?o a cityreg:Agency ; rdfs:label ?l }")}
    assert labels == set(FORMULAS)


def _csv_cell(text: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([spreadsheet_safe(text)])
    return out.getvalue()


def test_spreadsheet_text_undoes_spreadsheet_safe() -> None:
    alphabet = ["'", "=", "-", "+", "@", "\t", "1", "a", "."]
    for length in range(5):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            assert spreadsheet_text(spreadsheet_safe(text)) == text


# -- the seed: what the templates cannot hold ----------------------------------------------------


def test_the_seed_export_names_what_the_templates_cannot_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exporting the seed's fictional city, then importing the workbook into the store that
    holds the seed: nothing the seed says is removed (the templates hold only part of it), and
    what the import adds is exactly what the export said it would."""
    monkeypatch.chdir(tmp_path)
    seed = str(resources.seed_dir())
    with Registry.memory() as registry:
        registry.load(seed)
        filled = export_templates(registry, f"{NORDHAVEN}", "nordhaven")
    code, _, err = run("export", seed, "--format", "xlsx", "--out", "seed.xlsx",
                       "--city", "nordhaven")
    assert code == 0
    lines = err.splitlines()
    assert lines[5] == f"5 templates: {filled.row_count} rows written to seed.xlsx."
    assert lines[6].startswith(f"{len(filled.uncarried)} statements about the exported "
                               "entries are not in the sheets, as no template column holds "
                               "them (")
    assert lines[7].startswith(f"Importing the sheets unchanged would add {len(filled.added)} "
                               "statements the registry does not have (")
    assert lines[8].startswith(f"{len(filled.left_out)} entries under {NORDHAVEN} have IRIs "
                               "that no template mints, so the sheets leave them out: ")
    # The seed is hand-written Turtle: an edited sheet would add its value beside the file's.
    files = [(resources.seed_dir() / "fictional" / name).resolve().as_uri()
             for name in ("contracts.ttl", "nordhaven.ttl", "sensors.ttl", "sharing.ttl")]
    assert filled.other_files == tuple(files)
    assert lines[9] == (
        f"The facts in these rows are stated in 4 files that are not a sheet ({', '.join(files)})"
        ": importing an edited sheet adds its values beside theirs, it does not replace them; "
        "change such a fact in its file, or load the sheets in place of those files.")
    assert len(lines) == 10
    assert filled.uncarried
    assert filled.added
    assert filled.problems == ()
    assert f"{NORDHAVEN}flow/wifi-city-to-adreach" in filled.left_out

    assert run("load", seed, "--store", "st")[0] == 0
    with Registry.open("st") as registry:
        before = triples(registry)
    code, _, _ = run("import", "csv", "seed.xlsx", "--city", "nordhaven", "--store", "st")
    assert code == 0
    with Registry.open("st") as registry:
        after = triples(registry)
    assert before <= after
    assert after - before == {f"{triple} ." for triple in filled.added}


def test_a_sheet_does_not_remove_what_another_file_states(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The true behaviour beside hand-written Turtle: an import replaces only its own graph.
    The seed's contracts.ttl states the contract's end date; the edited sheet adds the new one
    and the seed's stays, until it is changed in the seed file."""
    monkeypatch.chdir(tmp_path)
    seed = resources.seed_dir()
    with Registry.memory() as registry:
        registry.load(seed)
        filled = export_templates(registry, NORDHAVEN, "nordhaven")
        write_workbook(filled, Path("seed.xlsx"))
        write_store(registry, import_files("csv", [Path("seed.xlsx")], city="nordhaven"))
        before = triples(registry)
        book = openpyxl.load_workbook("seed.xlsx")
        sheet = book["contracts"]
        header = [cell.value for cell in sheet[1]]
        row = [cell.value for cell in sheet["A"]].index("air-quality") + 1
        sheet.cell(row, header.index("end_date") + 1).value = date(2028, 3, 31)
        book.save("seed.xlsx")
        write_store(registry, import_files("csv", [Path("seed.xlsx")], city="nordhaven"))
        after = triples(registry)
    end = f"<{NORDHAVEN}contract/air-quality> <{CITYREG}endDate>"
    assert after - before == {f'{end} "2028-03-31"^^<{XSD}date> .'}
    assert before - after == set()
    assert f'{end} "2027-03-31"^^<{XSD}date> .' in after


def test_an_entry_the_import_would_refuse_is_written_and_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sensor without a label: its row is written with the cell empty, and stderr says
    where the import will stop, as the import itself will say it."""
    monkeypatch.chdir(tmp_path)
    Path("reg").mkdir()
    Path("reg/sensors.ttl").write_text(f"""\
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix cityreg: <{CITYREG}> .
<{NORDHAVEN}sensor/nameless> a sosa:Sensor ; cityreg:sensorType cityreg:CameraSensor .
""", encoding="utf-8")
    code, _, err = run("export", "reg", "--format", "csv", "--out", "sheets",
                       "--city", "nordhaven")
    assert code == 0
    assert err.splitlines()[-2:] == [
        "The import will refuse 1 cell until it is completed:",
        "  sheets/sensors.csv:2:label: empty, but the column is required"]
    code, _, err = run("import", "csv", "sheets/sensors.csv", "--city", "nordhaven")
    assert code == 2
    assert err.splitlines()[1] == "sheets/sensors.csv:2:label: empty, but the column is required"


# -- the command's errors ---------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xlsx", "--city", "nordhaven"],
     "--format xlsx writes a binary workbook, which is not written to the terminal or "
     "standard output: give --out FILE.xlsx"),
    (["--format", "csv", "--city", "nordhaven"],
     "--format csv writes one file per template: give --out DIR, the folder to write them "
     "into"),
    (["--format", "csv", "--out", "sheets"],
     "--format csv writes entries by their identifiers under the IRI the import mints them "
     "under: give --city SLUG (IRIs under https://w3id.org/cityreg/id/<slug>/) or --base IRI, "
     "the same that `cityreg import csv` is given"),
    (["--format", "xlsx", "--out", "r.xlsx", "--city", "x", "--include-ontology"],
     "--include-ontology applies to the RDF formats, not xlsx: the templates hold entries, not "
     "the ontology; leave it out"),
    (["--format", "turtle", "--city", "nordhaven"],
     "--city and --base apply to --format csv and xlsx, not turtle; leave them out"),
])
def test_usage_errors(registry_folder: Path, args: list[str], message: str) -> None:
    code, out, err = run("export", "reg", *args)
    assert (code, out) == (2, "")
    assert err == ("Usage: cityreg export [OPTIONS] [PATH]...\n"
                   "Try 'cityreg export --help' for help.\n\n"
                   f"Error: {message}\n")
    assert not Path("sheets").exists()
    assert not Path("r.xlsx").exists()


@pytest.mark.parametrize(("fmt", "out", "message"), [
    ("csv", "afile/sheets", "--out afile/sheets: cannot create the folder (Not a directory); "
     "expected a folder you can write to: choose another --out"),
    ("csv", "afile", "--out afile is a file: expected a folder for --format csv (one file per "
     "template); give a folder's name"),
    ("xlsx", "missing/registry.xlsx", "--out missing/registry.xlsx: cannot write it (No such "
     "file or directory); check that the folder exists and is writable"),
    ("xlsx", "reg", "--out reg is a folder: expected a workbook file name ending in .xlsx, "
     "such as registry.xlsx"),
    ("xlsx", "registry.csv", "--out registry.csv: expected a file name ending in .xlsx "
     "(cityreg import csv reads a workbook by that ending); name it such as registry.xlsx"),
])
def test_an_unwritable_out_is_refused_and_nothing_is_written(
        registry_folder: Path, fmt: str, out: str, message: str) -> None:
    Path("afile").write_text("not a folder", encoding="utf-8")
    before = sorted(str(path) for path in Path(".").rglob("*"))
    code, stdout, err = run("export", "reg", "--format", fmt, "--out", out,
                            "--city", "nordhaven")
    assert (code, stdout, err) == (2, "", f"Error: {message}\n")
    assert sorted(str(path) for path in Path(".").rglob("*")) == before


def test_a_stray_sheet_in_a_workbook_of_templates_is_refused(registry_folder: Path) -> None:
    run("export", "reg", "--format", "xlsx", "--out", "registry.xlsx", "--city", "nordhaven")
    book = openpyxl.load_workbook("registry.xlsx")
    book.create_sheet("notes")["A1"] = "call the vendor"
    book.save("registry.xlsx")
    code, out, err = run("import", "csv", "registry.xlsx", "--city", "nordhaven")
    assert (code, out) == (2, "")
    assert err == (
        "Error: registry.xlsx: the sheet 'notes' of this workbook of templates is not named "
        "after a template: expected sheets named agreements, contracts, datasets, "
        "organisations, Sensorregistratie, sensors, Uw gegevens; rename or remove it, or "
        "import it from a file of its own\n")


def test_the_base_is_read_as_the_import_reads_it(registry_folder: Path) -> None:
    """--base instead of --city: the same rows, without the city statements' comparison."""
    with Registry.memory() as registry:
        registry.load("reg")
        by_city = export_templates(registry, NORDHAVEN, "nordhaven")
        by_base = export_templates(registry, entity_base(None, NORDHAVEN) or "", None)
    assert [t.rows for t in by_base.templates] == [t.rows for t in by_city.templates]
    assert {t.predicate.value for t in by_base.uncarried} == {
        CITYREG + "city", CITYREG + "accountableOfficer", CITYREG + "fictional"}


def test_copying_the_registry_elsewhere_keeps_the_round_trip(registry_folder: Path,
                                                              tmp_path: Path) -> None:
    """The sheets do not depend on where they were written or the registry lives."""
    shutil.copytree("reg", tmp_path / "elsewhere")
    run("export", str(tmp_path / "elsewhere"), "--format", "csv", "--out", "a",
        "--city", "nordhaven")
    run("export", "reg", "--format", "csv", "--out", "b", "--city", "nordhaven")
    for name in TEMPLATES:
        assert Path(f"a/{name}.csv").read_bytes() == Path(f"b/{name}.csv").read_bytes()


def test_an_import_never_replaces_a_hand_written_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet imported with --out into a folder of hand-written Turtle (such as the seed's
    sensors.ttl) would replace the file of the same name and lose what no template holds."""
    monkeypatch.chdir(tmp_path)
    Path("reg").mkdir()
    hand_written = f"<{NORDHAVEN}sensor/cam-01> <{CITYREG}fictional> true .\n"
    Path("reg/sensors.ttl").write_text(hand_written, encoding="utf-8")
    shutil.copy(FILLED / "sensors.csv", "sensors.csv")
    code, out, err = run("import", "csv", "sensors.csv", "--city", "nordhaven", "--out", "reg")
    assert (code, out) == (2, "")
    assert err == ("Error: reg/sensors.ttl exists and was not written by `cityreg import` (it "
                   "does not start with '# Imported by `cityreg import`'): importing sensors.csv "
                   "would replace it and lose what it says; import into another --out folder, "
                   "or move the file away first\n")
    assert Path("reg/sensors.ttl").read_text(encoding="utf-8") == hand_written
    assert run("import", "csv", "sensors.csv", "--city", "nordhaven", "--out", "out")[0] == 0
    again = run("import", "csv", "sensors.csv", "--city", "nordhaven", "--out", "out")
    assert again[0] == 0  # what an import wrote, an import may replace
