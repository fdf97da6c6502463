"""Turtle, N3, RDF/XML and JSON-LD exports parsed with rdflib: one typed node per row."""

from __future__ import annotations

from datetime import UTC

import pytest
import rdflib
from rdflib.namespace import RDF, XSD

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from tests.engine.exports.conftest import NO2_COLUMNS, run_export

VOCABULARY = "https://data.example.org/api/fields/"
PARSERS = {"turtle": "turtle", "n3": "n3", "rdfxml": "xml", "jsonld": "json-ld"}


def parse(data: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=PARSERS[fmt])


@pytest.mark.parametrize("fmt", list(PARSERS))
def test_each_row_is_a_node_with_typed_literals(con, temp_dir, no2, fmt):
    _, data = run_export(con, temp_dir, no2, NO2_COLUMNS, fmt, vocabulary_uri=VOCABULARY)
    graph = parse(data, fmt)
    field = rdflib.Namespace(VOCABULARY)
    source = con.sql("SELECT station, code, value, valid, start, day FROM no2 ORDER BY row_number").fetchall()
    nodes = set(graph.subjects(field.station, None))
    assert set(graph.subjects(RDF.type, field.Record)) == nodes
    assert len(nodes) == len(source) == 46
    station, code, value, valid, start, day = source[0]
    node = next(
        n for n in graph.subjects(field.code, rdflib.Literal(code)) if graph.value(n, field.value).toPython() == value
    )
    assert str(graph.value(node, field.station)) == station  # accents intact
    assert graph.value(node, field.value).datatype == XSD.double
    assert graph.value(node, field.valid).toPython() is valid
    assert graph.value(node, field.start).toPython() == start.astimezone(UTC)
    assert graph.value(node, field.day).toPython() == day


@pytest.mark.parametrize("fmt", list(PARSERS))
def test_multivalued_fields_and_escaping(con, temp_dir, fmt):
    sql = "SELECT ['Saint-Malo', 'l''\"Île\" <&>' || chr(10) || 'x'] AS names, {'lon': -2.0, 'lat': 48.6} AS p"
    columns = [ExportColumn("names", "Names", "text", multivalued=True), ExportColumn("p", "P", "geo_point_2d")]
    options = ExportOptions(vocabulary_uri=VOCABULARY)
    data = b"".join(export_query(con, sql, None, columns, fmt, options, temp_dir=temp_dir))
    graph = parse(data, fmt)
    field = rdflib.Namespace(VOCABULARY)
    assert {str(name) for name in graph.objects(None, field.names)} == {"Saint-Malo", 'l\'"Île" <&>\nx'}
    (point,) = graph.objects(None, field.p)
    assert str(point) == "POINT (-2 48.6)"
    assert str(point.datatype) == "http://www.opengis.net/ont/geosparql#wktLiteral"
