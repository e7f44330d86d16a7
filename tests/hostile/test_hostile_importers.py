"""Hostile input for `cityreg import`: spreadsheets (CSV, XLSX), OCDS and DCAT.

Each refused file is imported with `--store` into a store that already holds valid data: exit 2,
an error that names the file and the problem, no traceback, and every statement of the store
unchanged. Cells that look like spreadsheet formulas are valid input: they are stored as the
plain text they are, and `cityreg query --format csv/tsv` never writes them back out as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from hostile_cases import (
    assert_clean,
    assert_refused,
    run_cli,
    snapshot,
    write,
)

from registry.cells import spreadsheet_safe
from registry.importers.csv_import import MAX_XLSX_UNPACKED
from registry.store import Registry

DATA = Path(__file__).resolve().parents[1] / "importers" / "data"
TEMPLATES = Path(__file__).resolve().parents[2] / "registry" / "importers" / "templates"
HEADER = "id,kind,label,description,country_code,parent,source_url\n"
ROW = "transport,agency,Nordhaven Transport,Runs the roads,NL,,https://example.org/t\n"
FORMULAS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
            "=1+1", "\t=2+2", "-", "+"]
ORGS = "organisations.csv"


def organisations(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode("utf-8")


def csv_row(*cells: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def workbook(rows: list[list[object]], strings: bool = False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if strings:  # keep text that starts with "=" as text, as a spreadsheet's ' prefix does
        for row_cells in sheet.iter_rows():
            for cell in row_cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_ROWS: list[list[object]] = [
    HEADER.strip().split(","),
    ["transport", "agency", "Nordhaven Transport", "Runs the roads", "NL", None,
     "https://example.org/t"]]


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The workbook with each member passed through ``change`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = change(member.filename, source.read(member))
            if content is not None:
                target.writestr(member.filename, content)
    return out.getvalue()


def sheet_xml(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    def apply(name: str, content: bytes) -> bytes:
        return change(content) if name.startswith("xl/worksheets/") else content
    return apply


def with_doctype(doctype: str, replace: bytes) -> Callable[[bytes], bytes]:
    def apply(content: bytes) -> bytes:
        body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
        return (b'<?xml version="1.0"?>' + doctype.encode()
                + body.replace(b"Nordhaven Transport", replace))
    return apply


LAUGHS = "<!DOCTYPE w [" + '<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(8)) + "]>"


def zip_bomb() -> bytes:
    """A workbook whose sheet unpacks to just over the limit (mostly spaces)."""
    pad = b" " * (MAX_XLSX_UNPACKED + 1024)
    return rezip(workbook(XLSX_ROWS), sheet_xml(
        lambda content: content.replace(b"<sheetData>", b"<sheetData>" + pad)))


OCDS_SAMPLE = DATA / "ocds" / "ocds-213czf-000-00001.json"


def ocds(change: Callable[[dict[str, object]], object]) -> bytes:
    document = json.loads(OCDS_SAMPLE.read_bytes())
    change(document)
    return json.dumps(document).encode()


def every_contract(key: str, value: object) -> Callable[[dict[str, object]], object]:
    def apply(document: dict[str, object]) -> None:
        for release in document["releases"]:  # type: ignore[attr-defined]
            for contract in release.get("contracts", []):
                contract[key] = value
    return apply


def every_release(key: str, value: object) -> Callable[[dict[str, object]], object]:
    def apply(document: dict[str, object]) -> None:
        for release in document["releases"]:  # type: ignore[attr-defined]
            release[key] = value
    return apply


DCAT_TTL = (DATA / "dcat" / "catalogue.ttl").read_text(encoding="utf-8")
DCAT_JSONLD = (DATA / "dcat" / "catalogue.jsonld").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Bad:
    """A file `cityreg import` must refuse."""

    id: str
    fmt: str
    name: str
    data: Callable[[], bytes]
    problem: str
    extra: tuple[str, ...] = ()


def bad_cases() -> Iterator[Bad]:
    text = (HEADER + ROW).replace("Runs", "Rüns")
    # -- CSV: encodings and quoting ------------------------------------------------------------
    yield Bad("csv-utf16-with-bom", "csv", ORGS, lambda: text.encode("utf-16"),
              r"cannot read it as utf-8-sig CSV.*UTF-16")
    yield Bad("csv-utf16-without-bom", "csv", ORGS, lambda: text.encode("utf-16-le"),
              r"UTF-16")
    yield Bad("csv-latin1", "csv", ORGS, lambda: text.encode("latin-1"),
              r"cannot read it as utf-8-sig CSV.*Latin-1 or Windows-1252")
    yield Bad("csv-latin1-with-mapping", "csv", ORGS, lambda: text.encode("latin-1"),
              r"organisations.csv:1:-: not utf-8-sig text \(byte \d+\) \(it may be Latin-1",
              ("--mapping", str(TEMPLATES.parent / "mappings" / "template-organisations.json")))
    yield Bad("csv-invalid-utf8-byte", "csv", ORGS,
              lambda: organisations(ROW).replace(b"Runs", b"R\xffns"), r"cannot read it as utf-8")
    yield Bad("csv-binary-garbage", "csv", ORGS, lambda: bytes(range(256)) * 8,
              r"cannot read it as utf-8-sig CSV \(byte 128")
    yield Bad("csv-cell-longer-than-the-csv-limit", "csv", ORGS,
              lambda: organisations(ROW.replace("Runs the roads", "x" * 200_000)),
              r":2:-: a cell longer than 131,072 characters")
    yield Bad("csv-quote-never-closed", "csv", ORGS,
              lambda: organisations('transport,agency,"Nordhaven Transport,Runs,NL,,\n', ROW),
              r":2:-: a quoted cell opens with \" here and is never closed")
    yield Bad("csv-text-after-a-closing-quote", "csv", ORGS,
              lambda: organisations('transport,agency,"Nordhaven"x,Runs,NL,,\n'),
              r":2:-: text right after the closing \"")
    # -- CSV: columns --------------------------------------------------------------------------
    yield Bad("csv-missing-required-columns", "csv", ORGS,
              lambda: b"id,kind,description\ntransport,agency,Runs\n",
              r"named like the table 'organisations.csv' of template-organisations but lacks "
              r"its required columns 'label'")
    yield Bad("csv-empty-file", "csv", ORGS, lambda: b"",
              r"lacks its required columns 'id', 'kind', 'label'")
    yield Bad("csv-duplicated-column", "csv", ORGS,
              lambda: organisations(ROW.strip() + ",Other name\n",
                                    header=HEADER.strip() + ",label\n"),
              r":1:label: the column 'label' is given twice \(column 3 and column 8\)")
    yield Bad("csv-duplicated-column-other-case", "csv", ORGS,
              lambda: organisations(ROW.strip() + ",Other\n", header=HEADER.strip() + ",LABEL\n"),
              r"the column 'LABEL' is given twice")
    yield Bad("csv-more-cells-than-columns", "csv", ORGS,
              lambda: organisations(ROW.strip() + ",extra,more\n"), r"cells beyond the last column")
    yield Bad("csv-unknown-value", "csv", ORGS,
              lambda: organisations(ROW.replace("agency", "spaceship")),
              r":2:kind: 'spaceship' is not a known value")
    yield Bad("csv-not-a-web-address", "csv", ORGS,
              lambda: organisations(ROW.replace("https://example.org/t", "ht tp://x y")),
              r":2:source_url: 'ht tp://x y': expected a web address")
    yield Bad("csv-required-cell-empty", "csv", ORGS,
              lambda: organisations(ROW.replace("Nordhaven Transport", "")),
              r":2:label: empty, but the column is required")
    # -- CSV: hostile mappings -----------------------------------------------------------------
    for label, change, problem in (
            ("unknown-encoding", {"encoding": "klingon"}, r"not an encoding Python knows"),
            ("two-character-delimiter", {"delimiter": ";;"}, r"is not one character"),
            ("dialect-not-an-object", None, r"dialect: expected an object")):
        yield Bad(f"mapping-{label}", "csv", ORGS, lambda: organisations(ROW), problem,
                  ("--mapping", f"MAPPING:{json.dumps(change)}"))
    yield Bad("mapping-titles-a-number", "csv", ORGS, lambda: organisations(ROW),
              r"neither text nor a list of texts", ("--mapping", "MAPPING:titles"))
    yield Bad("mapping-100000-nested-arrays", "csv", ORGS, lambda: organisations(ROW),
              r"not a JSON file", ("--mapping", "MAPPING:deep"))
    # -- XLSX ----------------------------------------------------------------------------------
    xlsx = "organisations.xlsx"
    yield Bad("xlsx-truncated", "csv", xlsx, lambda: workbook(XLSX_ROWS)[:2000],
              r"not a readable XLSX workbook \(not a complete zip archive")
    yield Bad("xlsx-not-a-zip", "csv", xlsx, lambda: b"id,kind,label\n",
              r"not a readable XLSX workbook")
    yield Bad("xlsx-empty-file", "csv", xlsx, lambda: b"", r"not a readable XLSX workbook")
    yield Bad("xlsx-without-workbook-part", "csv", xlsx,
              lambda: rezip(workbook(XLSX_ROWS),
                            lambda name, content: None if name == "xl/workbook.xml" else content),
              r"not a readable XLSX workbook")
    yield Bad("xlsx-without-worksheet", "csv", xlsx,
              lambda: rezip(workbook(XLSX_ROWS), lambda name, content: None if name.startswith(
                  "xl/worksheets/") else content), r"XLSX")
    yield Bad("xlsx-broken-sheet-xml", "csv", xlsx,
              lambda: rezip(workbook(XLSX_ROWS), sheet_xml(lambda content: b"<not xml")),
              r"not a readable XLSX workbook")
    yield Bad("xlsx-billion-laughs-in-the-sheet", "csv", xlsx,
              lambda: rezip(workbook(XLSX_ROWS), sheet_xml(with_doctype(LAUGHS, b"&i;"))),
              r"not a readable XLSX workbook")
    yield Bad("xlsx-external-entity-in-the-sheet", "csv", xlsx,
              lambda: rezip(workbook(XLSX_ROWS), sheet_xml(with_doctype(
                  '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"))),
              r"not a readable XLSX workbook")
    yield Bad("xlsx-zip-bomb", "csv", xlsx, zip_bomb,
              r"unpacks to 256 MiB, over the 256 MiB .*zip bomb")
    yield Bad("xlsx-formula-without-a-result", "csv", xlsx,
              lambda: workbook([XLSX_ROWS[0], ["t", "agency", '=HYPERLINK("http://evil","x")',
                                               "=1+1", "NL", None, None]]),
              r":2:label: the cell holds the formula '=HYPERLINK\(\"http://evil\",\"x\"\)' "
              r"but no result of it.*:2:description: the cell holds the formula '=1\+1'")
    # -- OCDS ----------------------------------------------------------------------------------
    name = "contracts.json"
    good = OCDS_SAMPLE.read_bytes()
    for label, data, problem in (
            ("truncated", lambda: good[:len(good) // 2], r"not valid JSON"),
            ("empty-file", lambda: b"", r":1:1: not valid JSON"),
            ("utf16", lambda: good.decode().encode("utf-16"), r"not UTF-8 text"),
            ("latin1", lambda: '{"releases": [{"ocid": "café"}]}'.encode("latin-1"),
             r"not UTF-8 text \(byte \d+\)"),
            ("100000-nested-arrays", lambda: b"[" * 100_000 + b"]" * 100_000,
             r":1:101: arrays and objects nest deeper than 100 levels"),
            ("5000-nested-objects", lambda: b'{"releases": [' + b'{"a": ' * 5000 + b"1"
             + b"}" * 5000 + b"]}", r"nest deeper than 100 levels"),
            ("nan", lambda: good.replace(b'"amount": 11000000', b'"amount": NaN', 1),
             r"NaN is not a JSON number"),
            ("infinite-amount", lambda: ocds(every_contract(
                "value", {"amount": 1e999, "currency": "GBP"})).replace(b"Infinity", b"1e999"),
             r"/value/amount: inf is not a number"),
            ("5000-digit-number", lambda: good.replace(b'"amount": 11000000',
                                                       b'"amount": ' + b"9" * 5000, 1),
             r"a number with more than 4,300 digits"),
            ("top-level-list", lambda: b"[]", r":/: expected a JSON object"),
            ("top-level-null", lambda: b"null", r":/: expected a JSON object"),
            ("no-releases", lambda: b'{"version": "1.1"}', r"expected \"releases\""),
            ("releases-not-a-list", lambda: ocds(lambda d: d.update(releases="oops")),
             r"expected \"releases\""),
            ("release-a-string", lambda: ocds(lambda d: d.update(releases=["oops"])),
             r"/releases/0: expected a release object"),
            ("ocid-a-number", lambda: ocds(every_release("ocid", 5)),
             r"/releases/0/ocid: missing"),
            ("contracts-a-string", lambda: ocds(every_release("contracts", "x")),
             r"/releases/0/contracts: a string 'x' where OCDS has an array"),
            ("parties-an-object", lambda: ocds(every_release("parties", {"id": "x"})),
             r"/parties: an object where OCDS has an array"),
            ("buyer-a-string", lambda: ocds(every_release("buyer", "x")),
             r"/buyer: a string 'x' where OCDS has an object"),
            ("awards-a-number", lambda: ocds(every_release("awards", 5)),
             r"/awards: a number 5 where OCDS has an array"),
            ("tender-a-list", lambda: ocds(every_release("tender", [])),
             r"/tender: an array where OCDS has an object"),
            ("contract-id-an-object", lambda: ocds(every_contract("id", {"a": 1})),
             r"/contracts/0/id: missing"),
            ("contract-id-true", lambda: ocds(every_contract("id", True)),
             r"/contracts/0/id: missing"),
            ("contract-title-an-object", lambda: ocds(every_contract("title", {"a": 1})),
             r"/contracts/0/title: an object where OCDS has a string"),
            ("contract-period-a-string", lambda: ocds(every_contract("period", "x")),
             r"/period: a string 'x' where OCDS has an object"),
            ("contract-value-a-list", lambda: ocds(every_contract("value", [1])),
             r"/value: expected an object with amount and currency"),
            ("amount-a-string", lambda: ocds(every_contract("value", {"amount": "lots"})),
             r"/value/amount: 'lots' is not a number"),
            ("currency-lower-case", lambda: ocds(every_contract(
                "value", {"amount": 5, "currency": "eur"})), r"not an ISO 4217 code"),
            ("date-not-a-date", lambda: ocds(every_contract("dateSigned", "2020-13-45")),
             r"/dateSigned: '2020-13-45' is not a date"),
            ("documents-of-numbers", lambda: ocds(every_contract("documents", [5, None])),
             r"/documents/0: expected a document object"),
            ("document-url-with-spaces", lambda: ocds(every_contract(
                "documents", [{"id": "d", "url": "http://x y <z>"}])),
             r"/documents/0/url: 'http://x y <z>' is not a web address"),
            ("amendments-a-string", lambda: ocds(every_contract("amendments", "x")),
             r"/amendments: a string 'x' where OCDS has an array"),
            ("record-releases-a-string", lambda: b'{"records": [{"ocid": "x", "releases": "a"}]}',
             r"/records/0/releases: expected an array of releases"),
            ("record-compiled-release-a-number",
             lambda: b'{"records": [{"ocid": "x", "compiledRelease": 5}]}',
             r"/records/0/compiledRelease: expected a release object"),
            ("later-release-changes-a-type", lambda: (
                b'{"releases": [{"ocid": "x", "id": "1", "contracts": [{"id": "1"}]}, '
                b'{"ocid": "x", "id": "2", "contracts": {"id": "1"}}]}'),
             r"/releases/1/contracts: an object where OCDS has an array")):
        yield Bad(f"ocds-{label}", "ocds", name, data, problem)
    # -- DCAT ----------------------------------------------------------------------------------
    for label, file, data, problem in (
            ("remote-context", "catalogue.jsonld",
             lambda: DCAT_JSONLD.replace('"@context": {', '"@context": ["https://w3id.org/'
                                         'dcat-ap/context.jsonld", {', 1).replace(
                 "\n  },", "\n  }],", 1).encode(), r"is a remote document, which cityreg does"),
            ("no-dataset", "catalogue.ttl",
             lambda: DCAT_TTL.replace("dcat:Dataset", "dcat:Resource").encode(),
             r"no dcat:Dataset in the file"),
            ("dataset-without-title", "catalogue.ttl",
             lambda: DCAT_TTL.replace('dct:title "Traffic counts"@en, "Verkeerstellingen"@nl ;',
                                      "").encode(), r"the dataset has no dct:title"),
            ("truncated-turtle", "catalogue.ttl", lambda: DCAT_TTL[:400].encode(), r"expected"),
            ("utf16", "catalogue.ttl", lambda: DCAT_TTL.encode("utf-16"), r"UTF-16 text"),
            ("deep-jsonld", "catalogue.jsonld", lambda: b"[" * 100_000, r"nest deeper"),
            ("billion-laughs-rdfxml", "catalogue.rdf", lambda: (
                '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">'
                + "".join(f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">'
                          for i in range(8))
                + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="https://'
                'example.org/d"><dct:title>&i;</dct:title></rdf:Description></rdf:RDF>'
            ).encode(), r"billion laughs"),
            ("20-mib-title", "catalogue.ttl", lambda: DCAT_TTL.replace(
                '"Traffic counts"@en', '"' + "x" * (20 * 1024 * 1024) + '"@en').encode(),
             r"20\.0 MiB literal starts here"),
            ("csv-extension", "catalogue.csv", lambda: DCAT_TTL.encode(),
             r"unknown RDF file extension")):
        yield Bad(f"dcat-{label}", "dcat", file, data, problem)


BAD = list(bad_cases())


def mapping_option(tmp_path: Path, spec: str) -> str:
    """A hostile copy of the organisations template's mapping, written next to the case."""
    source = TEMPLATES.parent / "mappings" / "template-organisations.json"
    kind = spec.removeprefix("MAPPING:")
    if kind == "deep":
        return str(write(tmp_path / "mapping.json", b"[" * 100_000 + b"]" * 100_000))
    document = json.loads(source.read_text(encoding="utf-8"))
    table = document["tables"][0]
    if kind == "titles":
        table["tableSchema"]["columns"][0]["titles"] = 5
    else:
        change = json.loads(kind)
        table["dialect"] = "comma" if change is None else {**table["dialect"], **change}
    return str(write(tmp_path / "mapping.json", json.dumps(document)))


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_importer_refuses_and_the_store_is_unchanged(
        case: Bad, store: Path, baseline: frozenset[str], tmp_path: Path) -> None:
    path = write(tmp_path / case.name, case.data())
    extra = [mapping_option(tmp_path, arg) if arg.startswith("MAPPING:") else arg
             for arg in case.extra]
    outcome = run_cli("import", case.fmt, path, "--city", "nordhaven", "--store", store,
                      *extra)
    hostile_mapping = any(arg.startswith("MAPPING:") for arg in case.extra)
    assert_refused(outcome, tmp_path / "mapping.json" if hostile_mapping else path,
                   case.problem)
    assert outcome.out == ""
    assert snapshot(store) == baseline


