"""Accept-header parsing and the choice of representation."""

from __future__ import annotations

import pytest

from registry.web.negotiation import (
    HTML,
    JSON_LD,
    N_TRIPLES,
    TURTLE,
    choose,
    choose_representation,
    parse_accept,
    split_extension,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("*/*", HTML),
        ("text/turtle", TURTLE),
        ("application/ld+json", JSON_LD),
        ("application/n-triples", N_TRIPLES),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", TURTLE),
        ("text/*;q=0.5, application/ld+json", JSON_LD),
        ("text/*", HTML),
        ("*/*;q=0.1, text/turtle", TURTLE),
        ("text/html;q=0, */*", TURTLE),
    ],
)
def test_choose_representation(header: str | None, expected: object) -> None:
    assert choose_representation(header) is expected


@pytest.mark.parametrize("header", ["image/png", "application/pdf, image/*", "text/html;q=0"])
def test_nothing_acceptable(header: str) -> None:
    assert choose_representation(header) is None


def test_parse_accept_reads_q_and_skips_garbage() -> None:
    ranges = parse_accept("text/turtle;q=0.3, nonsense, application/ld+json;q=abc")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "turtle", 0.3), ("application", "ld+json", 0.0)]


def test_ties_go_to_client_order() -> None:
    assert choose("text/csv, application/json", ("application/json", "text/csv")) == "text/csv"


@pytest.mark.parametrize(
    ("path", "stem", "representation"),
    [
        ("rio/system/x.ttl", "rio/system/x", TURTLE),
        ("rio/system/x.jsonld", "rio/system/x", JSON_LD),
        ("rio/system/x.nt", "rio/system/x", N_TRIPLES),
        ("rio/system/x.html", "rio/system/x", HTML),
        ("rio/system/x", "rio/system/x", None),
        ("rio/system/x.pdf", "rio/system/x.pdf", None),
    ],
)
def test_split_extension(path: str, stem: str, representation: object) -> None:
    assert split_extension(path) == (stem, representation)
