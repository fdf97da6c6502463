"""preview(): the inferred fields and the first rows, ready to show in the back office."""

from __future__ import annotations

import json
from pathlib import Path

from datapolis.ingest import preview


def test_preview_gives_first_rows_with_geojson_shapes(con, shared_datasets: Path) -> None:
    prepared, records = preview(con, shared_datasets / "idfm/emplacement-des-gares-idf.csv", limit=3)

    assert len(records) == 3
    assert [spec.name for spec in prepared.fields] == list(records[0])
    first = records[0]
    assert first["nom"] == "Bouray"
    assert first["geo_point"] == {"lon": 2.290082513840396, "lat": 48.532890102323265}
    assert first["geo_shape"] == {"type": "Point", "coordinates": [2.290082513840396, 48.532890102323265]}
    json.dumps([{k: v for k, v in r.items()} for r in records], default=str)
