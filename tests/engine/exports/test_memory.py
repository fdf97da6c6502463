"""Exports stream in constant memory: the peak RSS of a process exporting 2M rows barely grows.

Each export runs in a fresh subprocess (memory_worker.py) that reads its own
`resource.getrusage` peak before and after consuming the whole stream.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.once

WORKER = Path(__file__).with_name("memory_worker.py")
ROWS = 2_000_000
MAX_GROWTH_MIB = 200


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_peak_memory_stays_bounded(fmt):
    result = subprocess.run(
        [sys.executable, str(WORKER), fmt, str(ROWS)], capture_output=True, text=True, check=True, timeout=600
    )
    measure = json.loads(result.stdout.strip().splitlines()[-1])
    assert measure["rows"] == ROWS
    assert measure["bytes"] > 40 * 2**20  # a real export went through the stream
    assert measure["growth_mib"] < MAX_GROWTH_MIB
    if fmt != "parquet":  # text formats: far less memory than the data they wrote
        assert measure["growth_mib"] * 2**20 < measure["bytes"] / 10
