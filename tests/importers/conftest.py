"""Fixtures for the importer tests: private copies of the sample files, run from their folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def amsterdam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/importers/data/amsterdam/ as the working folder (short paths in output)."""
    target = tmp_path / "amsterdam"
    shutil.copytree(DATA / "amsterdam", target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def amsterdam_bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/importers/data/amsterdam-bad/ (three bad rows) as the working folder."""
    target = tmp_path / "amsterdam-bad"
    shutil.copytree(DATA / "amsterdam-bad", target)
    monkeypatch.chdir(target)
    return target
