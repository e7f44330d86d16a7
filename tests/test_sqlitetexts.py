"""Texts SQLite cannot hold are looked up as a text no registry holds (registry/sqlitetexts.py)."""

from __future__ import annotations

import sqlite3

from registry.sqlitetexts import NOWHERE, held_texts


def test_a_lone_surrogate_is_looked_up_as_nowhere_and_the_rest_as_given() -> None:
    assert held_texts(["\ud800", "Qlue", 3, None, "caf\u00e9 \U0001f600"]) == [
        NOWHERE, "Qlue", 3, None, "caf\u00e9 \U0001f600"]
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE t (x TEXT)")
        db.execute("INSERT INTO t VALUES ('a'), ('\ufffd')")
        assert db.execute("SELECT COUNT(*) FROM t WHERE x = ?",
                          held_texts(["\udfff"])).fetchone() == (0,)