# -- valid input that looks hostile ----------------------------------------------------------------

def import_and_read(tmp_path: Path, name: str, data: bytes, *query: str) -> str:
    """Import ``data`` as the organisations template into a new store; the query's CSV."""
    path = write(tmp_path / name, data)
    store = tmp_path / "store"
    assert_clean(run_cli("import", "csv", path, "--city", "nordhaven", "--store", store))
    outcome = run_cli("query", "--store", store, *query)
    assert_clean(outcome)
    return outcome.out


LABELS = ("SELECT ?label WHERE { ?o a cityreg:Agency ; rdfs:label ?label ; "
          "dct:identifier ?id } ORDER BY ?id")


@pytest.mark.parametrize("cell", FORMULAS, ids=["hyperlink", "dde-cmd", "minus-expression",
                                                "at-sum", "equals", "tab-equals", "minus",
                                                "plus"])
def test_a_formula_cell_is_stored_as_plain_text_and_written_out_quoted(
        cell: str, tmp_path: Path) -> None:
    data = organisations(csv_row("transport", "agency", cell, "x", "NL", "", ""))
    path = write(tmp_path / ORGS, data)
    store = tmp_path / "store"
    assert_clean(run_cli("import", "csv", path, "--city", "nordhaven", "--store", store))
    with Registry.open(store) as registry:
        [row] = registry.select(LABELS)
        assert str(row["label"]) == cell.strip()  # the importer trims cells, nothing more
    stored = cell.strip()
    out = run_cli("query", "--store", store, "--format", "csv", LABELS).out
    assert list(csv.reader(io.StringIO(out))) == [["label"], ["'" + stored]]
    tsv = run_cli("query", "--store", store, "--format", "tsv", LABELS).out
    assert tsv.splitlines()[1].startswith("\"'")  # inside the literal's quotes


