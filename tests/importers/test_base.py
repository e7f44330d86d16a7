"""Shared importer pieces: IRI minting, the progress bar, Turtle stability, the diff."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.errors import InputError
from registry.importers import base


def test_slug_and_mint_are_deterministic() -> None:
    assert base.slug("Gemeente Amsterdam") == "gemeente-amsterdam"
    assert base.slug("Mobiliteit: auto") == "mobiliteit-auto"
    assert base.slug("Zürich Straße") == "zurich-strae"
    assert base.slug("???") == base.slug("???")  # hashed, still stable
    assert base.mint("https://x.example/id/", "contract", "ocds-1", "C 01").value == (
        "https://x.example/id/contract/ocds-1/c-01")


def test_entity_base_from_city_slug_iri_or_base() -> None:
    assert base.entity_base("Amsterdam", None) == "https://w3id.org/cityreg/id/amsterdam/"
    assert base.entity_base("https://w3id.org/cityreg/id/rio/city/rio", None) == (
        "https://w3id.org/cityreg/id/rio/")
    assert base.entity_base(None, "https://example.org/id") == "https://example.org/id/"
    assert base.entity_base(None, None) is None
    with pytest.raises(InputError, match="not an absolute IRI"):
        base.entity_base(None, "example.org/id")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(base.progress(list(range(300)), "Importing big.csv")) == list(range(300))
    assert "Importing big.csv" in terminal.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert list(base.progress(list(range(300)), "Importing big.csv")) == list(range(300))
    assert quiet.getvalue() == ""


def test_diff_counts_per_type_and_lists_new_entities() -> None:
    kind = ox.NamedNode("http://www.w3.org/ns/sosa/Sensor")
    a, b = ox.NamedNode("https://x.example/a"), ox.NamedNode("https://x.example/b")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    old = {ox.Triple(a, base.RDF_TYPE, kind), ox.Triple(a, label, ox.Literal("A"))}
    new = {ox.Triple(a, base.RDF_TYPE, kind), ox.Triple(a, label, ox.Literal("A2")),
           ox.Triple(b, base.RDF_TYPE, kind)}
    result = base.diff("f.csv", old, new)
    assert result.lines() == ["f.csv: +2 -1 =1 statements", "  sosa:Sensor: +2 -1 =1",
                              "  new: https://x.example/b"]


def test_turtle_does_not_depend_on_insertion_order(tmp_path: Path) -> None:
    triples = [ox.Triple(ox.NamedNode(f"https://x.example/{i}"), base.RDFS_LABEL,
                         ox.Literal(str(i))) for i in range(20)]
    first = base.ImportResult(tmp_path / "f.csv", "text/csv", "0" * 64, set(triples))
    second = base.ImportResult(tmp_path / "f.csv", "text/csv", "0" * 64,
                               set(reversed(triples)))
    assert base.to_turtle(first) == base.to_turtle(second)


def test_two_files_with_one_output_name_are_refused(tmp_path: Path) -> None:
    results = [base.ImportResult(tmp_path / "a" / "x.csv", "text/csv", "0"),
               base.ImportResult(tmp_path / "b" / "x.json", "application/json", "1")]
    with pytest.raises(InputError, match="would both be written to"):
        base.write_out(tmp_path / "out", results)
    assert not (tmp_path / "out").exists()
