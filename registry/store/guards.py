"""Limits that keep a hostile RDF file from crashing or stalling a load, checked before parsing.

pyoxigraph's parsers are fast and memory-safe, but some inputs cost them far more than their
size, and one kind aborts the whole process. Measured with pyoxigraph 0.5 (tests/hostile):

* **Entity expansion in RDF/XML.** The RDF/XML parser expands the internal entities a
  ``<!DOCTYPE>`` declares, nested ones included: the "billion laughs" file (under 1 kB, its
  entities expand to 3 GB) makes it allocate until Rust aborts the interpreter. So entity
  references may add at most :data:`MAX_ENTITY_EXPANSION` bytes to a file, and external or
  parameter entities (``SYSTEM``, ``PUBLIC``, ``%``) are refused outright: a load never reads
  another file or the network.
* **Deep nesting in JSON-LD and RDF/XML.** JSON-LD needs memory quadratic in the nesting depth
  (2,000 nested objects: 800 MB; 60,000: over 20 GB, then the kernel kills the process) and
  RDF/XML time quadratic in it (32,000 nested elements: 18 s; 100,000: minutes). Both are
  refused beyond :data:`MAX_NESTING` levels; real documents nest a dozen. Turtle and TriG
  keep their nesting on an explicit stack (100,000 nested ``[`` parse in well under a second)
  and need no limit.
* **Tokens longer than the parser's buffer.** pyoxigraph holds one token (a literal, an IRI, a
  comment, a JSON string or number) in a buffer of at most 16 MiB, which a JSON string fills
  at half its length; a longer token fails with a MemoryError that says nowhere where.
  :func:`oversized_token` finds where it starts, for the error message.
* **Text that is not UTF-8.** Every syntax cityreg reads is UTF-8; a UTF-16 or UTF-32 file
  (which some Windows tools write) is named as such instead of failing on its first byte.

The scans run at C speed (``re``, ``bytes.translate`` and ``bytes.replace`` over the whole
text); only when a limit is broken does a slower pass find the line to report.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from registry.errors import ParseError
from registry.store.formats import JSON_LD, RDF_XML, RdfSyntax

#: Deepest nesting of JSON arrays and objects (JSON-LD, OCDS) or XML elements (RDF/XML).
MAX_NESTING = 100
#: Most bytes that entity references may add to an RDF/XML file.
MAX_ENTITY_EXPANSION = 16 * 1024 * 1024
#: pyoxigraph's parser buffer: the longest token it can hold.
PARSER_BUFFER = 16 * 1024 * 1024
#: The longest token that fits in it, per syntax (a JSON string fills it at half its length).
TOKEN_LIMITS = {JSON_LD.name: PARSER_BUFFER // 2}
#: The message pyoxigraph's MemoryError carries when a token does not fit.
BUFFER_FULL = "buffer maximal size"
#: Bytes read at a time when a file is scanned without being held in memory.
CHUNK = 8 * 1024 * 1024

UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"),
)
_MIB = 1024 * 1024
_T = TypeVar("_T")


# -- encodings ----------------------------------------------------------------------------------

def check_encoding(display: str, syntax: RdfSyntax, head: bytes) -> None:
    """Refuse UTF-16 and UTF-32 text (by its byte order mark, or NUL bytes between ASCII)."""
    found = next((name for bom, name in _OTHER_ENCODINGS if head.startswith(bom)), None)
    how = "starts with its byte order mark"
    if found is None and len(head) >= 4 and (
            (head[0] == 0 and head[2] == 0 and head[1] != 0 and head[3] != 0)
            or (head[1] == 0 and head[3] == 0 and head[0] != 0 and head[2] != 0)):
        found, how = "UTF-16", "has a NUL byte beside every character"
    if found is not None:
        raise ParseError(display, 1, 1, f"the file is {found} text (it {how})",
                         f"UTF-8 text, as {syntax.name} is",
                         "save the file as UTF-8 (in most editors: Save as, encoding UTF-8) "
                         "and load it again; nothing was loaded")


def encoding_hint(message: str) -> str | None:
    """A fix for a parser error that is about bytes that are not UTF-8, else ``None``."""
    lowered = message.lower()
    if "utf-8" in lowered or "utf8" in lowered:
        return ("save the file as UTF-8 (it may be Latin-1 or Windows-1252 text: in most "
                "editors, Save as with encoding UTF-8) and load it again; nothing was loaded")
    return None


# -- nesting ------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
#: JSON brackets to parentheses; parentheses outside strings (not JSON) to a byte deleted next.
_JSON_BRACKETS = bytes.maketrans(b"[{]}()", b"(())  ")
_NOT_PARENS = bytes(byte for byte in range(256) if byte not in b"()")
_XML_SKIPPED = re.compile(rb"<(?:!--.*?--|!\[CDATA\[.*?\]\]|\?.*?\?)>", re.S)
#: What _xml_parens keeps: tag starts and ends, quotes, and its two marks.
_XML_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b"<>\"'\x01\x02")
_XML_QUOTED = re.compile(b"\"[^\"<\x01]*\"|'[^'<\x01]*'")
_XML_TAG = re.compile(
    rb"""(?P<skip><!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>)|(?P<end></[^>]*>)"""
    rb"""|<[^<>"'!?/](?:[^<>"']|"[^"]*"|'[^']*')*?(?P<empty>/?)>""", re.S)
_JSON_NESTING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]|[\]}]', re.S)


def _deepest(parens: bytes, depth: int, limit: int) -> tuple[int, int]:
    """(an upper bound of the deepest nesting, the depth left open at the end) of ``parens``,
    a ``(`` per opening and a ``)`` per closing, read from ``depth`` levels down.

    Each pass deletes the innermost ``()`` pairs, so the passes that delete them all are the
    depth of the deepest pair; counting stops past ``limit``.
    """
    text = b"(" * depth + parens
    passes = 0
    while passes <= limit and b"()" in text:
        text = text.replace(b"()", b"")
        passes += 1
    still_open = len(text.lstrip(b")"))
    return max(passes + depth, still_open), still_open


def json_too_deep(data: bytes, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """(line, column) where JSON arrays and objects first nest deeper than ``limit``, or None."""
    parens = _JSON_STRING.sub(b"", data).translate(_JSON_BRACKETS).translate(None, _NOT_PARENS)
    if _deepest(parens, 0, limit)[0] <= limit:
        return None
    depth = 0
    for match in _JSON_NESTING.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return _line_column(data, match.start())
        elif token in (b"]", b"}"):
            depth -= 1
    return None  # the fast bound over-estimated (an unterminated string): the parser judges


def _xml_parens(text: bytes) -> bytes:
    """A ``(`` per start tag and a ``)`` per end tag of ``text`` (empty tags left out).

    Comments, CDATA and processing instructions go first; then end tags become ``\\x01>``
    and empty tags ``<\\x02`` once everything but ``<``, ``>``, quotes and the two marks is
    deleted and quoted attribute values with it (a value may hold ``>`` or ``/>``). Text
    between tags cannot hold ``<``, so what is left of it never forms ``<>``.
    """
    if b"<!--" in text or b"<![" in text or b"<?" in text:
        text = _XML_SKIPPED.sub(b"", text)
    if b"\x01" in text or b"\x02" in text:
        text = text.translate(None, b"\x01\x02")
    text = text.replace(b"</", b"\x01").replace(b"/>", b"\x02").translate(None, _XML_NOT_MARKS)
    text = text.replace(b'""', b"").replace(b"''", b"")
    if b'"' in text or b"'" in text:
        text = _XML_QUOTED.sub(b"", text)
    text = text.replace(b"<>", b"(").replace(b"<\x02", b"").replace(b"\x01>", b")")
    return text.translate(None, _NOT_PARENS)


def _xml_too_deep(data: bytes | mmap.mmap, limit: int) -> tuple[int, int] | None:
    """The exact, slower scan: (line, column) where elements first nest deeper than ``limit``."""
    depth = 0
    for match in _XML_TAG.finditer(data):
        if match.group("skip") is not None or match.group("empty") == b"/":
            continue
        if match.group("end") is not None:
            depth -= 1
            continue
        depth += 1
        if depth > limit:
            return _line_column(data, match.start())
    return None


# -- RDF/XML: entities and nesting --------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!DOCTYPE\b")
_ROOT = re.compile(rb"<[^?!]")
_SUBSET_END = re.compile(rb"\]\s*>")
_ENTITY_DECLARATION = re.compile(
    rb"""<!ENTITY\s+(%\s+)?([^\s"'%>]+)\s+(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC)\b[^>]*)\s*>""")
_REFERENCE = re.compile(rb"&([^\s&;#]+);")
_PREDEFINED = frozenset({b"lt", b"gt", b"amp", b"apos", b"quot"})


def _doctype_end(text: bytes, start: int) -> int | None:
    """Index just past the ``<!DOCTYPE ...>`` that starts at ``start``; None if not in ``text``."""
    bracket, close = text.find(b"[", start), text.find(b">", start)
    if close < 0:
        return None
    if bracket < 0 or close < bracket:
        return close + 1
    end = _SUBSET_END.search(text, bracket)
    return None if end is None else end.end()


def _entity_sizes(display: str, doctype: bytes, line: int) -> dict[bytes, int]:
    """Internal entity declared in ``doctype`` -> the bytes it expands to (saturated)."""
    declarations = list(_ENTITY_DECLARATION.finditer(doctype))
    if len(declarations) != doctype.count(b"<!ENTITY"):
        raise _entity_error(display, line, "the DOCTYPE has an entity declaration that cityreg "
                            "cannot read", 'declarations such as <!ENTITY name "text">')
    values: dict[bytes, bytes] = {}
    for declaration in declarations:
        parameter, name, double, single, external = declaration.groups()
        if external is not None or parameter is not None:
            kind = ("a parameter entity (%)" if parameter is not None
                    else "an external entity (SYSTEM or PUBLIC)")
            raise _entity_error(
                display, line, f"the DOCTYPE declares {kind}, {name.decode(errors='replace')}"
                ": cityreg never reads other files or the network while loading",
                'only internal entities such as <!ENTITY name "text">')
        values.setdefault(name, double if double is not None else single)
    sizes: dict[bytes, int] = {}
    pending = dict(values)
    while pending:
        resolved = False
        for name, value in list(pending.items()):
            references = [ref for ref in _REFERENCE.findall(value) if ref not in _PREDEFINED]
            if any(ref in pending for ref in references):
                continue
            size = len(_REFERENCE.sub(b"", value)) + sum(sizes.get(ref, 0) for ref in references)
            sizes[name] = min(size, MAX_ENTITY_EXPANSION + 1)
            del pending[name]
            resolved = True
        if not resolved:
            names = ", ".join(name.decode(errors="replace") for name in sorted(pending))
            raise _entity_error(display, line, f"the entities {names} refer to each other in "
                                "a circle", "entities that expand to text")
    return sizes


def _entity_error(display: str, line: int | None, problem: str, expected: str) -> ParseError:
    return ParseError(display, line, None, problem, f"RDF/XML with {expected}",
                      "write the text out instead of the entities, or convert the file to "
                      "Turtle; nothing was loaded")


class XmlScan:
    """Reads RDF/XML, whole or in chunks: its DOCTYPE's entities and its nesting.

    :meth:`feed` the text, then :meth:`finish`, which raises a ParseError if the entities
    expand beyond :data:`MAX_ENTITY_EXPANSION` or the elements nest deeper than
    :data:`MAX_NESTING`. A chunk is scanned up to its last ``<`` (and before any comment,
    CDATA section or processing instruction not closed in it); the rest waits for the next.
    """

    def __init__(self, display: str, limit: int = MAX_NESTING) -> None:
        self.display = display
        self.limit = limit
        self._depth = 0
        self._deepest = 0
        self._carry = b""
        self._in_prolog = True
        self._entities: dict[bytes, int] = {}
        self._references: dict[bytes, int] = {}

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Scan ``chunk``, the text that follows what was fed before."""
        text = self._carry + chunk
        if self._in_prolog:
            text = self._prolog(text, final)
            if self._in_prolog:
                self._carry = text
                return
        cut = len(text) if final or b"<" not in text else self._cut(text)
        body, self._carry = text[:cut], text[cut:]
        for name in self._entities:
            self._references[name] += body.count(b"&" + name + b";")
        if self._deepest <= self.limit:  # past it, the file is refused anyway
            deepest, self._depth = _deepest(_xml_parens(body), self._depth, self.limit)
            self._deepest = max(self._deepest, deepest)

    def finish(self, rescan: bytes | Path) -> None:
        """Raise if a limit is broken; ``rescan`` (the text or its file) locates the error."""
        self.feed(b"", final=True)
        expansion = sum(count * self._entities[name]
                        for name, count in self._references.items())
        if expansion > MAX_ENTITY_EXPANSION:
            raise ParseError(
                self.display, None, None,
                f"its entity references expand to more than {_mib(MAX_ENTITY_EXPANSION)} of "
                "text, the limit (entities that multiply each other: the 'billion laughs' "
                "attack)", "RDF/XML whose entities add little text",
                "write the text out instead of the entities, or convert the file to Turtle; "
                "nothing was loaded")
        if self._deepest <= self.limit:
            if self._depth > 0:  # exact when the nesting was counted to the end
                raise ParseError(
                    self.display, None, None, f"{self._depth} element"
                    f"{'s' if self._depth > 1 else ''} never close{'' if self._depth > 1 else 's'}"
                    " (is the file truncated, or an end tag misspelt?)", RDF_XML.describe(),
                    "close every element (the file ends with </rdf:RDF>) and load again; "
                    "nothing was loaded")
            return
        where = _with_text(rescan, lambda data: _xml_too_deep(data, self.limit))
        if where is not None:  # else the fast bound over-estimated
            raise _nesting_error(self.display, where, RDF_XML.name, "elements")

    def _prolog(self, text: bytes, final: bool) -> bytes:
        """Read the DOCTYPE's entities once it is complete; return the text after it."""
        start = _DOCTYPE.search(text)
        root = _ROOT.search(text)
        if start is None or (root is not None and root.start() < start.start()):
            if root is None and start is None and not final and len(text) < CHUNK:
                return text  # neither seen yet: wait for more
            self._in_prolog = False
            return text[root.start():] if root is not None else text
        end = _doctype_end(text, start.start())
        line = _line_column(text, start.start())[0]
        if end is None:
            if final or len(text) > 4 * CHUNK:
                raise _entity_error(self.display, line, "the <!DOCTYPE ...> never ends",
                                    "a DOCTYPE that ends with ]>")
            return text
        self._entities = _entity_sizes(self.display, text[start.start():end], line)
        self._references = dict.fromkeys(self._entities, 0)
        self._in_prolog = False
        return text[end:]

    @staticmethod
    def _cut(text: bytes) -> int:
        cut = text.rfind(b"<")
        for opening, closing in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")):
            begun = text.rfind(opening)
            if begun >= 0 and text.find(closing, begun) < 0:
                cut = min(cut, begun)
        return cut


def check_rdf_xml(display: str, data: bytes) -> None:
    """Refuse RDF/XML held in memory whose entities or nesting break the limits."""
    scan = XmlScan(display)
    scan.feed(data)
    scan.finish(data)


def check_json_ld(display: str, data: bytes) -> None:
    """Refuse JSON-LD whose arrays and objects nest deeper than :data:`MAX_NESTING`."""
    where = json_too_deep(data)
    if where is not None:
        raise _nesting_error(display, where, JSON_LD.name, "arrays and objects")


def _nesting_error(display: str, where: tuple[int, int], syntax: str, what: str
                   ) -> ParseError:
    return ParseError(display, where[0], where[1],
                      f"{what} nest deeper than {MAX_NESTING} levels here (parsing needs time "
                      "or memory that grows with the square of the depth)",
                      f"{syntax} nested at most {MAX_NESTING} levels deep",
                      "flatten the structure (give nested nodes their own IRIs and refer to "
                      "them), or convert the file to Turtle; nothing was loaded")


# -- oversized tokens ---------------------------------------------------------------------------

_TURTLE_TOKEN = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    rb'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"?'
    rb"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'?"
    rb"|<[^>\s]*>?|\#[^\n\r]*|[^\s\"'<\#]+", re.S)
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[^\s"\[\]{},:]+', re.S)
_KINDS = {ord('"'): "literal", ord("'"): "literal", ord("<"): "IRI", ord("#"): "comment"}


@dataclass(frozen=True)
class OversizedToken:
    """Where a token too long for the parser's buffer starts, and how long it is."""

    line: int
    column: int
    size: int
    kind: str
    limit: int


def token_limit(syntax: RdfSyntax) -> int:
    """The longest token ``syntax``'s parser holds."""
    return TOKEN_LIMITS.get(syntax.name, PARSER_BUFFER)


def oversized_token(source: bytes | Path, syntax: RdfSyntax) -> OversizedToken | None:
    """The first token longer than the parser's buffer holds (else the longest), or None."""
    if syntax.rdf_format not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES,
                                 ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD):
        return None
    pattern = _JSON_TOKEN if syntax.rdf_format == ox.RdfFormat.JSON_LD else _TURTLE_TOKEN
    limit = token_limit(syntax)

    def find(data: bytes | mmap.mmap) -> OversizedToken | None:
        longest: re.Match[bytes] | None = None
        for match in pattern.finditer(data):
            length = match.end() - match.start()
            if longest is None or length > longest.end() - longest.start():
                longest = match
                if length >= limit - 64 * 1024:
                    break
        if longest is None:
            return None
        line, column = _line_column(data, longest.start())
        if syntax.rdf_format == ox.RdfFormat.JSON_LD:
            kind = "JSON string" if data[longest.start()] == ord('"') else "JSON number"
        else:
            kind = _KINDS.get(data[longest.start()], "name or number")
        return OversizedToken(line, column, longest.end() - longest.start(), kind, limit)

    return _with_text(source, find)


def oversized_token_error(display: str, source: bytes | Path, syntax: RdfSyntax) -> ParseError:
    """The error for pyoxigraph's "buffer maximal size" MemoryError on ``source``."""
    token = oversized_token(source, syntax)
    limit = token_limit(syntax)
    what = f"a {_mib(token.size)} {token.kind} starts here" if token is not None else (
        "a token (a literal, IRI or comment) is")
    buffer = (f"pyoxigraph's {_mib(PARSER_BUFFER)} parser buffer holds JSON strings and "
              f"numbers of at most {_mib(limit)}" if limit != PARSER_BUFFER else
              f"pyoxigraph's parser buffer holds at most {_mib(limit)} per token")
    return ParseError(
        display, None if token is None else token.line, None if token is None else token.column,
        f"{what}, longer than the parser can hold: {buffer}",
        (f"every JSON string and number under {_mib(limit)}" if limit != PARSER_BUFFER
         else f"every literal, IRI and comment under {_mib(limit)}"),
        "split the value into several smaller statements, or keep large documents outside "
        "the registry and link them (for example with cityreg:url); nothing was loaded")


# -- helpers ------------------------------------------------------------------------------------

def read_chunks(path: Path) -> Iterable[bytes]:
    """The file's bytes, :data:`CHUNK` at a time."""
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def _with_text(source: bytes | Path, use: Callable[[bytes | mmap.mmap], _T]) -> _T:
    """``use(text)`` for bytes, or for a file mapped into memory (read as it is scanned)."""
    if isinstance(source, bytes):
        return use(source)
    with source.open("rb") as file:
        if source.stat().st_size == 0:
            return use(b"")
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return use(data)


def _line_column(data: bytes | mmap.mmap, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return bytes(data[:line_start]).count(b"\n") + 1, offset - line_start + 1


def _mib(size: int) -> str:
    return f"{size / _MIB:.0f} MiB" if size % _MIB == 0 else f"{size / _MIB:.1f} MiB"
