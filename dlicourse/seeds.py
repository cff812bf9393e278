"""One way to derive random streams for every generator in the course.

A stream is named by a base seed and a path of keys, e.g. `stream(seed, "heldout", 17)`. NumPy seeds
its generator from the whole list, so two different paths never share a stream, whatever the base
seeds are: `whale_scenes(seed=10)` and `whale_crops(seed=0)` cannot draw the same scene, as seed
arithmetic (`seed + 10 * i`) could. Text keys are turned into numbers by CRC-32, which is stable
across machines and Python versions (unlike `hash`).
"""

from __future__ import annotations

import zlib

import numpy as np


def key(part: int | str) -> int:
    """A key as a non-negative integer, the form NumPy's `SeedSequence` takes."""
    if isinstance(part, str):
        return zlib.crc32(part.encode())
    if isinstance(part, bool | np.bool_) or int(part) != part or part < 0:
        raise ValueError(f"a seed key must be a non-negative integer or a text, got {part!r}")
    return int(part)


def stream(seed: int, *path: int | str) -> np.random.Generator:
    """The generator for `path` under `seed`: the same numbers on every machine."""
    return np.random.default_rng([key(seed), *(key(p) for p in path)])
