"""A registry made by bench/generate.py, for tests that need more than the seed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generated(path: Path, n: int, seed: int = 7) -> Path:
    """Write the generated registry of ``n`` organisations to ``path`` and return it."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(n, path, seed)
    return path
