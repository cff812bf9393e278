"""Pictures made by a network: activation maximisation (deep dream), by gradient ascent on pixels.

It changes the *input* and keeps the network fixed, through the same backend-neutral gradients as the
attribution maps (`dlicourse.gradients`). It runs a plain stack of layers, such as the course's dog
base, at any image size: its convolutions do not care how large the picture is.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import keras
import numpy as np
from keras import ops

from dlicourse.gradients import run_layers, value_and_gradient


def _blur(images: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(im, (0, 0), sigma) for im in images]) if sigma > 0 else images


def deep_dream(base: keras.Model, layer: str, channels: Sequence[int], size: int = 64, steps: int = 60,
               step_size: float = 4.0, jitter: int = 4, blur: float = 0.6, seed: int = 0) -> np.ndarray:
    """One picture per channel of `layer`, each grown from grey noise to excite that channel the most.

    Each step shifts the pictures by a random `jitter` (so patterns cannot hide in one pixel grid), takes a
    step of `step_size` grey levels along the normalised gradient of the channel's mean activation, and
    blurs a little (so the picture keeps smooth shapes instead of pixel noise). Returns uint8 (N, size, size, 3).
    """
    if steps < 1 or size < 8:
        raise ValueError(f"steps must be at least 1 and size at least 8, got {steps} and {size}")
    rng = np.random.default_rng(seed)
    channels = np.asarray(channels)
    pick = ops.one_hot(channels, int(np.asarray(run_layers(base, np.zeros((1, size, size, 3)), stop=layer)).shape[-1]))
    images = (127.5 + rng.normal(0, 8, (len(channels), size, size, 3))).astype(np.float32)

    def excitement(x):
        return ops.mean(ops.sum(run_layers(base, x, stop=layer) * pick[:, None, None, :], axis=-1), axis=(1, 2))

    for _ in range(steps):
        dy, dx = rng.integers(-jitter, jitter + 1, 2)
        shifted = np.roll(images, (dy, dx), axis=(1, 2))
        _, grad = value_and_gradient(excitement, shifted)
        grad = np.roll(grad, (-dy, -dx), axis=(1, 2))
        grad /= np.abs(grad).mean(axis=(1, 2, 3), keepdims=True) + 1e-8
        images = np.clip(_blur(images + step_size * grad, blur), 0, 255)
    return np.round(images).astype(np.uint8)

