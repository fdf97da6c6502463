"""`scale` shrinks row counts, never below a handful, and keeps the territory whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from datapolis.demo import DemoDataset, generate
from tests.demo.conftest import SEED, SMALL_SCALE


def data_rows(dataset: DemoDataset) -> int:
    if dataset.path.suffix == ".xlsx":
        return len(CalamineWorkbook.from_path(str(dataset.path)).get_sheet_by_name("Subventions").to_python()) - 2
    if dataset.path.suffix == ".geojson":
        return dataset.path.read_text(encoding="utf-8").count('"type":"Feature"')
    return dataset.path.read_bytes().count(b"\n") - 1


def test_a_larger_scale_gives_more_rows_except_for_communes(demo: dict[str, DemoDataset], tmp_path: Path) -> None:
    larger = {dataset.dataset_id: dataset for dataset in generate(tmp_path, seed=SEED, scale=0.3)}
    for dataset_id, dataset in demo.items():
        small, large = data_rows(dataset), data_rows(larger[dataset_id])
        assert small >= 10, dataset_id
        if dataset_id == "communes":
            assert small == large
        else:
            assert small < large, dataset_id


def test_a_tiny_scale_still_gives_a_handful_of_rows(tmp_path: Path) -> None:
    for dataset in generate(tmp_path, seed=SEED, scale=0.0001):
        assert data_rows(dataset) >= 10, dataset.dataset_id


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, seed=SEED, scale=0)
    assert SMALL_SCALE > 0
