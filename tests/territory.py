"""The demo's communes and charging points of one generated territory, published for map tests."""

from __future__ import annotations

from pathlib import Path

from datapolis.catalog import services
from datapolis.demo.communes import write_communes
from datapolis.demo.irve import write_irve
from datapolis.demo.territory import build_territory
from datapolis.ingest import ReadOptions

SEED = 2154


def publish_communes_and_charging_points(folder: Path, *, charging_points_scale: float) -> None:
    """Commune polygons (the offline basemap) and points (a clustered layer) of the SEED territory."""
    territory = build_territory(SEED)
    for demo in (
        write_communes(folder, territory, seed=SEED, scale=1.0),
        write_irve(folder, territory, seed=SEED, scale=charging_points_scale),
    ):
        options = ReadOptions(**demo.read_options, original_name=demo.path.name)
        services.import_file(demo.path, demo.dataset_id, options=options, metadata=demo.metadata)
