"""The size of an update request is counted without building it: equal to the form-encoded
request's, whatever the text (the batching of a staged load relies on it)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from registry.remote.store import _encoded_size

PARTS = [
    [],
    [""],
    ["INSERT DATA { <https://example.org/a> <https://example.org/p> \"one two\" }"],
    ['INSERT DATA { <x:a> <x:p> "Zürich ; São Paulo\\n" }', "DROP SILENT GRAPH <x:g>",
     "a+b=c&d %20 ;\n"],
    ["é" * 1000, "\u4e2d\u6587" * 10, "\U0001f600 tab\there"],
]


@pytest.mark.parametrize("parts", PARTS)
def test_the_counted_size_is_the_encoded_requests(parts: list[str]) -> None:
    assert _encoded_size(parts) == len(urlencode({"update": " ;\n".join(parts)}))
