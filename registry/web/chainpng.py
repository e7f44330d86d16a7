"""A chain diagram as PNG: the same layout as the SVG, drawn with Pillow.

For a reader who cannot use an SVG (an article's image, a slide). The drawing is the layout of
:mod:`registry.web.chainlayout`, scaled (``scale=2`` by default: sharp on a high-density
screen and in print) on a white background, with the legend and the caption. Dashed and
dotted lines are drawn by hand along the layout's points, as SVG's ``stroke-dasharray`` draws
them. Text uses Pillow's bundled font only (:mod:`registry.web.chaintext`), so the PNG is the
same on every machine; characters that font lacks are drawn as their ASCII look-alikes.
The PNG carries the diagram's title and caption as text metadata.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from itertools import pairwise

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from registry.web.chainlayout import ChainLayout, LineStyle, Point, Rect, Text
from registry.web.chaintext import font, printable

#: Pixels per CSS pixel of the layout, and the most pixels a PNG may have (see
#: :func:`render_png`).
SCALE = 2
MAX_PIXELS = 40_000_000


def render_png(layout: ChainLayout, scale: float = SCALE) -> bytes:
    """The PNG of ``layout`` at ``scale`` pixels per CSS pixel, lowered for a layout so large
    that the image would pass :data:`MAX_PIXELS` (its memory stays bounded)."""
    scale = min(scale, (MAX_PIXELS / (layout.width * layout.height)) ** 0.5)
    image = Image.new("RGB", (round(layout.width * scale), round(layout.height * scale)),
                      "#ffffff")
    draw = ImageDraw.Draw(image)
    pen = _Pen(draw, scale)
    for text in layout.texts:
        pen.text(text)
    for route in layout.edges:
        pen.line(route.points, route.line)
        draw.polygon([pen.at(point) for point in route.arrow], fill=route.line.colour)
        for text in route.texts:
            pen.text(text)
    for box in layout.nodes:
        pen.box(box.rect, box.fill, box.outline)
        for text in box.texts:
            pen.text(text)
    for entry in layout.legend:
        pen.line(entry.sample, entry.line)
        for text in entry.texts:
            pen.text(text)
    info = PngInfo()
    info.add_itxt("Title", layout.title)
    info.add_itxt("Description", " ".join(layout.caption))
    info.add_itxt("Software", "cityreg")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


class _Pen:
    """Draws the layout's shapes on ``draw``, ``scale`` times as large."""

    def __init__(self, draw: ImageDraw.ImageDraw, scale: float) -> None:
        self.draw = draw
        self.scale = scale

    def at(self, point: Point) -> tuple[float, float]:
        return (point[0] * self.scale, point[1] * self.scale)

    def text(self, text: Text) -> None:
        anchor = "ms" if text.anchor == "middle" else "ls"  # middle or left, on the baseline
        self.draw.text(self.at((text.x, text.y)), printable(text.text),
                       font=font(max(1, round(text.size * self.scale))), fill=text.colour,
                       anchor=anchor)

    def line(self, points: Sequence[Point], style: LineStyle) -> None:
        """A line through ``points``, solid or dashed like SVG's ``stroke-dasharray``; a dash
        shorter than the line's width is a round dot."""
        width = max(1, round(style.width * self.scale))
        scaled = [self.at(point) for point in points]
        if style.dash is None:
            self.draw.line(scaled, fill=style.colour, width=width, joint="curve")
            return
        pattern = [length * self.scale for length in style.dash]
        for start, end in _dashes(scaled, pattern):
            if style.round_caps and _distance(start, end) < width:
                middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
                radius = width / 2
                self.draw.ellipse([middle[0] - radius, middle[1] - radius,
                                   middle[0] + radius, middle[1] + radius], fill=style.colour)
            else:
                self.draw.line([start, end], fill=style.colour, width=width)

    def box(self, rect: Rect, fill: str, outline: LineStyle) -> None:
        """A rounded box; a dashed outline is drawn by hand around it."""
        corners = [self.at((rect.x, rect.y)), self.at((rect.right, rect.bottom))]
        radius = round(6 * self.scale)
        if outline.dash is None:
            self.draw.rounded_rectangle(corners, radius, fill=fill, outline=outline.colour,
                                        width=max(1, round(outline.width * self.scale)))
            return
        self.draw.rounded_rectangle(corners, radius, fill=fill)
        self.line([(rect.x, rect.y), (rect.right, rect.y), (rect.right, rect.bottom),
                   (rect.x, rect.bottom), (rect.x, rect.y)], outline)


def _distance(a: Point, b: Point) -> float:
    return float(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5)


def _dashes(points: Sequence[Point], pattern: Sequence[float]) -> Iterator[tuple[Point, Point]]:
    """The drawn pieces of a line through ``points`` dashed by ``pattern`` (on, off, on,
    ...), carried over from one segment to the next as SVG does."""
    index, left, on = 0, pattern[0], True
    for a, b in pairwise(points):
        length = _distance(a, b)
        done = 0.0
        while done < length:
            step = min(left, length - done)
            if on:
                yield (_along(a, b, done / length), _along(a, b, (done + step) / length))
            done += step
            left -= step
            if left <= 1e-9:
                index = (index + 1) % len(pattern)
                left, on = pattern[index], not on
    return


def _along(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
