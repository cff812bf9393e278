"""Reference occlusion and Grad-CAM maps: what the checks of 08_what_the_network_sees compare against.

The learner writes both in that lab, and the lab measures its lesson with the learner's own
functions; it never imports this module (tests/test_attribution.py makes sure). The tests prove these
versions right on a network whose attention is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlicourse.attribution import _batch, feature_gradients, upsample


def occlusion_map(model: keras.Model, image: np.ndarray, label: int, patch: int = 16, stride: int = 8,
                  grey: float = 127.5) -> np.ndarray:
    """Zeiler & Fergus: how far the probability of `label` drops when a grey square hides each pixel.

    The photo and every position of the square go through the model in one call; a pixel's
    value is the mean drop over the squares that covered it.
    """
    image = np.asarray(image, np.float32)
    rows, cols = image.shape[:2]
    if not 0 < patch <= min(rows, cols) or stride < 1:
        raise ValueError(f"patch must be 1..{min(rows, cols)} pixels and stride at least 1, got {patch}, {stride}")
    places = [(t, c) for t in range(0, rows - patch + 1, stride) for c in range(0, cols - patch + 1, stride)]
    copies = np.repeat(image[None], len(places) + 1, axis=0)  # copy 0 stays as it is
    for k, (top, left) in enumerate(places, start=1):
        copies[k, top:top + patch, left:left + patch] = grey
    probability = keras.ops.convert_to_numpy(model(copies, training=False))[:, label]
    drops = probability[0] - probability[1:]
    total, count = np.zeros((rows, cols), np.float32), np.zeros((rows, cols), np.float32)
    for (top, left), drop in zip(places, drops, strict=True):
        total[top:top + patch, left:left + patch] += drop
        count[top:top + patch, left:left + patch] += 1
    return total / np.maximum(count, 1)


def grad_cam(model: keras.Model, images: np.ndarray, classes: Sequence[int] | int,
             layer: str | None = None) -> np.ndarray:
    """Selvaraju et al.: the feature maps weighted by their mean gradient, summed, ReLU, at the images' size."""
    images, classes = _batch(images, classes)
    features, grads = feature_gradients(model, images, classes, layer)
    weights = grads.mean(axis=(1, 2))
    cam = np.maximum(np.einsum("nrck,nk->nrc", features, weights), 0)
    return upsample(cam, images.shape[1:3])
