"""The same seed and scale give byte-identical files, across processes too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from datapolis.demo import DemoDataset, generate
from tests.demo.conftest import SEED, SMALL_SCALE

GENERATE_IN_CHILD = "import sys; from pathlib import Path; from datapolis.demo import generate; " + (
    "generate(Path(sys.argv[1]), seed=int(sys.argv[2]), scale=float(sys.argv[3]))"
)


def test_same_seed_gives_identical_bytes_in_another_process(demo: dict[str, DemoDataset], tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", GENERATE_IN_CHILD, str(tmp_path), str(SEED), str(SMALL_SCALE)],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},  # another string-hash order than this process
    )
    for dataset in demo.values():
        assert (tmp_path / dataset.path.name).read_bytes() == dataset.path.read_bytes(), dataset.dataset_id


def test_same_seed_gives_identical_bytes_in_the_same_process(demo: dict[str, DemoDataset], tmp_path: Path) -> None:
    again = generate(tmp_path, seed=SEED, scale=SMALL_SCALE)
    assert [dataset.dataset_id for dataset in again] == list(demo)
    for dataset in again:
        assert dataset.path.read_bytes() == demo[dataset.dataset_id].path.read_bytes(), dataset.dataset_id


def test_another_seed_gives_another_territory(demo: dict[str, DemoDataset], tmp_path: Path) -> None:
    other = {dataset.dataset_id: dataset for dataset in generate(tmp_path, seed=SEED + 1, scale=SMALL_SCALE)}
    for dataset_id in ("communes", "bornes-irve", "comptages-velo"):
        assert other[dataset_id].path.read_bytes() != demo[dataset_id].path.read_bytes(), dataset_id
