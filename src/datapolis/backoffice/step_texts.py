# ruff: noqa: E501 (the English texts are the registry's, kept whole for the translators)
"""The processors' labels and descriptions, and their options' names, in the agent's language.

`datapolis.steps.registry` holds them in English, without Django; the back office shows these
translated copies (a processor added there without a line here shows its English text).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PROCESSOR_TEXTS = {
    "rename": (
        _("Rename fields"),
        _("Give fields new names (and labels)."),
    ),
    "drop": (
        _("Drop fields"),
        _("Remove fields."),
    ),
    "keep": (
        _("Keep fields"),
        _("Keep only these fields, in their order."),
    ),
    "reorder": (
        _("Reorder fields"),
        _("Put these fields first, in this order; the others follow."),
    ),
    "retype": (
        _("Change a field's type"),
        _("Convert values to another field type; a value that cannot be converted is an error."),
    ),
    "compute": (
        _("Compute a field"),
        _("A new (or replaced) field from an ODSQL expression over the row."),
    ),
    "filter": (
        _("Keep matching rows"),
        _("Keep the rows matching an ODSQL where clause."),
    ),
    "dedupe": (
        _("Remove duplicates"),
        _("Keep the first row of each set of rows equal on the fields (default: all)."),
    ),
    "fill": (
        _("Fill empty values"),
        _("Replace empty values (NULL or blank text) by a constant."),
    ),
    "unpivot": (
        _("Columns to rows"),
        _("One row per field listed, with its name in `key` and its value in `value`."),
    ),
    "trim": (
        _("Trim spaces"),
        _("Remove spaces at both ends, collapse inner runs of spaces; blank becomes empty."),
    ),
    "case": (
        _("Change case"),
        _("Upper, lower or title case."),
    ),
    "replace": (
        _("Replace text"),
        _("Replace every occurrence of a text, or of a regular expression (RE2; \\1 in the replacement)."),
    ),
    "split": (
        _("Split into fields"),
        _("Split a text at a separator into several fields (the last one takes the rest)."),
    ),
    "split_multivalued": (
        _("Split into a multivalued field"),
        _("Split a text at a separator into a list of values."),
    ),
    "concat": (
        _("Concatenate fields"),
        _("Join fields' values with a separator, skipping empty ones."),
    ),
    "map": (
        _("Map values"),
        _("Replace values through a dictionary; others are kept, emptied or set to a constant."),
    ),
    "pad": (
        _("Pad codes with zeros"),
        _("Left-pad codes to a width (presets: insee 5, postal_code 5, siren 9, siret 14, departement 2)."),
    ),
    "parse_date": (
        _("Parse a date"),
        _(
            "Read a text as a date or datetime with a strptime format (or dd/mm/yyyy tokens); datetimes are read in a timezone."
        ),
    ),
    "date_part": (
        _("Extract a part of a date"),
        _("Year, month, day, ISO weekday (1 = Monday), quarter, ISO week or hour, as an int."),
    ),
    "point_from_latlon": (
        _("Point from latitude/longitude"),
        _("A geo_point_2d from two numeric (or numeric text) fields."),
    ),
    "point_from_xy": (
        _("Point from projected X/Y"),
        _("Reproject X/Y from an EPSG coordinate system (e.g. Lambert-93, 2154) to a WGS84 point."),
    ),
    "geometry_from_text": (
        _("Geometry from text"),
        _("A geo_shape from WKT or GeoJSON text."),
    ),
    "simplify": (
        _("Simplify a geometry"),
        _("Simplify shapes, keeping topology; tolerance in metres (converted at 111,320 m per degree)."),
    ),
    "area": (
        pgettext_lazy("processing step", "Area"),
        _("Geodesic area on the WGS84 ellipsoid, in m²."),
    ),
    "length": (
        _("Length"),
        _("Geodesic length (perimeter of polygons) on the WGS84 ellipsoid, in m."),
    ),
    "point_in_polygon": (
        _("Polygon containing a point"),
        _("Add fields of the polygon of another dataset that contains each point."),
    ),
    "join": (
        _("Join another dataset"),
        _(
            "Add fields of another dataset's row with the same key (left join; first match, or an error on duplicate keys)."
        ),
    ),
    "geocode": (
        _("Geocode addresses"),
        _("Match French addresses against a Base Adresse Nationale dataset; adds a point, a score and a quality."),
    ),
    "anonymise": (
        _("Anonymise"),
        _(
            "Drop fields, hash them with the instance's secret, coarsen dates to month/year, or points/shapes by rounding or snapping to a grid."
        ),
    ),
}

OPTION_LABELS = {
    "address": _("Address field"),
    "case": _("Case"),
    "char": _("Padding character"),
    "city": _("City field"),
    "collapse": _("Collapse inner spaces"),
    "dataset": _("Other dataset (identifier)"),
    "decimal_comma": _("Decimal comma"),
    "decimals": _("Decimals"),
    "default": _("Other values"),
    "default_value": _("Constant for other values"),
    "duplicates": _("Duplicate keys"),
    "empty_as_null": _("Blank becomes empty"),
    "epsg": _("EPSG code"),
    "expression": _("Expression (ODSQL)"),
    "field": _("Field"),
    "fields": _("Fields"),
    "find": _("Text to find"),
    "format": _("Format"),
    "geometry": _("Geometry field of the other dataset"),
    "grid_m": _("Grid size (m)"),
    "into": _("New fields"),
    "keep": _("Keep the original fields"),
    "key": _("Key"),
    "key_label": _("Label of the key field"),
    "label": _("Label"),
    "labels": _("Labels"),
    "lat": _("Latitude field"),
    "lon": _("Longitude field"),
    "mapping": _("Values"),
    "method": _("Method"),
    "min_score": _("Minimum score"),
    "number": _("House number field"),
    "part": _("Part"),
    "point": _("Point field"),
    "postcode": _("Postcode field"),
    "prefix": _("Prefix of the added fields"),
    "preset": _("Preset"),
    "quality_field": _("Quality field"),
    "ref_city": _("City field of the reference"),
    "ref_lat": _("Latitude field of the reference"),
    "ref_lon": _("Longitude field of the reference"),
    "ref_number": _("Number field of the reference"),
    "ref_point": _("Point field of the reference"),
    "ref_postcode": _("Postcode field of the reference"),
    "ref_street": _("Street field of the reference"),
    "regex": _("Regular expression"),
    "remote_key": _("Key of the other dataset"),
    "replace": _("Replacement"),
    "rest_in_last": _("The last field takes the rest"),
    "score_field": _("Score field"),
    "separator": _("Separator"),
    "street": _("Street field"),
    "target": _("New field"),
    "timezone": _("Time zone"),
    "tolerance": _("Tolerance (m)"),
    "type": _("Type"),
    "value": _("Value"),
    "value_label": _("Label of the value field"),
    "where": _("Condition (ODSQL where clause)"),
    "width": _("Width"),
    "x": _("X field"),
    "y": _("Y field"),
}
