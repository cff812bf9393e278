"""Half precision, measured: FP16's limits, and which gradients of a real training step it would lose.

Under `mixed_float16` the backward pass holds the gradients of every layer's output (the activation
gradients) and of every weight in FP16. A float32 gradient smaller than half of FP16's smallest subnormal
(2^-25) rounds to zero there, and that part of the update is lost. Loss scaling multiplies the loss, hence
every gradient, by a power of two before the backward pass and divides the weight update by it after.
"""

from __future__ import annotations

import numpy as np

SMALLEST_SUBNORMAL = 2.0 ** -24  # 5.96e-8: below half of it, a value rounds to zero
SMALLEST_NORMAL = 2.0 ** -14     # 6.10e-5: below it, fewer bits of precision are left
LARGEST = 65504.0                # above it (after rounding), a value becomes inf: an overflow


def gradients(model, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The float32 gradients of one training step of a Sequential `model` (its compiled loss, averaged over
    the batch as `fit` does): `activations`, of each layer's output but the last; `weights`, of each
    trainable weight. Each as one flat array of the non-zero values (exact zeros, e.g. behind a ReLU that
    is off, are zero in any precision).

    The loss is taken as a function of the weights' values (a stateless scope) and of a zero added to each
    layer's output, whose gradient is that output's: so `gradients.value_and_gradients` asks it of any
    backend, which differentiates functions of arrays, not layers' outputs."""
    import keras

    from dlicourse.gradients import value_and_gradients

    if not isinstance(model, keras.Sequential):
        raise ValueError("gradients() follows a Sequential model layer by layer; got a " + type(model).__name__)
    if model.loss is None:
        raise ValueError("compile the model first: its loss is the one differentiated")
    loss_fn = keras.losses.get(model.loss)
    x = np.asarray(x, np.float32)
    trainable = model.trainable_variables
    frozen = [(v, v.value) for v in model.non_trainable_variables]

    def loss(*arrays):
        weights, shifts = arrays[:len(trainable)], arrays[len(trainable):]
        h = x
        with keras.StatelessScope(state_mapping=[*zip(trainable, weights, strict=True), *frozen]):
            for i, layer in enumerate(model.layers):
                h = layer(h, training=True)
                h = h + shifts[i] if i < len(shifts) else h
        return keras.ops.mean(loss_fn(y, h))

    shapes, h = [], x
    for layer in model.layers[:-1]:
        h = layer(h, training=True)
        shapes.append(tuple(h.shape))
    weights = [np.asarray(v.value) for v in trainable]
    _, found = value_and_gradients(loss, [*weights, *(np.zeros(s, np.float32) for s in shapes)])

    def flat(parts: list) -> np.ndarray:
        values = np.concatenate([np.ravel(g) for g in parts if g is not None]).astype(np.float32)
        return values[values != 0]

    return {"activations": flat(found[len(trainable):]), "weights": flat(found[:len(trainable)])}


def lost_in_fp16(values: np.ndarray, scale: float = 1.0) -> float:
    """The share of the (non-zero) float32 `values` that become zero when multiplied by `scale` and stored
    in FP16: NumPy rounds as the hardware does, so this is what mixed precision loses."""
    values = np.asarray(values, np.float32)
    if values.size == 0:
        raise ValueError("no gradient values to measure")
    if not scale > 0:
        raise ValueError(f"a loss scale must be positive, got {scale!r}")
    with np.errstate(over="ignore"):
        return float(np.mean((values * np.float32(scale)).astype(np.float16) == 0))


def overflow_in_fp16(values: np.ndarray, scale: float = 1.0) -> float:
    """The share of `values` that become inf in FP16 once multiplied by `scale`: a scale too big."""
    with np.errstate(over="ignore"):
        return float(np.mean(np.isinf((np.asarray(values, np.float32) * np.float32(scale)).astype(np.float16))))
