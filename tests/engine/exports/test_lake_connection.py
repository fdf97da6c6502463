"""Exports from a lake connection: the export's own cursor sees the attached lake."""

from __future__ import annotations

import csv
import io

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from datapolis.engine.lake import LakeLocation, open_connection
from tests.engine.exports.conftest import folder_is_empty


def test_export_a_lake_table_through_a_cursor(tmp_path):
    location = LakeLocation.local(tmp_path / "lake")
    con = open_connection(location)
    try:
        con.execute(
            "CREATE TABLE lake.main.communes AS SELECT * FROM (VALUES ('35238', 'Rennes', 227830), "
            "('35288', 'Saint-Malo', 47255)) AS t(code, nom, population)"
        )
        cursor = con.cursor()  # what Store.cursor() hands out
        columns = [ExportColumn("nom", "Nom", "text"), ExportColumn("population", "Population", "int")]
        stream = export_query(
            cursor,
            "SELECT nom, population FROM lake.main.communes WHERE population > ? ORDER BY code",
            [1000],
            columns,
            "csv",
            ExportOptions(delimiter=",", use_labels=True),
            temp_dir=location.temp_directory,
        )
        rows = list(csv.reader(io.StringIO(b"".join(stream).decode("utf-8-sig"))))
        assert rows == [["Nom", "Population"], ["Rennes", "227830"], ["Saint-Malo", "47255"]]
        assert folder_is_empty(tmp_path / "lake" / "tmp")
    finally:
        con.close()
