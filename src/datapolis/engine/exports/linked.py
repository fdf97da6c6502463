"""Linked-data formats: each row a blank node whose properties are its fields.

Predicates are `<vocabulary_uri><field name>`; values are typed literals (xsd numbers,
booleans, dates and dateTimes, GeoSPARQL WKT literals for geo fields; a multivalued
field gives one triple per value). Turtle (also served as N3, a superset) and RDF/XML
are text lines written by DuckDB; JSON-LD is DuckDB's JSON writer under an @context.
"""

from __future__ import annotations

import json
from pathlib import Path

from datapolis.engine.exports.columns import ExportColumn, xml_names
from datapolis.engine.exports.request import RAW_LINES, ExportRequest
from datapolis.engine.exports.stream import Output
from datapolis.engine.exports.values import finite_or_null, geometry, iso_datetime, ref, xml_text
from datapolis.engine.sql import quote_identifier, quote_literal

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
DATATYPES = {
    "int": f"{XSD}integer",
    "double": f"{XSD}double",
    "boolean": f"{XSD}boolean",
    "date": f"{XSD}date",
    "datetime": f"{XSD}dateTime",
    "geo_point_2d": WKT_LITERAL,
    "geo_shape": WKT_LITERAL,
}


def lexical_value(column: ExportColumn, request: ExportRequest, expr: str | None = None) -> str:
    """The literal's lexical form (text, xsd canonical forms, WKT in the requested projection)."""
    expr = expr or ref(column)
    epsg = request.options.epsg
    if column.type == "datetime":
        return iso_datetime(expr, request.options)
    if column.type in {"geo_point_2d", "geo_shape"}:
        return f"ST_AsText({geometry(column, epsg)})"
    return f"CAST({expr} AS VARCHAR)"


def _named_columns(request: ExportRequest) -> list[tuple[ExportColumn, str]]:
    """Each column with its predicate's local name (an XML name, for RDF/XML)."""
    names = xml_names(column.name for column in request.columns)
    return list(zip(request.columns, names, strict=True))


def _vocabulary(request: ExportRequest) -> str:
    return request.options.vocabulary_uri


# -- Turtle --------------------------------------------------------------------------


def build_turtle(request: ExportRequest, folder: Path) -> Output:
    vocabulary = _vocabulary(request)
    statements = [_turtle_property(column, name, request) for column, name in _named_columns(request)]
    subject = quote_literal(f"[] a <{vocabulary}Record>")
    line = f"concat_ws(' ;' || chr(10) || '    ', {subject}, {', '.join(statements)}) || ' .'"
    path = folder / "export.ttl"
    prefix = f"@prefix xsd: <{XSD}> .\n\n".encode()
    return Output(path, request.copy_writer(request.select(f"{line} AS line"), path, RAW_LINES), True, prefix)


def _turtle_property(column: ExportColumn, name: str, request: ExportRequest) -> str:
    """`<predicate> "value"^^<type>` or, multivalued, the values separated by commas; NULL when empty."""
    predicate = quote_literal(f"<{_vocabulary(request)}{name}> ")
    if column.multivalued:
        literals = f"list_transform({ref(column)}, lambda value: {_turtle_literal(column, request, 'value')})"
        objects = f"nullif(array_to_string({literals}, ', '), '')"
    else:
        objects = _turtle_literal(column, request, ref(column))
    return f"{predicate} || {objects}"


def _turtle_literal(column: ExportColumn, request: ExportRequest, expr: str) -> str:
    text = lexical_value(column, request, expr)
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("chr(10)", "\\n"), ("chr(13)", "\\r")):
        needle = char if char.startswith("chr(") else quote_literal(char)
        text = f"replace({text}, {needle}, {quote_literal(escape)})"
    datatype = DATATYPES.get(column.type)
    suffix = f"'\"^^<{datatype}>'" if datatype else "'\"'"
    return f"'\"' || {text} || {suffix}"


# -- RDF/XML -------------------------------------------------------------------------


def build_rdfxml(request: ExportRequest, folder: Path) -> Output:
    vocabulary = _vocabulary(request)
    elements = [_rdfxml_property(column, name, request) for column, name in _named_columns(request)]
    opening = quote_literal(f'<rdf:Description><rdf:type rdf:resource="{_xml_attribute(vocabulary)}Record"/>')
    line = f"concat({opening}, {', '.join(elements)}, '</rdf:Description>')"
    header = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="{RDF}" xmlns:f="{_xml_attribute(vocabulary)}">\n'
    )
    path = folder / "export.rdf"
    return Output(
        path,
        request.copy_writer(request.select(f"{line} AS line"), path, RAW_LINES),
        progressive=True,
        prefix=header.encode(),
        suffix=b"</rdf:RDF>\n",
    )


def _rdfxml_property(column: ExportColumn, name: str, request: ExportRequest) -> str:
    datatype = DATATYPES.get(column.type)
    opening = f'<f:{name} rdf:datatype="{datatype}">' if datatype else f"<f:{name}>"
    element = f"{quote_literal(opening)} || {{}} || '</f:{name}>'"
    if column.multivalued:
        each = element.format(xml_text(lexical_value(column, request, "value")))
        return f"coalesce(array_to_string(list_transform({ref(column)}, lambda value: {each}), ''), '')"
    return f"coalesce({element.format(xml_text(lexical_value(column, request)))}, '')"


def _xml_attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# -- JSON-LD -------------------------------------------------------------------------


def build_jsonld(request: ExportRequest, folder: Path) -> Output:
    context: dict[str, object] = {"@vocab": _vocabulary(request)}
    projection = ["'Record' AS \"@type\""]
    for column, name in _named_columns(request):
        datatype = DATATYPES.get(column.type)
        if datatype and column.type not in {"int", "double", "boolean"}:
            context[name] = {"@type": datatype}
        native = column.multivalued or column.type in {"text", "int", "boolean"}
        if column.type == "double":
            value = finite_or_null(ref(column))
        else:
            value = ref(column) if native else lexical_value(column, request)
        projection.append(f"{value} AS {quote_identifier(name)}")
    prefix = json.dumps({"@context": context}, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"@graph":'
    path = folder / "export.jsonld"
    select = request.select(", ".join(projection))
    return Output(
        path,
        request.copy_writer(select, path, "FORMAT json, ARRAY true"),
        progressive=True,
        prefix=prefix.encode(),
        suffix=b"}\n",
    )
