"""`cityreg diff A B`: the text, JSON and HTML reports, the sides it accepts (dumps, store
folders, published sites), exit codes 0 (same), 1 (different), 2 (error) and its messages.

Outputs are asserted exactly: they are what the README shows.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from diff_cases import CAMERAS_AFTER, CAMERAS_BEFORE, PREFIXES

from registry.cli import main

DATA = Path(__file__).parents[1] / "data"

BEFORE = CAMERAS_BEFORE + """
ex:deal a cityreg:DataSharingAgreement ; rdfs:label "Parking data deal" ;
    dpv:hasPurpose [ a dpv:Purpose ; rdfs:label "Billing" ] .
"""
AFTER = CAMERAS_AFTER + """
ex:deal a cityreg:DataSharingAgreement ; rdfs:label "Parking data deal" ;
    dpv:hasPurpose [ a dpv:Purpose ; rdfs:label "Billing and <script>alert(1)</script>" ] .
"""
_EX, _RDF, _RDFS = ("https://example.org/id/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                    "http://www.w3.org/2000/01/rdf-schema#")
_DPV, _CITYREG = "https://w3id.org/dpv#", "https://w3id.org/cityreg#"
_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
#: BEFORE in N-Triples, its blank node under another label, statements in another order.
BEFORE_NT = "".join(f"{s} {p} {o} .\n" for s, p, o in [
    (f"<{_EX}deal>", f"<{_DPV}hasPurpose>", "_:other"),
    ("_:other", f"<{_RDFS}label>", '"Billing"'),
    ("_:other", f"<{_RDF}type>", f"<{_DPV}Purpose>"),
    (f"<{_EX}deal>", f"<{_RDFS}label>", '"Parking data deal"'),
    (f"<{_EX}deal>", f"<{_RDF}type>", f"<{_CITYREG}DataSharingAgreement>"),
    (f"<{_EX}police>", f"<{_RDFS}label>", '"Police"'),
    (f"<{_EX}police>", f"<{_RDF}type>", f"<{_CITYREG}Agency>"),
    (f"<{_EX}council>", f"<{_RDFS}label>", '"City council"'),
    (f"<{_EX}council>", f"<{_RDF}type>", f"<{_CITYREG}Agency>"),
    (f"<{_EX}cam2>", f"<{_RDFS}label>", '"Camera 2"'),
    (f"<{_EX}cam2>", f"<{_RDF}type>", "<http://www.w3.org/ns/sosa/Sensor>"),
    (f"<{_EX}cam1>", f"<{_CITYREG}operator>", f"<{_EX}council>"),
    (f"<{_EX}cam1>", f"<{_CITYREG}unitCount>", f'"4"^^<{_INTEGER}>'),
    (f"<{_EX}cam1>", f"<{_RDFS}label>", '"Camera 1"'),
    (f"<{_EX}cam1>", f"<{_RDF}type>", "<http://www.w3.org/ns/sosa/Sensor>"),
])

CHANGES = """\
Added: Camera 3 <https://example.org/id/cam3> (Sensor)
  label
    + Camera 3
  type
    + Sensor
  unit count
    + 1

Removed: Camera 2 <https://example.org/id/cam2> (Sensor)
  label
    - Camera 2
  type
    - Sensor

Changed: Camera 1 <https://example.org/id/cam1> (Sensor)
  operator
    - City council
    + Police
  unit count
    - 4
    + 6

Changed: Parking data deal <https://example.org/id/deal> (Data-sharing agreement)
  has purpose
    - [a Purpose; label: Billing]
    + [a Purpose; label: Billing and <script>alert(1)</script>]
"""


@pytest.fixture(autouse=True)
def in_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a temp folder holding before.ttl, after.ttl and before.nt."""
    (tmp_path / "before.ttl").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "after.ttl").write_text(AFTER, encoding="utf-8")
    (tmp_path / "before.nt").write_text(BEFORE_NT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CITYREG_DEBUG", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# -- reports -------------------------------------------------------------------------------------


def test_text_report_of_two_dumps_exits_1() -> None:
    result = run("diff", "before.ttl", "after.ttl", "--no-findings")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Before: dump before.ttl\nAfter:  dump after.ttl\n\n" + CHANGES + "\n"
        "Summary: 1 entity added, 1 removed, 2 changed; findings not compared.\n")


def test_dumps_that_differ_only_in_syntax_and_blank_node_labels_are_the_same() -> None:
    result = run("diff", "before.ttl", "before.nt", "--as-of", "2026-06-01")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "Before: dump before.ttl\nAfter:  dump before.nt\n\n"
        "Summary: no differences in entities or findings.\n", "")


