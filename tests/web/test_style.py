"""The stylesheet keeps text readable: WCAG 2.1 contrast of at least 4.5:1, visible focus."""

from __future__ import annotations

import re

import pytest

from registry.web import STATIC_DIR

CSS = (STATIC_DIR / "cityreg.css").read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(name: str) -> str:
    return "#ffffff" if name == "white" else VARIABLES[name]


@pytest.mark.parametrize(
    ("text", "background"),
    [("ink", "paper"), ("muted", "paper"), ("link", "paper"), ("link-visited", "paper"),
     ("ink", "band"), ("muted", "band"), ("link", "band"), ("white", "violation"),
     ("white", "warning"), ("white", "info"), ("white", "accent"), ("focus", "paper")],
)
def test_contrast_at_least_4_5(text: str, background: str) -> None:
    assert contrast(colour(text), colour(background)) >= 4.5


def test_focus_is_visible_and_layout_responsive() -> None:
    assert re.search(r"a:focus-visible[^{]*\{\s*outline: 3px solid var\(--focus\)", CSS)
    assert "@media (max-width: 40rem)" in CSS
