"""`cityreg history` and `cityreg export --as-of-version`: exact output on the issue's case
(load the seed, reload one edited file, import a CSV)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry import cli
from registry.history.versions import read_versions
from registry.resources import seed_dir
from registry.store import Registry

AMSTERDAM = Path(__file__).parent.parent / "importers" / "data" / "amsterdam"
ADMINISTRATION = "https://w3id.org/cityreg/id/jakarta/agency/city-administration"
SENSOR = "https://w3id.org/cityreg/id/amsterdam/sensor/"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args), prog_name="cityreg")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with three versions: the seed; jakarta.ttl edited and reloaded by the Jakarta
    office; Amsterdam's sensor register imported. Returns the working folder."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(seed_dir(), "seed")
    for name in ("Sensorregistratie.csv", "Uw gegevens.csv"):
        shutil.copy(AMSTERDAM / name, name)
    monkeypatch.setenv("CITYREG_AGENT", "Registry team")
    assert run("load", "seed", "--store", "reg")[0] == 0
    jakarta = Path("seed/jakarta.ttl")
    jakarta.write_text(jakarta.read_text().replace("basis of Qlue feedback", "basis of Qlue "
                                                   "app ratings", 1))
    monkeypatch.setenv("CITYREG_AGENT", "Jakarta office")
    assert run("load", "seed", "--store", "reg")[0] == 0
    monkeypatch.delenv("CITYREG_AGENT")
    monkeypatch.setenv("USER", "officer")
    monkeypatch.setenv("LOGNAME", "officer")
    code, _, err = run("import", "csv", "Sensorregistratie.csv", "Uw gegevens.csv", "--city",
                       "amsterdam", "--store", "reg")
    assert code == 0, err
    return tmp_path


def _times(store: Path) -> list[str]:
    with Registry.open(store) as registry:
        return [f"{v.time.astimezone(UTC):%Y-%m-%d %H:%M:%S}" for v in read_versions(registry)]


def test_history_lists_the_three_versions(three_versions: Path) -> None:
    one, two, three = _times(Path("reg"))
    code, out, err = run("history", "--store", "reg")
    assert (code, err) == (0, "")
    assert out == (
        "version  made (UTC)           by              command         changes\n"
        "-------  -------------------  --------------  --------------  "
        "------------------------------\n"
        f"3        {three}  officer         cityreg import  +121 -0 in 2 graphs (2 new)\n"
        f"2        {two}  Jakarta office  cityreg load    +1 -1 in 1 graph\n"
        f"1        {one}  Registry team   cityreg load    +2439 -0 in 11 graphs (11 new)\n")


def test_history_of_one_entity(three_versions: Path) -> None:
    _, two, _ = _times(Path("reg"))
    one = _times(Path("reg"))[0]
    code, out, _ = run("history", ADMINISTRATION, "--store", "reg")
    assert code == 0
    assert out == (
        f"History of Jakarta city administration <{ADMINISTRATION}>\n"
        "version  made (UTC)           by              command       change\n"
        "-------  -------------------  --------------  ------------  -------\n"
        f"2        {two}  Jakarta office  cityreg load  changed\n"
        f"1        {one}  Registry team   cityreg load  added\n")
    code, out, _ = run("history", ADMINISTRATION, "--store", "reg", "--format", "json")
    answer = json.loads(out)
    assert [(v["number"], v["change"], v["agent"]) for v in answer["versions"]] == [
        (2, "changed", "Jakarta office"), (1, "added", "Registry team")]
    assert answer["complete"] is True
    assert answer["notKnownBefore"] is None
    assert answer["versions"][0]["files"][0]["iri"].endswith("/seed/jakarta.ttl")


def test_an_imported_entity_was_added_by_the_import(three_versions: Path) -> None:
    code, out, _ = run("history", "--store", "reg", "--format", "json")
    [imported] = [v for v in json.loads(out)["versions"] if v["number"] == 3]
    sensors = {SENSOR + name for name in _sensor_ids()}
    some = sorted(sensors)[0]
    code, out, _ = run("history", some, "--store", "reg", "--format", "json")
    assert code == 0
    assert [(v["number"], v["change"]) for v in json.loads(out)["versions"]] == [(3, "added")]
    assert sorted(f["iri"].rsplit("/", 1)[1] for f in imported["files"]) == [
        "Sensorregistratie.csv", "Uw%20gegevens.csv"]


def _sensor_ids() -> list[str]:
    with Registry.open(Path("reg")) as registry:
        rows = registry.select(f"SELECT ?s {{ ?s a ?t FILTER STRSTARTS(STR(?s), '{SENSOR}') }}")
    return [str(row["s"])[len(SENSOR):] for row in rows]


def test_entity_as_it_was(three_versions: Path) -> None:
    code, out, _ = run("history", ADMINISTRATION, "--store", "reg", "--as-of-version", "1")
    assert code == 0
    assert "can terminate city workers' employment on the basis of Qlue feedback" in out
    assert out.startswith(f"# <{ADMINISTRATION}> at version 1 (")
    code, now, _ = run("history", ADMINISTRATION, "--store", "reg", "--as-of-version", "latest")
    assert "on the basis of Qlue app ratings" in now
    assert "Qlue feedback" not in now
    code, out, err = run("history", SENSOR + _sensor_ids()[0], "--store", "reg",
                         "--as-of-version", "2")
    assert code == 2
    assert "the registry said nothing about it at version 2" in err


def test_export_as_of_the_first_version_gives_its_statements(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The N-Quads export as of version 1, after two more versions, is the export taken when
    version 1 was the latest: the same statements, provenance records included."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(seed_dir(), "seed")
    run("load", "seed", "--store", "reg")
    assert run("export", "--store", "reg", "--format", "n-quads", "--out", "then.nq")[0] == 0
    jakarta = Path("seed/jakarta.ttl")
    jakarta.write_text(jakarta.read_text().replace("Qlue feedback", "Qlue ratings", 1))
    run("load", "seed", "--store", "reg")
    run("import", "csv", str(AMSTERDAM / "Sensorregistratie.csv"), "--city", "amsterdam",
        "--store", "reg")
    code, _, err = run("export", "--store", "reg", "--as-of-version", "1", "--format",
                       "n-quads", "--out", "rebuilt.nq")
    assert code == 0, err
    assert err.startswith("As it was at version 1 (")
    then = set(Path("then.nq").read_text().splitlines())
    rebuilt = set(Path("rebuilt.nq").read_text().splitlines())
    assert len(then) > 2384
    assert rebuilt == then
    _, now, _ = run("export", "--store", "reg", "--format", "n-quads")
    assert set(now.splitlines()) != then


def test_history_needs_a_store_and_an_iri_for_as_of() -> None:
    code, _, err = run("history")
    assert code == 2
    assert "give the registry with --store DIR|URL" in err
    code, _, err = run("history", "--store", "nowhere")
    assert code == 2
    assert "no registry at nowhere" in err


def _imported(store: Path) -> set[str]:
    """The IRI subjects of the import's graphs (independently of the diff: read by SPARQL)."""
    with Registry.open(store) as registry:
        rows = registry.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
                               "FILTER(isIRI(?s) && STRENDS(STR(?g), '.csv')) }")
    return {str(row["s"]) for row in rows}


