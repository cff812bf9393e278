"""Dice: how well a predicted mask overlaps the true one, where pixel accuracy misleads.

When the object covers 2% of the pixels, a model that predicts "background" everywhere is 98% accurate
and useless. Dice (2|A∩B| / (|A|+|B|)) counts only the object, so it scores it 0. It is computed per
image: the first axis is the batch. Two empty masks agree perfectly (1.0).

The NumPy versions evaluate saved predictions; the `keras.ops` versions are metrics and a loss that run
inside `model.fit` on any Keras backend.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _flat(masks: np.ndarray, threshold: float) -> np.ndarray:
    masks = np.asarray(masks)
    if masks.ndim < 2:
        raise ValueError(f"expected a batch of masks (N, ...), got shape {masks.shape}; use mask[None] for one")
    return (masks.reshape(len(masks), -1) > threshold) if masks.dtype != bool else masks.reshape(len(masks), -1)


def _overlap(y_true: np.ndarray, y_pred: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    true, pred = _flat(y_true, threshold), _flat(y_pred, threshold)
    if true.shape != pred.shape:
        raise ValueError(f"true masks {np.shape(y_true)} and predicted masks {np.shape(y_pred)} differ in shape")
    return (true & pred).sum(1), true.sum(1), pred.sum(1)


def dice(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Dice of each image's masks, shape (N,); values above `threshold` are foreground."""
    both, true, pred = _overlap(y_true, y_pred, threshold)
    total = true + pred
    return np.where(total == 0, 1.0, 2 * both / np.maximum(total, 1))


def _sums(y_true, y_pred):
    y_true = ops.reshape(ops.cast(y_true, "float32"), (ops.shape(y_true)[0], -1))
    y_pred = ops.reshape(ops.cast(y_pred, "float32"), (ops.shape(y_pred)[0], -1))
    return ops.sum(y_true * y_pred, axis=1), ops.sum(y_true, axis=1), ops.sum(y_pred, axis=1)


@keras.saving.register_keras_serializable(package="dlicourse")
def dice_metric(y_true, y_pred):
    """Dice per image of the thresholded prediction (> 0.5), as `dice` computes it: a Keras metric."""
    both, true, pred = _sums(y_true, ops.cast(y_pred > 0.5, "float32"))
    total = true + pred
    return ops.where(total == 0, 1.0, 2 * both / ops.maximum(total, 1.0))


@keras.saving.register_keras_serializable(package="dlicourse")
def dice_loss(y_true, y_pred, smooth: float = 1.0):
    """1 - soft Dice per image: differentiable, and blind to the sea of easy background pixels."""
    both, true, pred = _sums(y_true, y_pred)
    return 1 - (2 * both + smooth) / (true + pred + smooth)
