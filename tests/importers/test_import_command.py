"""`cityreg import`: exact output for the store, --out and --dry-run, errors and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from registry import cli
from registry.store import Registry

FILES = ["Sensorregistratie.csv", "Uw gegevens.csv"]
DATA = Path(__file__).parent / "data"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, ["import", *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_into_store_then_again_is_unchanged(amsterdam: Path) -> None:
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--store", "reg")
    assert code == 0
    assert out == (
        "loaded     118  Sensorregistratie.csv\n"
        "loaded       3  Uw gegevens.csv\n"
        "2 files: 2 loaded; 121 statements.\n")
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--store", "reg")
    assert code == 0
    assert out == (
        "unchanged  118  Sensorregistratie.csv\n"
        "unchanged    3  Uw gegevens.csv\n"
        "2 files: 2 unchanged; 121 statements.\n")
    with Registry.open("reg") as registry:
        assert len(registry) == 121


def test_changed_row_replaces_the_files_graph(amsterdam: Path) -> None:
    _run("csv", *FILES, "--city", "amsterdam", "--store", "reg")
    text = Path("Sensorregistratie.csv").read_text(encoding="utf-8")
    Path("Sensorregistratie.csv").write_text(text.replace("31-12-2025", "31-12-2027"),
                                             encoding="utf-8")
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--store", "reg", "--dry-run")
    assert code == 0
    assert out == (
        "Sensorregistratie.csv: +1 -1 =117 statements\n"
        "  cityreg:Programme: +0 -0 =9\n"
        "  dpv:Purpose: +0 -0 =8\n"
        "  skos:Concept: +0 -0 =8\n"
        "  sosa:ObservableProperty: +0 -0 =8\n"
        "  sosa:Sensor: +0 -0 =31\n"
        "  ssn:Deployment: +1 -1 =53\n"
        "Uw gegevens.csv: +0 -0 =3 statements\n"
        "  org:Organization: +0 -0 =3\n"
        "Dry run: nothing was written.\n")
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--store", "reg")
    assert out.splitlines()[0] == "replaced   118  Sensorregistratie.csv (was 118)"


def test_three_bad_rows_exit_2_and_the_store_is_unchanged(amsterdam: Path,
                                                          tmp_path: Path) -> None:
    store = str(tmp_path / "reg")
    _run("csv", *FILES, "--city", "amsterdam", "--store", store)
    with Registry.open(store) as registry:
        before = len(registry)
    bad = Path(__file__).parent / "data" / "amsterdam-bad" / "Sensorregistratie.csv"
    Path("bad").mkdir()
    Path("bad/Sensorregistratie.csv").write_bytes(bad.read_bytes())
    code, out, err = _run("csv", "bad/Sensorregistratie.csv", "--city", "amsterdam",
                          "--store", store)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == ("Error: 4 problems in the input; nothing was imported (fix them and "
                        "import again):")
    assert [line.split(":")[1] for line in lines[1:]] == ["3", "4", "6", "6"]
    assert "Traceback" not in err
    with Registry.open(store) as registry:
        assert len(registry) == before


def test_out_writes_stable_sorted_turtle(amsterdam: Path) -> None:
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--out", "registry")
    assert code == 0
    assert out == (
        "wrote  118  registry/Sensorregistratie.ttl\n"
        "wrote    3  registry/Uw gegevens.ttl\n"
        "2 files: 121 statements written to registry.\n")
    first = Path("registry/Sensorregistratie.ttl").read_bytes()
    _run("csv", *FILES, "--city", "amsterdam", "--out", "registry")
    assert Path("registry/Sensorregistratie.ttl").read_bytes() == first
    assert Path("registry/Uw gegevens.ttl").read_text(encoding="utf-8").endswith(
        "<https://w3id.org/cityreg/id/amsterdam/org/gemeente-amsterdam> a org:Organization ;\n"
        '\trdfs:label "Gemeente Amsterdam"@nl ;\n'
        '\tcityreg:address "Amstel 1, 1011 PN Amsterdam"@nl .\n')
    text = first.decode()
    assert text.startswith("# Imported by `cityreg import` from Sensorregistratie.csv\n")
    subjects = [line.split(" ")[0] for line in text.splitlines() if line.startswith("<")]
    assert subjects == sorted(subjects)
    with Registry.memory() as registry:
        registry.load("registry")
        assert len(registry) == 121


def test_dry_run_writes_nothing(amsterdam: Path) -> None:
    code, out, _ = _run("csv", *FILES, "--city", "amsterdam", "--out", "registry", "--dry-run")
    assert code == 0
    assert not Path("registry").exists()
    assert out.splitlines()[0] == "Sensorregistratie.csv: +118 -0 =0 statements"
    assert out.splitlines()[7] == (
        "  new: https://w3id.org/cityreg/id/amsterdam/deployment/7079-2296, "
        "https://w3id.org/cityreg/id/amsterdam/deployment/7079-2297, "
        "https://w3id.org/cityreg/id/amsterdam/deployment/TEST-0001, "
        "https://w3id.org/cityreg/id/amsterdam/deployment/TEST-0002, "
        "https://w3id.org/cityreg/id/amsterdam/observable/7079-2296 (and 18 more)")
    code, _, _ = _run("csv", *FILES, "--city", "amsterdam", "--store", "reg", "--dry-run")
    assert code == 0
    assert not Path("reg").exists()


def test_check_only_without_destination(amsterdam: Path) -> None:
    code, out, err = _run("csv", *FILES, "--city", "amsterdam")
    assert code == 0
    assert out.endswith("2 files: 2 loaded; 121 statements.\n")
    assert err == ("Checked only: nothing was stored. Add --store DIR or --out DIR to keep "
                   "the data.\n")


def test_out_and_store_together_are_refused(amsterdam: Path) -> None:
    code, _, err = _run("csv", *FILES, "--city", "x", "--out", "a", "--store", "b")
    assert code == 2
    assert "give either --out DIR or --store DIR, not both" in err


def test_mapping_is_for_csv_only(amsterdam: Path) -> None:
    code, _, err = _run("ocds", "x.json", "--mapping", "m.json", "--city", "x")
    assert code == 2
    assert err == "Error: --mapping applies to csv imports, not ocds; leave it out\n"


def test_ocds_into_store_exact_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "ocds")
    store = str(tmp_path / "reg")
    code, out, _ = _run("ocds", "ocds-213czf-000-00001-amended.json", "--city", "barnet",
                        "--store", store)
    assert code == 0
    assert out == ("loaded     48  ocds-213czf-000-00001-amended.json\n"
                   "1 file: 1 loaded; 48 statements.\n")


def test_dcat_dry_run_exact_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "dcat")
    code, out, _ = _run("dcat", "catalogue.jsonld", "--dry-run")
    assert code == 0
    assert out == (
        "catalogue.jsonld: +8 -0 =0 statements\n"
        "  dcat:Dataset: +4 -0 =0\n"
        "  org:Organization: +4 -0 =0\n"
        "  new: https://portal.example.net/dataset/parking, "
        "https://portal.example.net/org/parking-authority\n"
        "Dry run: nothing was written.\n")


def test_same_file_twice_is_refused(amsterdam: Path) -> None:
    code, _, err = _run("csv", "Sensorregistratie.csv", "./Sensorregistratie.csv",
                        "--city", "amsterdam")
    assert code == 2
    assert err == "Error: Sensorregistratie.csv is given twice: expected each file once\n"


def test_missing_file_is_an_error_not_a_traceback(amsterdam: Path) -> None:
    code, _, err = _run("csv", "nope.csv", "--city", "amsterdam")
    assert code == 2
    assert err.startswith("Error: ")
    assert "Traceback" not in err


def test_help_lists_the_formats() -> None:
    result = CliRunner().invoke(cli.main, ["import", "--help"], prog_name="cityreg")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: cityreg import [OPTIONS] {csv|ocds|dcat} FILE...\n")
