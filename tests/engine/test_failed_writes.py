"""What a failed publication wrote is given back: its files, and versions nobody recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from datapolis.engine import LakeLocation, Store
from tests.engine.test_crash_safety import REPO, checksum, numbers, worker


def lake_bytes(location: LakeLocation) -> int:
    return sum(path.stat().st_size for path in Path(location.data_path).rglob("*") if path.is_file())


def test_files_of_a_publication_killed_mid_write_are_deleted(store: Store, lake_location: LakeLocation, tmp_path):
    store.publish("counts", numbers(1000))
    before = lake_bytes(lake_location)
    marker = tmp_path / "marker"
    process = subprocess.Popen(worker(lake_location, "publish-slow", "counts", "30000000", str(marker)), cwd=REPO)
    deadline = time.monotonic() + 120
    while lake_bytes(lake_location) <= before and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert lake_bytes(lake_location) > before, "the killed publication wrote nothing"

    assert store.delete_orphaned_files(datetime.now(UTC) - timedelta(days=1)) == 0  # too recent: maybe under way
    assert store.delete_orphaned_files(datetime.now(UTC) + timedelta(seconds=1)) >= 1
    assert lake_bytes(lake_location) == before
    assert checksum(store, "counts") == (1000, sum(range(1000)))


def test_expired_versions_leave_the_history_and_give_back_their_files(store: Store, lake_location: LakeLocation):
    for size in (10, 200_000, 30):
        store.publish("counts", numbers(size))
    with_all = lake_bytes(lake_location)
    assert store.expire_versions("counts", {2}) == [2]
    assert [v.number for v in store.versions("counts")] == [1, 3]
    assert lake_bytes(lake_location) < with_all
    assert checksum(store, "counts", 1) == (10, 45)
    assert checksum(store, "counts") == (30, sum(range(30)))
    assert store.publish("counts", numbers(5)).number == 4  # a number never names two versions


def test_the_current_version_is_never_expired(store: Store):
    store.publish("counts", numbers(10))
    store.publish("counts", numbers(20))
    assert store.expire_versions("counts", {2}) == []
    assert [v.number for v in store.versions("counts")] == [1, 2]
    assert checksum(store, "counts") == (20, sum(range(20)))
