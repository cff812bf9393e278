"""Reference occlusion (the course's own, `dlicourse.occlusion`) and Grad-CAM maps: what the checks of
08_what_the_network_sees compare against.

The learner writes both in that lab, and the lab measures its lesson with the learner's own
functions; it never imports this module (tests/test_attribution.py makes sure). The tests prove these
versions right on a network whose attention is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlicourse.attribution import _batch, feature_gradients, upsample
from dlicourse.occlusion import occlusion_map

__all__ = ["grad_cam", "occlusion_map"]


def grad_cam(model: keras.Model, images: np.ndarray, classes: Sequence[int] | int,
             layer: str | None = None) -> np.ndarray:
    """Selvaraju et al.: the feature maps weighted by their mean gradient, summed, ReLU, at the images' size."""
    images, classes = _batch(images, classes)
    features, grads = feature_gradients(model, images, classes, layer)
    weights = grads.mean(axis=(1, 2))
    cam = np.maximum(np.einsum("nrck,nk->nrc", features, weights), 0)
    return upsample(cam, images.shape[1:3])
