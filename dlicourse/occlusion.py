"""Occlusion maps: what a model looks at, shown by covering each part of a photo and watching its answer.

A grey patch is slid over the photo; wherever covering it lowers the model's probability of a class, that
part mattered to the answer. Every pixel gets the mean drop over the patches that covered it, so the map has
the photo's own size and lies on it exactly.
"""

from __future__ import annotations

import numpy as np


def covered_copies(photo: np.ndarray, patch: int, stride: int, fill: float = 128) -> tuple[np.ndarray, list]:
    """One copy of `photo` per place of a `patch` x `patch` grey square (moved by `stride`), and the places."""
    height, width = photo.shape[:2]
    if not 0 < patch <= min(height, width) or stride < 1:
        raise ValueError(f"patch {patch} and stride {stride} do not fit a {height}x{width} photo")
    places = [(top, left) for top in range(0, height - patch + 1, stride)
              for left in range(0, width - patch + 1, stride)]
    copies = np.repeat(photo[None], len(places), axis=0)
    for copy, (top, left) in zip(copies, places, strict=True):
        copy[top:top + patch, left:left + patch] = fill
    return copies, places


def occlusion_map(model, photo: np.ndarray, class_index: int, patch: int = 32, stride: int = 8) -> np.ndarray:
    """The drop in `model`'s probability of `class_index` when each pixel is covered (photo-sized)."""
    copies, places = covered_copies(photo, patch, stride)
    whole = float(model.predict(photo[None], verbose=0)[0, class_index])
    covered = model.predict(copies, verbose=0, batch_size=256)[:, class_index]
    drop, times = np.zeros(photo.shape[:2]), np.zeros(photo.shape[:2])
    for value, (top, left) in zip(covered, places, strict=True):
        drop[top:top + patch, left:left + patch] += whole - float(value)
        times[top:top + patch, left:left + patch] += 1
    return drop / np.maximum(times, 1)
