"""Hostile GraphQL requests: each is refused clearly, or (injection) read as plain data.

Refusals are ``400`` with ``application/graphql-response+json`` (``405`` for a mutation over
GET, ``415`` for a body that is not JSON, ``413``/``414`` from the admission limits), with a
GraphQL ``errors`` list whose message names the problem; the limits' messages name the limit
and the value (registry/api/limits.py). Nothing runs that the limits refuse, and the store is
never changed (http_cases.store_is_unchanged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from http_cases import (
    GRAPHQL_RESPONSE,
    Served,
    assert_no_leak,
    assert_refused,
    served,
    store_is_unchanged,
)

__all__ = ["served", "store_is_unchanged"]  # fixtures

DATASET = "https://w3id.org/cityreg/id/nordhaven/dataset/air-quality"
TRACE = f'whoCanAccess(source: "{DATASET}") {{ complete }}'


@dataclass
class Case:
    """One hostile request to /graphql and the refusal it must get."""

    id: str
    status: int
    words: tuple[str, ...]
    query: Any = None
    variables: Any = None
    operation: Any = None
    method: str = "POST"
    body: bytes | None = None
    content_type: str = "application/json"
    extra: dict[str, Any] = field(default_factory=dict)


def _aliases(count: int, selection: str = "cities { totalCount }") -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def _fragment_chain(length: int) -> str:
    return ("query { cities { ...F0 } }"
            + "".join(f" fragment F{i} on CityConnection {{ ...F{i + 1} }}"
                      for i in range(length))
            + f" fragment F{length} on CityConnection {{ totalCount }}")


def _fragment_doubling(levels: int) -> str:
    return ("query { cities { ...F0 } }"
            + "".join(f" fragment F{i} on CityConnection {{ ...F{i + 1} ...F{i + 1} }}"
                      for i in range(levels))
            + f" fragment F{levels} on CityConnection {{ totalCount }}")


COSTLY = " ".join(f"s{i}: sensors(first: 500) {{ nodes {{ id label }} }}" for i in range(40))

LIMIT_CASES = [
    # Depth.
    Case("deep-20-nested-lists", 400, ("query depth 23", "limit of 12"),
         "{ cities { nodes { " + "sources { " * 20 + "id" + " }" * 20 + " } } }"),
    Case("deep-through-a-fragment", 400, ("query depth 14",),
         "query { cities { nodes { ...Deep } } } fragment Deep on City { "
         + "sources { " * 11 + "id" + " }" * 11 + " }"),
    Case("deep-300-braces-beyond-the-parser", 400, ("deeper than the parser allows",),
         "{" + " cities {" * 300 + " totalCount" + "}" * 301),
    Case("deep-300-nested-list-value", 400, ("deeper than the parser allows",),
         "{ node(id: " + "[" * 300 + '"x"' + "]" * 300 + ") { id } }"),
    Case("deep-300-nested-object-value", 400, ("deeper than the parser allows",),
         "{ node(id: " + "{a: " * 300 + "1" + "}" * 300 + ") { id } }"),
    # Size and tokens.
    Case("size-60k-characters-of-comment", 400, ("60,026 characters", "limit of 50,000"),
         "#" * 60_000 + "\n{ cities { totalCount } }"),
    Case("size-1MB-string-argument", 400, ("characters long", "limit of 50,000"),
         '{ search(label: "' + "x" * 1_000_000 + '") { totalCount } }'),
    Case("tokens-5001-arguments", 400, ("more than 5,000 tokens",),
         "{ cities(" + " ".join(f"a{i}:1" for i in range(1700)) + ") { totalCount } }"),
    Case("comments-5001-lines", 400, ("more than 5,000 comments",),
         "#\n" * 5001 + "{ cities { totalCount } }"),
    Case("tokens-1000-aliased-traces", 400, ("limit",), _aliases(1000, TRACE)),
    # Width and aliases.
    Case("aliases-800-in-all", 400, ("selects 1,600 fields", "limit of 1,000"), _aliases(800)),
    Case("aliases-101-at-one-level", 400, ("101 fields at one level", "limit of 100"),
         _aliases(101)),
    Case("aliases-101-traces", 400, ("101 fields at one level",), _aliases(101, TRACE)),
    Case("same-field-900-times", 400, ("900 fields at one level",),
         "{ cities { " + "totalCount " * 900 + "} }"),
    Case("same-alias-400-objects", 400, ("400 fields at one level",),
         "{ " + " ".join("x: cities { totalCount }" for _ in range(400)) + " }"),
    Case("fragment-spread-200-times-at-one-level", 400, ("200 fields at one level",),
         "{ cities { " + "...A " * 200 + "} } fragment A on CityConnection { totalCount }"),
    Case("fragments-doubling-40-times", 400, ("1,099,511,627,777 fields",),
         _fragment_doubling(40)),
    Case("fragments-chained-30-deep", 400, ("fragment spreads 31 deep", "limit of 20"),
         _fragment_chain(30)),
    Case("fragments-chained-300-deep", 400, ("fragment spreads 301 deep",),
         _fragment_chain(300)),
    Case("introspection-aliased-twice", 400, ("__schema 2 times", "limit of 1"),
         "{ a: __schema { types { name } } b: __schema { types { name } } }"),
    Case("introspection-aliased-50-times", 400, ("__schema 50 times",),
         _aliases(50, "__schema { types { name fields { name } } }")),
    Case("introspection-through-fragments", 400, ("__schema 3 times",),
         "{ a: __schema { ...S } b: __schema { ...S } c: __schema { ...S } } "
         "fragment S on __Schema { types { name } }"),
    # Directives.
    Case("directives-60-include", 400, ("60 directives", "limit of 50"),
         "{ cities " + "@include(if: true) " * 60 + "{ totalCount } }"),
    Case("directives-500-unknown", 400, ("500 directives",),
         "{ cities " + "@foo " * 500 + "{ totalCount } }"),
    Case("directives-spread-over-fragments", 400, ("directives",),
         "{ cities { ...A } } fragment A on CityConnection @skip(if: false) { "
         + "totalCount @include(if: true) " * 55 + "}"),
    # Cost and page size.
    Case("cost-40-pages-of-500", 400, ("query cost 60040", "limit of 50000"), "{ " + COSTLY
         + " }"),
    Case("cost-huge-maxPaths", 400, ("query cost 100001",),
         f'{{ whoCanAccess(source: "{DATASET}", maxPaths: 100000) {{ complete }} }}'),
    Case("cost-pages-of-fragments", 400, ("query cost 61002",),
         "{ a: sensors(first: 500) { nodes { ...N } } b: sensors(first: 500) { nodes { ...N } } "
         "} fragment N on Sensor { " + " ".join(f"f{i}: id" for i in range(60)) + " }"),
    Case("page-first-a-million", 400, ("first: 1000000 on `sensors`", "page-size cap of 500"),
         "{ sensors(first: 1000000) { totalCount } }"),
    Case("page-first-negative", 400, ("first: -1 on `sensors` is negative",),
         "{ sensors(first: -1) { nodes { id } } }"),
    Case("page-first-negative-in-a-variable", 400, ("first: -5 on `sensors` is negative",),
         "query($n: Int) { sensors(first: $n) { nodes { id } } }", {"n": -5}),
    Case("page-negative-first-offsets-the-cost", 400, ("first: -1000000", "negative"),
         "{ " + COSTLY + " n: sensors(first: -1000000) { nodes { id label } } }"),
    Case("trace-negative-maxPaths", 400, ("maxPaths: -3", "negative"),
         f'{{ whoCanAccess(source: "{DATASET}", maxPaths: -3) {{ complete }} }}'),
    Case("int-literal-beyond-32-bits", 400, ("Int cannot represent non 32-bit",),
         "{ sensors(first: 99999999999999999999) { totalCount } }"),
    Case("int-variable-10e30", 400, ("Int cannot represent non 32-bit",),
         "query($n: Int) { sensors(first: $n) { totalCount } }", {"n": 10**30}),
    Case("int-variable-float-a-million", 400, ("first: 1000000", "page-size cap"),
         "query($n: Int) { sensors(first: $n) { totalCount } }", {"n": 1e6}),
]

REQUEST_CASES = [
    # JSON nested deeper than the parser's recursion.
    Case("body-nested-100000-deep", 400, ("nests JSON too deeply",),
         body=b'{"query": "{ cities { totalCount } }", "variables": {"a": '
         + b"[" * 100_000 + b"]" * 100_000 + b"}}"),
    Case("get-variables-nested-1100-deep", 400, ("nest too deeply",),
         "{ cities { totalCount } }", method="GET",
         extra={"raw_variables": "[" * 1100 + "]" * 1100}),
    # Batches.
    Case("batch-of-two", 400, ("must be a JSON object",),
         body=json.dumps([{"query": "{ cities { totalCount } }"}] * 2).encode()),
    Case("batch-of-1000", 400, ("must be a JSON object",),
         body=json.dumps([{"query": "{ cities { totalCount } }"}] * 1000).encode()),
    Case("batch-empty", 400, ("must be a JSON object",), body=b"[]"),
    # Fragments.
    Case("fragment-spreads-itself", 400, ("Cannot spread fragment 'A' within itself",),
         "{ cities { ...A } } fragment A on CityConnection { ...A }"),
    Case("fragment-cycle-of-two", 400, ("Cannot spread fragment 'A' within itself via 'B'",),
         "{ cities { ...A } } fragment A on CityConnection { totalCount ...B } "
         "fragment B on CityConnection { ...A }"),
    Case("fragment-cycle-of-three-spread-twice", 400, ("within itself via",),
         "{ cities { ...A ...A } } fragment A on CityConnection { ...B ...B } "
         "fragment B on CityConnection { ...C ...C } fragment C on CityConnection { ...A }"),
    Case("fragment-cycle-through-nested-field", 400, ("within itself",),
         "{ cities { ...A } } fragment A on CityConnection { nodes { ...B } } "
         "fragment B on City { sources { id } ...C } fragment C on City { ...B }"),
    Case("fragment-unknown", 400, ("Unknown fragment 'Nope'",), "{ cities { ...Nope } }"),
    Case("fragment-unknown-in-a-cycle", 400, ("Unknown fragment",),
         "{ cities { ...A } } fragment A on CityConnection { ...A ...Nope }"),
    Case("fragment-on-the-wrong-type", 400, ("cannot be spread here",),
         "{ cities { ...S } } fragment S on Sensor { id }"),
    Case("fragment-on-an-unknown-type", 400, ("Unknown type 'Nope'",),
         "{ cities { ...S } } fragment S on Nope { id }"),
    Case("fragment-defined-twice", 400, ("only one fragment named 'A'",),
         "{ cities { ...A } } fragment A on CityConnection { totalCount } "
         "fragment A on CityConnection { totalCount }"),
    Case("fragment-unused", 400, ("Fragment 'A' is never used",),
         "{ cities { totalCount } } fragment A on CityConnection { totalCount }"),
    # Directives.
    Case("directive-repeated", 400, ("'@skip' can only be used once",),
         "{ cities @skip(if: false) @skip(if: false) { totalCount } }"),
    Case("directive-unknown", 400, ("Unknown directive '@admin'",),
         "{ cities @admin { totalCount } }"),
    Case("directive-without-its-argument", 400, ("argument 'if'",),
         "{ cities @include { totalCount } }"),
    # Operations.
    Case("mutation-posted", 400, ("read-only", "mutation"), "mutation { cities { totalCount } }"),
    Case("subscription-posted", 400, ("read-only", "subscription"),
         "subscription { cities { totalCount } }"),
    Case("mutation-over-get", 405, ("only queries may be sent with GET",),
         "mutation { deleteEverything }", method="GET", extra={"allow": "POST"}),
    Case("named-mutation-over-get", 405, ("send mutations with POST",),
         "query A { cities { totalCount } } mutation B { x }", operation="B", method="GET",
         extra={"allow": "POST"}),
    Case("operation-name-unknown", 400, ("no operation named 'Nope'",),
         "query A { cities { totalCount } }", operation="Nope"),
    Case("operation-name-a-list", 400, ("no operation named",),
         "query A { cities { totalCount } }", operation=["A"]),
    Case("operations-several-without-a-name", 400, ("several operations", "operationName"),
         "query A { cities { totalCount } } query B { cities { totalCount } }"),
    Case("operations-two-anonymous", 400, ("anonymous operation must be the only",),
         "{ cities { totalCount } } { cities { totalCount } }"),
    Case("operations-named-twice", 400, ("only one operation named 'A'",),
         "query A { cities { totalCount } } query A { cities { totalCount } }"),
    # Fields and arguments.
    Case("field-unknown", 400, ("Cannot query field 'password'",), "{ password }"),
    Case("argument-unknown", 400, ("Unknown argument 'sql'",),
         '{ cities(sql: "DROP ALL") { totalCount } }'),
    Case("argument-wrong-type", 400, ("Int cannot represent",),
         '{ sensors(first: "ten") { totalCount } }'),
    Case("argument-required-missing", 400, ("argument 'id' of type 'ID!' is required",),
         "{ node { id } }"),
    Case("argument-enum-unknown", 400, ("EvidenceGrade",),
         f'{{ whoCanAccess(source: "{DATASET}", minGrade: certain) {{ complete }} }}'),
    Case("argument-date-malformed", 400, ("Date cannot represent value: '2024-13-45'",),
         f'{{ whoCanAccess(source: "{DATASET}", asOf: "2024-13-45") {{ complete }} }}'),
    # Variables.
    Case("variable-string-for-int", 400, ("Int cannot represent non-integer value: 'ten'",),
         "query($n: Int) { sensors(first: $n) { totalCount } }", {"n": "ten"}),
    Case("variable-object-for-id", 400, ("ID cannot represent value",),
         "query($id: ID!) { node(id: $id) { id } }", {"id": {"$ne": None}}),
    Case("variable-list-for-id", 400, ("ID cannot represent value",),
         "query($id: ID!) { node(id: $id) { id } }", {"id": ["a", "b"]}),
    Case("variable-null-for-non-null", 400, ("must not be null",),
         "query($id: ID!) { node(id: $id) { id } }", {"id": None}),
    Case("variable-required-missing", 400, ("of required type 'ID!' was not provided",),
         "query($id: ID!) { node(id: $id) { id } }", {}),
    Case("variable-enum-unknown", 400, ("Value 'strong' does not exist",),
         "query($g: EvidenceGrade) { whoCanAccess(source: \"" + DATASET
         + "\", minGrade: $g) { complete } }", {"g": "strong"}),
    Case("variable-boolean-for-int", 400, ("Int cannot represent non-integer value: True",),
         "query($n: Int) { sensors(first: $n) { totalCount } }", {"n": True}),
    Case("variable-undefined", 400, ("Variable '$x' is not defined",),
         "{ node(id: $x) { id } }"),
    Case("variable-unused", 400, ("Variable '$x' is never used",),
         "query($x: ID) { cities { totalCount } }"),
    Case("variable-of-an-unknown-type", 400, ("Unknown type 'Sql'",),
         "query($x: Sql) { cities { totalCount } }"),
    Case("variables-a-list", 400, ("`variables` must be a JSON object",),
         "{ cities { totalCount } }", [1, 2]),
    Case("variables-a-string", 400, ("`variables` must be a JSON object",),
         "{ cities { totalCount } }", "{}"),
    Case("variables-over-get-not-json", 400, ("variables is not JSON",),
         "{ cities { totalCount } }", method="GET", extra={"raw_variables": "{bad"}),
    Case("variables-over-get-a-list", 400, ("`variables` must be a JSON object",),
         "{ cities { totalCount } }", method="GET", extra={"raw_variables": "[1]"}),
    # The query itself.
    Case("query-missing", 400, ("`query` is missing",), body=b'{"variables": {}}'),
    Case("query-empty", 400, ("`query` is missing",), ""),
    Case("query-blank", 400, ("`query` is missing",), " \n\t "),
    Case("query-a-number", 400, ("`query` is missing",), 5),
    Case("query-null", 400, ("`query` is missing",), body=b'{"query": null}'),
    Case("query-a-list", 400, ("`query` is missing",), ["{ cities { totalCount } }"]),
    Case("query-missing-over-get", 400, ("`query` is missing",), method="GET"),
    Case("syntax-truncated", 400, ("Syntax Error", "Expected Name, found <EOF>"), "{ cities "),
    Case("syntax-unterminated-string", 400, ("Syntax Error", "Unterminated string"),
         '{ search(label: "abc) { totalCount } }'),
    Case("syntax-stray-brace", 400, ("Syntax Error", "Unexpected '}'"), "}"),
    Case("syntax-nul-byte", 400, ("Syntax Error", "Unexpected character: U+0000"),
         "{ cities\x00 { totalCount } }"),
    Case("syntax-nul-byte-over-get", 400, ("Syntax Error", "Unexpected character: U+0000"),
         "{ cities\x00 { totalCount } }", method="GET"),
    Case("syntax-lone-surrogate-in-a-string", 400, ("Syntax Error", "U+D800"),
         body=b'{"query": "{ search(label: \\"\\ud800\\") { totalCount } }"}'),
    Case("syntax-sparql-as-graphql", 400, ("Syntax Error",),
         "SELECT * WHERE { ?s ?p ?o }"),
    Case("syntax-turtle-as-graphql", 400, ("Syntax Error",),
         "<https://example.org/a> <https://example.org/b> \"c\" ."),
    Case("syntax-unicode-rtl-override-in-a-name", 400, ("Syntax Error", "U+202E"),
         "{ cit\u202eies { totalCount } }"),
    # Bodies and content types.
    Case("json-truncated", 400, ("the body is not JSON",),
         body=b'{"query": "{ cities { totalCount } }"'),
    Case("json-trailing-garbage", 400, ("the body is not JSON", "Extra data"),
         body=b'{"query": "{ cities { totalCount } }"} x'),
    Case("json-single-quotes", 400, ("the body is not JSON",),
         body=b"{'query': '{ cities { totalCount } }'}"),
    Case("json-empty-body", 400, ("the body is not JSON",), body=b""),
    Case("json-nan", 400, ("must be a JSON object",), body=b"NaN"),
    Case("json-a-string", 400, ("must be a JSON object",), body=b'"{ cities { totalCount } }"'),
    Case("json-invalid-utf8", 400, ("the body is not JSON",),
         body=b'{"query": "{ search(label: \\"\xc0\xaf\\") { totalCount } }"}'),
    Case("json-overlong-utf8-slash", 400, ("the body is not JSON",),
         body=b'{"query": "{ cities { totalCount } }", "x": "\xc0\xae\xc0\xae\xc0\xaf"}'),
    Case("content-type-text-plain", 415, ("Content-Type 'text/plain' is not supported",),
         "{ cities { totalCount } }", content_type="text/plain"),
    Case("content-type-application-graphql", 415, ("'application/graphql' is not supported",),
         "{ cities { totalCount } }", content_type="application/graphql"),
    Case("content-type-form", 415, ("'application/x-www-form-urlencoded' is not supported",),
         body=b"query=%7B+cities+%7B+totalCount+%7D+%7D",
         content_type="application/x-www-form-urlencoded"),
    Case("content-type-multipart", 415, ("'multipart/form-data' is not supported",),
         body=b"--x\r\n\r\n--x--", content_type="multipart/form-data; boundary=x"),
    Case("content-type-missing", 415, ("Content-Type '(none)' is not supported",),
         body=b'{"query": "{ cities { totalCount } }"}', content_type=""),
    Case("content-type-xml", 415, ("'application/xml' is not supported",),
         body=b"<query>{ cities { totalCount } }</query>", content_type="application/xml"),
    # Sizes (registry/web/admission.py).
    Case("body-over-1MiB", 413, ("larger than the limit of 1048576 bytes",),
         body=b'{"query": "' + b" " * (1 << 20) + b'{ cities { totalCount } }"}'),
    Case("url-over-8KiB", 414, ("more than the limit of 8192",),
         "{ cities { totalCount } }" + " " * 9000, method="GET"),
]


def _send(served: Served, case: Case) -> Any:
    headers = {"accept": GRAPHQL_RESPONSE}
    if case.method == "GET":
        params: dict[str, Any] = {}
        if case.query is not None:
            params["query"] = case.query
        if case.operation is not None:
            params["operationName"] = case.operation
        if "raw_variables" in case.extra:
            params["variables"] = case.extra["raw_variables"]
        return served.client.get("/graphql", params=params, headers=headers)
    if case.body is not None:
        body = case.body
    else:
        payload: dict[str, Any] = {"query": case.query}
        if case.variables is not None:
            payload["variables"] = case.variables
        if case.operation is not None:
            payload["operationName"] = case.operation
        body = json.dumps(payload).encode()
    if case.content_type:
        headers["content-type"] = case.content_type
    return served.client.post("/graphql", content=body, headers=headers)


@pytest.mark.parametrize("case", LIMIT_CASES + REQUEST_CASES, ids=lambda case: case.id)
def test_hostile_graphql_request_is_refused_clearly(served: Served, case: Case) -> None:
    response = _send(served, case)
    assert_refused(response.status_code, response.text, case.status, *case.words)
    body = response.json()
    assert set(body) == {"errors"}, "a refused request runs nothing: no `data`"
    assert body["errors"]
    assert all(error["message"] for error in body["errors"])
    if "allow" in case.extra:
        assert response.headers["allow"] == case.extra["allow"]


#: Injection in arguments: the value is data. Each answer says the entity or label is not
#: there (or names the argument that is wrong); nothing else happens.
INJECTIONS = [
    ("sparql-close-iri-and-drop", "node", "https://w3id.org/cityreg/id/> ?p ?o } ; DROP ALL ; #"),
    ("sparql-insert-data", "node", "x> } INSERT DATA { <a:a> <a:b> <a:c> } #"),
    ("sparql-union-everything", "node", "x> ?p ?o } UNION { ?s ?p ?o"),
    ("sparql-service", "node", "x> ?p ?o . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } #"),
    ("turtle-statement", "node", '<a:a> <a:b> "c" . @prefix x: <http://evil/> .'),
    ("double-and-single-quotes", "node", "\"'\"\"\"'''\\\""),
    ("nul-byte", "node", "https://w3id.org/cityreg/id/rio\x00/system/operations-centre"),
    ("control-characters", "node", "\x01\x02\x1b[31m\r\n"),
    ("unicode-rtl-override", "node", "https://w3id.org/cityreg/id/\u202erio/system"),
    ("unicode-zero-width", "node", "https://w3id.org/cityreg/id/rio\u200b/system"),
    ("unicode-lone-surrogate", "node", "\ud800"),
    ("unicode-overlong-dot-dot-slash-as-text", "node", "\u00c0\u00ae\u00c0\u00ae\u00c0\u00af"),
    ("path-traversal", "node", "../../../../etc/passwd"),
    ("html-script", "node", "<script>alert(1)</script>"),
    ("string-of-1MB", "trace", "x" * 1_000_000),
    ("trace-sparql-injection", "trace", f"{DATASET}> ?p ?o }} ; CLEAR ALL ; #"),
    ("trace-label-with-quotes", "trace", 'Air quality" ; DROP ALL ; "'),
    ("search-regex-bomb", "search", "(a+)+$" * 50),
    ("search-sparql-filter", "search", '") || true) } ; DROP ALL ; #'),
    ("search-rtl-override", "search", "\u202e" * 100),
    ("search-1MB", "search", "y" * 1_000_000),
]

_INJECTION_QUERIES = {
    "node": "query($v: ID!) { node(id: $v) { id label } }",
    "trace": "query($v: ID!) { whoCanAccess(source: $v) { complete } }",
    "search": "query($v: String!) { search(label: $v) { totalCount } }",
}


@pytest.mark.parametrize(("where", "value"), [(w, v) for _i, w, v in INJECTIONS],
                         ids=[i for i, _w, _v in INJECTIONS])
def test_injection_in_an_argument_is_only_data(served: Served, where: str, value: str) -> None:
    payload = json.dumps({"query": _INJECTION_QUERIES[where], "variables": {"v": value}})
    response = served.client.post("/graphql", content=payload.encode(), headers={
        "content-type": "application/json", "accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200, response.text[:300]
    assert_no_leak(response.text[:5000])
    body = response.json()
    if where == "node":
        assert body == {"data": {"node": None}}
    elif where == "search":
        assert body == {"data": {"search": {"totalCount": 0}}}
    else:
        assert body["data"] is None
        [error] = body["errors"]
        assert error["message"].startswith("no sensor, deployment, system, dataset or "
                                           "organisation '")
        assert error["path"] == ["whoCanAccess"]
