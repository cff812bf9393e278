"""Magnitude pruning for Keras 3: zero the smallest weights, and keep them zero while fine-tuning.

Keras 3 has no pruning API, so this is the smallest one that teaches seed 000's loop (train, remove the
small weights, retrain): `prune` sets the smallest share of each kernel to zero and returns the masks;
`KeepMasks` re-applies them after every training step, because an optimizer step (and Adam's momentum)
would otherwise grow the removed weights back. Biases, normalisation weights and small kernels (the
first convolution on RGB pixels, the final classifier: fewer than `SMALL` weights) stay whole: they hold a
sliver of the model, and each of their weights carries a lot of it.
"""

from __future__ import annotations

import io
import zipfile

import keras
import numpy as np

PRUNABLE = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
            keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
SMALL = 1000


def _check_sparsity(sparsity: float) -> float:
    if not isinstance(sparsity, int | float) or not 0 <= sparsity < 1:
        raise ValueError(f"sparsity is the share of weights to remove, 0 <= sparsity < 1; got {sparsity!r}")
    return float(sparsity)


def kernels(model: keras.Model, min_size: int = 0) -> list:
    """The weight matrices that pruning thins out: the kernels of the Dense and convolution layers that
    hold at least `min_size` weights."""
    found = [weight for layer in _layers(model) if isinstance(layer, PRUNABLE)
             for weight in layer.trainable_weights
             if "bias" not in weight.name and int(np.prod(weight.shape)) >= min_size]
    if not found:
        raise ValueError(f"{model.name} has no Dense or convolution kernels of {min_size} weights or more to prune")
    return found


def _layers(model: keras.Model) -> list:
    """Every layer, nested models opened up, so a model wrapped in a Sequential is pruned too."""
    out = []
    for layer in model.layers:
        out.extend(_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return out


def magnitude_mask(values: np.ndarray, sparsity: float) -> np.ndarray:
    """A 0/1 mask of `values`' shape that removes exactly round(sparsity * size) of the smallest |values|.

    Ties are broken by position (a stable sort), so the share is exact even when many weights are equal.
    """
    sparsity = _check_sparsity(sparsity)
    flat = np.abs(np.asarray(values, np.float64)).ravel()
    removed = int(round(sparsity * flat.size))
    mask = np.ones(flat.size, np.float32)
    mask[np.argsort(flat, kind="stable")[:removed]] = 0.0
    return mask.reshape(np.shape(values))


class Masks(dict):
    """Masks by weight path. `apply` multiplies each kernel by its mask; a model must hold the same kernels."""

    def apply(self, model: keras.Model) -> None:
        by_path = {weight.path: weight for weight in kernels(model)}
        missing = sorted(set(self) - set(by_path))
        if missing:
            raise ValueError(f"{model.name} has no weights {missing[:3]}: masks fit only the model they were made for")
        for path, mask in self.items():
            weight = by_path[path]
            if tuple(weight.shape) != mask.shape:
                raise ValueError(f"the mask for {path} has shape {mask.shape}, the weight {tuple(weight.shape)}")
            weight.assign(keras.ops.convert_to_numpy(weight) * mask)


def prune(model: keras.Model, sparsity: float, min_size: int = SMALL) -> Masks:
    """Zero the smallest `sparsity` share of every kernel of `model` with at least `min_size` weights, in
    place; return the masks, for `KeepMasks` to hold during fine-tuning."""
    sparsity = _check_sparsity(sparsity)
    masks = Masks({weight.path: magnitude_mask(keras.ops.convert_to_numpy(weight), sparsity)
                   for weight in kernels(model, min_size)})
    masks.apply(model)
    return masks


class KeepMasks(keras.callbacks.Callback):
    """Re-apply the masks after every training step, so that removed weights stay removed while the
    others adapt (without it, the first gradient step makes them non-zero again)."""

    def __init__(self, masks: Masks):
        super().__init__()
        if not isinstance(masks, Masks) or not masks:
            raise ValueError("KeepMasks needs the masks that prune(model, sparsity) returned")
        self.masks = masks

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.masks.apply(self.model)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.masks.apply(self.model)


def sparsity(model: keras.Model) -> float:
    """The share of all kernel weights (small kernels too) that are exactly zero: what pruning removed,
    measured on the model."""
    values = [keras.ops.convert_to_numpy(weight).ravel() for weight in kernels(model)]
    flat = np.concatenate(values)
    return float(np.mean(flat == 0))


def compressed_bytes(model: keras.Model) -> int:
    """Bytes of every weight of `model` (float32) in a deflate-compressed zip: zeros compress, so a pruned
    model shrinks on disk and over the network although its arrays keep their shape."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i, weight in enumerate(model.weights):
            archive.writestr(f"{i}.bin", np.asarray(keras.ops.convert_to_numpy(weight), np.float32).tobytes())
    return buffer.getbuffer().nbytes
