"""Every processor: its kind, what it does, its options and an example; checking step lists.

`parse_steps` checks a list of step definitions against the processors' option specs
before anything runs; compiling (pipeline) then checks each step against the fields the
previous step produced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from datapolis.steps import anonymise, dates, fields, geo, geocode, lookup, text
from datapolis.steps.frame import Frame, StepSQL
from datapolis.steps.model import Option, Step, StepError, check_option


@dataclass(frozen=True)
class Processor:
    kind: str
    label: str
    description: str
    options: tuple[Option, ...]
    example: dict[str, Any]
    build: Callable[[Frame, dict[str, Any]], StepSQL] = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "description": self.description,
            "options": [
                {
                    "name": o.name,
                    "type": o.type,
                    "required": o.required,
                    "default": o.default,
                    "choices": list(o.choices),
                    "help": o.help,
                }
                for o in self.options
            ],
            "example": self.example,
        }


def _p(kind: str, label: str, description: str, options: tuple[Option, ...], example: dict, build) -> Processor:
    return Processor(kind, label, description, options, {"kind": kind, "options": example}, build)


TARGET = Option("target", "name", help="a new field for the result; default: replace the field")
_LIST = [
    _p(
        "rename",
        "Rename fields",
        "Give fields new names (and labels).",
        (Option("fields", "renames", True), Option("labels", "mapping")),
        {"fields": {"code_postal": "postcode"}, "labels": {"code_postal": "Postcode"}},
        fields.rename,
    ),
    _p("drop", "Drop fields", "Remove fields.", (Option("fields", "fields", True),), {"fields": ["fax"]}, fields.drop),
    _p(
        "keep",
        "Keep fields",
        "Keep only these fields, in their order.",
        (Option("fields", "fields", True),),
        {"fields": ["uai", "nom"]},
        fields.keep,
    ),
    _p(
        "reorder",
        "Reorder fields",
        "Put these fields first, in this order; the others follow.",
        (Option("fields", "fields", True),),
        {"fields": ["nom", "code"]},
        fields.reorder,
    ),
    _p(
        "retype",
        "Change a field's type",
        "Convert values to another field type; a value that cannot be converted is an error.",
        (
            Option("field", "field", True),
            Option("type", "field_type", True),
            Option("decimal_comma", "bool", default=False),
        ),
        {"field": "population", "type": "int"},
        fields.retype,
    ),
    _p(
        "compute",
        "Compute a field",
        "A new (or replaced) field from an ODSQL expression over the row.",
        (Option("field", "name", True), Option("expression", "text", True), Option("label", "text")),
        {"field": "nom_upper", "expression": "upper(nom)"},
        fields.compute,
    ),
    _p(
        "filter",
        "Keep matching rows",
        "Keep the rows matching an ODSQL where clause.",
        (Option("where", "text", True),),
        {"where": "population > 1000"},
        fields.filter_rows,
    ),
    _p(
        "dedupe",
        "Remove duplicates",
        "Keep the first row of each set of rows equal on the fields (default: all).",
        (Option("fields", "fields"),),
        {"fields": ["code_insee"]},
        fields.dedupe,
    ),
    _p(
        "fill",
        "Fill empty values",
        "Replace empty values (NULL or blank text) by a constant.",
        (Option("fields", "fields", True), Option("value", "text", True)),
        {"fields": ["lieu_dit"], "value": "(none)"},
        fields.fill,
    ),
    _p(
        "unpivot",
        "Columns to rows",
        "One row per field listed, with its name in `key` and its value in `value`.",
        (
            Option("fields", "fields", True),
            Option("key", "name", default="key"),
            Option("value", "name", default="value"),
            Option("key_label", "text"),
            Option("value_label", "text"),
        ),
        {"fields": ["pop_2020", "pop_2021"], "key": "annee", "value": "population"},
        fields.unpivot,
    ),
    _p(
        "trim",
        "Trim spaces",
        "Remove spaces at both ends, collapse inner runs of spaces; blank becomes empty.",
        (
            Option("fields", "fields", True),
            Option("collapse", "bool", default=True),
            Option("empty_as_null", "bool", default=True),
        ),
        {"fields": ["nom"]},
        text.trim,
    ),
    _p(
        "case",
        "Change case",
        "Upper, lower or title case.",
        (Option("fields", "fields", True), Option("case", "choice", True, choices=("upper", "lower", "title"))),
        {"fields": ["commune"], "case": "title"},
        text.change_case,
    ),
    _p(
        "replace",
        "Replace text",
        "Replace every occurrence of a text, or of a regular expression (RE2; \\1 in the replacement).",
        (
            Option("fields", "fields", True),
            Option("find", "text", True),
            Option("replace", "text", default=""),
            Option("regex", "bool", default=False),
        ),
        {"fields": ["adresse"], "find": "\\bBd\\b", "replace": "Boulevard", "regex": True},
        text.replace_text,
    ),
    _p(
        "split",
        "Split into fields",
        "Split a text at a separator into several fields (the last one takes the rest).",
        (
            Option("field", "field", True),
            Option("separator", "text", True),
            Option("into", "names", True),
            Option("rest_in_last", "bool", default=True),
            Option("keep", "bool", default=True),
        ),
        {"field": "position", "separator": ",", "into": ["lat", "lon"]},
        text.split_fields,
    ),
    _p(
        "split_multivalued",
        "Split into a multivalued field",
        "Split a text at a separator into a list of values.",
        (Option("field", "field", True), Option("separator", "text", True), TARGET),
        {"field": "tags", "separator": ";"},
        text.split_multivalued,
    ),
    _p(
        "concat",
        "Concatenate fields",
        "Join fields' values with a separator, skipping empty ones.",
        (
            Option("fields", "fields", True),
            Option("target", "name", True),
            Option("separator", "text", default=" "),
            Option("label", "text"),
        ),
        {"fields": ["adresse", "code_postal", "commune"], "target": "adresse_complete", "separator": " "},
        text.concat,
    ),
    _p(
        "map",
        "Map values",
        "Replace values through a dictionary; others are kept, emptied or set to a constant.",
        (
            Option("field", "field", True),
            Option("mapping", "mapping", True),
            Option("default", "choice", default="keep", choices=("keep", "empty", "constant")),
            Option("default_value", "text"),
            TARGET,
        ),
        {"field": "secteur", "mapping": {"PU": "Public", "PR": "Privé"}, "default": "keep"},
        text.map_values,
    ),
    _p(
        "pad",
        "Pad codes with zeros",
        "Left-pad codes to a width (presets: insee 5, postal_code 5, siren 9, siret 14, departement 2).",
        (
            Option("field", "field", True),
            Option("width", "int", minimum=1),
            Option("char", "text", default="0"),
            Option("preset", "choice", choices=tuple(text.PAD_PRESETS)),
            TARGET,
        ),
        {"field": "code_insee", "preset": "insee"},
        text.pad,
    ),
    _p(
        "parse_date",
        "Parse a date",
        "Read a text as a date or datetime with a strptime format (or dd/mm/yyyy tokens); "
        "datetimes are read in a timezone.",
        (
            Option("field", "field", True),
            Option("format", "text", default="%d/%m/%Y"),
            Option("type", "choice", choices=("date", "datetime")),
            Option("timezone", "text", default="Europe/Paris"),
            TARGET,
        ),
        {"field": "date_ouverture", "format": "%d/%m/%Y"},
        dates.parse_date,
    ),
    _p(
        "date_part",
        "Extract a part of a date",
        "Year, month, day, ISO weekday (1 = Monday), quarter, ISO week or hour, as an int.",
        (
            Option("field", "field", True),
            Option("part", "choice", True, choices=tuple(dates.DATE_PARTS)),
            Option("target", "name"),
            Option("label", "text"),
            Option("timezone", "text", default="Europe/Paris"),
        ),
        {"field": "date_ouverture", "part": "year", "target": "annee_ouverture"},
        dates.date_part,
    ),
    _p(
        "point_from_latlon",
        "Point from latitude/longitude",
        "A geo_point_2d from two numeric (or numeric text) fields.",
        (
            Option("lat", "field", True),
            Option("lon", "field", True),
            Option("target", "name"),
            Option("label", "text"),
            Option("keep", "bool", default=True),
        ),
        {"lat": "latitude", "lon": "longitude", "target": "position"},
        geo.point_from_latlon,
    ),
    _p(
        "point_from_xy",
        "Point from projected X/Y",
        "Reproject X/Y from an EPSG coordinate system (e.g. Lambert-93, 2154) to a WGS84 point.",
        (
            Option("x", "field", True),
            Option("y", "field", True),
            Option("epsg", "int", True, minimum=1024),
            Option("target", "name"),
            Option("label", "text"),
            Option("keep", "bool", default=True),
        ),
        {"x": "coordonnee_x", "y": "coordonnee_y", "epsg": 2154},
        geo.point_from_xy,
    ),
    _p(
        "geometry_from_text",
        "Geometry from text",
        "A geo_shape from WKT or GeoJSON text.",
        (
            Option("field", "field", True),
            Option("format", "choice", default="auto", choices=("auto", "wkt", "geojson")),
            TARGET,
        ),
        {"field": "geo_shape", "format": "geojson"},
        geo.geometry_from_text,
    ),
    _p(
        "simplify",
        "Simplify a geometry",
        "Simplify shapes, keeping topology; tolerance in metres (converted at 111,320 m per degree).",
        (Option("field", "field", True), Option("tolerance", "number", True, minimum=0)),
        {"field": "geo_shape", "tolerance": 50},
        geo.simplify,
    ),
    _p(
        "area",
        "Area",
        "Geodesic area on the WGS84 ellipsoid, in m².",
        (Option("field", "field", True), Option("target", "name", default="area_m2"), Option("label", "text")),
        {"field": "geo_shape", "target": "surface_m2"},
        geo.area,
    ),
    _p(
        "length",
        "Length",
        "Geodesic length (perimeter of polygons) on the WGS84 ellipsoid, in m.",
        (Option("field", "field", True), Option("target", "name", default="length_m"), Option("label", "text")),
        {"field": "geo_shape", "target": "longueur_m"},
        geo.length,
    ),
    _p(
        "point_in_polygon",
        "Polygon containing a point",
        "Add fields of the polygon of another dataset that contains each point.",
        (
            Option("point", "field", True),
            Option("dataset", "dataset", True),
            Option("geometry", "field"),
            Option("fields", "fields"),
            Option("prefix", "text", default=""),
        ),
        {"point": "position", "dataset": "communes-35", "fields": ["code", "nom"], "prefix": "commune_"},
        lookup.point_in_polygon,
    ),
    _p(
        "join",
        "Join another dataset",
        "Add fields of another dataset's row with the same key "
        "(left join; first match, or an error on duplicate keys).",
        (
            Option("dataset", "dataset", True),
            Option("key", "field", True),
            Option("remote_key", "field"),
            Option("fields", "fields"),
            Option("prefix", "text", default=""),
            Option("duplicates", "choice", default="first", choices=("first", "error")),
        ),
        {"dataset": "cog-communes", "key": "code_commune", "remote_key": "com", "fields": ["libelle"]},
        lookup.join,
    ),
    _p(
        "geocode",
        "Geocode addresses",
        "Match French addresses against a Base Adresse Nationale dataset; adds a point, a score and a quality.",
        (
            Option("dataset", "dataset", True),
            Option("address", "field"),
            Option("number", "field"),
            Option("street", "field"),
            Option("postcode", "field"),
            Option("city", "field"),
            Option("min_score", "number", default=0.85, minimum=0),
            Option("target", "name"),
            Option("score_field", "name"),
            Option("quality_field", "name"),
            Option("ref_number", "field", default="numero"),
            Option("ref_street", "field", default="nom_voie"),
            Option("ref_postcode", "field", default="code_postal"),
            Option("ref_city", "field", default="nom_commune"),
            Option("ref_lon", "field", default="lon"),
            Option("ref_lat", "field", default="lat"),
            Option("ref_point", "field"),
        ),
        {"dataset": "ban-35", "address": "adresse", "postcode": "code_postal", "city": "commune"},
        geocode.geocode,
    ),
    _p(
        "anonymise",
        "Anonymise",
        "Drop fields, hash them with the instance's secret, coarsen dates to month/year, "
        "or points/shapes by rounding or snapping to a grid.",
        (
            Option("fields", "fields", True),
            Option("method", "choice", True, choices=anonymise.METHODS),
            Option("decimals", "int", default=2, minimum=0),
            Option("grid_m", "number", default=1000, minimum=1),
        ),
        {"fields": ["email"], "method": "hash"},
        anonymise.anonymise,
    ),
]

PROCESSORS: dict[str, Processor] = {p.kind: p for p in _LIST}


def parse_step(index: int, data: Any, processors: Mapping[str, Processor]) -> Step:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise StepError(index, "", "a step is an object with a 'kind' and 'options'")
    kind = data["kind"]
    processor = processors.get(kind)
    if processor is None:
        raise StepError(index, kind, f"unknown kind; kinds are {', '.join(sorted(processors))}")
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise StepError(index, kind, "'options' must be an object")
    known = {o.name: o for o in processor.options}
    for name in options:
        if name not in known:
            raise StepError(index, kind, f"unknown option {name!r}; options are {', '.join(known)}", option=name)
    result: dict[str, Any] = {}
    for option in processor.options:
        value = options.get(option.name)
        if value is None:
            if option.required:
                raise StepError(index, kind, f"option {option.name!r} is required", option=option.name)
            if option.default is not None:
                result[option.name] = option.default
            continue
        problem = check_option(option, value)
        if problem:
            raise StepError(index, kind, f"option {option.name!r} {problem}", option=option.name)
        result[option.name] = value
    return Step(kind, result)


def parse_steps(data: Any, processors: Mapping[str, Processor] | None = None) -> list[Step]:
    """Check a list of step definitions (JSON) and return them as Steps, defaults filled in."""
    if processors is None:
        processors = PROCESSORS
    if not isinstance(data, list):
        raise StepError(0, "", "steps must be a list")
    return [parse_step(i, item, processors) for i, item in enumerate(data, start=1)]
