"""KML placemarks keep their ExtendedData attributes (`<Data>` and `<SchemaData>`), which
GDAL's KML driver drops. The files are the real Vélib' stations, written as KML here."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import field_types, read_path, rows

KML = "http://www.opengis.net/kml/2.2"
STATIONS = 24


@pytest.fixture
def stations(shared_datasets: Path) -> list[dict[str, str]]:
    """The first Vélib' stations of the shared CSV: identifier, name (accents), capacity, lat/lon."""
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        chosen = [row for _, row in zip(range(STATIONS), reader, strict=False)]
    assert any("é" in row["Nom de la station"] or "è" in row["Nom de la station"] for row in chosen)
    return chosen


def element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{KML}}}{tag}", attributes)
    child.text = text
    return child


def placemark(container: ET.Element, station: dict[str, str], *, schema: bool) -> None:
    mark = element(container, "Placemark")
    element(mark, "name", station["Nom de la station"])
    extended = element(mark, "ExtendedData")
    attributes = {
        "Identifiant station": station["Identifiant station"],
        "Capacité de la station": station["Capacité de la station"],
        "Nom complet": f"Station « {station['Nom de la station']} »",
    }
    if schema:
        data = element(extended, "SchemaData", schemaUrl="#stations")
        for name, value in attributes.items():
            element(data, "SimpleData", value, name=name)
    else:
        for name, value in attributes.items():
            element(element(extended, "Data", name=name), "value", value)
    lat, lon = station["Coordonnées géographiques"].split(", ")
    element(element(mark, "Point"), "coordinates", f"{lon},{lat}")


def write_kml(path: Path, stations: list[dict[str, str]], *, schema: bool) -> Path:
    """A Document with a Schema (SchemaData form), a placemark without geometry, then a Folder of stations."""
    ET.register_namespace("", KML)
    root = ET.Element(f"{{{KML}}}kml")
    document = element(root, "Document")
    element(document, "name", "Vélib'")
    if schema:
        declared = element(document, "Schema", name="stations", id="stations")
        for name, kind in (("Identifiant station", "string"), ("Capacité de la station", "int")):
            element(declared, "SimpleField", name=name, type=kind)
    folder = element(document, "Folder")
    element(folder, "name", "Stations")
    for index, station in enumerate(stations):
        if index == 3:  # GDAL skips a placemark without geometry: the next ones must not shift
            note = element(folder, "Placemark")
            element(note, "name", "Note sans géométrie")
            element(element(element(note, "ExtendedData"), "Data", name="Capacité de la station"), "value", "999")
        placemark(folder, station, schema=schema)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


@pytest.mark.parametrize("schema", [False, True], ids=["Data", "SchemaData"])
def test_extended_data_arrive_as_fields_with_their_values(con, tmp_path: Path, stations, schema: bool) -> None:
    path = write_kml(tmp_path / "stations.kml", stations, schema=schema)

    prepared = read_path(con, path)

    types = field_types(prepared)
    assert types["identifiant_station"] == "text"  # an identifier, as in the CSV
    assert types["capacite_de_la_station"] == "int"
    assert types["nom_complet"] == "text"
    labels = {spec.name: spec.label for spec in prepared.fields}
    assert labels["capacite_de_la_station"] == "Capacité de la station"
    got = rows(con, prepared, "name", "identifiant_station", "capacite_de_la_station", "nom_complet", "geom")
    expected = []
    for station in stations:
        lat, lon = (float(value) for value in station["Coordonnées géographiques"].split(", "))
        expected.append(
            (
                station["Nom de la station"],
                station["Identifiant station"],
                int(station["Capacité de la station"]),
                f"Station « {station['Nom de la station']} »",
                {"lon": pytest.approx(lon), "lat": pytest.approx(lat)},
            )
        )
    assert got == expected
    assert 999 not in [row[2] for row in got]


def test_a_kml_without_extended_data_reads_as_before(con, tmp_path: Path) -> None:
    path = tmp_path / "plain.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>Rennes</name><Point><coordinates>-1.68,48.11</coordinates></Point></Placemark>"
        "</Document></kml>",
        encoding="utf-8",
    )

    prepared = read_path(con, path)

    assert list(field_types(prepared)) == ["name", "description", "geom"]


def test_a_kml_declaring_entities_is_refused(con, tmp_path: Path) -> None:
    path = tmp_path / "entities.kml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY city "Rennes">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&city;</name>'
        '<ExtendedData><Data name="code"><value>35238</value></Data></ExtendedData>'
        "<Point><coordinates>-1.68,48.11</coordinates></Point></Placemark></Document></kml>",
        encoding="utf-8",
    )

    with pytest.raises(IngestError) as caught:
        read_path(con, path)

    assert caught.value.code == "unsafe_xml"
