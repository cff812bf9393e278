"""A cache of generated or converted arrays: made once, checked on every load, never half-written.

Each entry is `<data_dir>/<name>/<key>.npz` beside `<key>.json`, the manifest that holds the recipe's
parameters and the file's SHA-256. A missing, truncated or tampered file fails the check and is made
again, so a killed kernel or a full disk can cost time, never correctness.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dlicourse import manifest as manifests
from dlicourse.files import atomic_path
from dlicourse.paths import data_dir

Arrays = dict[str, np.ndarray]
# The cache's own layout (2: manifests written by `dlicourse.manifest`). It is part of every key, so an
# entry of an older layout is simply not found and is made again, never reported as damaged.
LAYOUT = 2


def key(name: str, version: int, params: dict[str, Any]) -> str:
    text = json.dumps({"name": name, "version": version, "params": params, "layout": LAYOUT}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _valid(npz: Path, manifest: Path) -> bool:
    try:
        return npz.name in manifests.verify(manifest, "It is made again.")["sha256"]
    except manifests.ManifestError:
        return False


@contextlib.contextmanager
def _one_maker(lock: Path) -> Iterator[None]:
    """Let one process at a time make an entry: two kernels (or test workers) that need the same data
    would otherwise each write the file and the manifest, and leave one's file with the other's checksum.
    The others wait, then find it made. A data folder that cannot hold a lock file just goes unlocked."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a")  # noqa: SIM115 - held until the entry is made
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def cached(name: str, version: int, params: dict[str, Any], make: Callable[[], Arrays]) -> Arrays:
    """The arrays that `make()` returns for these parameters, from the cache when it holds them intact.

    Bump `version` whenever the recipe's output changes, so old caches are not mistaken for new.
    """
    folder = data_dir() / name
    stem = key(name, version, params)
    with _one_maker(folder / f"{stem}.lock"):
        return _load_or_make(folder, stem, name, version, params, make)


def _load_or_make(folder: Path, stem: str, name: str, version: int, params: dict[str, Any],
                  make: Callable[[], Arrays]) -> Arrays:
    npz, manifest = folder / f"{stem}.npz", folder / f"{stem}.json"
    if _valid(npz, manifest):
        with np.load(npz) as f:
            return {k: f[k] for k in f.files}
    if npz.exists():
        warnings.warn(f"{npz} failed its checksum; making it again", stacklevel=2)
    arrays = make()
    try:
        with atomic_path(npz) as tmp:
            np.savez(tmp, **arrays)
        manifests.write(manifest, [npz.name], name=name, version=version, params=params,
                        arrays={k: list(v.shape) for k, v in arrays.items()})
    except OSError as err:  # a read-only or full data dir costs speed, not the lesson
        warnings.warn(f"could not cache {name} in {folder} ({err}); it will be made again next time",
                      stacklevel=2)
    return arrays
