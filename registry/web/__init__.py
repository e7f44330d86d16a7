"""Publishing: the registry as web pages, Linked Data, dumps, a catalogue and a SPARQL endpoint.

Modules, one concept each:

* ``routes``        :func:`build_routes`: the Starlette routes the API app mounts
* ``negotiation``   Accept headers, media types and file extensions
* ``pages``         one entity's page model; :class:`Linker` for server and static links
* ``indexes``       home, cities, kinds, vendors and the findings dashboard
* ``diagram``       the server-side SVG diagram of an entity's neighbours (data in and out)
* ``tracepages``    an entity's trace page, and its chain diagram as SVG and PNG
* ``traceserve``    the ``/trace/<path>`` route, its answers made once and kept
* ``chain``         a trace folded into a chain: one node per organisation, one edge per hop
* ``chainlayout``   where everything of a chain diagram goes, for SVG and PNG alike
* ``chaintext``     text measured with Pillow's bundled font, wrapped, never cut
* ``chainsvg``      a chain layout drawn as SVG (links, titles, no script or style)
* ``chainpng``      a chain layout drawn as PNG with Pillow
* ``dumps``         whole-registry dumps and one entity's RDF description
* ``catalog``       the DCAT description of the registry itself
* ``sparql``        the read-only SPARQL 1.1 Protocol endpoint (queries run in
                    registry.server's worker processes)
* ``admission``     request size limits and how many expensive requests run at once
* ``security``      security headers (CSP) and the malformed-request check
* ``ontology_doc``  the HTML documentation of ontology/cityreg.ttl
* ``publish``       the same pages and files written as a static site
* ``publications``  the publications a site keeps: dated folders, manifests, the hash chain
* ``verify``        ``cityreg verify``: every checksum and link of a site's chain
* ``changespage``   a site's ``changes.html``: what each publication changed
* ``feed``          a site's ``changes.atom``: the same as an Atom 1.0 feed
* ``versionspage``  the server's ``/changes``: the registry's versions and what each changed
* ``versionsfeed``  the server's ``/changes.atom``
* ``mapdata``       the located deployments, sensors and systems of a city, as GeoJSON
* ``mappage``       a city's map page (vendored Leaflet) and its GeoJSON route
* ``residentpage``  the plain-language page for residents of each deployment
* ``residentfacts``  its statements (how each is known, its sources) and the facts it reads
* ``residentwords``  sensor types, data, purposes and roles in a resident's words
* ``residentlaw``    the data protection law that binds there, rights, objection, notices
* ``reportpages``   the documents the law asks for, as pages, and the links to them

Templates (Jinja2, autoescaped) are in ``templates/``, the stylesheet in ``static/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from registry import __version__

if TYPE_CHECKING:
    from registry.web.pages import Linker

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment: templates from this package, autoescape on, undefined strict."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, linker: Linker, **values: Any) -> str:
    """Render ``template`` with ``values``, ``linker`` and the version."""
    return environment().get_template(template).render(
        linker=linker, version=__version__, **values)
