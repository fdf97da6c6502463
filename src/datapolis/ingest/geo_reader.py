"""Zipped Shapefiles, GeoPackages and KML, read by GDAL through DuckDB's spatial ST_Read.

KML placemarks' ExtendedData, which GDAL's KML driver drops, are read by `kml_data`.

The geometry is reprojected to WGS84 (lon/lat) from the layer's declared CRS (a
Shapefile's .prj), or from the `epsg` option, which wins when given. A layer without
a CRS whose coordinates are plausible lon/lat is taken as WGS84; otherwise the
publisher is asked for the EPSG code. Point layers give a geo_point_2d field, other
layers a geo_shape. `sheet` names the layer (default: the first with features).
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import duckdb
import pyarrow
from defusedxml import DefusedXmlException, ElementTree

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.ingest import kml_data
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.inference import point_struct
from datapolis.ingest.json_reader import list_column, scalar_column
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.relation import LATITUDES, LONGITUDES, StagedColumn, Staging, bounds_within, new_name


def stage_geo(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staging:
    gdal_path = _gdal_path(path)
    layer = _layer(con, path, gdal_path, options.sheet)
    records = new_name("ingest_records")
    try:
        con.execute(
            f"CREATE TEMP TABLE {quote_identifier(records)} AS SELECT * FROM ST_Read(?, layer = ?)",
            [gdal_path, layer["name"]],
        )
    except duckdb.Error as error:
        raise _unreadable(path, error) from error
    untyped: list[str] = []  # text read like a CSV's (numbers too): KML's ExtendedData
    if layer["driver"] == "KML":
        records, untyped = _with_kml_extended_data(con, path, records, layer)
    columns = [(str(row[0]), str(row[1])) for row in con.execute(f"DESCRIBE {quote_identifier(records)}").fetchall()]
    # GDAL adds a feature id column that is no field of the data.
    columns = [(name, kind) for index, (name, kind) in enumerate(columns) if not _is_fid(index, name, kind)]
    geometry_columns = [name for name, kind in columns if kind.startswith("GEOMETRY")]
    epsg = options.epsg or _layer_epsg(layer)
    if geometry_columns and epsg is None and not _looks_like_lonlat(con, records, geometry_columns[0]):
        raise IngestError(
            str(path),
            gettext_noop("The file does not say which projection its coordinates are in: give the EPSG code."),
            code="missing_projection",
        )
    staged, selects = stage_typed_columns(con, records, columns, epsg or 4326, untyped=untyped)
    table = new_name("ingest_raw")
    con.execute(
        f"CREATE TEMP TABLE {quote_identifier(table)} AS SELECT {', '.join(selects)} FROM {quote_identifier(records)}"
    )
    con.execute(f"DROP TABLE {quote_identifier(records)}")
    row = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()
    source = {"layer": layer["name"], "epsg": epsg or 4326, "driver": layer.get("driver")}
    return Staging(str(path), table, staged, int(row[0]) if row else 0, lambda index: index + 1, source)


def stage_typed_columns(
    con: duckdb.DuckDBPyConnection,
    records: str,
    columns: list[tuple[str, str]],
    epsg: int,
    *,
    untyped: Collection[str] = (),
) -> tuple[list[StagedColumn], list[str]]:
    """Staged columns for a table whose columns carry DuckDB types (GDAL layers, Parquet).

    Strings are read as dates and geometries only, except in the `untyped` columns, whose
    text says nothing of its type (numbers and booleans are read from them too). Lists of
    scalars (`VARCHAR[]`, `BIGINT[]`...) are multivalued text fields, their values as text.
    """
    staged: list[StagedColumn] = []
    selects: list[str] = []
    for name, kind in columns:
        column = f"c{len(staged) + 1}"
        quoted = quote_identifier(name)
        if kind.startswith("GEOMETRY"):
            geometry = _wgs84(f"ST_Force2D({quoted})", epsg)
            if _only_points(con, records, name):
                staged.append(StagedColumn(column, name, "geo_point_2d"))
                selects.append(f"{point_struct(f'ST_X({geometry})', f'ST_Y({geometry})')} AS {column}")
            else:
                staged.append(StagedColumn(column, name, "geo_shape"))
                selects.append(f"{geometry} AS {column}")
            continue
        values = list_column(quoted, kind)
        if values is not None:  # a list of scalars: a multivalued text field
            staged.append(StagedColumn(column, name, "text", multivalued=True))
            selects.append(f"{values} AS {column}")
            continue
        field_type, sql = scalar_column(quoted, kind)
        staged.append(StagedColumn(column, name, field_type, textual=field_type is None and name not in untyped))
        selects.append(f"{sql} AS {column}")
    return staged, selects


def _with_kml_extended_data(
    con: duckdb.DuckDBPyConnection, path: Path, records: str, layer: dict[str, Any]
) -> tuple[str, list[str]]:
    """`records` with a text column for each ExtendedData attribute of the layer's placemarks, and their names.

    GDAL's KML driver reads none of them (see `kml_data`). Values are text, typed later
    like a CSV's; an attribute named like a column GDAL gives (Name...) gets a suffix.
    """
    table = quote_identifier(records)
    if not {"OGC_FID", "Name"} <= {str(row[0]) for row in con.execute(f"DESCRIBE {table}").fetchall()}:
        return records, []
    features = con.execute(f'SELECT "OGC_FID", "Name" FROM {table} ORDER BY "OGC_FID"').fetchall()
    try:
        extended = kml_data.layer_extended_data(
            path, layer["name"], layer["index"], [(name or "").strip() for _, name in features]
        )
    except DefusedXmlException as error:
        raise IngestError(
            str(path),
            gettext_noop("The KML file declares XML entities, which are refused for safety: remove its DOCTYPE."),
            code="unsafe_xml",
        ) from error
    except ElementTree.ParseError as error:
        raise _unreadable(path, error) from error
    if extended is None:
        return records, []
    taken = {str(row[0]).lower() for row in con.execute(f"DESCRIBE {table}").fetchall()}
    columns: dict[str, str] = {}
    for name in extended.names:
        column = name
        while column.lower() in taken:
            column += "_2"
        taken.add(column.lower())
        columns[name] = column
    attributes = pyarrow.table(
        {
            "datapolis_fid": [fid for fid, _ in features],
            **{
                column: pyarrow.array([row.get(name) for row in extended.rows], pyarrow.string())
                for name, column in columns.items()
            },
        }
    )
    relation = new_name("ingest_kml_attributes")
    con.register(relation, attributes)
    joined = new_name("ingest_records")
    selected = ", ".join(f"a.{quote_identifier(column)}" for column in columns.values())
    con.execute(
        f"CREATE TEMP TABLE {quote_identifier(joined)} AS SELECT r.*, {selected} FROM {table} r "
        f'LEFT JOIN {quote_identifier(relation)} a ON a.datapolis_fid = r."OGC_FID" ORDER BY r."OGC_FID"'
    )
    con.unregister(relation)
    con.execute(f"DROP TABLE {table}")
    return joined, list(columns.values())


def _is_fid(index: int, name: str, kind: str) -> bool:
    return index == 0 and name.lower() in ("ogc_fid", "fid") and kind in ("INTEGER", "BIGINT")


def _wgs84(geometry: str, epsg: int) -> str:
    if epsg == 4326:
        return geometry
    return f"ST_Transform({geometry}, {quote_literal(f'EPSG:{int(epsg)}')}, 'EPSG:4326', always_xy := true)"


def _only_points(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    quoted = quote_identifier(column)
    row = con.execute(
        f"SELECT count({quoted}), count(*) FILTER (WHERE ST_GeometryType({quoted}) = 'POINT') "
        f"FROM {quote_identifier(table)}"
    ).fetchone()
    return bool(row and row[0] and row[0] == row[1])


def _looks_like_lonlat(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    quoted = quote_identifier(column)
    query = (
        f"SELECT min(ST_XMin({quoted})), max(ST_XMax({quoted})), min(ST_YMin({quoted})), max(ST_YMax({quoted})) "
        f"FROM {quote_identifier(table)}"
    )
    return bounds_within(con, query, LONGITUDES, LATITUDES, empty=True)


def _gdal_path(path: Path) -> str:
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".zip" or _starts_like_zip(path):
            raise IngestError(str(path), gettext_noop("The zip archive is damaged or truncated."), code="truncated")
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            members = [name for name in archive.namelist() if name.lower().endswith(".shp")]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise IngestError(
            str(path), gettext_noop("The zip archive is damaged or truncated."), code="truncated"
        ) from error
    if damaged is not None:
        raise IngestError(
            str(path),
            gettext_noop("The zip archive is damaged or truncated (member %(member)s)."),
            {"member": damaged},
            code="truncated",
        )
    if not members:
        raise IngestError(str(path), gettext_noop("The zip archive holds no Shapefile (.shp)."), code="no_shapefile")
    return f"/vsizip/{path}/{sorted(members)[0]}"


def _starts_like_zip(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(4) == b"PK\x03\x04"


def _layer(con: duckdb.DuckDBPyConnection, path: Path, gdal_path: str, wanted: str | None) -> dict[str, Any]:
    try:
        row = con.execute("SELECT driver_short_name, layers FROM ST_Read_Meta(?)", [gdal_path]).fetchone()
    except duckdb.Error as error:
        raise _unreadable(path, error) from error
    if row is None or not row[1]:
        raise IngestError(str(path), gettext_noop("The file holds no layer."), code="empty_file")
    driver, layers = row
    if wanted is not None:
        chosen = next((layer for layer in layers if layer["name"] == wanted), None)
        if chosen is None:
            raise IngestError(
                str(path),
                gettext_noop("The file has no layer %(layer)s (layers: %(layers)s)."),
                {"layer": wanted, "layers": ", ".join(layer["name"] for layer in layers)},
                code="bad_option",
            )
    else:
        chosen = next((layer for layer in layers if layer.get("feature_count")), layers[0])
    return {**chosen, "driver": driver, "index": layers.index(chosen)}


def _layer_epsg(layer: dict[str, Any]) -> int | None:
    for geometry_field in layer.get("geometry_fields") or []:
        crs = geometry_field.get("crs") or {}
        if crs.get("auth_name") == "EPSG" and str(crs.get("auth_code", "")).isdigit():
            return int(crs["auth_code"])
    return None


def _unreadable(path: Path, error: Exception) -> IngestError:
    return IngestError(
        str(path),
        gettext_noop("The file cannot be read: %(error)s"),
        {"error": str(error).split("\n")[0]},
        code="unreadable",
    )
