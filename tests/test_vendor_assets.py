"""scripts/vendor_assets.py pins exactly what the GraphiQL page serves (no network: the
script's `check` compares the files with npm's, run by hand)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from registry.api.app import GRAPHIQL_ASSETS
from registry.web.chaintext import FONT_FILE

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "vendor_assets.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_assets", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_pinned_packages_are_the_files_the_page_serves() -> None:
    script = _script()
    pinned = {f"/static/vendor/{package.folder.name}/{Path(file).name}"
              for package in script.GRAPHIQL for file in package.files}
    assert pinned == set(GRAPHIQL_ASSETS)


def test_the_pinned_font_is_the_diagrams_font() -> None:
    script = _script()
    fonts = [package.folder / Path(file).name for package in script.FONTS
             for file in package.files]
    assert fonts == [FONT_FILE]


def test_nothing_is_vendored_that_the_script_does_not_pin() -> None:
    script = _script()
    folders = {path.name for path in script.VENDOR.iterdir() if path.is_dir()}
    assert folders == {package.folder.name for package in script.PACKAGES}


def test_every_pinned_package_is_vendored_with_its_licence() -> None:
    script = _script()
    for package in script.PACKAGES:
        names = {*(Path(file).name for file in package.files), Path(package.licence).name}
        assert {path.name for path in package.folder.iterdir()} == names, package
        readme = (script.VENDOR / "README.md").read_text(encoding="utf-8")
        assert f"| {package.name} | {package.version} |" in readme
