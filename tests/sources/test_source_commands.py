"""`datapolis source`, `refresh` and `freshness`, run as real processes on an instance sharing the test databases.

The source is a folder the instance may read (DATAPOLIS_SOURCE_FOLDERS).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sources.conftest import first_lines

REPO = Path(__file__).resolve().parents[2]


def datapolis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datapolis.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def env(instance_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "exports"
    folder.mkdir()
    return {**instance_env, "DATAPOLIS_SOURCE_FOLDERS": str(folder)}


@pytest.fixture
def csv_file(env: dict[str, str], schools: Path) -> Path:
    return shutil.copy(schools, Path(env["DATAPOLIS_SOURCE_FOLDERS"]) / "ecoles.csv")


def test_source_creates_the_dataset_and_refreshes_it_at_once(env, csv_file):
    added = datapolis(env, "source", "ecoles", str(csv_file), "--every", "1d")
    assert added.returncode == 0, added.stderr
    assert "New version 1 of ecoles: 117 records." in added.stdout
    assert f"ecoles ← {csv_file} (folder, 1d)" in added.stdout

    shown = json.loads(datapolis(env, "source", "ecoles", "--json").stdout)
    assert (shown["kind"], shown["schedule"], shown["last_outcome"]) == ("folder", "1d", "changed")
    assert shown["next_run"] and shown["freshness"]["state"] == "fresh"
    listing = json.loads(datapolis(env, "show", "ecoles", "--json").stdout)
    assert listing["metas"]["default"]["records_count"] == 117


def test_refresh_says_whether_a_version_was_made_and_fails_with_exit_1(env, csv_file, schools):
    assert datapolis(env, "source", "ecoles", str(csv_file), "--draft").returncode == 0

    unchanged = datapolis(env, "refresh", "ecoles", "--json")
    assert unchanged.returncode == 0, unchanged.stderr
    report = json.loads(unchanged.stdout)
    assert (report["outcome"], report["new_version"], report["version"], report["records"]) == (
        "unchanged", False, None, 117,
    )  # fmt: skip

    csv_file.write_bytes(first_lines(schools, 40))
    changed = datapolis(env, "refresh", "ecoles")
    assert changed.returncode == 0 and "New version 2 of ecoles: 40 records." in changed.stdout

    csv_file.unlink()
    failed = datapolis(env, "refresh", "ecoles", "--json")
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert report["outcome"] == "failed" and "no such file" in report["error"]
    assert "the last good version stays published" in failed.stderr

    late = json.loads(datapolis(env, "freshness", "--late", "--json").stdout)
    assert [(row["dataset_id"], row["state"]) for row in late] == [("ecoles", "failing")]
    shown = json.loads(datapolis(env, "show", "ecoles", "--json").stdout)
    assert shown["metas"]["default"]["records_count"] == 40


def test_freshness_lists_every_dataset_with_data(env, csv_file):
    assert datapolis(env, "source", "ecoles", str(csv_file), "--every", "6h").returncode == 0
    rows = json.loads(datapolis(env, "freshness", "--json").stdout)
    assert [(row["dataset_id"], row["state"]) for row in rows] == [("ecoles", "fresh")]
    assert rows[0]["next_expected"] > rows[0]["last_update"]
    assert json.loads(datapolis(env, "freshness", "--late", "--json").stdout) == []


def test_remove_takes_the_source_away(env, csv_file):
    assert datapolis(env, "source", "ecoles", str(csv_file)).returncode == 0
    removed = datapolis(env, "source", "ecoles", "--remove")
    assert removed.returncode == 0 and "Source of ecoles removed." in removed.stdout
    refused = datapolis(env, "refresh", "ecoles")
    assert refused.returncode == 1 and "ecoles has no source" in refused.stderr
    shown = json.loads(datapolis(env, "show", "ecoles", "--json").stdout)
    assert shown["metas"]["default"]["records_count"] == 117  # its data stays


def test_a_folder_outside_the_allowed_ones_is_refused_and_no_dataset_is_created(env, tmp_path, schools):
    outside = shutil.copy(schools, tmp_path / "ecoles.csv")
    refused = datapolis(env, "source", "ecoles", str(outside))
    assert refused.returncode == 1 and "outside the folders sources may read" in refused.stderr
    assert json.loads(datapolis(env, "datasets", "--json").stdout)["total_count"] == 0


def test_a_password_is_read_from_the_environment_only(env):
    missing = datapolis(env, "source", "ftp-data", "ftp://files.example.org/data.csv", "--username", "alice",
                        "--password-env", "NOT_SET_ANYWHERE")  # fmt: skip
    assert missing.returncode == 1 and "NOT_SET_ANYWHERE is empty or not set" in missing.stderr


def test_source_json_prints_one_object_with_the_first_refresh(env, csv_file):
    added = datapolis(env, "source", "ecoles", str(csv_file), "--json")
    assert added.returncode == 0, added.stderr
    shown = json.loads(added.stdout)  # nothing else on stdout
    assert shown["refresh"]["outcome"] == "changed" and shown["refresh"]["records"] == 117
    assert shown["schedule"] == "" and shown["next_run"] is None


def test_a_failed_first_refresh_keeps_the_source_and_exits_1(env):
    missing = Path(env["DATAPOLIS_SOURCE_FOLDERS"]) / "later.csv"
    added = datapolis(env, "source", "ecoles", str(missing), "--every", "1h")
    assert added.returncode == 1
    assert "refresh failed" in added.stdout and "no such file" in added.stdout
    assert "the first refresh of ecoles failed" in added.stderr
    shown = json.loads(datapolis(env, "source", "ecoles", "--json").stdout)
    assert shown["last_outcome"] == "failed" and "no such file" in shown["last_error"]
    assert shown["freshness"]["state"] == "failing"
