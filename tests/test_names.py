"""registry.names: an IRI or a label, turned into the one IRI it names, or a clear refusal."""

from __future__ import annotations

import pytest

from registry.errors import InputError, NotFoundError
from registry.names import LISTED, Candidate, Names

NAMES = Names([
    Candidate("https://example.org/a", ("Central Station cameras",), "Sensor"),
    Candidate("https://example.org/b", ("central station cameras",), "Deployment"),
    Candidate("https://example.org/c", ("Harbour cameras", "Hafenkameras"), "Sensor"),
    Candidate("https://example.org/d", ("Air quality",)),
])


def pick(text: str) -> str:
    return NAMES.pick(text, "sensor", "give its IRI")


def test_an_iri_names_itself() -> None:
    assert pick("https://example.org/d") == "https://example.org/d"


def test_the_exact_spelling_wins_then_case_and_spaces_are_ignored() -> None:
    assert pick("Central Station cameras") == "https://example.org/a"
    assert pick("central station cameras") == "https://example.org/b"
    assert pick("  harbour   CAMERAS ") == "https://example.org/c"
    assert pick("hafenkameras") == "https://example.org/c"


def test_a_label_two_entities_share_lists_both() -> None:
    with pytest.raises(InputError) as raised:
        pick("CENTRAL STATION CAMERAS")
    assert str(raised.value) == (
        "the label 'CENTRAL STATION CAMERAS' names 2 entities: Central Station cameras "
        "(Sensor) <https://example.org/a>; central station cameras (Deployment) "
        "<https://example.org/b>; give the IRI of the one you mean")


def test_nothing_matches_suggests_labels_that_contain_the_text_or_are_close() -> None:
    with pytest.raises(NotFoundError) as raised:
        pick("cameras")
    assert str(raised.value) == (
        "no sensor 'cameras' in the registry; give its IRI; did you mean: Central Station "
        "cameras (Sensor) <https://example.org/a>; central station cameras (Deployment) "
        "<https://example.org/b>; Harbour cameras (Sensor) <https://example.org/c>")
    with pytest.raises(NotFoundError) as raised:
        pick("Air qualty")
    assert str(raised.value).endswith("did you mean: Air quality <https://example.org/d>")
    with pytest.raises(NotFoundError) as raised:
        pick("bicycle counters")
    assert str(raised.value) == "no sensor 'bicycle counters' in the registry; give its IRI"


def test_long_candidate_lists_are_cut_and_counted() -> None:
    many = Names(Candidate(f"https://example.org/{i:02}", ("Camera",)) for i in range(12))
    with pytest.raises(InputError) as raised:
        many.pick("camera", "sensor", "give its IRI")
    message = str(raised.value)
    assert message.count("<https://example.org/") == LISTED
    assert f"; and {12 - LISTED} more; give the IRI" in message


def test_labels_of_one_iri_given_twice_are_merged() -> None:
    names = Names([Candidate("https://example.org/x", ("One",), "Sensor"),
                   Candidate("https://example.org/x", ("Two",))])
    assert names.pick("two", "sensor", "") == "https://example.org/x"
    assert names.by_iri["https://example.org/x"] == Candidate(
        "https://example.org/x", ("One", "Two"), "Sensor")
