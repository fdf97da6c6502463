"""Datetimes are ISO 8601 with the offset of the requested timezone, across DST changes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query

# Instants around the 2024 DST changes in Paris and one in the southern hemisphere's summer.
INSTANTS = [
    "2024-03-31 00:59:59+00",
    "2024-03-31 01:00:00+00",
    "2024-10-27 00:59:59.5+00",
    "2024-10-27 01:00:00+00",
    "1999-12-31 23:00:00+00",
    "2024-01-15 12:34:56.123456+00",
]
SQL = "SELECT CAST(t AS TIMESTAMPTZ) AS at FROM (SELECT unnest(?) AS t, generate_subscripts(?, 1) AS i) ORDER BY i"
COLUMNS = [ExportColumn("at", "At", "datetime")]


def exported(con, temp_dir, fmt: str, timezone: str) -> list[str]:
    options = ExportOptions(timezone=timezone, with_bom=False)
    data = b"".join(export_query(con, SQL, [INSTANTS, INSTANTS], COLUMNS, fmt, options, temp_dir=temp_dir))
    if fmt == "csv":
        return [row[0] for row in csv.reader(io.StringIO(data.decode()))][1:]
    return [record["at"] for record in json.loads(data)]


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata"])
def test_offsets_follow_the_timezone(con, temp_dir, fmt, timezone):
    values = exported(con, temp_dir, fmt, timezone)
    zone = ZoneInfo(timezone)
    for text, instant in zip(values, INSTANTS, strict=True):
        parsed = datetime.fromisoformat(text)
        expected = datetime.fromisoformat(instant).astimezone(zone)
        assert parsed.timestamp() == expected.timestamp()  # same instant
        assert parsed.utcoffset() == expected.utcoffset()  # shown in the requested zone's offset
        assert text[10] == "T" and text[-6] in "+-" and text[-3] == ":"


def test_paris_summer_and_winter_offsets(con, temp_dir):
    values = exported(con, temp_dir, "csv", "Europe/Paris")
    assert values[:2] == ["2024-03-31T01:59:59+01:00", "2024-03-31T03:00:00+02:00"]
    assert values[2:4] == ["2024-10-27T02:59:59.500000+02:00", "2024-10-27T02:00:00+01:00"]
