"""Independent, seeded random streams: one per generated dataset, so that changing one
generator never shifts the numbers drawn by another."""

from __future__ import annotations

import random
import zlib

import numpy as np


def numpy_rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed % 2**63, zlib.crc32(stream.encode())])


def python_rng(seed: int, stream: str) -> random.Random:
    # Demo data, not secrets: a reproducible pseudo-random generator is what is wanted.
    return random.Random(f"{seed}:{stream}")  # noqa: S311
