"""Hostile requests to the SPARQL 1.1 Protocol endpoint at /sparql: every one refused clearly.

Updates by every protocol form and every update verb get ``403`` (the endpoint is read-only),
federated ``SERVICE`` gets ``400`` (it would make the registry fetch other servers' URLs),
malformed queries ``400`` with the position, unknown formats ``400``, unanswerable ``Accept``
headers ``406``, dataset parameters ``400``, wrong content types ``415``, long URLs ``414`` and
large bodies ``413`` (registry/web/admission.py). The store is never changed: the fixture of
http_cases checks every quad, and a count through the endpoint itself checks what its worker
reads. No runaway query is here: those are tests of their own (the time limit).
"""

from __future__ import annotations

from typing import Any

import pytest
from http_cases import Served, assert_refused, served, store_is_unchanged

__all__ = ["served", "store_is_unchanged"]  # fixtures

SELECT = "SELECT ?s WHERE { ?s a cityreg:Agency } LIMIT 3"
G = "<https://w3id.org/cityreg/graph/hostile>"
TRIPLE = "<https://w3id.org/cityreg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\""

#: Every SPARQL 1.1 Update operation (and the forms they come in).
UPDATES = {
    "insert-data": f"INSERT DATA {{ {TRIPLE} }}",
    "insert-data-into-graph": f"INSERT DATA {{ GRAPH {G} {{ {TRIPLE} }} }}",
    "delete-data": f"DELETE DATA {{ {TRIPLE} }}",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "delete-insert-where": "DELETE { ?s ?p ?o } INSERT { ?s ?p \"owned\" } WHERE { ?s ?p ?o }",
    "insert-where": "INSERT { ?s a <http://evil/Thing> } WHERE { ?s ?p ?o }",
    "with-delete-where": f"WITH {G} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "load": "LOAD <http://127.0.0.1:9/evil.ttl>",
    "load-silent-into-graph": f"LOAD SILENT <file:///etc/passwd> INTO GRAPH {G}",
    "clear-all": "CLEAR ALL",
    "clear-default": "CLEAR DEFAULT",
    "clear-graph": f"CLEAR GRAPH {G}",
    "drop-all": "DROP ALL",
    "drop-silent-graph": f"DROP SILENT GRAPH {G}",
    "create-graph": f"CREATE GRAPH {G}",
    "add": f"ADD DEFAULT TO {G}",
    "move": f"MOVE DEFAULT TO {G}",
    "copy": f"COPY DEFAULT TO {G}",
    "prefixed-lower-case-insert": "prefix ex: <http://evil/> insert data { ex:a ex:b ex:c }",
    "after-a-comment-saying-select": f"# SELECT * WHERE {{ ?s ?p ?o }}\nINSERT DATA {{ {TRIPLE} }}",
    "with-select-in-a-string": f"INSERT DATA {{ {TRIPLE[:-3]} \"SELECT * WHERE {{}}\" }}",
    "two-operations": f"CLEAR ALL ; INSERT DATA {{ {TRIPLE} }}",
}

#: How an update can be sent: (method, where the text goes, content type).
FORMS = {
    "get-update-param": ("GET", "update", None),
    "post-form-update-param": ("POST", "update", "application/x-www-form-urlencoded"),
    "post-sparql-update-body": ("POST", "body", "application/sparql-update"),
    "get-query-param": ("GET", "query", None),
    "post-form-query-param": ("POST", "query", "application/x-www-form-urlencoded"),
    "post-sparql-query-body": ("POST", "body", "application/sparql-query"),
}


def _send(served: Served, method: str, where: str, content_type: str | None, text: str,
          headers: dict[str, str] | None = None, **params: str) -> Any:
    headers = dict(headers or {})
    if content_type:
        headers["content-type"] = content_type
    if method == "GET":
        return served.client.get("/sparql", params={where: text, **params}, headers=headers)
    if where == "body":
        return served.client.post("/sparql", params=params, content=text.encode("utf-8"),
                                  headers=headers)
    return served.client.post("/sparql", params=params, data={where: text}, headers=headers)


@pytest.fixture(scope="module")
def statements_seen_by_sparql(served: Served) -> int:
    """The number of statements the endpoint's worker reads, before any hostile request."""
    return _count(served)