def test_findings_that_appeared_and_were_resolved(in_workdir: Path) -> None:
    fixture = (DATA / "prelude.ttl").read_text(encoding="utf-8") + (
        DATA / "invalid" / "DA-25-2-d--six-month-notice.ttl").read_text(encoding="utf-8")
    (in_workdir / "march.ttl").write_text(fixture, encoding="utf-8")
    (in_workdir / "june.ttl").write_text(fixture.replace(
        "switchingNoticeMonths 6", "switchingNoticeMonths 2").replace(
        "retrievalPeriodDays 30", "retrievalPeriodDays 14"), encoding="utf-8")
    result = run("diff", "march.ttl", "june.ttl", "--as-of", "2026-06-01")
    assert result.exit_code == 1, result.output
    contract = ("Air-quality platform contract (fictional) "
                "<https://w3id.org/cityreg/id/fixture/contract>")
    service = ("The data processing service contract Air-quality platform contract "
               "(fictional) does not")
    assert result.stdout == (
        "Before: dump march.ttl\n"
        "After:  dump june.ttl\n"
        "\n"
        "Changed: <https://w3id.org/cityreg/id/fixture/switching> (switching clause)\n"
        "  data retrieval period (days)\n"
        "    - 30\n"
        "    + 14\n"
        "  switching notice (months)\n"
        "    - 6\n"
        "    + 2\n"
        "\n"
        f"Finding appeared: violation DA-25-2-g on {contract}\n"
        f"  {service} give the customer at least 30 days after the transitional period to "
        "retrieve its data (Data Act Art. 25(2)(g)): the retrieval period is 14 days, fewer "
        "than 30. [Data Act Art. 25(2)(g)]\n"
        "\n"
        f"Finding resolved: violation DA-25-2-d on {contract}\n"
        f"  {service} cap the notice for starting a switch at 2 months (Data Act Art. "
        "25(2)(d)): the notice period is 6 months, more than the 2 months allowed. "
        "[Data Act Art. 25(2)(d)]\n"
        "\n"
        "Summary: 0 entities added, 0 removed, 1 changed; 1 finding appeared, 1 resolved.\n")


def test_json_report() -> None:
    result = run("diff", "before.ttl", "after.ttl", "--format", "json", "--no-findings")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert list(data) == ["before", "after", "entities", "findings", "changes",
                          "findingChanges"]
    assert (data["before"], data["after"]) == ("dump before.ttl", "dump after.ttl")
    assert data["entities"] == {"added": 1, "removed": 1, "changed": 2}
    assert data["findings"] == {"appeared": 0, "resolved": 0}
    assert [(c["change"], c["label"]) for c in data["changes"]] == [
        ("added", "Camera 3"), ("removed", "Camera 2"), ("changed", "Camera 1"),
        ("changed", "Parking data deal")]
    assert data["changes"][2]["fields"][0] == {
        "predicate": "https://w3id.org/cityreg#operator", "label": "operator",
        "removed": ["City council"], "added": ["Police"]}
    assert data["findingChanges"] == []


