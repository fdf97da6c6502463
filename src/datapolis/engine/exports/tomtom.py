"""TomTom OV2 points of interest: a binary record per point, packed from Arrow batches."""

from __future__ import annotations

import struct
from pathlib import Path

import duckdb

from datapolis.engine.exports.request import ExportRequest
from datapolis.engine.exports.stream import Output
from datapolis.engine.exports.values import bind_option_variables, ref, text_value, waypoint_lonlat

BATCH_ROWS = 65_536
# Record type 2 ("simple POI"): type byte, record length, lon and lat in 1e-5 degrees.
_POI_TYPE = 2
_POI_HEAD = struct.Struct("<BIii")


def build_ov2(request: ExportRequest, folder: Path) -> Output:
    """Each row's point (geo_point_2d, or a point on the geo_shape) named by `name_field`,
    else by the first text field."""
    request = request.in_wgs84()
    options = request.options
    geo = request.geo_column
    lon, lat = waypoint_lonlat(geo)
    name_column = next(
        (c for c in request.columns if c.name == options.name_field),
        next((c for c in request.columns if c.type == "text"), None),
    )
    name = text_value(name_column, options) if name_column else "NULL"
    select = request.select(
        f"CAST(round({lon} * 100000) AS INTEGER) AS lon, CAST(round({lat} * 100000) AS INTEGER) AS lat, "
        f"coalesce(replace({name}, chr(0), ''), '') AS name",
        where=f"{ref(geo)} IS NOT NULL",
    )
    path = folder / "export.ov2"

    def write(con: duckdb.DuckDBPyConnection) -> None:
        bind_option_variables(con, options)
        reader = con.execute(select, request.params).to_arrow_reader(BATCH_ROWS)
        with open(path, "wb") as file:
            for batch in reader:
                file.write(_pack(batch.to_pydict()))

    return Output(path, write, progressive=True)


def _pack(columns: dict[str, list]) -> bytes:
    records = []
    for lon, lat, name in zip(columns["lon"], columns["lat"], columns["name"], strict=True):
        label = name.encode() + b"\0"
        records.append(_POI_HEAD.pack(_POI_TYPE, _POI_HEAD.size + len(label), lon, lat) + label)
    return b"".join(records)