def _count(served: Served) -> int:
    response = served.client.get("/sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_update_is_refused_by_every_protocol_form(served: Served, form: tuple[str, str, str],
                                                  update: str,
                                                  statements_seen_by_sparql: int) -> None:
    method, where, content_type = form
    response = _send(served, method, where, content_type, update)
    assert_refused(response.status_code, response.text, 403, "read-only")
    assert "SPARQL Update" in response.text or "update parameter" in response.text
    assert _count(served) == statements_seen_by_sparql


#: Federated queries, however they are written.
SERVICES = {
    "upper-case": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "lower-case": "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "mixed-case": "SeLeCt * WhErE { SeRvIcE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "variable-endpoint": "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } "
                         "SERVICE ?e { ?s ?p ?o } }",
    "prefixed-endpoint": "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE ex:sparql "
                         "{ ?s ?p ?o } }",
    "in-optional": "SELECT * WHERE { ?a a cityreg:Agency OPTIONAL { SERVICE "
                   "<http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "in-union": "SELECT * WHERE { { ?a a cityreg:Agency } UNION { SERVICE "
                "<http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "in-minus": "SELECT * WHERE { ?a a cityreg:Agency MINUS { SERVICE <http://127.0.0.1:9/> "
                "{ ?a ?p ?o } } }",
    "in-graph": "SELECT * WHERE { GRAPH ?g { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "in-a-subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://127.0.0.1:9/> "
                     "{ ?s ?p ?o } } } }",
    "in-filter-exists": "SELECT * WHERE { ?a a cityreg:Agency FILTER EXISTS { SERVICE "
                        "<http://127.0.0.1:9/> { ?a ?p ?o } } }",
    "nested-groups": "SELECT * WHERE { { { { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } } }",
    "in-construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> "
                    "{ ?s ?p ?o } }",
    "in-ask": "ASK { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "in-describe": "DESCRIBE ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "newline-and-tab-around": "SELECT * WHERE {\n\tSERVICE\n\t<http://127.0.0.1:9/>\n{ ?s ?p ?o"
                              " } }",
    "no-space-before-the-iri": "SELECT * WHERE {SERVICE<http://127.0.0.1:9/>{?s ?p ?o}}",
    "after-a-comment-mentioning-it": "# no SERVICE here, honest\nSELECT * WHERE { SERVICE "
                                     "<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "among-iris-containing-the-word": "SELECT * WHERE { ?s <http://x/service> ?o . SERVICE "
                                      "<http://service.example/service> { ?s ?p ?o } }",
    "beside-a-string-containing-it": "SELECT * WHERE { ?s ?p \"SERVICE\" . SERVICE "
                                     "<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "to-a-file-url": "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    "to-the-endpoint-itself": "SELECT * WHERE { SERVICE <http://127.0.0.1:8000/sparql> "
                              "{ ?s ?p ?o } }",
}


@pytest.mark.parametrize("query", SERVICES.values(), ids=SERVICES.keys())
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_service_is_refused(served: Served, method: str, query: str) -> None:
    if method == "GET":
        response = _send(served, "GET", "query", None, query)
    else:
        response = _send(served, "POST", "body", "application/sparql-query", query)
    assert_refused(response.status_code, response.text, 400, "uses SERVICE",
                   "remove the SERVICE clause")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s <http://x/service> ?o } LIMIT 1",
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    "# SERVICE <http://127.0.0.1:9/>\nSELECT * WHERE { ?s ?p \"SERVICE\" } LIMIT 1",
    "PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:service ?o } LIMIT 1",
], ids=["in-an-iri", "as-a-variable", "in-a-comment-and-a-string", "as-a-prefixed-name"])
def test_the_word_service_alone_is_not_refused(served: Served, query: str) -> None:
    """The refusal is of the SERVICE clause, not of the word: these queries are answered."""
    response = _send(served, "GET", "query", None, query,
                     {"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    assert "results" in response.json()


#: Refused requests other than updates and SERVICE: (params or body, headers, status, words).
MALFORMED: dict[str, tuple[dict[str, Any], int, tuple[str, ...]]] = {
    "truncated": ({"query": "SELECT * WHERE { ?s ?p"}, 400, ("SPARQL error at line 1",)),
    "unbalanced-braces": ({"query": "SELECT * WHERE { ?s ?p ?o }}"}, 400, ("SPARQL error",)),
    "undeclared-prefix": ({"query": "SELECT * WHERE { ?s nope:p ?o }"}, 400,
                          ("the prefix nope: is not declared",)),
    "garbage": ({"query": "%$#@!"}, 400, ("SPARQL error",)),
    "select-alone": ({"query": "SELECT"}, 400, ("SPARQL error",)),
    "only-a-comment": ({"query": "# nothing"}, 400, ("SPARQL error",)),
    "nul-byte": ({"query": "SELECT * WHERE { ?s ?p ?o \x00 }"}, 400, ("SPARQL error",)),
    "select-then-update": ({"query": "SELECT * WHERE { ?s ?p ?o } ; CLEAR ALL"}, 400,
                           ("SPARQL error",)),
    "graphql-as-sparql": ({"query": "{ cities { totalCount } }"}, 400, ("SPARQL error",)),
    "turtle-as-sparql": ({"query": f"{TRIPLE} ."}, 400, ("SPARQL error",)),
    "json-as-sparql": ({"query": '{"query": "SELECT * {}"}'}, 400, ("SPARQL error",)),
    "unclosed-iri": ({"query": "SELECT * WHERE { ?s ?p <http://x }"}, 400, ("SPARQL error",)),
    "unclosed-string": ({"query": "SELECT * WHERE { ?s ?p \"x }"}, 400, ("SPARQL error",)),
    "unicode-rtl-override-in-a-keyword": ({"query": "SEL\u202eECT * WHERE { ?s ?p ?o }"}, 400,
                                          ("SPARQL error",)),
    "escaped-service-keyword": ({"query": r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/>"
                                          r" { ?s ?p ?o } }"}, 400, ("SPARQL error",)),
    "empty-query": ({"query": ""}, 400, ("no query",)),
    "blank-query": ({"query": "  \n\t "}, 400, ("no query",)),
    "no-query-but-a-format": ({"format": "json"}, 400, ("no query",)),
    "unknown-format": ({"query": SELECT, "format": "pdf"}, 400, ("unknown format 'pdf'",)),
    "format-with-injection": ({"query": SELECT, "format": "json\r\nX-Evil: 1"}, 400,
                              ("unknown format",)),
    "graph-format-for-a-select": ({"query": SELECT, "format": "ttl"}, 406,
                                  ("cannot answer in 'text/turtle'",)),
    "results-format-for-a-construct": ({"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
                                        "format": "csv"}, 406,
                                       ("cannot answer in 'text/csv'",)),
    "results-format-for-a-describe": ({"query": "DESCRIBE <http://example.org/x>",
                                       "format": "json"}, 406, ("cannot answer in",)),
    "default-graph-uri": ({"query": SELECT, "default-graph-uri": "http://x/"}, 400,
                          ("default-graph-uri is not supported",)),
    "named-graph-uri": ({"query": SELECT, "named-graph-uri": "http://x/"}, 400,
                        ("named-graph-uri is not supported",)),
    "default-graph-uri-pointing-at-a-file": ({"query": SELECT,
                                              "default-graph-uri": "file:///etc/passwd"}, 400,
                                             ("default-graph-uri is not supported",)),
}


@pytest.mark.parametrize("name", MALFORMED)
@pytest.mark.parametrize("method", ["GET", "POST-form"])
def test_malformed_request_is_refused(served: Served, method: str, name: str) -> None:
    params, status, words = MALFORMED[name]
    if method == "GET":
        response = served.client.get("/sparql", params=params)
    else:
        response = served.client.post("/sparql", data=params)
    assert_refused(response.status_code, response.text, status, *words)


ACCEPTS = {
    "image": "image/png",
    "html": "text/html",
    "everything-at-q-0": "*/*;q=0",
    "json-at-q-0": "application/sparql-results+json;q=0, application/json;q=0",
    "garbage": ";;;,,,;q=",
    "unparsable-q": "application/sparql-results+json;q=abc",
    "huge": "application/x-" + "a" * 4000,
    "thousand-types": ", ".join(f"application/x-{i}" for i in range(1000)),
    "control-character": "\x7f",
    "script": "<script>alert(1)</script>",
}


@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
def test_unanswerable_accept_header_is_406(served: Served, accept: str) -> None:
    response = served.client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert_refused(response.status_code, response.text, 406, "cannot answer in",
                   "application/sparql-results+json")
    assert "<script>" not in response.headers["content-type"]
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", SELECT),
    ("application/json", '{"query": "SELECT * {}"}'),
    ("multipart/form-data; boundary=x", "--x\r\n\r\n--x--"),
    ("application/sparql-results+json", "{}"),
    ("", SELECT),
], ids=["text-plain", "json", "multipart", "results-json", "none"])
def test_unsupported_content_type_is_415(served: Served, content_type: str, body: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = served.client.post("/sparql", content=body.encode(), headers=headers)
    assert_refused(response.status_code, response.text, 415, "unsupported Content-Type",
                   "application/sparql-query")


def test_long_url_is_414(served: Served) -> None:
    """The admission limit: a request target over 8192 bytes (registry/web/admission.py)."""
    response = served.client.get("/sparql", params={"query": SELECT + " #" + "x" * 9000})
    assert_refused(response.status_code, response.text, 414, "more than the limit of 8192",
                   "POST")


@pytest.mark.parametrize("content_type", ["application/sparql-query",
                                          "application/x-www-form-urlencoded"])
def test_body_over_1_mib_is_413(served: Served, content_type: str) -> None:
    """The admission limit: a body over 1 MiB (registry/web/admission.py)."""
    body = ("query=" if "form" in content_type else "") + SELECT + " #" + "x" * (1 << 20)
    response = served.client.post("/sparql", content=body.encode(),
                                  headers={"content-type": content_type})
    assert_refused(response.status_code, response.text, 413, "larger than the limit of 1048576")


HIDDEN_SERVICES = {
    # regular expressions read `<?y)SERVICE#>` as an IRI: only a parse finds the clause
    "behind-a-less-than": "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?y) FILTER(?x<?y)SERVICE#>"
                          "\n<http://127.0.0.1:9/hidden>{ ?s ?p ?o } }",
    "behind-a-less-than-in-optional": "SELECT * WHERE { ?a ?b ?c OPTIONAL { FILTER(1<2)"
                                      "SERVICE#>\n<http://127.0.0.1:9/>{ ?s ?p ?o } } }",
}


@pytest.mark.parametrize("query", HIDDEN_SERVICES.values(), ids=HIDDEN_SERVICES.keys())
def test_a_service_clause_the_patterns_miss_is_refused_by_the_worker(served: Served,
                                                                     query: str) -> None:
    response = _send(served, "POST", "body", "application/sparql-query", query)
    assert_refused(response.status_code, response.text, 400, "uses SERVICE")


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/sparql-query", b"SELECT * WHERE { ?s ?p \"caf\xe9\" }"),
    ("application/sparql-query", b"\xff\xfeS\x00E\x00L\x00"),
    ("application/x-www-form-urlencoded", b"query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20"
                                           b"%22caf%E9%22%20%7D"),
    ("application/x-www-form-urlencoded", b"query=SELECT \xe9"),
], ids=["latin-1-literal", "utf-16", "percent-encoded-latin-1", "raw-latin-1-form"])
def test_a_body_that_is_not_utf8_is_400(served: Served, content_type: str, body: bytes) -> None:
    response = served.client.post("/sparql", content=body, headers={"content-type": content_type})
    assert_refused(response.status_code, response.text, 400, "not UTF-8", "UTF-8")


@pytest.mark.parametrize("opening", ["(", "{", "["])
def test_a_query_nested_too_deeply_is_400_not_a_dead_worker(served: Served,
                                                             opening: str) -> None:
    inner = {"(": "FILTER" + "(" * 10_000 + "1" + ")" * 10_000,
             "{": "{" * 10_000 + "}" * 10_000,
             "[": "?s ?p " + "[ ?p " * 10_000 + "1" + " ]" * 10_000}[opening]
    response = _send(served, "POST", "body", "application/sparql-query",
                     f"SELECT * WHERE {{ {inner} }}")
    assert_refused(response.status_code, response.text, 400, "nests brackets",
                   "more than the limit of 250")


def test_the_endpoint_still_answers_after_the_corpus(served: Served,
                                                     statements_seen_by_sparql: int) -> None:
    response = served.client.get("/sparql", params={"query": SELECT},
                                 headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 3
    assert _count(served) == statements_seen_by_sparql
