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

    Every position of the square is one photo in a single batch; a pixel's value is the mean drop over
    the squares that covered it.
    """
    image = np.asarray(image, np.float32)
    rows, cols = image.shape[:2]
    if not 0 < patch <= min(rows, cols) or stride < 1:
        raise ValueError(f"patch must be 1..{min(rows, cols)} pixels and stride at least 1, got {patch}, {stride}")
    tops = list(range(0, rows - patch + 1, stride))
    lefts = list(range(0, cols - patch + 1, stride))
    covered = np.repeat(image[None], len(tops) * len(lefts), axis=0)
    for k, (top, left) in enumerate((t, c) for t in tops for c in lefts):
        covered[k, top:top + patch, left:left + patch] = grey
    base = float(model.predict(image[None], verbose=0)[0, label])
    drops = base - model.predict(covered, batch_size=256, verbose=0)[:, label]
    total, count = np.zeros((rows, cols), np.float32), np.zeros((rows, cols), np.float32)
    for k, (top, left) in enumerate((t, c) for t in tops for c in lefts):
        total[top:top + patch, left:left + patch] += drops[k]
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
