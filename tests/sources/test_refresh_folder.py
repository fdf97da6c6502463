"""Folder sources: only inside the allowed folders (DATAPOLIS_SOURCE_FOLDERS, the instance's `sources`),
and the newest file matching the `pattern` option."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from datapolis.sources import services
from datapolis.sources.models import DatasetSource, Outcome
from datapolis.sources.services import InvalidSource
from tests.sources.conftest import count_records, first_lines, served

pytestmark = pytest.mark.django_db

OLD, NEW = 1_700_000_000, 1_700_086_400


def test_a_file_of_an_allowed_folder_is_refreshed(dataset, source_folder, schools):
    copy = shutil.copy(schools, source_folder / "ecoles.csv")
    source = services.set_source(dataset, str(copy), schedule="1d")
    assert source.kind == "folder"
    assert services.refresh(dataset).changed and served(dataset) == (1, count_records(schools))
    assert services.refresh(dataset).refresh.outcome == Outcome.UNCHANGED


def test_the_instance_sources_folder_is_always_allowed_and_relative_paths_are_read_there(dataset, schools):
    instance = Path(settings.DATAPOLIS_SOURCE_FOLDERS[0])
    assert instance.name == "sources"
    (instance / "relative").mkdir(parents=True, exist_ok=True)
    shutil.copy(schools, instance / "relative" / "ecoles.csv")
    try:
        services.set_source(dataset, "relative/ecoles.csv")
        assert services.refresh(dataset).changed and served(dataset) == (1, 117)
    finally:
        shutil.rmtree(instance / "relative")


@pytest.mark.parametrize("location", ["/etc/passwd", "{folder}/../outside.csv", "{tmp}/elsewhere"])
def test_a_path_outside_the_allowed_folders_is_refused(dataset, source_folder, tmp_path, location):
    location = location.format(folder=source_folder, tmp=tmp_path)
    with pytest.raises(InvalidSource, match="outside the folders sources may read") as refused:
        services.set_source(dataset, location)
    assert "DATAPOLIS_SOURCE_FOLDERS" in str(refused.value)
    assert not DatasetSource.objects.exists()


def test_a_link_out_of_an_allowed_folder_is_refused(dataset, source_folder, tmp_path, schools):
    outside = shutil.copy(schools, tmp_path / "secret.csv")
    (source_folder / "link.csv").symlink_to(outside)
    with pytest.raises(InvalidSource, match="outside"):
        services.set_source(dataset, str(source_folder / "link.csv"))


def test_the_newest_file_matching_the_pattern_is_read(dataset, source_folder, schools):
    older, newer = source_folder / "ecoles-2023.csv", source_folder / "ecoles-2024.csv"
    older.write_bytes(first_lines(schools, 20))
    newer.write_bytes(first_lines(schools, 30))
    notes = source_folder / "notes.txt"
    notes.write_text("not a CSV; the newest file of the folder\n")
    os.utime(older, (OLD, OLD))
    os.utime(newer, (NEW, NEW))
    services.set_source(dataset, str(source_folder), options={"pattern": "ecoles-*.csv"})

    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.CHANGED and run.fetched["filename"] == "ecoles-2024.csv"
    assert served(dataset) == (1, 30)

    newest = source_folder / "ecoles-2025.csv"
    newest.write_bytes(first_lines(schools, 50))
    os.utime(newest, (NEW + 86_400, NEW + 86_400))
    assert services.refresh(dataset).refresh.fetched["filename"] == "ecoles-2025.csv"
    assert served(dataset) == (2, 50)


def test_a_pattern_matching_nothing_fails_with_the_pattern(dataset, source_folder):
    services.set_source(dataset, str(source_folder), options={"pattern": "*.xlsx"})
    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.FAILED and "no file in the folder matches *.xlsx" in run.error
