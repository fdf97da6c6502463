"""A dataset's export tab: the formats, each a link to the Explore API export under the page's filters."""

from __future__ import annotations

from typing import Any

from datapolis.engine.exports import FORMATS
from datapolis.frontoffice.pages.common import DatasetPage
from datapolis.frontoffice.state import (
    TIMEZONE,
)

EXPORT_LABELS = {
    "csv": "CSV",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "geojson": "GeoJSON",
    "parquet": "Parquet",
    "xlsx": "Excel (xlsx)",
    "shp": "Shapefile",
    "fgb": "FlatGeobuf",
    "kml": "KML",
    "gpx": "GPX",
    "ov2": "TomTom OV2",
    "jsonld": "JSON-LD",
    "turtle": "RDF Turtle",
    "n3": "RDF N3",
    "rdfxml": "RDF/XML",
}


def exports(page: DatasetPage) -> list[dict[str, Any]]:
    params = [*page.state.filter_params(), ("timezone", TIMEZONE)]
    has_geo = bool(page.geo_fields)
    items = []
    for name, spec in FORMATS.items():
        geographic = spec.geographic
        if geographic and not has_geo:
            continue
        items.append(
            {"format": name, "label": EXPORT_LABELS.get(name, name.upper()), "geographic": geographic,
             "url": page.api_url(f"exports/{name}", params)}
        )  # fmt: skip
    return items