def test_every_formula_row_of_one_sheet_comes_out_quoted(tmp_path: Path) -> None:
    rows = [csv_row(f"o{index}", "agency", cell, cell, "NL", "", "")
            for index, cell in enumerate(FORMULAS)]
    out = import_and_read(tmp_path, ORGS, organisations(*rows), "--format", "csv",
                          "SELECT ?id ?label WHERE { ?o a cityreg:Agency ; rdfs:label ?label ; "
                          "dct:identifier ?id } ORDER BY ?id")
    cells = list(csv.reader(io.StringIO(out)))[1:]
    assert [label for _, label in cells] == ["'" + cell.strip() for cell in FORMULAS]
    assert all(not label.startswith(("=", "+", "-", "@", "\t")) for _, label in cells)


def test_plain_numbers_stay_numbers_in_csv_and_tsv(tmp_path: Path) -> None:
    sensors = (TEMPLATES / "sensors.csv").read_text(encoding="utf-8")
    row = csv_row("cam-01", "Cameras", "camera", "", "4", "", "", "-33.9", "+18.4", "Quay",
                  "agency/transport", "", "yes", "no", "", "", "", "", "", "2023-04-01", "", "")
    path = write(tmp_path / "sensors.csv", sensors + row)
    store = tmp_path / "store"
    assert_clean(run_cli("import", "csv", path, "--city", "nordhaven", "--store", store))
    query = "SELECT ?n WHERE { ?s ?p ?n FILTER(isNumeric(?n) && ?n < 0) }"
    out = run_cli("query", "--store", store, "--format", "csv", query).out
    assert "-33.9" in out.splitlines()
    tsv = run_cli("query", "--store", store, "--format", "tsv", query).out
    assert "-33.9" in tsv.splitlines()