def test_diff_between_the_first_and_the_last_version(three_versions: Path) -> None:
    """The issue's acceptance: the diff from version 1 to version 3 names exactly the edited
    entity and the imported ones, and the findings that changed (exact output)."""
    one, _, three = _times(Path("reg"))
    code, out, err = run("diff", "--store", "reg", "@1", "@3", "--as-of", "2026-12-01")
    assert (code, err) == (1, "")
    expected = (Path(__file__).parent / "data" / "diff-version-1-3.txt").read_text()
    assert out == expected.format(one=one[:16], three=three[:16])

    code, out, _ = run("diff", "--store", "reg", "@1", "@3", "--as-of", "2026-12-01",
                       "--format", "json")
    answer = json.loads(out)
    changed = {(change["iri"], change["change"]) for change in answer["changes"]}
    assert changed == {(ADMINISTRATION, "changed")} | {
        (iri, "added") for iri in _imported(Path("reg"))}
    [edit] = [c for c in answer["changes"] if c["change"] == "changed"]
    assert [(f["label"], [r[-35:] for r in f["removed"]], [a[-35:] for a in f["added"]])
            for f in edit["fields"]] == [(
                "description", ["ment on the basis of Qlue feedback."],
                ["t on the basis of Qlue app ratings."])]
    # the findings that changed are those of validating each version whole
    findings = {}
    for version in ("1", "3"):
        code, text, _ = run("export", "--store", "reg", "--as-of-version", version,
                            "--format", "turtle", "--out", f"v{version}.ttl")
        code, text, _ = run("validate", f"v{version}.ttl", "--as-of", "2026-12-01",
                            "--format", "json")
        findings[version] = {(f["rule_id"], f["focus"], f["message"])
                             for f in json.loads(text)["findings"]}
    appeared = {(f["rule"], f["focus"], f["message"]) for f in answer["findingChanges"]
                if f["change"] == "appeared"}
    resolved = {(f["rule"], f["focus"], f["message"]) for f in answer["findingChanges"]
                if f["change"] == "resolved"}
    assert appeared == findings["3"] - findings["1"]
    assert resolved == findings["1"] - findings["3"]
    assert answer["findings"] == {"appeared": len(appeared), "resolved": len(resolved)}