class _Checker(HTMLParser):
    """Collects the text and fails on a closing tag that does not close the open element."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_one_well_formed_escaped_page(in_workdir: Path) -> None:
    result = run("diff", "before.ttl", "after.ttl", "--format", "html", "--out", "diff.html",
                 "--no-findings")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Wrote diff.html (html).\n")
    page = (in_workdir / "diff.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.open == []
    assert not {"script", "link", "img"} & set(checker.tags)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    text = " ".join(" ".join(checker.text).split())
    for shown in ("Camera 3", "Camera 2", "City council", "Police", "unit count",
                  "[a Purpose; label: Billing and <script>alert(1)</script>]",
                  "Summary: 1 entity added, 1 removed, 2 changed; findings not compared."):
        assert shown in text
    assert '<a href="https://example.org/id/cam3">' in page


# -- sides ---------------------------------------------------------------------------------------


def test_a_store_folder_against_a_dump_and_against_itself() -> None:
    assert run("load", "before.ttl", "--store", "reg").exit_code == 0
    result = run("diff", "reg", "after.ttl", "--as-of", "2026-06-01")
    assert (result.exit_code, result.stderr) == (1, "")
    # Camera 3, like Camera 2 before it, names no source: the finding moves with it.
    assert result.stdout.startswith(
        "Before: store reg\nAfter:  dump after.ttl\n\n" + CHANGES + "\n"
        "Finding appeared: info INT-SOURCE on Camera 3 <https://example.org/id/cam3>\n")
    assert ("\nFinding resolved: info INT-SOURCE on Camera 2 <https://example.org/id/cam2>\n"
            in result.stdout)
    assert result.stdout.endswith(
        "Summary: 1 entity added, 1 removed, 2 changed; 1 finding appeared, 1 resolved.\n")
    same = run("diff", "reg", "reg", "--no-findings")
    assert (same.exit_code, same.stdout) == (
        0, "Before: store reg\nAfter:  store reg\n\n"
        "Summary: no differences in entities (findings not compared).\n")


def test_an_n_quads_export_with_its_provenance_is_the_registry() -> None:
    assert run("load", "before.ttl", "--store", "reg").exit_code == 0
    assert run("export", "--store", "reg", "--format", "n-quads", "--out", "reg.nq"
               ).exit_code == 0
    result = run("diff", "reg.nq", "before.nt", "--no-findings")
    assert (result.exit_code, result.stderr) == (0, ""), result.output


def test_two_published_sites() -> None:
    for source, site in (("before.ttl", "march"), ("after.ttl", "june")):
        assert run("publish", source, "--out", site, "--as-of", "2026-06-01").exit_code == 0
    result = run("diff", "march", "june", "--no-findings")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Before: site march\nAfter:  site june\n\n" + CHANGES + "\n"
        "Summary: 1 entity added, 1 removed, 2 changed; findings not compared.\n")


# -- errors --------------------------------------------------------------------------------------

ACCEPTED = ("expected a store folder (made by `cityreg load --store DIR`), a site folder (made "
            "by `cityreg publish`), an RDF dump file (.json-ld, .jsonld, .nq, .nt, .owl, .rdf, "
            ".trig, .ttl, .xml), an engine URL such as oxigraph+http://HOST:PORT, or a version "
            "of the --store registry such as @1, @latest or @2026-12-01")


@pytest.mark.parametrize(("make", "spec", "problem"), [
    (None, "missing.ttl", "'missing.ttl' does not exist"),
    ("folder", "empty", "'empty' is a folder that is neither a registry store nor a "
                        "published site"),
    ("notes.txt", "notes.txt", "'notes.txt' is a file with the extension '.txt', not an "
                               "RDF dump"),
])
def test_a_side_that_is_none_of_the_accepted_kinds_is_named(
        in_workdir: Path, make: str | None, spec: str, problem: str) -> None:
    if make == "folder":
        (in_workdir / spec).mkdir()
    elif make is not None:
        (in_workdir / make).write_text("hello\n", encoding="utf-8")
    result = run("diff", "before.ttl", spec)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {problem}: {ACCEPTED}\n"
    assert not (in_workdir / "missing.ttl").exists()


def test_a_malformed_dump_names_the_file_line_and_column(in_workdir: Path) -> None:
    (in_workdir / "broken.ttl").write_text(PREFIXES + "ex:a ex:b .\n", encoding="utf-8")
    result = run("diff", "before.ttl", "broken.ttl", "--no-findings")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: broken.ttl:6:")
    assert "Traceback" not in result.output


def test_a_malformed_n_quads_dump_names_the_file(in_workdir: Path) -> None:
    (in_workdir / "broken.nq").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    result = run("diff", "broken.nq", "before.ttl", "--no-findings")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: broken.nq: ")
    assert "(expected valid N-Quads (https://www.w3.org/TR/n-quads/); fix the file" in (
        result.stderr)


def test_a_site_without_its_dump(in_workdir: Path) -> None:
    (in_workdir / "site").mkdir()
    (in_workdir / "site" / ".cityreg-site").write_text("made by cityreg publish\n")
    result = run("diff", "site", "before.ttl")
    assert (result.exit_code, result.stderr) == (
        2, "Error: site is a site made by cityreg publish but has no registry.nq: expected "
        "the dump every published site has; publish the site again\n")


def test_a_version_needs_a_store() -> None:
    result = run("diff", "@1", "before.ttl")
    assert (result.exit_code, result.stderr) == (
        2, "Error: @1 names a version of a registry, but no --store was given: add --store "
        "DIR (or URL), the registry whose versions `cityreg history` lists\n")


def test_a_version_of_a_folder_that_is_no_store(in_workdir: Path) -> None:
    (in_workdir / "nothing").mkdir()
    result = run("diff", "@1", "@latest", "--store", "nothing")
    assert (result.exit_code, result.stderr) == (
        2, "Error: --store nothing is not a registry: expected a folder made by `cityreg "
        "load --store DIR`; create one with `cityreg load PATH --store nothing`\n")
    assert list((in_workdir / "nothing").iterdir()) == []


def test_bad_options_exit_2() -> None:
    result = run("diff", "before.ttl", "after.ttl", "--as-of", "June")
    assert result.exit_code == 2
    assert "'June' is not a date: expected YYYY-MM-DD" in result.stderr
    assert run("diff", "before.ttl", "after.ttl", "--format", "pdf").exit_code == 2
    assert run("diff", "before.ttl").exit_code == 2
