"""Truncated and mutated real files of every accepted format go through the import's reader: no crash reaches us.

Each base file comes from ../shared/data, or is written from one of them in the formats the
shared data does not hold (GeoPackage, KML, zipped Shapefile, Parquet, JSON Lines). Each is
cut short and has bytes flipped (seeded: the same mutations in every run); every result
must be a table read or an IngestError naming the file, from the isolated reader — never
another exception, and never the death of this process.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from datapolis.engine.extensions import load_extensions
from datapolis.ingest import IngestError, ReadOptions
from datapolis.ingest.isolation import ReadLimits, isolated

pytestmark = pytest.mark.once

COMMUNES = "france-geojson/communes-49-maine-et-loire.geojson"
LIMITS = ReadLimits(memory_bytes=1536 * 2**20, cpu_seconds=120)


@pytest.fixture(scope="module")
def base_files(tmp_path_factory, shared_data: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz-base")
    datasets = shared_data / "datasets"
    files = {
        "csv": datasets / "cnaf/txcouv_pe_dep_hist.csv",
        "geojson": datasets / COMMUNES,
        "json": datasets / "decoupage-administratif/departements.json",
        "xlsx": datasets / "insee-populations-legales/ensemble-2026.xlsx",
    }
    con = duckdb.connect()
    load_extensions(con)
    source = f"(SELECT code, nom, geom FROM ST_Read('{datasets / COMMUNES}') LIMIT 60)"
    for extension, driver in (("gpkg", "GPKG"), ("kml", "KML")):
        path = folder / f"communes.{extension}"
        con.execute(f"COPY {source} TO '{path}' (FORMAT GDAL, DRIVER '{driver}')")
        files[extension] = path
    shapefile = folder / "shp"
    shapefile.mkdir()
    con.execute(f"COPY {source} TO '{shapefile / 'communes.shp'}' (FORMAT GDAL, DRIVER 'ESRI Shapefile')")
    files["zip"] = folder / "communes.zip"
    with zipfile.ZipFile(files["zip"], "w") as archive:
        for part in shapefile.iterdir():
            archive.write(part, part.name)
    files["parquet"] = folder / "communes.parquet"
    con.execute(f"COPY (SELECT * EXCLUDE (geom) FROM {source}) TO '{files['parquet']}' (FORMAT parquet)")
    files["jsonl"] = folder / "communes.jsonl"
    con.execute(f"COPY (SELECT * EXCLUDE (geom) FROM {source}) TO '{files['jsonl']}' (FORMAT json)")
    return {name: path for name, path in files.items()}


def mutations(data: bytes, seed: int) -> dict[str, bytes]:
    generator = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(max(1, len(data) // 2000)):
        position = generator.randrange(len(flipped))
        flipped[position] = generator.randrange(256)
    return {
        "truncated-97": data[:97],
        "truncated-third": data[: len(data) // 3],
        "flipped": bytes(flipped),
        "doubled-middle": data[: len(data) // 2] + data[len(data) // 4 :],
    }


FORMATS = ["csv", "geojson", "json", "xlsx", "gpkg", "kml", "zip", "parquet", "jsonl"]


@pytest.mark.slow
@pytest.mark.parametrize("file_format", FORMATS)
def test_mutated_files_are_read_or_refused_never_crash(base_files, tmp_path, file_format):
    original = base_files[file_format]
    outcomes = {}
    for name, data in mutations(original.read_bytes(), seed=FORMATS.index(file_format)).items():
        path = tmp_path / f"{name}.{file_format}"
        path.write_bytes(data)
        display = f"{name}.{file_format}"
        try:
            with isolated(path, ReadOptions(original_name=display), LIMITS) as staged:
                outcomes[name] = f"read {len(staged.fields)} fields"
        except IngestError as error:
            assert error.path in (display, str(path)), error
            assert error.message  # a sentence, not an empty error
            outcomes[name] = error.code
    assert len(outcomes) == 4, outcomes


def test_the_unmutated_files_are_read(base_files, tmp_path):
    for file_format in FORMATS:
        path = tmp_path / f"whole.{file_format}"
        shutil.copy(base_files[file_format], path)
        with isolated(path, ReadOptions(original_name=path.name), LIMITS) as staged:
            assert staged.fields, file_format