def test_a_store_older_than_its_history_says_what_is_not_known(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store loaded before cityreg recorded versions (its history graph removed here): the
    listing says so, and an entity's history never claims to be complete."""
    import pyoxigraph as ox

    from registry.context import RegistryContext
    from registry.history.timeline import Timeline
    from registry.store.versioning import HISTORY_GRAPH
    from registry.web.versionspage import entity_history

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITYREG_AGENT", "Anna")
    shutil.copytree(seed_dir(), "seed")
    run("load", "seed", "--store", "reg")
    with Registry.open(Path("reg")) as registry:
        registry.store.remove_graph(ox.NamedNode(HISTORY_GRAPH))
        statements = registry.count()
    code, out, _ = run("history", "--store", "reg")
    assert (code, out) == (0, f"No versions recorded: the registry's {statements} statements "
                              "were loaded before cityreg recorded versions; the next load, "
                              "import or harvest that changes it records version 1.\n")
    jakarta = Path("seed/jakarta.ttl")
    jakarta.write_text(jakarta.read_text().replace("Qlue feedback", "Qlue ratings", 1))
    run("load", "seed", "--store", "reg")
    one = _times(Path("reg"))[0]
    code, out, _ = run("history", ADMINISTRATION, "--store", "reg")
    assert (code, out) == (0, (
        f"History of Jakarta city administration <{ADMINISTRATION}>\n"
        "version  made (UTC)           by    command       change\n"
        "-------  -------------------  ----  ------------  -------\n"
        f"1        {one}  Anna  cityreg load  changed\n"
        "It was in the registry before version 1, the first one recorded: it was loaded "
        "before cityreg recorded versions, so when it was added is not known.\n"))
    rio = "https://w3id.org/cityreg/id/rio/city/rio"
    code, out, _ = run("history", rio, "--store", "reg", "--format", "json")
    answer = json.loads(out)
    assert (code, answer["versions"], answer["complete"], answer["olderThanTheHistory"]) == (
        0, [], False, True)
    with Registry.open(Path("reg")) as registry:
        history = Timeline.of(registry).entity(ADMINISTRATION)
        assert (history.complete, history.predates, history.first_seen) == (False, True, None)
        page = entity_history(RegistryContext(registry), ADMINISTRATION)
        assert page.older_than is not None
        assert page.older_than.number == 1
        assert page.first_seen is None

