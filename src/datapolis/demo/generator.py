"""Write every demo dataset into a folder."""

from __future__ import annotations

from pathlib import Path

from datapolis.demo.air_quality import write_air_quality
from datapolis.demo.bike_counts import write_bike_counts
from datapolis.demo.communes import write_communes
from datapolis.demo.dataset import DemoDataset
from datapolis.demo.energy import write_energy
from datapolis.demo.irve import write_irve
from datapolis.demo.subventions import write_subventions
from datapolis.demo.territory import build_territory

WRITERS = (write_communes, write_irve, write_subventions, write_air_quality, write_bike_counts, write_energy)


def generate(folder: Path, *, seed: int = 2154, scale: float = 1.0) -> list[DemoDataset]:
    """Generate the demo files into `folder` (created if needed); the same seed and scale give the same bytes."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    territory = build_territory(seed)
    return [write(folder, territory, seed=seed, scale=scale) for write in WRITERS]
