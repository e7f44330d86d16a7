"""Importing Amsterdam's sensor register gives mapped points: its latitude and longitude columns
become each deployment's WGS84 point (geo:lat, geo:long) in the city, on its map and in its
GeoJSON, coloured by the sensor's type."""

from __future__ import annotations

import json
from pathlib import Path

from registry.context import RegistryContext
from registry.importers import import_files, write_store
from registry.store import Registry
from registry.web.mapdata import city_map, geojson
from registry.web.pages import Linker

AMS = "https://w3id.org/cityreg/id/amsterdam/"
FILES = [Path("Sensorregistratie.csv"), Path("Uw gegevens.csv")]
#: Each row of tests/importers/data/amsterdam/Sensorregistratie.csv: reference, latitude,
#: longitude and the category of its sensor type.
ROWS = {
    "7079-2296": (52.3676, 4.9041, "camera"),  # Optische / camera sensor
    "7079-2297": (52.3676, 4.9041, "environment"),  # Chemiesensor
    "TEST-0001": (52.3790, 4.9003, "camera"),
    "TEST-0002": (52.3600, 4.8852, "environment"),  # Geluidsensor
}


def test_imported_register_gives_mapped_points(amsterdam: Path) -> None:
    with Registry.memory() as registry:
        write_store(registry, import_files("csv", FILES, city="amsterdam"))
        context = RegistryContext(registry)
        found = city_map(context, "amsterdam", Linker(context.entity_base))
        assert found is not None
        points = {p.iri: p for p in found.points}
        assert set(points) == {f"{AMS}deployment/{ref}" for ref in ROWS}
        for ref, (latitude, longitude, category) in ROWS.items():
            point = points[f"{AMS}deployment/{ref}"]
            assert (point.latitude, point.longitude) == (latitude, longitude)
            assert point.category.slug == category, ref
            assert point.kind == "deployment"
            assert point.precision is None  # the register does not say; nothing is claimed
        assert found.unlocated == []  # the sensors are placed by their deployments
        camera = points[f"{AMS}deployment/TEST-0001"]
        assert camera.operator.values == ("Gemeente Amsterdam",)
        assert camera.purpose.values == ("Drukte meten op het plein",)
        assert camera.entity_href == "/id/amsterdam/deployment/TEST-0001"
        document = json.loads(json.dumps(geojson(found)))
        coordinates = {f["id"]: f["geometry"]["coordinates"] for f in document["features"]}
        assert coordinates[f"{AMS}deployment/TEST-0002"] == [4.8852, 52.36]  # [long, lat]


def test_shared_example_register_gives_mapped_points(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / (
        "amsterdam-sensor-register")
    if not example.is_dir():
        import pytest

        pytest.skip("../shared/examples is not beside this checkout")
    with Registry.memory() as registry:
        write_store(registry, import_files(
            "csv", [example / "Sensorregistratie.csv", example / "Uw gegevens.csv"],
            city="amsterdam"))
        context = RegistryContext(registry)
        found = city_map(context, "amsterdam", Linker(context.entity_base))
        assert found is not None
        assert {(p.latitude, p.longitude) for p in found.points} == {(52.3676, 4.9041)}
        assert len(found.points) == 2
