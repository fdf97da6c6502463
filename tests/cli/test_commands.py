"""The `datapolis` command, run as a real process on an instance sharing the test databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def datapolis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datapolis.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def velib(shared_datasets: Path) -> Path:
    return shared_datasets / "velib" / "velib-emplacement-des-stations.csv"


def test_import_prints_rows_fields_and_time(instance_env: dict[str, str], velib: Path) -> None:
    result = datapolis(instance_env, "import", str(velib), "--id", "velib", "--title", "Stations Vélib'")

    assert result.returncode == 0, result.stderr
    assert "1,468 rows" in result.stdout
    assert "geo_point_2d" in result.stdout
    assert "rows/s" in result.stdout


def test_datasets_and_show_print_explore_objects(instance_env: dict[str, str], velib: Path) -> None:
    assert datapolis(instance_env, "import", str(velib), "--id", "velib").returncode == 0
    listing = json.loads(datapolis(instance_env, "datasets", "--json").stdout)
    shown = json.loads(datapolis(instance_env, "show", "velib", "--json").stdout)

    assert listing["total_count"] == 1
    assert listing["results"][0] == shown
    assert shown["dataset_id"] == "velib"
    assert shown["metas"]["default"]["records_count"] == 1468
    assert shown["metas"]["default"]["modified"]
    assert all({"name", "label", "type", "annotations"} <= set(field) for field in shown["fields"])


def test_versions_and_rollback(instance_env: dict[str, str], velib: Path, shared_datasets: Path) -> None:
    gares = shared_datasets / "idfm" / "emplacement-des-gares-idf.csv"
    assert datapolis(instance_env, "import", str(velib), "--id", "stations").returncode == 0
    assert datapolis(instance_env, "import", str(gares), "--id", "stations").returncode == 0

    rolled = datapolis(instance_env, "rollback", "stations", "1")
    history = json.loads(datapolis(instance_env, "versions", "stations", "--json").stdout)

    assert rolled.returncode == 0, rolled.stderr
    assert [(v["version"], v["records_count"]) for v in history] == [(1, 1468), (2, 1182), (3, 1468)]
    assert history[2]["restored_from"] == 1
    assert history[2]["change"] == {"kind": "rollback", "version": 1}
    assert history[0]["change"]["kind"] == "import" and history[0]["origin"]["filename"] == velib.name
    assert all(v["created_at"] for v in history)
    table = datapolis(instance_env, "versions", "stations").stdout
    assert "Version 1 restored" in table or "Version 1 restaurée" in table
    shown = json.loads(datapolis(instance_env, "show", "stations", "--json").stdout)
    assert shown["metas"]["default"]["records_count"] == 1468


def test_restricted_visibility(instance_env: dict[str, str], velib: Path) -> None:
    result = datapolis(instance_env, "import", str(velib), "--id", "velib", "--visibility", "restricted")
    assert result.returncode == 0, result.stderr
    assert json.loads(datapolis(instance_env, "show", "velib", "--json").stdout)["visibility"] == "restricted"


def test_bad_input_fails_with_its_location_on_stderr(instance_env: dict[str, str], tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("code;nom;population\n35238;Rennes;227830\n35047;Bruz;18900;extra\n", encoding="utf-8")

    result = datapolis(instance_env, "import", str(ragged), "--id", "ragged")

    assert result.returncode != 0
    assert "ragged.csv" in result.stderr and "line 3" in result.stderr
    assert result.stdout == ""
    assert json.loads(datapolis(instance_env, "datasets", "--json").stdout)["total_count"] == 0


def test_unknown_dataset_and_missing_file_are_errors(instance_env: dict[str, str], tmp_path: Path) -> None:
    shown = datapolis(instance_env, "show", "nope")
    missing = datapolis(instance_env, "import", str(tmp_path / "absent.csv"), "--id", "absent")
    assert shown.returncode == 1 and "nope" in shown.stderr
    assert missing.returncode == 1 and "absent.csv" in missing.stderr
