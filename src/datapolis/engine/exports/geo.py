"""Geographic formats: shp, fgb and kml through GDAL (spatial extension), gpx as text lines.

The geometry comes from the first shape field, else the first point field; every other field is an attribute, geo
fields among them as text ("lat, lon" or GeoJSON). Datetimes are ISO 8601 text in the
requested timezone, since Shapefile and KML have no zoned datetime type.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb

from datapolis.engine.exports.columns import NUMERIC_TYPES, ExportColumn, shapefile_names, xml_names
from datapolis.engine.exports.options import ExportError
from datapolis.engine.exports.request import RAW_LINES, ExportRequest
from datapolis.engine.exports.stream import Output
from datapolis.engine.exports.values import geometry, ref, text_value, waypoint_lonlat, xml_text
from datapolis.engine.sql import quote_identifier, quote_literal


def attribute_value(column: ExportColumn, request: ExportRequest, *, typed_dates: bool) -> str:
    """Numbers and booleans typed, dates typed where the format has dates, the rest as text."""
    if column.multivalued:
        return text_value(column, request.options)
    if column.type in NUMERIC_TYPES or column.type == "boolean":
        return ref(column)
    if column.type == "date":
        return ref(column) if typed_dates else f"CAST({ref(column)} AS VARCHAR)"
    return text_value(column, request.options)


def _gdal_select(request: ExportRequest, names: list[str], *, epsg: int, typed_dates: bool) -> str:
    geo = request.geo_column
    attributes = [
        f"{attribute_value(column, request, typed_dates=typed_dates)} AS {quote_identifier(name)}"
        for column, name in zip(request.columns, names, strict=True)
        if column is not geo
    ]
    # GDAL takes the GEOMETRY column as the geometry, whatever its name: one no field can have.
    return request.select(", ".join([*attributes, f"{geometry(geo, epsg)} AS _export_geometry"]))


def _gdal_options(driver: str, srs: str, *, layer: tuple[str, ...] = (), dataset: tuple[str, ...] = ()) -> str:
    parts = ["FORMAT gdal", f"DRIVER {quote_literal(driver)}", f"SRS {quote_literal(srs)}"]
    if layer:
        parts.append(f"LAYER_CREATION_OPTIONS ({', '.join(map(quote_literal, layer))})")
    if dataset:
        parts.append(f"DATASET_CREATION_OPTIONS ({', '.join(map(quote_literal, dataset))})")
    return ", ".join(parts)


def build_shp(request: ExportRequest, folder: Path) -> Output:
    """A zip of .shp, .shx, .dbf, .prj and .cpg (UTF-8 attributes, names cut to 10 characters)."""
    epsg = request.options.epsg
    layer = request.options.layer_name
    names = shapefile_names(column.name for column in request.columns)
    shapes = folder / "shp"
    shapes.mkdir()
    copy = request.copy_writer(
        _gdal_select(request, names, epsg=epsg, typed_dates=True),
        shapes / f"{layer}.shp",
        _gdal_options("ESRI Shapefile", f"EPSG:{epsg}", layer=("ENCODING=UTF-8",)),
    )
    archive = folder / f"{layer}.zip"

    def write(con: duckdb.DuckDBPyConnection) -> None:
        try:
            copy(con)
        except duckdb.Error as error:
            if "geometry" in str(error).lower():
                raise ExportError(f"a Shapefile holds one kind of geometry: {error}") from error
            raise
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for part in sorted(shapes.iterdir()):
                zipped.write(part, part.name)

    return Output(archive, write)


def build_fgb(request: ExportRequest, folder: Path) -> Output:
    """FlatGeobuf without spatial index: the index would reorder features and hold them in memory."""
    epsg = request.options.epsg
    names = [column.name for column in request.columns]
    path = folder / f"{request.options.layer_name}.fgb"
    select = _gdal_select(request, names, epsg=epsg, typed_dates=True)
    options = _gdal_options("FlatGeobuf", f"EPSG:{epsg}", layer=("SPATIAL_INDEX=NO",))
    return Output(path, request.copy_writer(select, path, options))


def build_kml(request: ExportRequest, folder: Path) -> Output:
    """KML is WGS84 by definition: `epsg` does not apply."""
    request = request.in_wgs84()
    names = [column.name for column in request.columns]
    path = folder / f"{request.options.layer_name}.kml"
    select = _gdal_select(request, names, epsg=request.options.epsg, typed_dates=False)
    dataset_options = ()
    if request.options.name_field:
        dataset_options = (f"NameField={_field(request, request.options.name_field).name}",)
    # OGC:CRS84 is lon/lat; with EPSG:4326, GDAL's KML writer would swap the axes.
    options = _gdal_options("KML", "OGC:CRS84", dataset=dataset_options)
    return Output(path, request.copy_writer(select, path, options))


def _field(request: ExportRequest, name: str) -> ExportColumn:
    for column in request.columns:
        if column.name == name:
            return column
    raise ExportError(f"unknown field {name!r}")


# -- GPX -----------------------------------------------------------------------------

GPX_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gpx version="1.1" creator="Datapolis" xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:ogr="http://osgeo.org/gdal" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">\n'
)
# Elements of a GPX waypoint: extension fields with these names are renamed.
GPX_WAYPOINT_ELEMENTS = frozenset(
    {"ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link", "sym", "type", "fix", "sat"}
    | {"hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid"}
)


def build_gpx(request: ExportRequest, folder: Path) -> Output:
    """Waypoints: geo_point_2d, or a point on the surface of a geo_shape (GPX is WGS84).

    `name_field` gives <name>; `description_field_list` gives <desc> ("label: value"
    lines); with `use_extension` every field is also in <extensions>, as GDAL writes
    them, otherwise the description lists every field when no list is given.
    """
    request = request.in_wgs84()
    options = request.options
    geo = request.geo_column
    lon, lat = waypoint_lonlat(geo)
    parts = [f"'<wpt lat=\"', CAST({lat} AS VARCHAR), '\" lon=\"', CAST({lon} AS VARCHAR), '\">'"]
    if options.name_field:
        name = text_value(_field(request, options.name_field), options)
        parts.append(_element("name", name))
    described = [_field(request, name) for name in options.description_field_list]
    if not described and not options.use_extension:
        described = list(request.columns)
    if described:
        lines = ", ".join(f"{quote_literal(c.label + ': ')} || {text_value(c, options)}" for c in described)
        parts.append(_element("desc", f"concat_ws(chr(10), {lines})"))
    if options.use_extension:
        names = xml_names((c.name for c in request.columns), reserved=GPX_WAYPOINT_ELEMENTS)
        fields = ", ".join(
            _element(f"ogr:{name}", text_value(c, options)) for c, name in zip(request.columns, names, strict=True)
        )
        parts.append(f"'<extensions>', {fields}, '</extensions>'")
    parts.append("'</wpt>'")
    select = request.select(f"concat({', '.join(parts)}) AS line", where=f"{ref(geo)} IS NOT NULL")
    path = folder / "export.gpx"
    return Output(
        path,
        request.copy_writer(select, path, RAW_LINES),
        progressive=True,
        prefix=GPX_HEADER.encode(),
        suffix=b"</gpx>\n",
    )


def _element(tag: str, value: str) -> str:
    """An XML element around a value, or nothing when the value is NULL."""
    return f"coalesce('<{tag}>' || {xml_text(value)} || '</{tag}>', '')"
