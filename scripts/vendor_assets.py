"""Refresh or check the assets cityreg ships from npm (registry/web/static/vendor/).

The GraphiQL page must work offline and must not tell a third party that someone is querying a
surveillance register, so GraphiQL, React and ReactDOM are copied from the npm registry into
the package, unchanged, with their licences; so are DejaVu Sans, the font the chain diagrams
are measured and drawn with, and Leaflet, the cities' map pages' map library. This script is
how they get there:

    python scripts/vendor_assets.py check     download the pinned tarballs, verify npm's
                                              integrity hash, and compare every vendored file
                                              with the tarball's (exit 1 on a difference)
    python scripts/vendor_assets.py refresh   write the files of the pinned versions (and
                                              their licences) into the vendor folder and print
                                              the SHA-256 table for its README.md

To upgrade, change :data:`PACKAGES`, run ``refresh``, then update the asset paths in
registry/api/app.py (``GRAPHIQL_ASSETS``), registry/web/chaintext.py (``FONT_FILE``) or
registry/web/mappage.py (``LEAFLET_ASSETS``) and the table in the vendor README.md;
tests/api/test_app.py checks that every asset the page names is served and matches the README's
hashes. Only the standard library is used; the network is needed, the server never is.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "registry" / "web" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    """One npm package: its pinned version and the files cityreg serves from its tarball."""

    name: str
    version: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder
    licence: str = "LICENSE"

    @property
    def folder(self) -> Path:
        """Where its files go: ``vendor/<name>-<version>/``."""
        return VENDOR / f"{self.name}-{self.version}"


#: What the GraphiQL page loads (registry/api/app.py, ``GRAPHIQL_ASSETS``).
GRAPHIQL = (
    Package("graphiql", "3.8.3", ("graphiql.min.js", "graphiql.min.css")),
    Package("react", "18.3.1", ("umd/react.production.min.js",)),
    Package("react-dom", "18.3.1", ("umd/react-dom.production.min.js",)),
)
#: The font the chain diagrams are measured and drawn with (registry/web/chaintext.py).
FONTS = (Package("dejavu-fonts-ttf", "2.37.3", ("ttf/DejaVuSans.ttf",)),)
#: The map library of the cities' map pages (registry/web/mappage.py, ``LEAFLET_ASSETS``). Its
#: images (default marker icons, the layers control) are not vendored: the map draws its
#: markers as SVG circles and has no layers control.
MAPS = (Package("leaflet", "1.9.4", ("dist/leaflet.js", "dist/leaflet.css")),)
PACKAGES = GRAPHIQL + FONTS + MAPS


def tarball(package: Package) -> bytes:
    """The package's tarball, checked against the integrity hash the npm registry publishes."""
    with urllib.request.urlopen(f"{REGISTRY}/{package.name}/{package.version}",
                                timeout=60) as response:
        meta = json.load(response)
    integrity: str = meta["dist"]["integrity"]
    algorithm, _, expected = integrity.partition("-")
    with urllib.request.urlopen(meta["dist"]["tarball"], timeout=300) as response:
        data: bytes = response.read()
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{package.name}@{package.version}: the tarball's {algorithm} is "
                         f"{actual}, npm publishes {expected}: do not vendor it; try again "
                         "later or report it to the npm registry")
    return data


def contents(package: Package) -> dict[str, bytes]:
    """``vendored file name -> bytes`` of the package's files and licence, from npm."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball(package)), mode="r:gz") as archive:
        for wanted in (*package.files, package.licence):
            member = archive.extractfile(f"package/{wanted}")
            if member is None:
                raise SystemExit(f"{package.name}@{package.version} has no {wanted}: fix "
                                 "PACKAGES in scripts/vendor_assets.py")
            found[Path(wanted).name] = member.read()
    return found


def check() -> int:
    """Compare every vendored file with npm's; 0 when all are identical."""
    differences = 0
    for package in PACKAGES:
        for name, data in contents(package).items():
            path = package.folder / name
            if not path.is_file():
                print(f"missing: {path.relative_to(VENDOR)}")
                differences += 1
            elif path.read_bytes() != data:
                print(f"differs from npm: {path.relative_to(VENDOR)}")
                differences += 1
            else:
                print(f"identical to npm: {path.relative_to(VENDOR)}")
    return 1 if differences else 0


def refresh() -> int:
    """Write the pinned versions' files and print the README's SHA-256 lines."""
    lines = []
    for package in PACKAGES:
        package.folder.mkdir(parents=True, exist_ok=True)
        for name, data in contents(package).items():
            (package.folder / name).write_bytes(data)
            if name != Path(package.licence).name:
                lines.append(f"{hashlib.sha256(data).hexdigest()}  "
                             f"{package.folder.name}/{name}")
    print("SHA-256 for registry/web/static/vendor/README.md:")
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``check`` or ``refresh``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["check", "refresh"])
    arguments = parser.parse_args(argv)
    return check() if arguments.action == "check" else refresh()


if __name__ == "__main__":
    sys.exit(main())
