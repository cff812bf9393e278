"""Occlusion maps (Zeiler & Fergus): what a model looks at, shown by covering each part of a photo and
watching its answer.

A grey square is slid over the photo; wherever covering it lowers the model's confidence in a class, that
part mattered to the answer. Every pixel gets the mean drop over the squares that covered it, so the map has
the photo's own size and lies on it exactly. 01_louie uses it; 08_what_the_network_sees has the learner write
it, and its check compares against this one (through `reference_maps`).
"""

from __future__ import annotations

import keras
import numpy as np

EDGE = 1e-6  # probabilities are clipped to [EDGE, 1 - EDGE] before log-odds: a saturated 100% stays finite


def occlusion_map(model: keras.Model, image: np.ndarray, label: int, patch: int = 16, stride: int = 8,
                  grey: float = 127.5, log_odds: bool = False) -> np.ndarray:
    """How far the probability of `label` drops when a grey square hides each pixel (photo-sized).

    With `log_odds`, the drop is in log(p / (1 - p)): a model that is 100% sure barely moves in
    probability when a part is hidden, but its log-odds do, so the map still shows what it relies on.
    The photo and every position of the square go through the model in one call.
    """
    image = np.asarray(image, np.float32)
    rows, cols = image.shape[:2]
    if not 0 < patch <= min(rows, cols) or stride < 1:
        raise ValueError(f"patch must be 1..{min(rows, cols)} pixels and stride at least 1, got {patch}, {stride}")
    places = [(t, c) for t in range(0, rows - patch + 1, stride) for c in range(0, cols - patch + 1, stride)]
    copies = np.repeat(image[None], len(places) + 1, axis=0)  # copy 0 stays as it is
    for k, (top, left) in enumerate(places, start=1):
        copies[k, top:top + patch, left:left + patch] = grey
    probability = keras.ops.convert_to_numpy(model(copies, training=False))[:, label].astype(np.float64)
    if log_odds:
        probability = np.clip(probability, EDGE, 1 - EDGE)
        probability = np.log(probability / (1 - probability))
    drops = probability[0] - probability[1:]
    total, count = np.zeros((rows, cols), np.float32), np.zeros((rows, cols), np.float32)
    for (top, left), drop in zip(places, drops, strict=True):
        total[top:top + patch, left:left + patch] += drop
        count[top:top + patch, left:left + patch] += 1
    return total / np.maximum(count, 1)
