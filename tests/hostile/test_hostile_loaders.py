"""Hostile input for `cityreg load` and Registry.load: every RDF syntax the loader reads.

Each refused case is loaded with `cityreg load FILE --store DIR` into a store that already holds
valid data: exit 2, an ``Error:`` that names the file and the problem, no traceback, and every
statement of the store unchanged. The same file is then loaded through the Python API into a
memory registry: a ParseError (or another CityregError) and an unchanged registry. Inputs that
once aborted or exhausted the interpreter (entity expansion, deep nesting) run in a child
process with bounded memory. Inputs that are valid after all load, and say what they hold.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_cases import (
    EX,
    MIB,
    RDF_NS,
    Outcome,
    assert_clean,
    assert_refused,
    run_cli,
    run_isolated,
    snapshot,
    write,
)

from registry.errors import CityregError, ParseError
from registry.store import Registry
from registry.store.guards import MAX_NESTING

# -- valid samples, one per syntax ----------------------------------------------------------------

RDFXML_HEAD = (f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="{EX}">\n')
SAMPLES: dict[str, str] = {
    ".ttl": (f"@prefix ex: <{EX}> .\nex:a a ex:Sensor ;\n    ex:label \"Harbour camera\"@en ;\n"
             "    ex:count 4 ;\n    ex:near [ ex:label \"quay\" ] .\n"),
    ".nt": (f'<{EX}a> <{EX}label> "Harbour camera"@en .\n'
            f'<{EX}a> <{EX}count> "4"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'),
    ".nq": (f'<{EX}a> <{EX}label> "Harbour camera"@en <{EX}g> .\n'
            f'<{EX}a> <{EX}count> "4"^^<http://www.w3.org/2001/XMLSchema#integer> <{EX}g> .\n'),
    ".trig": (f"@prefix ex: <{EX}> .\nex:g {{\n  ex:a ex:label \"Harbour camera\"@en ;\n"
              "    ex:count 4 .\n}\n"),
    ".jsonld": ('{"@context": {"ex": "' + EX + '"},\n "@id": "ex:a",\n'
                ' "ex:label": {"@value": "Harbour camera", "@language": "en"},\n'
                ' "ex:count": 4}\n'),
    ".rdf": (RDFXML_HEAD + f'  <rdf:Description rdf:about="{EX}a">\n'
             '    <ex:label xml:lang="en">Harbour camera</ex:label>\n'
             "  </rdf:Description>\n</rdf:RDF>\n"),
}
SYNTAXES = sorted(SAMPLES)
TRIPLE_LINES = {".ttl", ".nt", ".nq", ".trig"}
UNCLOSED = {  # the sample with a construct that never ends
    ".ttl": ('"Harbour camera"', '"Harbour camera'), ".nt": ('"Harbour camera"', '"Harbour camera'),
    ".nq": ('"Harbour camera"', '"Harbour camera'), ".trig": ("}\n", "\n"),
    ".jsonld": ("4}\n", "4\n"), ".rdf": ("</ex:label>", "</ex:lable>"),
}
BROKEN = {  # a structural character replaced by a wrong one
    ".ttl": (" ;", " }"), ".nt": (" .\n", " ,\n"), ".nq": (" .\n", " ;\n"),
    ".trig": ("{", "("), ".jsonld": ('": ', '"; '),
    ".rdf": ("<rdf:Description", "<rdf:Description <"),
}


def sample(extension: str) -> bytes:
    return SAMPLES[extension].encode("utf-8")


def cut_at(extension: str, marker: str, keep: int) -> bytes:
    """The sample cut ``keep`` bytes after the start of ``marker``."""
    data = sample(extension)
    return data[:data.index(marker.encode()) + keep]


def replace(extension: str, old: str | bytes, new: str | bytes) -> bytes:
    data = sample(extension)
    old_b = old.encode() if isinstance(old, str) else old
    new_b = new.encode() if isinstance(new, str) else new
    assert old_b in data
    return data.replace(old_b, new_b, 1)


def utf16(extension: str, codec: str) -> bytes:
    return SAMPLES[extension].encode(codec)


def latin1(extension: str) -> bytes:
    text = SAMPLES[extension].replace("Harbour camera", "Café du port")
    if extension == ".rdf":
        text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>')
    return text.encode("latin-1")


def huge_literal(extension: str, size: int) -> bytes:
    """A valid file of the syntax whose one literal is ``size`` bytes long, on line 3."""
    value = "x" * size
    text = {
        ".ttl": f"@prefix ex: <{EX}> .\n\nex:a ex:text \"{value}\" .\n",
        ".nt": f"# a comment\n\n<{EX}a> <{EX}text> \"{value}\" .\n",
        ".nq": f"# a comment\n\n<{EX}a> <{EX}text> \"{value}\" <{EX}g> .\n",
        ".trig": f"@prefix ex: <{EX}> .\n\nex:g {{ ex:a ex:text \"{value}\" }}\n",
        ".jsonld": f'{{"@id": "{EX}a",\n\n "{EX}text": "{value}"}}\n',
        ".rdf": RDFXML_HEAD + f'<rdf:Description rdf:about="{EX}a"><ex:text>{value}</ex:text>'
                "</rdf:Description></rdf:RDF>\n",
    }[extension]
    return text.encode()


# -- the refused cases ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    """A file cityreg must refuse: its name, its bytes and the problem the error names."""

    id: str
    name: str
    data: Callable[[], bytes]
    problem: str
    line: int | None = None
    isolated: bool = False


def bad_cases() -> Iterator[Bad]:
    for ext in SYNTAXES:
        kind = ext[1:]
        yield Bad(f"{kind}-truncated-in-literal", f"t{ext}",
                  lambda ext=ext: cut_at(ext, "Harbour", 4),
                  r"end|expected|unterminated|eof|closed|string")
        yield Bad(f"{kind}-truncated-in-iri", f"t{ext}",
                  lambda ext=ext: cut_at(ext, "https://exa", 11), r".")
        yield Bad(f"{kind}-truncated-last-bytes", f"t{ext}",
                  lambda ext=ext: sample(ext)[:-3], r".")
        yield Bad(f"{kind}-invalid-utf8-byte", f"m{ext}",
                  lambda ext=ext: replace(ext, "Harbour", b"Harb\xffour"), r"utf-8")
        yield Bad(f"{kind}-nul-byte-in-iri", f"m{ext}",
                  lambda ext=ext: replace(ext, "example.org", b"exa\x00mple.org"), r".")
        yield Bad(f"{kind}-never-closed", f"m{ext}",
                  lambda ext=ext: replace(ext, *UNCLOSED[ext]), r".")
        yield Bad(f"{kind}-wrong-punctuation", f"m{ext}",
                  lambda ext=ext: replace(ext, *BROKEN[ext]), r".")
        yield Bad(f"{kind}-utf16-le-with-bom", f"e{ext}", lambda ext=ext: utf16(ext, "utf-16"),
                  r"UTF-16 text .*save the file as UTF-8", line=1)
        yield Bad(f"{kind}-utf16-be-with-bom", f"e{ext}",
                  lambda ext=ext: b"\xfe\xff" + SAMPLES[ext].encode("utf-16-be"),
                  r"UTF-16 text", line=1)
        yield Bad(f"{kind}-utf16-without-bom", f"e{ext}",
                  lambda ext=ext: utf16(ext, "utf-16-le"), r"UTF-16 text .*NUL byte", line=1)
        yield Bad(f"{kind}-utf32", f"e{ext}", lambda ext=ext: utf16(ext, "utf-32"),
                  r"UTF-32 text", line=1)
        yield Bad(f"{kind}-latin1", f"e{ext}", lambda ext=ext: latin1(ext), r"UTF-8")
        yield Bad(f"{kind}-binary-garbage", f"g{ext}", lambda: bytes(range(256)) * 4, r".")
        yield Bad(f"{kind}-png-image", f"g{ext}",
                  lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), r".")
    for ext in sorted(TRIPLE_LINES):
        yield Bad(f"{ext[1:]}-20-mib-literal", f"big{ext}",
                  lambda ext=ext: huge_literal(ext, 20 * MIB),
                  r"a 20\.0 MiB literal starts here.*16 MiB per token.*split the value.*"
                  r"outside the registry and link them", line=3)
    yield Bad("jsonld-9-mib-string", "big.jsonld", lambda: huge_literal(".jsonld", 9 * MIB),
              r"9\.0 MiB JSON string starts here.*at most 8 MiB", line=3)
    yield Bad("ttl-20-mib-iri", "big-iri.ttl",
              lambda: f"<{EX}a> <{EX}p> <{EX}{'x' * (20 * MIB)}> .\n".encode(),
              r"20\.0 MiB IRI starts here", line=1)
    yield Bad("ttl-20-mib-comment", "big-comment.ttl",
              lambda: f"<{EX}a> <{EX}p> 1 .\n#{'x' * (20 * MIB)}\n".encode(),
              r"20\.0 MiB comment starts here", line=2)
    lines = "x y\n" * (5 * MIB)
    yield Bad("ttl-20-mib-long-string-with-newlines", "big-long.ttl",
              lambda: f'<{EX}a> <{EX}p> """{lines}""" .\n'.encode(),
              r"20\.0 MiB literal starts here", line=1)
    yield Bad("jsonld-empty-file", "empty.jsonld", lambda: b"", r"end of file")
    yield Bad("jsonld-top-level-number-then-garbage", "n.jsonld", lambda: b"5 5", r".")
    # -- deep nesting (child process) ----------------------------------------------------------
    deep = 100_000
    yield Bad("ttl-100000-unclosed-blank-nodes", "deep.ttl",
              lambda: f"<{EX}a> <{EX}p> {'[' * deep}".encode(), r".")
    yield Bad("ttl-100000-unclosed-collections", "deep.ttl",
              lambda: f"<{EX}a> <{EX}p> {'(' * deep}".encode(), r"unexpected end")
    yield Bad("jsonld-100000-nested-arrays", "deep.jsonld",
              lambda: b"[" * deep + b"]" * deep, rf"nest deeper than {MAX_NESTING} levels",
              line=1)
    yield Bad("jsonld-60000-nested-objects", "deep.jsonld",  # over 20 GB before the guard
              lambda: b'{"https://example.org/h/p":' * 60_000 + b'"v"' + b"}" * 60_000,
              rf"nest deeper than {MAX_NESTING} levels", line=1, isolated=True)
    yield Bad("jsonld-2000-nested-node-objects", "deep.jsonld",  # 800 MB before the guard
              lambda: (b'{"@id": "https://example.org/h/a",\n"https://example.org/h/p":' * 2000
                       + b'"v"' + b"}" * 2000), r"nest deeper.*flatten", line=101,
              isolated=True)
    yield Bad("jsonld-100000-nested-lists", "deep.jsonld",
              lambda: (b'{"@id": "https://example.org/h/a", "https://example.org/h/p": '
                       b'{"@list": ' + b"[" * deep + b"]" * deep + b"}}"),
              r"nest deeper")
    yield Bad("jsonld-101-nested-contexts", "deep.jsonld",
              lambda: b'{"@context": ' + b'{"a": ' * 101 + b'"x"' + b"}" * 101 + b"}",
              r"nest deeper")
    yield Bad("rdfxml-100000-nested-elements", "deep.rdf",  # minutes before the guard
              lambda: (RDFXML_HEAD + f'<rdf:Description rdf:about="{EX}a">'
                       + "<ex:p><rdf:Description>" * deep
                       + "</rdf:Description></ex:p>" * deep
                       + "</rdf:Description></rdf:RDF>\n").encode(),
              rf"elements nest deeper than {MAX_NESTING} levels", line=3, isolated=True)
    yield Bad("rdfxml-100000-nested-xml-literal", "deep.rdf",
              lambda: (RDFXML_HEAD + f'<rdf:Description rdf:about="{EX}a">'
                       '<ex:p rdf:parseType="Literal">' + "<b>" * deep + "</b>" * deep
                       + "</ex:p></rdf:Description></rdf:RDF>\n").encode(),
              r"nest deeper", isolated=True)
    yield Bad("rdfxml-nesting-hidden-behind-fake-closings", "deep.rdf",
              lambda: (RDFXML_HEAD + f'<rdf:Description rdf:about="{EX}a">'
                       + '<ex:p ex:x="/>"><rdf:Description>/>/><!-- </ex:p> -->' * 200
                       + "</rdf:Description></ex:p>" * 200
                       + "</rdf:Description></rdf:RDF>\n").encode(),
              r"nest deeper", isolated=True)
    # -- entity expansion and external entities (child process) --------------------------------
    yield Bad("rdfxml-billion-laughs", "laughs.rdf", lambda: laughs("&lol9;"),
              r"expand to more than 16 MiB.*billion laughs", isolated=True)
    yield Bad("rdfxml-billion-laughs-in-an-attribute", "laughs.rdf",
              lambda: laughs("", attribute="&lol9;"), r"billion laughs", isolated=True)
    yield Bad("rdfxml-quadratic-blowup", "quadratic.rdf",
              lambda: entity_document('<!ENTITY big "' + "x" * 100_000 + '">',
                                      "&big;" * 1000), r"expand to more than 16 MiB",
              isolated=True)
    yield Bad("rdfxml-xxe-file", "xxe.rdf",
              lambda: entity_document('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;"),
              r"external entity.*never reads other files or the network", line=2)
    yield Bad("rdfxml-xxe-public", "xxe.rdf",
              lambda: entity_document('<!ENTITY x PUBLIC "-//X//EN" "http://127.0.0.1:9/x">',
                                      "&x;"), r"external entity")
    yield Bad("rdfxml-parameter-entity", "xxe.rdf",
              lambda: entity_document('<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;',
                                      "v"), r"parameter entity")
    yield Bad("rdfxml-entities-in-a-circle", "circle.rdf",
              lambda: entity_document('<!ENTITY a "&b;"><!ENTITY b "&a;">', "&a;"),
              r"refer to each other in a circle")
    yield Bad("rdfxml-single-quoted-entity-with-markup", "odd.rdf",
              lambda: entity_document("<!ENTITY m '<b>x</b>'>", "&m;"), r"entit")
    yield Bad("rdfxml-undefined-entity", "undefined.rdf",
              lambda: entity_document("", "&nope;"), r"entity")
    # -- remote JSON-LD contexts: never fetched --------------------------------------------------
    for label, iri in (("https", "https://schema.org/"), ("file", "file:///etc/passwd"),
                       ("http-loopback", "http://127.0.0.1:9/context.jsonld")):
        yield Bad(f"jsonld-remote-context-{label}", "remote.jsonld",
                  lambda iri=iri: remote_context(f'"{iri}"'),
                  rf"@context <{iri}> is a remote document, which cityreg does not fetch.*"
                  r"copy the context's content into the file")
    yield Bad("jsonld-remote-context-in-a-list", "remote.jsonld",
              lambda: remote_context('[{"ex": "https://example.org/h/"}, '
                                     '"https://w3id.org/cityreg/context.jsonld"]'),
              r"<https://w3id.org/cityreg/context.jsonld> is a remote document")
    yield Bad("jsonld-remote-context-by-import", "remote.jsonld",
              lambda: remote_context('{"@version": 1.1, "@import": "https://schema.org/"}'),
              r"<https://schema.org/> is a remote document")
    yield Bad("jsonld-remote-context-in-a-nested-node", "remote.jsonld",
              lambda: (b'{"@id": "https://example.org/h/a", "https://example.org/h/p": '
                       b'{"@context": "https://schema.org/", "name": "x"}}'),
              r"<https://schema.org/> is a remote document")
    # -- IRIs ------------------------------------------------------------------------------------
    yield Bad("nt-relative-iri", "rel.nt", lambda: f'<a> <{EX}p> "v" .\n'.encode(),
              r"absolute IRI", line=1)
    yield Bad("nq-relative-graph-iri", "rel.nq", lambda: f'<{EX}a> <{EX}p> "v" <g> .\n'.encode(),
              r"absolute IRI", line=1)
    for ext in (".ttl", ".nt", ".nq", ".trig"):
        body = f'<{EX}a b> <{EX}p> "v" .\n'
        if ext == ".trig":
            body = "{ " + body + " }"
        yield Bad(f"{ext[1:]}-space-in-iri", f"iri{ext}", lambda body=body: body.encode(),
                  r"invalid IRI code point ' '", line=1)
    yield Bad("ttl-invalid-ipv6-host", "iri.ttl",
              lambda: f'<{EX}a> <{EX}p> <http://[::1/x> .\n'.encode(), r"host", line=1)
    yield Bad("ttl-undeclared-prefix", "iri.ttl", lambda: b"foo:a foo:b foo:c .\n",
              r"prefix foo", line=1)
    yield Bad("rdfxml-space-in-about", "iri.rdf",
              lambda: (RDFXML_HEAD + f'<rdf:Description rdf:about="{EX}a b"><ex:p>v</ex:p>'
                       "</rdf:Description></rdf:RDF>").encode(), r"IRI")
    yield Bad("jsonld-type-that-is-not-an-iri", "iri.jsonld",
              lambda: (b'{"@id": "https://example.org/h/a", "https://example.org/h/p": '
                       b'{"@value": "v", "@type": "not an iri"}}'), r"must be an IRI")
    yield Bad("ttl-bad-language-tag", "lang.ttl",
              lambda: f'<{EX}a> <{EX}p> "v"@123 .\n'.encode(), r"language", line=1)
    # -- graphs ----------------------------------------------------------------------------------
    yield Bad("trig-blank-node-graph", "g.trig",
              lambda: f'_:g {{ <{EX}a> <{EX}p> "v" }}\n'.encode(), r"blank node")
    yield Bad("nq-writes-the-provenance-graph", "g.nq",
              lambda: f'<{EX}a> <{EX}p> "v" <urn:cityreg:graph:provenance> .\n'.encode(),
              r"manages\s+itself")
    yield Bad("jsonld-writes-the-ontology-graph", "g.jsonld",
              lambda: (b'{"@id": "urn:cityreg:graph:ontology", "@graph": '
                       b'[{"@id": "https://example.org/h/a", "https://example.org/h/p": "v"}]}'),
              r"manages\s+itself")


def laughs(body: str, attribute: str = "") -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    attr = f' ex:q="{attribute}"' if attribute else ""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{entities}]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="{EX}">'
            f'<rdf:Description rdf:about="{EX}a"{attr}><ex:p>{body}x</ex:p></rdf:Description>'
            "</rdf:RDF>\n").encode()


def entity_document(declarations: str, body: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{declarations}]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="{EX}">'
            f'<rdf:Description rdf:about="{EX}a"><ex:p>{body}</ex:p></rdf:Description>'
            "</rdf:RDF>\n").encode()


def remote_context(context: str) -> bytes:
    return ('{"@context": ' + context + ', "@id": "https://example.org/h/a", '
            '"name": "Harbour camera"}').encode()


BAD = list(bad_cases())


def run_load(store: Path, path: Path, isolated: bool) -> tuple[Outcome, frozenset[str]]:
    outcome = (run_isolated if isolated else run_cli)("load", path, "--store", store)
    return outcome, snapshot(store)


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_cli_refuses_and_the_store_is_unchanged(
        case: Bad, store: Path, baseline: frozenset[str], tmp_path: Path) -> None:
    path = write(tmp_path / case.name, case.data())
    outcome, after = run_load(store, path, case.isolated)
    assert_refused(outcome, path, case.problem)
    if case.line is not None:
        assert f"{path}:{case.line}:" in outcome.err, outcome.err
    assert outcome.out == ""
    assert after == baseline


IN_PROCESS = [case for case in BAD if not case.isolated and not case.id.endswith(
    ("mib-literal", "mib-string", "mib-iri", "mib-comment", "newlines"))]


@pytest.mark.parametrize("case", IN_PROCESS, ids=[case.id for case in IN_PROCESS])
def test_the_api_raises_a_cityreg_error_and_keeps_the_registry(case: Bad, tmp_path: Path
                                                              ) -> None:
    path = write(tmp_path / case.name, case.data())
    with Registry.memory(ontology=False) as registry:
        registry.load(Path(__file__).resolve().parents[1] / "data" / "store" / "city")
        before = {str(quad) for quad in registry.store}
        with pytest.raises(CityregError) as caught:
            registry.load(path)
        assert str(path) in str(caught.value)
        if case.line is not None:
            assert isinstance(caught.value, ParseError)
            assert caught.value.line == case.line
        assert {str(quad) for quad in registry.store} == before


def test_a_huge_literal_through_the_api_is_a_parse_error_with_the_line(tmp_path: Path) -> None:
    """The streamed path (a new Turtle file goes to the bulk loader) and the parsed one
    (a reload) both name line 3 and the limit."""
    huge = huge_literal(".ttl", 20 * MIB)
    new = write(tmp_path / "new.ttl", huge)
    with Registry.memory(ontology=False) as registry:
        reloaded = write(tmp_path / "reloaded.ttl", SAMPLES[".ttl"])
        registry.load(reloaded)
        reloaded.write_bytes(huge)  # its graph exists now: parsed in memory, not streamed
        before = {str(quad) for quad in registry.store}
        for path in (new, reloaded):
            with pytest.raises(ParseError) as caught:
                registry.load(path)
            assert (caught.value.file, caught.value.line, caught.value.column) == (
                str(path), 3, 14)
            assert "16 MiB per token" in str(caught.value)
            assert {str(quad) for quad in registry.store} == before


# -- remote documents are never fetched ------------------------------------------------------------

@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP port on loopback that records every connection made to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                seen.append(connection.recv(1024) or b"(connected)")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join()
    server.close()


def test_a_remote_context_on_loopback_is_named_and_never_requested(
        listener: tuple[str, list[bytes]], store: Path, baseline: frozenset[str],
        tmp_path: Path) -> None:
    address, seen = listener
    path = write(tmp_path / "remote.jsonld", remote_context(f'"http://{address}/ctx.jsonld"'))
    outcome, after = run_load(store, path, isolated=False)
    assert_refused(outcome, path, rf"<http://{address}/ctx\.jsonld> is a remote document")
    assert after == baseline
    assert seen == []


def test_an_external_dtd_is_not_fetched_and_the_file_loads(
        listener: tuple[str, list[bytes]], tmp_path: Path) -> None:
    address, seen = listener
    path = write(tmp_path / "dtd.rdf", f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM '
                 f'"http://{address}/rdf.dtd">\n' + SAMPLES[".rdf"].split("\n", 1)[1])
    with Registry.memory(ontology=False) as registry:
        registry.load(path)
        assert len(registry) == 1
    assert seen == []


def test_a_relative_context_next_to_the_file_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "ctx.jsonld", '{"@context": {"name": "https://example.org/h/name"}}')
    path = write(tmp_path / "doc.jsonld", remote_context('"ctx.jsonld"'))
    with Registry.memory(ontology=False) as registry, pytest.raises(ParseError) as caught:
        registry.load(path)
    assert "the @context <ctx.jsonld> is a remote document" in str(caught.value)


# -- inputs that look hostile but are valid -----------------------------------------------------

@dataclass(frozen=True)
class Good:
    """A file that loads: its name, bytes, and a SPARQL ASK that must hold afterwards."""

    id: str
    name: str
    data: Callable[[], bytes]
    ask: str
    isolated: bool = False


def good_cases() -> Iterator[Good]:
    label = f'ASK {{ <{EX}a> ?p ?o FILTER(str(?o) = "Harbour camera") }}'
    for ext in SYNTAXES:
        yield Good(f"{ext[1:]}-utf8-byte-order-mark", f"bom{ext}",
                   lambda ext=ext: b"\xef\xbb\xbf" + sample(ext), label)
    for ext in (".ttl", ".nt", ".nq", ".trig"):
        yield Good(f"{ext[1:]}-empty-file", f"empty{ext}", lambda: b"",
                   "ASK { FILTER NOT EXISTS { ?s <https://example.org/h/label> ?o } }")
    yield Good("ttl-nul-character-in-a-literal", "nul.ttl",
               lambda: f'<{EX}a> <{EX}p> "a\x00b" .\n'.encode(),
               f'ASK {{ <{EX}a> <{EX}p> ?o FILTER(strlen(?o) = 3) }}')
    yield Good("ttl-relative-iri-resolves-against-the-file", "rel.ttl",
               lambda: f'<a> <{EX}p> "v" .\n'.encode(),
               'ASK { ?s ?p "v" FILTER(strstarts(str(?s), "file:///") && '
               'strends(str(?s), "/a")) }')
    yield Good("ttl-relative-base", "base.ttl",
               lambda: f'@base <sub/> .\n<a> <{EX}p> "v" .\n'.encode(),
               'ASK { ?s ?p "v" FILTER(strends(str(?s), "/sub/a")) }')
    yield Good("jsonld-relative-id-resolves-against-the-file", "rel.jsonld",
               lambda: b'{"@id": "a", "https://example.org/h/p": "v"}',
               'ASK { ?s ?p "v" FILTER(strends(str(?s), "/a")) }')
    yield Good("rdfxml-20-mib-literal", "big.rdf", lambda: huge_literal(".rdf", 20 * MIB),
               f"ASK {{ <{EX}a> <{EX}text> ?o FILTER(strlen(?o) = {20 * MIB}) }}")
    yield Good("ttl-formula-looking-literal", "formula.ttl",
               lambda: f'<{EX}a> <{EX}p> "=HYPERLINK(\\"http://evil\\",\\"x\\")" .\n'.encode(),
               f'ASK {{ <{EX}a> <{EX}p> "=HYPERLINK(\\"http://evil\\",\\"x\\")" }}')
    yield Good("rdfxml-small-internal-entity", "entity.rdf",
               lambda: entity_document('<!ENTITY h "Harbour">', "&h; camera"),
               f'ASK {{ <{EX}a> <{EX}p> "Harbour camera" }}')
    yield Good("rdfxml-entity-used-in-attributes", "entity.rdf",
               lambda: (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "{EX}">]>\n'
                        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="{EX}"><rdf:Description '
                        'rdf:about="&ex;a"><ex:p rdf:resource="&ex;b"/></rdf:Description>'
                        "</rdf:RDF>\n").encode(),
               f"ASK {{ <{EX}a> <{EX}p> <{EX}b> }}")
    deep = 100_000
    yield Good("ttl-100000-nested-blank-nodes", "deep.ttl",
               lambda: (f"<{EX}a> <{EX}p> " + f"[ <{EX}p> " * deep + '"v"' + " ]" * deep
                        + " .\n").encode(),
               f"ASK {{ {{ SELECT (COUNT(*) AS ?n) {{ ?s <{EX}p> ?o }} }} "
               f"FILTER(?n = {deep + 1}) }}",
               isolated=True)
    yield Good("ttl-10000-nested-collections", "deep.ttl",
               lambda: f"<{EX}a> <{EX}p> {'(' * 10_000}{')' * 10_000} .\n".encode(),
               f"ASK {{ <{EX}a> <{EX}p> ?list }}", isolated=True)
    yield Good("trig-10000-nested-blank-nodes", "deep.trig",
               lambda: (f"{{ <{EX}a> <{EX}p> " + f"[ <{EX}p> " * 10_000 + '"v"' + " ]" * 10_000
                        + " . }\n").encode(), f'ASK {{ ?s <{EX}p> "v" }}', isolated=True)
    yield Good(f"jsonld-nested-{MAX_NESTING - 10}-deep", "deep.jsonld",
               lambda: (b'{"https://example.org/h/p": ' * (MAX_NESTING - 10) + b'"v"'
                        + b"}" * (MAX_NESTING - 10)), f'ASK {{ ?s <{EX}p> "v" }}')
    yield Good(f"rdfxml-nested-{MAX_NESTING - 10}-deep", "deep.rdf",
               lambda: (RDFXML_HEAD + "<rdf:Description>"
                        + "<ex:p><rdf:Description>" * 44 + "<ex:q>v</ex:q>"
                        + "</rdf:Description></ex:p>" * 44
                        + "</rdf:Description></rdf:RDF>\n").encode(),
               f'ASK {{ ?s <{EX}q> "v" }}')
    yield Good("rdfxml-markup-in-comments-cdata-and-attributes", "tricky.rdf",
               lambda: (RDFXML_HEAD + "<!-- <a><a><a> -->"
                        + f'<rdf:Description rdf:about="{EX}a" ex:q="a&gt;/&gt;b">'
                        "<ex:p><![CDATA[</x></y><z>]]></ex:p></rdf:Description>"
                        "<?pi <not a tag> ?></rdf:RDF>\n").encode(),
               f'ASK {{ <{EX}a> <{EX}p> "</x></y><z>" ; <{EX}q> "a>/>b" }}')


GOOD = list(good_cases())


@pytest.mark.parametrize("case", GOOD, ids=[case.id for case in GOOD])
def test_valid_files_that_look_hostile_load(case: Good, tmp_path: Path) -> None:
    path = write(tmp_path / case.name, case.data())
    store = tmp_path / "store"
    outcome = (run_isolated if case.isolated else run_cli)("load", path, "--store", store)
    assert_clean(outcome)
    with Registry.open(store) as registry:
        assert registry.ask(case.ask), case.ask


# -- paths that are not plain files -------------------------------------------------------------

def test_a_symlink_to_a_file_loads_it(tmp_path: Path) -> None:
    target = write(tmp_path / "real.ttl", SAMPLES[".ttl"])
    link = tmp_path / "link.ttl"
    link.symlink_to(target)
    assert_clean(run_cli("load", link))


@pytest.mark.parametrize("kind", ["dangling-symlink", "symlink-loop", "fifo", "device",
                                  "empty-folder-named-like-a-file", "unknown-extension",
                                  "no-extension", "missing-file"])
def test_paths_that_are_not_rdf_files_are_refused(kind: str, store: Path,
                                                  baseline: frozenset[str], tmp_path: Path
                                                  ) -> None:
    path = tmp_path / "x.ttl"
    problem = {
        "dangling-symlink": "symbolic link to nothing", "symlink-loop": "symbolic link",
        "fifo": "neither a file nor a folder", "device": "neither a file nor a folder",
        "empty-folder-named-like-a-file": "contains no RDF files",
        "unknown-extension": "unknown RDF file extension for .* '.csv': expected one of",
        "no-extension": "unknown RDF file extension for .* '\\(no extension\\)'",
        "missing-file": "no such file or folder",
    }[kind]
    if kind == "dangling-symlink":
        path.symlink_to(tmp_path / "nowhere.ttl")
    elif kind == "symlink-loop":
        path.symlink_to(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path(os.devnull)
    elif kind == "empty-folder-named-like-a-file":
        path.mkdir()
    elif kind == "unknown-extension":
        path = write(tmp_path / "x.csv", SAMPLES[".ttl"])
    elif kind == "no-extension":
        path = write(tmp_path / "x", SAMPLES[".ttl"])
    outcome, after = run_load(store, path, isolated=False)
    assert_refused(outcome, path, problem)
    assert after == baseline


def test_a_folder_with_one_hostile_file_loads_nothing(store: Path, baseline: frozenset[str],
                                                      tmp_path: Path) -> None:
    for ext in SYNTAXES:
        write(tmp_path / "folder" / f"good{ext}", SAMPLES[ext])
    bad = write(tmp_path / "folder" / "zz" / "bad.jsonld", b"[" * 100_000)
    outcome, after = run_load(store, tmp_path / "folder", isolated=True)
    assert_refused(outcome, bad, "nest deeper")
    assert after == baseline


def test_a_bad_graph_base_is_refused(store: Path, baseline: frozenset[str], tmp_path: Path
                                     ) -> None:
    path = write(tmp_path / "a.ttl", SAMPLES[".ttl"])
    outcome = run_cli("load", path, "--store", store, "--graph-base", "not an iri/")
    assert outcome.code == 2
    assert "graph_base 'not an iri/x' is not a valid absolute IRI" in outcome.err
    assert snapshot(store) == baseline


def test_the_refused_corpus_is_large_and_covers_every_syntax() -> None:
    assert len(BAD) + len(IN_PROCESS) + len(GOOD) >= 200
    for ext in SYNTAXES:
        assert sum(case.name.endswith(ext) for case in BAD) >= 15, ext
