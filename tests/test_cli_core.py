"""`cityreg` itself, the error contract, and the load/export/query/stats commands.

Outputs are asserted exactly: they are what the README shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import rdflib
from click.testing import CliRunner, Result

from registry import __version__, cli, resources
from registry.errors import NotFoundError

DATA = Path(__file__).parent / "data" / "store"

LOADED = """\
loaded     4  city/agencies.ttl
loaded     6  city/sensors.jsonld
loaded     2  city/sub/datasets.nt
loaded     1  city/sub/legacy.rdf
loaded     2  city/sub/sharing.trig
5 files: 5 loaded; 15 statements.
"""

STATS = """\
instances  class    IRI
---------  -------  --------------------------------
        3  Sensor   https://w3id.org/cityreg#Sensor
        2  Agency   https://w3id.org/cityreg#Agency
        1  Dataset  https://w3id.org/cityreg#Dataset

15 statements in 6 named graphs from 5 sources.
"""

SENSORS_BY_AGENCY = """\
SELECT ?agency (COUNT(DISTINCT ?sensor) AS ?sensors)
WHERE { ?sensor cityreg:operatedBy ?agency }
GROUP BY ?agency ORDER BY DESC(?sensors)"""


@pytest.fixture(autouse=True)
def in_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_ontology: Path) -> Path:
    """Run in a temp folder holding city/, with the tiny ontology as the built-in one."""
    shutil.copytree(DATA / "city", tmp_path / "city")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(resources, "ontology_path", lambda: tiny_ontology)
    monkeypatch.delenv("CITYREG_DEBUG", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args))


# -- the group ------------------------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert {"load", "export", "query", "stats"} <= set(names)
    assert names == sorted(names)


def test_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"cityreg, version {__version__}\n")


@pytest.mark.parametrize("command", ["load", "export", "query", "stats"])
def test_every_core_command_explains_itself(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--store DIR" in result.stdout
    summary = cli.main.commands[command].get_short_help_str(limit=200)
    assert len(summary) > 30


def test_discovery_picks_up_every_public_commands_module() -> None:
    discovered = {command.name for command in cli.discover_commands()}
    assert discovered == set(cli.main.commands)
    assert {"load", "export", "query", "stats"} <= discovered


def _group_with(command: click.Command) -> click.Group:
    group = cli.CityregGroup("cityreg")
    group.add_command(command)
    return group


def test_a_cityreg_error_in_any_command_is_one_line_and_exit_2() -> None:
    @click.command("find")
    def find() -> None:
        raise NotFoundError("agency", "Ministry of Truth", "check the spelling")

    result = CliRunner().invoke(_group_with(find), ["find"])
    assert result.exit_code == 2
    assert result.stderr == ("Error: no agency 'Ministry of Truth' in the registry; check the "
                             "spelling\n")
    assert result.stdout == ""


def test_an_unexpected_exception_is_reported_as_a_bug_without_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @click.command("crash")
    def crash() -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    result = CliRunner().invoke(_group_with(crash), ["crash"])
    assert result.exit_code == 2
    assert result.stderr == ("Error: unexpected ZeroDivisionError: division by zero (this is a "
                             "bug in cityreg; run with CITYREG_DEBUG=1 for the traceback)\n")
    monkeypatch.setenv("CITYREG_DEBUG", "1")
    result = CliRunner().invoke(_group_with(crash), ["crash"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_ctrl_c_exits_130() -> None:
    @click.command("wait")
    def wait() -> None:
        raise KeyboardInterrupt

    result = CliRunner().invoke(_group_with(wait), ["wait"])
    assert (result.exit_code, result.stderr) == (130, "Interrupted.\n")


# -- load -----------------------------------------------------------------------------------------


def test_load_into_memory_checks_and_counts() -> None:
    result = run("load", "city")
    assert result.exit_code == 0
    assert result.stdout == LOADED
    assert result.stderr == "Checked only: nothing was stored. Add --store DIR to keep the data.\n"


def test_load_into_a_store_then_reload_a_changed_file() -> None:
    assert run("load", "city", "--store", "reg").stdout == LOADED
    Path("city/agencies.ttl").write_text(
        "<https://example.org/city/police> a <https://w3id.org/cityreg#Agency> .\n")
    result = run("load", "city", "--store", "reg")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == """\
replaced   1  city/agencies.ttl (was 4)
unchanged  6  city/sensors.jsonld
unchanged  2  city/sub/datasets.nt
unchanged  1  city/sub/legacy.rdf
unchanged  2  city/sub/sharing.trig
5 files: 1 replaced, 4 unchanged; 12 statements.
"""


def test_a_malformed_file_exits_2_with_file_line_col_and_loads_nothing() -> None:
    run("load", "city", "--store", "reg")
    Path("city/sub/broken.ttl").write_text("@prefix ex: <https://example.org/> .\n\nex:a ex:b .\n")
    result = run("load", "city", "--store", "reg")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: city/sub/broken.ttl:3:11: . is not a valid RDF object (expected valid Turtle "
        "(https://www.w3.org/TR/turtle/); fix the file and load again; nothing was loaded)\n")
    assert "Traceback" not in result.output
    assert run("stats", "--store", "reg").stdout == STATS


def test_load_reports_missing_paths_and_empty_folders() -> None:
    Path("empty").mkdir()
    result = run("load", "nowhere")
    assert (result.exit_code, result.stderr) == (
        2, "Error: no such file or folder: 'nowhere'; check the path\n")
    result = run("load", "empty")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the folder 'empty' contains no RDF files: expected "
                                    "files ending in .json-ld, .jsonld, .nq, .nt, .owl")


# -- stats, query, export -------------------------------------------------------------------------


def test_stats_from_paths_and_from_a_store_agree() -> None:
    result = run("stats", "city")
    assert (result.exit_code, result.stdout, result.stderr) == (0, STATS, "")
    run("load", "city", "--store", "reg")
    assert run("stats", "--store", "reg").stdout == STATS


def test_query_select_prints_an_aligned_table() -> None:
    result = run("query", "city", SENSORS_BY_AGENCY)
    assert result.exit_code == 0
    assert result.stdout == """\
