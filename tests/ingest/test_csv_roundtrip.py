"""Property: any table written as CSV, with any delimiter, encoding and quoting, reads back the same."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datapolis.engine.extensions import load_extensions
from datapolis.ingest import ReadOptions, read

# French text with quotes, delimiters and newlines inside cells; never empty (empty cells read as NULL).
CELL = st.text(alphabet=st.sampled_from(list("abcdeéèàçœ’€ ,;|\t\"'\nXYZ")), min_size=1, max_size=12).filter(
    lambda value: value.strip() == value and value.strip()
)
HEADER = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=6), min_size=2, max_size=5, unique=True)


@st.composite
def tables(draw):
    header = draw(HEADER)
    body = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), min_size=1, max_size=15))
    return header, body


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_written_table_reads_back(table, delimiter, encoding, quoting, newline) -> None:
    header, body = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(body)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        con = duckdb.connect()
        load_extensions(con)
        try:
            prepared = read(con, path, ReadOptions(delimiter=delimiter, field_types=dict.fromkeys(header, "text")))
            result = con.execute(f'SELECT * FROM "{prepared.relation}"').fetchall()
        finally:
            con.close()
    assert [s.name for s in prepared.fields] == header
    assert result == [tuple(row) for row in body]
