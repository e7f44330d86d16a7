"""Text of the diagrams: measured with the vendored DejaVu Sans, wrapped onto lines, never cut.

The SVG and the PNG of a chain diagram are drawn from one layout, so their labels must break
at the same words. Both are measured here with DejaVu Sans (:data:`FONT_FILE`, vendored from
npm with its licence: no font comes from the system or the network), and every width is
multiplied by :data:`SAFETY`: a browser draws the SVG with its own sans-serif font (DejaVu
Sans on most Linux desktops; Arial and Helvetica are narrower), and its lines must still fit
their boxes.

DejaVu Sans draws Latin, Greek and Cyrillic with their accents, ``§``, dashes and quotes: the
PNG shows ``Dassault Systèmes`` and ``§4.1`` as they are written. :func:`printable` gives the
text the PNG can draw: a character the font lacks (Chinese, for one) becomes its look-alike
when there is one, else a ``?``. The SVG keeps the exact text; for measuring, a character the
font lacks counts as wide as ``W`` (at least as wide as the glyph a browser will use), so the
wrapped SVG lines still fit.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from PIL import Image, ImageDraw, ImageFont

from registry.errors import CityregError
from registry.web import STATIC_DIR

#: The font the diagrams are measured and their PNGs drawn with (see the module docstring).
FONT_FILE = STATIC_DIR / "vendor" / "dejavu-fonts-ttf-2.37.3" / "DejaVuSans.ttf"
#: How much wider than DejaVu Sans a browser's font may draw a line (see the module docstring).
SAFETY = 1.05

#: Characters the bundled font lacks, and what the PNG draws for them.
_LOOK_ALIKES = {
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2192": "->", "\u00d7": "x",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE",
    "\u00f8": "o", "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D",
    "\u00a7": "S", "\u20ac": "EUR", "\u00a3": "GBP", "\u00b4": "'",
}
_PROBE_SIZE = 20


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels (cached: loading it decodes the font)."""
    try:
        return ImageFont.truetype(str(FONT_FILE), size)
    except OSError as error:
        raise CityregError(
            f"cannot load the diagrams' font {FONT_FILE} ({error}): expected the DejaVu Sans "
            "that ships in cityreg's static files, and Pillow built with FreeType; reinstall "
            "cityreg and Pillow from their wheels (pip install --force-reinstall cityreg "
            "pillow)") from None


def _picture(char: str) -> tuple[float, bytes]:
    face = font(_PROBE_SIZE)
    image = Image.new("L", (3 * _PROBE_SIZE, 2 * _PROBE_SIZE))
    ImageDraw.Draw(image).text((0, 0), char, font=face, fill=255)
    return face.getlength(char), image.tobytes()


@cache
def has_glyph(char: str) -> bool:
    """True when the diagrams' font draws ``char`` (rather than its empty-box glyph)."""
    if char == " ":
        return True
    return _picture(char) != _picture("\ue000")  # a private-use code point: never in a font


@cache
def _drawable(char: str, missing: str) -> str:
    if has_glyph(char):
        return char
    if char in _LOOK_ALIKES:
        return _LOOK_ALIKES[char]
    if char.isspace():
        return " "
    bare = "".join(part for part in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(part))
    if bare and bare != char and all(has_glyph(part) for part in bare):
        return bare
    return missing


def printable(text: str, missing: str = "?") -> str:
    """``text`` as the bundled font can draw it (see the module docstring); a character with
    no look-alike becomes ``missing``."""
    return "".join(_drawable(char, missing) for char in text)


@lru_cache(maxsize=1 << 16)
def width(text: str, size: int) -> float:
    """How wide ``text`` may be drawn at ``size`` pixels, by the PNG or by a browser (cached:
    the same labels and words come back in every diagram, and wrapping measures each line as
    it grows)."""
    return font(size).getlength(printable(text, "W")) * SAFETY


def wrap(text: str, size: int, max_width: float) -> tuple[str, ...]:
    """``text`` broken at spaces into lines no wider than ``max_width`` at ``size`` pixels.

    Every character is kept: a word too long for one line is split across lines, never
    cut. Runs of white space count as one space; an empty text gives no lines.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for piece in _split_word(word, size, max_width):
            if current:
                lines.append(current)
            current = piece
    if current:
        lines.append(current)
    return tuple(lines)


def _split_word(word: str, size: int, max_width: float) -> list[str]:
    """A word too long for a line, in pieces that fit (at least one character each)."""
    pieces: list[str] = []
    piece = ""
    for char in word:
        if piece and width(piece + char, size) > max_width:
            pieces.append(piece)
            piece = ""
        piece += char
    if piece:
        pieces.append(piece)
    return pieces