agency                              sensors
----------------------------------  -------
https://example.org/city/transport  2
https://example.org/city/police     1
(2 rows)
"""


def test_query_select_as_csv_tsv_and_json() -> None:
    csv = run("query", "city", "--format", "csv", SENSORS_BY_AGENCY).stdout
    assert csv == ("agency,sensors\nhttps://example.org/city/transport,2\n"  # \r\n on the wire
                   "https://example.org/city/police,1\n")
    tsv = run("query", "city", "--format", "tsv", SENSORS_BY_AGENCY).stdout
    assert tsv.splitlines()[1] == (
        "<https://example.org/city/transport>\t2")
    answer = json.loads(run("query", "city", "--format", "json", SENSORS_BY_AGENCY).stdout)
    assert answer["head"] == {"vars": ["agency", "sensors"]}
    assert len(answer["results"]["bindings"]) == 2


def test_query_from_a_file_against_a_store() -> None:
    run("load", "city", "--store", "reg")
    Path("q.rq").write_text(SENSORS_BY_AGENCY)
    result = run("query", "--store", "reg", "--file", "q.rq")
    assert result.exit_code == 0
    assert result.stdout.endswith("(2 rows)\n")


def test_query_ask_and_construct() -> None:
    assert run("query", "city", "ASK { ?s a cityreg:Dataset }").stdout == "true\n"
    assert run("query", "city", "--format", "json", "ASK { ?s a cityreg:Contract }").stdout == (
        '{"head":{},"boolean":false}\n')
    result = run("query", "city", "CONSTRUCT { ?s a cityreg:Camera } WHERE { "
                 "<https://example.org/city/cam1> cityreg:operatedBy ?s }")
    assert result.stdout == ("@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
                             "@prefix cityreg: <https://w3id.org/cityreg#> .\n"
                             "<https://example.org/city/police> a cityreg:Camera .\n")


def test_query_errors_exit_2_with_a_readable_message() -> None:
    result = run("query", "city", "SELECT ?s WHERE { ?s ex:p ?o }")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: SPARQL error at line 1, column 27: expected OPTIONAL; the prefix ex: is not "
        "declared: add `PREFIX ex: <...>`\n    SELECT ?s WHERE { ?s ex:p ?o }\n"
        "                              ^\n")
    result = run("query", "city", "DELETE WHERE { ?s ?p ?o }")
    assert result.exit_code == 2
    assert "this is a SPARQL update (DELETE)" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "SELECT * {}"], "nothing to read: give PATHs"),
        (["query", "city"], "the last argument must be the SPARQL query, but 'city' is a path"),
        (["stats", "city", "--store", "reg"], "give either --store DIR or PATHs"),
        (["stats", "--store", "nowhere"], "no registry at nowhere"),
        (["export"], "nothing to read"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(("fmt", "rdflib_format", "statements"), [
    ("turtle", "turtle", 14), ("n-triples", "nt", 14), ("n-quads", "nquads", 15 + 7 * 6)])
def test_export_writes_files_rdflib_can_read(fmt: str, rdflib_format: str, statements: int
                                             ) -> None:
    result = run("export", "city", "--format", fmt, "--out", "out.rdf")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"Wrote out.rdf ({fmt}).\n")
    if fmt == "n-quads":  # count lines: rdflib 7.6 warns when parsing N-Quads
        assert len(Path("out.rdf").read_text().splitlines()) == statements
    else:
        assert len(rdflib.Graph().parse("out.rdf", format=rdflib_format)) == statements


def test_export_to_stdout_includes_the_ontology_on_request() -> None:
    plain = run("export", "city", "--format", "n-triples").stdout
    full = run("export", "city", "--format", "n-triples", "--include-ontology").stdout
    assert len(plain.splitlines()) == 14
    assert len(full.splitlines()) == 14 + 7


@pytest.mark.parametrize(("arguments", "first_line"), [
    ("query {big} 'SELECT ?s ?o WHERE {{ ?s ?p ?o }}'", "s o"),
    ("query {big} --format csv 'SELECT ?s WHERE {{ ?s ?p ?o }} ORDER BY ?s'", "s"),
    ("export {big} --format n-triples",
     '<https://example.org/s0> <https://example.org/p> "0" .'),
])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, arguments: str, first_line: str) -> None:
    """`cityreg query ... | head -1` stops without an error message, as Unix tools do."""
    big = tmp_path / "big.nt"
    big.write_text("".join(f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n"
                           for i in range(20000)), encoding="utf-8")
    command = f"{sys.executable} -m registry {arguments.format(big=big)} | head -1"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          timeout=120, check=False)
    assert " ".join(done.stdout.split()) == first_line
    assert "Error" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_runaway_query_is_stopped_at_its_time_limit() -> None:
    """The process ends itself: pyoxigraph cannot interrupt a query, so nothing else would
    free the CPU."""
    seed = str(resources.seed_dir())
    done = subprocess.run(
        [sys.executable, "-c", "from registry.cli import main; main()", "query", seed,
         "--timeout", "1", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == ("Error: the query ran longer than 1 s and was stopped; add a LIMIT, "
                           "narrow the patterns or raise --timeout\n")
    assert done.stdout == ""
