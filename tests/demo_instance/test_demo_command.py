"""`datapolis demo` prepares an instance: an admin login and datasets, generated or from a folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def datapolis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datapolis.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=900
    )


def test_demo_imports_the_generated_datasets_and_prints_a_login(instance_env: dict[str, str]) -> None:
    result = datapolis(instance_env, "demo", "--no-serve")

    assert result.returncode == 0, result.stderr
    assert re.search(r"Admin login: admin / \S{12,}", result.stdout)
    assert "http://127.0.0.1:8000/" in result.stdout
    assert "Back office: http://127.0.0.1:8000/backoffice/" in result.stdout  # not Django's /admin/
    listing = json.loads(datapolis(instance_env, "datasets", "--json").stdout)
    by_id = {item["dataset_id"]: item for item in listing["results"]}
    assert {
        "communes",
        "bornes-irve",
        "subventions-associations",
        "qualite-air-mesures-horaires",
        "comptages-velo",
    } <= set(by_id)
    assert by_id["consommation-energie-batiments"]["visibility"] == "restricted"
    assert all(item["metas"]["default"]["records_count"] > 0 for item in by_id.values())
    irve_facets = {f["name"] for f in by_id["bornes-irve"]["fields"] if "facet" in f["annotations"]}
    assert irve_facets == {"nom_operateur", "implantation_station", "gratuit", "prise_type_combo_ccs"}
    again = datapolis(instance_env, "demo", "--no-serve")
    assert "0 datasets imported, 6 already there" in again.stdout


def test_demo_from_a_folder_keeps_same_named_files_apart(
    instance_env: dict[str, str], shared_datasets: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    for name in ("velib-emplacement-des-stations.csv", "velib-emplacement-des-stations.geojson"):
        shutil.copy(shared_datasets / "velib" / name, folder / name)
    (folder / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    result = datapolis(instance_env, "demo", "--from", str(folder), "--no-serve")

    assert result.returncode == 0, result.stderr
    assert "2 datasets imported, 0 already there, 1 failed" in result.stdout
    ids = {item["dataset_id"] for item in json.loads(datapolis(instance_env, "datasets", "--json").stdout)["results"]}
    assert ids == {"velib-emplacement-des-stations", "velib-emplacement-des-stations-geojson"}