def test_spreadsheet_safe_follows_owasp() -> None:
    assert spreadsheet_safe('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert [spreadsheet_safe(text) for text in ("-5", "+3.2", "-1e-3", "12", ".5")] == [
        "-5", "+3.2", "-1e-3", "12", ".5"]
    assert [spreadsheet_safe(text) for text in ("-2+3", "@SUM(1)", "\t=1", "\r=1", "+", "-")] == [
        "'-2+3", "'@SUM(1)", "'\t=1", "'\r=1", "'+", "'-"]
    assert spreadsheet_safe("Harbour = quay") == "Harbour = quay"


@dataclass(frozen=True)
class Good:
    id: str
    name: str
    data: Callable[[], bytes]
    label: str


GOOD = [
    Good("csv-utf8-bom", ORGS, lambda: b"\xef\xbb\xbf" + organisations(ROW), "Nordhaven Transport"),
    Good("csv-crlf-line-ends", ORGS, lambda: organisations(ROW).replace(b"\n", b"\r\n"),
         "Nordhaven Transport"),
    Good("csv-cr-line-ends", ORGS, lambda: organisations(ROW).replace(b"\n", b"\r"),
         "Nordhaven Transport"),
    Good("csv-unknown-column-is-left-out", ORGS,
         lambda: organisations(ROW.strip() + ",blue\n", header=HEADER.strip() + ",colour\n"),
         "Nordhaven Transport"),
    Good("csv-quoted-cell-with-newline-and-quotes", ORGS,
         lambda: organisations(csv_row("transport", "agency", 'The "Road"\nPeople', "", "NL",
                                       "", "")), 'The "Road"\nPeople'),
    Good("csv-nul-character-kept-as-text", ORGS,
         lambda: organisations(ROW.replace("Nordhaven Transport", "Nord\x00haven")),
         "Nord\x00haven"),
    Good("xlsx-text-cell-starting-with-equals", "organisations.xlsx",
         lambda: workbook([XLSX_ROWS[0], ["t", "agency", '=HYPERLINK("http://evil","x")',
                                          None, "NL", None, None]], strings=True),
         '=HYPERLINK("http://evil","x")'),
]


@pytest.mark.parametrize("case", GOOD, ids=[case.id for case in GOOD])
def test_valid_spreadsheets_that_look_hostile_import(case: Good, tmp_path: Path) -> None:
    path = write(tmp_path / case.name, case.data())
    store = tmp_path / "store"
    assert_clean(run_cli("import", "csv", path, "--city", "nordhaven", "--store", store))
    with Registry.open(store) as registry:
        labels = [str(row["label"]) for row in registry.select(LABELS)]
        assert labels == [case.label]
        assert not registry.ask('ASK { ?s ?p "blue" }')


def test_a_header_only_spreadsheet_imports_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / ORGS, HEADER)
    outcome = run_cli("import", "csv", path, "--city", "nordhaven")
    assert_clean(outcome)
    assert "0 statements" in outcome.out


def test_the_importer_corpus_covers_every_format() -> None:
    kinds = {case.id.split("-")[0] for case in BAD}
    assert kinds == {"csv", "mapping", "xlsx", "ocds", "dcat"}
    assert len(BAD) + len(GOOD) + len(FORMULAS) >= 80
