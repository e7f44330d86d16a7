"""`cityreg trace`, `cityreg export-schema` and a real `cityreg serve` process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.api import schema
from registry.cli import main
from registry.flows import AccessGraph
from registry.store import Registry
from tests.api.conftest import TESTVILLE

T = "https://w3id.org/cityreg/id/testville/"
G = "https://w3id.org/cityreg/id/greyfield/"
JAKARTA = "https://w3id.org/cityreg/id/jakarta/"
#: A partly disclosed registry: one hop of each grade, gaps marked and unmarked.
GREYFIELD = TESTVILLE.parent / "greyfield.ttl"


def test_trace_text_output() -> None:
    result = CliRunner().invoke(main, ["trace", "Traffic counts", str(TESTVILLE)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Who can access Traffic counts <{T}counts>\n"
        "2 organisations, 2 paths: 2 asserted, 0 inferred, 0 undisclosed.\n"
        "Search: complete (no --max-depth or --max-paths limit reached).\n"
        "Disclosure: fully disclosed: the trace met no fact that is not disclosed or not "
        "recorded.\n\n"
        f"Testville Council <{T}council>: asserted, 1 path\n"
        "  1. Traffic counts\n"
        "     Traffic counts → Testville Council via Traffic counts (publisher: publisher)\n\n"
        f"MobilityCo <{T}mobility>: asserted, 1 path\n"
        "  1. Traffic counts\n"
        "     Traffic counts → Testville Council via Traffic counts (publisher: publisher)\n"
        "     Testville Council → MobilityCo via Council–MobilityCo data swap (recipient: "
        "recipient, 2021-03-01..…, onward sharing not disclosed)\n")


INFERRED_DEVELOPER = ("[inferred: developer of a system that feeds, holds or uses the dataset, "
                      "access not disclosed]")
INFERRED_SUPPLIER = "[inferred: supplier of a contract covering the dataset, roles not disclosed]"
UNDISCLOSED_RECIPIENT = ("[undisclosed: recipient recorded only by its category, identity not "
                         "disclosed]")
NOBODY_RUNS_IT = ("operator not recorded: nobody is recorded as running it, so who holds the data "
                  "it feeds or uses is not known")


def test_trace_text_of_a_partly_disclosed_registry_grades_and_lists_gaps() -> None:
    result = CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Who can access Parking readings <{G}readings>\n"
        "4 organisations, 4 paths: 1 asserted, 2 inferred, 1 undisclosed.\n"
        "Search: complete (no --max-depth or --max-paths limit reached).\n"
        "Disclosure: NOT fully disclosed: 6 facts not disclosed or not recorded (see Gaps "
        "below).\n\n"
        f"Greyfield Council <{G}council>: asserted, 1 path\n"
        "  1. Parking readings\n"
        "     Parking readings → Greyfield Council via Parking readings (publisher: publisher)\n\n"
        f"AppWorks <{G}appworks>: inferred, 1 path\n"
        "  1. Parking readings\n"
        "     Parking app → AppWorks via Parking app (developer: developer) "
        f"{INFERRED_DEVELOPER}\n\n"
        f"ParkData <{G}parkdata>: inferred, 1 path\n"
        "  1. Parking readings\n"
        "     Parking readings → Greyfield Council via Parking readings (publisher: publisher)\n"
        "     Greyfield Council → ParkData via Parking analytics contract (supplier: supplier, "
        f"2022-01-01..…, onward sharing not disclosed) {INFERRED_SUPPLIER}\n\n"
        "Undisclosed third party (Resale of parking readings): undisclosed, identity not "
        "disclosed, category third party <https://w3id.org/dpv#ThirdParty>, 1 path\n"
        "  1. Parking readings\n"
        "     Parking readings → Undisclosed third party (Resale of parking readings) via Resale "
        "of parking readings (recipients: recipients, onward sharing not disclosed) "
        f"{UNDISCLOSED_RECIPIENT}\n\n"
        "Gaps: 6 facts not disclosed or not recorded\n"
        f"  Parking analytics contract <{G}contract>\n"
        "    data controller not disclosed: who decides what is done with the data is not "
        "known\n"
        "    data processor not disclosed: the legal role, and so the limits, of the "
        "organisation that handles the data are not known\n"
        f"  Parking app <{G}app>\n"
        "    data processor not recorded: no contract covering it records the legal role of its "
        "developer\n"
        f"    {NOBODY_RUNS_IT}\n"
        f"  Resale of parking readings <{G}resale>\n"
        f"    {NOBODY_RUNS_IT}\n"
        "    recipients not disclosed: the third party recipients are not named\n")


def test_trace_min_grade_follows_only_stronger_evidence_and_says_so() -> None:
    result = CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD),
                                       "--min-grade", "asserted"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Who can access Parking readings <{G}readings>\n"
        "1 organisation, 1 path: 1 asserted (inferred and undisclosed evidence not followed: "
        "--min-grade asserted).\n"
        "Search: complete (no --max-depth or --max-paths limit reached).\n"
        "Disclosure: NOT fully disclosed: 2 facts not disclosed or not recorded (see Gaps "
        "below).\n\n"
        f"Greyfield Council <{G}council>: asserted, 1 path\n"
        "  1. Parking readings\n"
        "     Parking readings → Greyfield Council via Parking readings (publisher: publisher)\n\n"
        "Gaps: 2 facts not disclosed or not recorded\n"
        f"  Parking app <{G}app>\n"
        f"    {NOBODY_RUNS_IT}\n"
        f"  Resale of parking readings <{G}resale>\n"
        f"    {NOBODY_RUNS_IT}\n")
    inferred = CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD),
                                         "--min-grade", "inferred"])
    assert inferred.output.splitlines()[1] == (
        "3 organisations, 3 paths: 1 asserted, 2 inferred (undisclosed evidence not followed: "
        "--min-grade inferred).")
    assert "Undisclosed third party" not in inferred.output
    bad = CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD),
                                    "--min-grade", "rumoured"])
    assert bad.exit_code == 2
    assert "'rumoured' is not one of 'asserted', 'inferred', 'undisclosed'" in bad.output


def test_a_fully_disclosed_answer_under_min_grade_says_what_it_left_out() -> None:
    result = CliRunner().invoke(main, ["trace", "London Underground users' journeys (Wi-Fi)",
                                       "--min-grade", "inferred"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[3] == (
        "Disclosure: fully disclosed as far as followed (the undisclosed evidence left out may "
        "have gaps).")
    everything = CliRunner().invoke(main, ["trace", "London Underground users' journeys (Wi-Fi)"])
    assert everything.output.splitlines()[3] == (
        "Disclosure: NOT fully disclosed: 1 fact not disclosed or not recorded (see Gaps below).")


def test_complete_is_never_taken_for_fully_disclosed() -> None:
    """A limit and gaps are two questions: each gets its own line, whichever way they go."""
    runner = CliRunner()
    cut = runner.invoke(main, ["trace", "Parking readings", str(GREYFIELD), "--max-paths", "2"])
    assert cut.output.splitlines()[1:4] == [
        "2 organisations, 2 paths: 1 asserted, 1 inferred, 0 undisclosed.",
        "Search: INCOMPLETE: stopped at max_paths=2 (raise --max-paths or --max-depth).",
        "Disclosure: NOT fully disclosed: 3 facts not disclosed or not recorded (see Gaps "
        "below)."]
    whole = runner.invoke(main, ["trace", "Parking readings", str(GREYFIELD)])
    lines = whole.output.splitlines()
    assert lines[2].startswith("Search: complete ")
    assert lines[3].startswith("Disclosure: NOT fully disclosed")
    # "complete" appears on the search line only, never next to the disclosure.
    assert [line for line in lines if "complete" in line.lower()] == [lines[2]]


def test_trace_of_the_seed_starts_with_its_gaps() -> None:
    """With no PATH the seed is traced: Qlue's reports are reached mostly by inference, and
    the answer says so before any detail, then lists every gap at the end. (The counts come
    from the JSON answer, so that the seed can grow.)"""
    runner = CliRunner()
    result = runner.invoke(main, ["trace", "Qlue citizen reports"])
    assert result.exit_code == 0, result.output
    answer = json.loads(runner.invoke(main, ["trace", "Qlue citizen reports", "--format",
                                             "json"]).output)
    grades, gaps = answer["grades"], answer["disclosure"]
    assert grades["inferred"] > grades["asserted"] >= 1
    assert gaps
    paths = sum(len(org["paths"]) for org in answer["organisations"])
    missing = f"{len(gaps)} facts not disclosed or not recorded"
    lines = result.output.splitlines()
    assert lines[:5] == [
        f"Who can access Qlue citizen reports <{JAKARTA}dataset/qlue-reports>",
        f"{len(answer['organisations'])} organisations, {paths} paths: "
        f"{grades['asserted']} asserted, {grades['inferred']} inferred, "
        f"{grades['undisclosed']} undisclosed.",
        "Search: complete (no --max-depth or --max-paths limit reached).",
        f"Disclosure: NOT fully disclosed: {missing} (see Gaps below).",
        ""]
    assert lines[5].startswith(f"Jakarta city administration <{JAKARTA}agency/"
                               "city-administration>: asserted, ")
    assert any(line.startswith("IBM <https://w3id.org/cityreg/id/global/company/ibm>: "
                               "inferred, ") for line in lines)
    assert (f"     Government of Indonesia → IBM via IBM analysis of Qlue data for the "
            "Government of Indonesia (supplier: supplier, onward sharing not disclosed) "
            f"{INFERRED_SUPPLIER}") in lines
    listed = lines[lines.index(f"Gaps: {missing}") + 1:]
    assert [line for line in listed if line.startswith("    ")] == [
        f"    {gap['propertyLabel']} {gap['status']}: {gap['why']}" for gap in gaps]
    assert [line for line in listed if not line.startswith("    ")] == [
        f"  {label} <{entity}>" for entity, label in
        dict.fromkeys((gap["entity"], gap["entityLabel"]) for gap in gaps)]
    assert ("    data controller not disclosed: who decides what is done with the data is not "
            "known") in listed


def test_trace_json_is_the_graded_answer() -> None:
    result = CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    with Registry.memory() as registry:
        registry.load(GREYFIELD)
        graph = AccessGraph.from_registry(registry)
        expected = graph.who_can_access(G + "readings").to_dict()
    assert answer == json.loads(json.dumps(expected))
    assert answer["complete"] is True
    assert answer["fullyDisclosed"] is False
    assert answer["grades"] == {"asserted": 1, "inferred": 2, "undisclosed": 1}
    assert len(answer["disclosure"]) == 6
    placeholder = answer["organisations"][-1]
    assert placeholder["disclosed"] is False
    assert placeholder["categoryLabel"] == "third party"
    assert placeholder["paths"][0]["hops"][0]["rule"] == "recipient-category"
    asserted = json.loads(CliRunner().invoke(main, [
        "trace", "Parking readings", str(GREYFIELD), "--format", "json", "--min-grade",
        "asserted"]).output)
    assert asserted["minGrade"] == "asserted"
    assert [o["label"] for o in asserted["organisations"]] == ["Greyfield Council"]


def test_trace_json_and_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["trace", T + "cams", str(TESTVILLE), "--format", "json",
                                  "--max-paths", "2"])
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert answer["complete"] is False
    assert answer["truncatedAt"] == {"reason": "max_paths", "limit": 2}
    missing = runner.invoke(main, ["trace", "Atlantis", str(TESTVILLE)])
    assert missing.exit_code == 2
    assert missing.output.startswith("Error: no sensor, deployment, system, dataset or "
                                     "organisation 'Atlantis' in the registry")
    bad_date = runner.invoke(main, ["trace", "Traffic counts", str(TESTVILLE), "--as-of", "x"])
    assert bad_date.exit_code == 2
    assert "--as-of 'x' is not a date: expected YYYY-MM-DD" in bad_date.output


def test_trace_takes_a_label_ignoring_case_and_suggests_close_ones() -> None:
    runner = CliRunner()
    found = runner.invoke(main, ["trace", "london underground wi-fi TRACKING"])
    assert found.exit_code == 0
    assert found.output.startswith("Who can access London Underground Wi-Fi tracking "
                                   "<https://w3id.org/cityreg/id/london/sensor/underground-wifi>\n")
    close = runner.invoke(main, ["trace", "underground wi-fi"])
    assert close.exit_code == 2
    assert close.output == (
        "Error: no sensor, deployment, system, dataset or organisation 'underground wi-fi' in "
        "the registry; give the IRI or label of a sensor, deployment, system, dataset or "
        "organisation (see `cityreg query` or the GraphQL `search` field); did you mean: "
        "London Underground Wi-Fi tracking "
        "<https://w3id.org/cityreg/id/london/sensor/underground-wifi>; London Underground Wi-Fi "
        "tracking study (end of 2016) "
        "<https://w3id.org/cityreg/id/london/deployment/underground-wifi-study-2016>; London "
        "Underground Wi-Fi tracking, generalised "
        "<https://w3id.org/cityreg/id/london/deployment/underground-wifi-generalised>\n")


def test_readme_documents_the_trace_options_and_every_json_key() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `cityreg trace`", 1)[1].split("\n### ", 1)[0]
    command = main.commands["trace"]
    for option in command.params:
        for name in option.opts:
            if name.startswith("--"):
                assert name in section, f"document {name} in the README's trace section"
    answer = json.loads(CliRunner().invoke(main, ["trace", "Parking readings", str(GREYFIELD),
                                                  "--format", "json"]).output)
    keys: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect({key: value for key, value in answer.items() if key != "grades"})
    assert sorted(key for key in keys if f"`{key}`" not in section) == []


def test_export_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    result = CliRunner().invoke(main, ["export-schema", "--out", str(out)])
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text == str(schema).rstrip("\n") + "\n"
    assert result.output == f"Wrote {out} ({text.count(chr(10))} lines).\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_answers_over_real_http() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from registry.cli import main; main()", "serve",
         str(TESTVILLE), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    assert json.load(answer)["status"] == "ok"
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql", method="POST",
            data=json.dumps({"query": f'{{ whoCanAccess(source: "{T}counts") '
                                      "{ organisations { label } } }"}).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer) == {"data": {"whoCanAccess": {"organisations": [
                {"label": "Testville Council"}, {"label": "MobilityCo"}]}}}
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def test_serve_without_a_store_in_the_folder_says_how_to_make_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output == (f"Error: cannot use the store at {tmp_path / 'none'}: there is no "
                             "store in this folder; create one with `cityreg load PATH --store "
                             f"{tmp_path / 'none'}`\n")


def test_serve_takes_a_store_or_paths_not_both(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(TESTVILLE), "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "give either --store DIR or PATHs to serve, not both" in result.output
