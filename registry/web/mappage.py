"""A city's map: ``/cities/<slug>/map`` (page) and ``/cities/<slug>.geojson`` (its points).

The page draws the city's located deployments, sensors and systems (:mod:`registry.web.mapdata`)
with Leaflet, vendored from npm (``static/vendor/leaflet-1.9.4/``, see its README), and
``static/cityreg-map.js``, which reads the points from a JSON data block of the page (the
static site opened from disk cannot fetch files) and builds each popup from them. The same
facts are listed under the map as HTML, for readers without the script.

Tiles come only from a host the operator configures (:class:`TileSource`, ``cityreg serve
--map-tiles`` and ``cityreg publish --map-tiles``); without one, and whenever tiles cannot be
loaded, the markers are drawn on a plain background with a graticule and a scale, so the page
works offline and tells no third party what a reader looks at. With a tile host, the page's
Content-Security-Policy lets images come from exactly that host
(:func:`registry.web.security.policy_with_images`).

:func:`map_routes` gives the server's routes (``/cities/{slug}.geojson`` must come before
``/cities/{slug}``); :func:`map_files` what the static site writes: each city's
``cities/<slug>/map.html`` and ``cities/<slug>.geojson``, the script and Leaflet.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from registry.context import RegistryContext
from registry.errors import InputError
from registry.web import STATIC_DIR, render
from registry.web.mapdata import (
    GEOJSON_MEDIA_TYPE,
    CityMap,
    city_map,
    geojson_bytes,
    map_cities,
    relinked,
    script_json,
)
from registry.web.pages import Linker
from registry.web.security import policy_with_images

#: The Leaflet files the page loads, as site paths (scripts/vendor_assets.py pins them).
LEAFLET_ASSETS = ("/static/vendor/leaflet-1.9.4/leaflet.js",
                  "/static/vendor/leaflet-1.9.4/leaflet.css")
#: The map's own script and stylesheet.
MAP_SCRIPT = "/static/cityreg-map.js"
MAP_STYLESHEET = "/static/cityreg-map.css"
#: Files the static site needs besides the pages: the script, Leaflet and its licence. (The
#: stylesheet is a top-level ``static/*.css``, which registry.web.publish writes already.)
STATIC_FILES = (MAP_SCRIPT, *LEAFLET_ASSETS, "/static/vendor/leaflet-1.9.4/LICENSE")

_PLACEHOLDERS = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class TileSource:
    """A tile URL template such as ``https://tile.example.org/{z}/{x}/{y}.png``: https (or
    http for a tile server on the reader's own network), ``{z}``, ``{x}`` and ``{y}``, and
    nothing else in braces but ``{r}`` (Leaflet's retina suffix), so that the page can allow
    exactly its one host."""

    template: str

    @classmethod
    def parse(cls, template: str) -> TileSource:
        """``template`` checked; an :class:`InputError` saying what is wrong otherwise."""
        parts = urlsplit(template)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InputError(f"--map-tiles {template!r} is not an http(s) URL template: expected "
                             "something like https://tile.example.org/{z}/{x}/{y}.png")
        found = set(_PLACEHOLDERS.findall(template))
        if not {"z", "x", "y"} <= found:
            raise InputError(f"--map-tiles {template!r} lacks "
                             f"{', '.join('{' + p + '}' for p in 'zxy' if p not in found)}: "
                             "expected something like https://tile.example.org/{z}/{x}/{y}.png")
        unknown = found - {"z", "x", "y", "r"}
        if unknown or "{" in parts.netloc:
            named = ", ".join(sorted("{" + p + "}" for p in unknown)) or "in the host"
            raise InputError(f"--map-tiles {template!r} has placeholders the map does not fill "
                             f"({named}): give one host (no {{s}} subdomains) and {{z}}, "
                             "{x}, {y}, optionally {r}")
        return cls(template)

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``: what the page's img-src allows."""
        parts = urlsplit(self.template)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    @property
    def host(self) -> str:
        """The host name, for the map's attribution line."""
        return urlsplit(self.template).hostname or self.origin


class _Settings:
    tiles: TileSource | None = None


def configure_tiles(template: str | None) -> TileSource | None:
    """Set the tile URL template of the map pages made from now on in this process (``None``:
    no tiles, a plain background); the commands' ``--map-tiles`` call it."""
    _Settings.tiles = None if template is None else TileSource.parse(template)
    return _Settings.tiles


def configured_tiles() -> TileSource | None:
    """The tile source :func:`configure_tiles` set, if any."""
    return _Settings.tiles


def map_html(context: RegistryContext, city: CityMap, linker: Linker,
             tiles: TileSource | None) -> str:
    """The map page of ``city`` for a page written with ``linker``."""
    return render("map.html", linker, city=city, tiles=tiles, data=script_json(city),
                  geojson_href=linker.href(f"/cities/{city.slug}.geojson"),
                  city_href=linker.href(f"/cities/{city.slug}"),
                  leaflet_js=linker.href(LEAFLET_ASSETS[0]),
                  leaflet_css=linker.href(LEAFLET_ASSETS[1]),
                  map_js=linker.href(MAP_SCRIPT), map_css=linker.href(MAP_STYLESHEET))


def map_routes(context: RegistryContext, linker: Linker,
               tiles: TileSource | None = None) -> list[Route]:
    """The routes of the cities' maps and GeoJSON; ``tiles``: the tile source (default: the
    one :func:`configure_tiles` set). Put them before ``/cities/{slug}``."""
    tiles = configured_tiles() if tiles is None else tiles
    lock = threading.Lock()
    made: dict[str, CityMap | None] = {}  # a served registry does not change: one map a city

    def find(slug: str) -> CityMap | None:
        with lock:
            if slug not in made and slug in {c.slug for c in map_cities(context)}:
                made[slug] = city_map(context, slug, linker)
            return made.get(slug)

    def missing(slug: str) -> Response:
        return PlainTextResponse(f"There is no city {slug!r} in this registry: see /cities/ "
                                 "for the cities it holds.\n", status_code=404)

    def page(request: Request) -> Response:
        city = find(request.path_params["slug"])
        if city is None:
            return missing(request.path_params["slug"])
        headers = {} if tiles is None else {
            "Content-Security-Policy": policy_with_images(tiles.origin)}
        return HTMLResponse(map_html(context, city, linker, tiles), headers=headers)

    def data(request: Request) -> Response:
        city = find(request.path_params["slug"])
        if city is None:
            return missing(request.path_params["slug"])
        return Response(geojson_bytes(city), media_type=GEOJSON_MEDIA_TYPE,
                        headers={"Content-Disposition":
                                 f'inline; filename="{city.slug}.geojson"'})

    return [Route("/cities/{slug}/map", page, name="city-map"),
            Route("/cities/{slug}.geojson", data, name="city-geojson")]


def map_files(context: RegistryContext, linker: Linker,
              tiles: TileSource | None = None) -> Iterator[tuple[str, bytes]]:
    """For the static site: ``(site path, content)`` of every city's map page
    (``/cities/<slug>/map``, written as ``cities/<slug>/map.html``) and GeoJSON, and of
    :data:`STATIC_FILES`; ``linker`` gives the entity base, each file gets links relative to
    itself."""
    tiles = configured_tiles() if tiles is None else tiles
    for city in map_cities(context):
        found = city_map(context, city.slug, Linker(linker.entity_base))  # site paths
        if found is None:
            continue
        page, data = f"/cities/{city.slug}/map", f"/cities/{city.slug}.geojson"
        page_linker = Linker(linker.entity_base, page)
        yield page, map_html(context, relinked(found, page_linker), page_linker,
                             tiles).encode("utf-8")
        yield data, geojson_bytes(relinked(found, Linker(linker.entity_base, data)))
    yield from static_files()


def static_files(paths: Iterable[str] = STATIC_FILES) -> Iterator[tuple[str, bytes]]:
    """``(site path, bytes)`` of files under ``/static/``."""
    for path in paths:
        yield path, (STATIC_DIR / path[len("/static/"):]).read_bytes()
