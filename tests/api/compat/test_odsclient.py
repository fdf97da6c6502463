"""odsclient (PyPI, 0.8.4), the Python client many territories' scripts use, reads Datapolis.

It downloads whole datasets from ODS's download URL (`/explore/dataset/<id>/download/`),
with the key of its user for restricted ones; every value is checked against the file.
"""

from __future__ import annotations

import csv
import io

import pytest
from odsclient import ODSClient
from odsclient.core import ODSException

NAME, CAPACITY = "Nom de la station", "Capacité de la station"

pytestmark = pytest.mark.slow


def test_odsclient_reads_a_whole_public_dataset(server, raw) -> None:
    client = ODSClient(base_url=server.url, apikey_filepath=None, use_keyring=False)
    rows = list(csv.DictReader(io.StringIO(client.get_whole_dataset("velib")), delimiter=";"))
    frame = client.get_whole_dataframe("velib")
    expected = raw["velib"]
    assert sorted((row[NAME], row[CAPACITY]) for row in rows) == sorted((row[NAME], row[CAPACITY]) for row in expected)
    assert len(frame) == len(expected)
    assert sorted(frame[CAPACITY].tolist()) == sorted(int(row[CAPACITY]) for row in expected)


def test_odsclient_reads_a_restricted_dataset_with_its_key(server, raw) -> None:
    with pytest.raises(ODSException) as refused:
        ODSClient(base_url=server.url, apikey_filepath=None, use_keyring=False).get_whole_dataset("joconde")
    assert refused.value.status_code == 404
    client = ODSClient(base_url=server.url, apikey=server.api_key, use_keyring=False)
    rows = list(csv.DictReader(io.StringIO(client.get_whole_dataset("joconde")), delimiter=";"))
    assert len(rows) == len(raw["joconde"]) > 0
