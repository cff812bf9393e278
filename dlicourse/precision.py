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
    is off, are zero in any precision). On TensorFlow or JAX, each asked in its own way."""
    import keras

    if not isinstance(model, keras.Sequential):
        raise ValueError("gradients() follows a Sequential model layer by layer; got a " + type(model).__name__)
    if model.loss is None:
        raise ValueError("compile the model first: its loss is the one differentiated")
    loss_fn = keras.losses.get(model.loss)
    x = np.asarray(x, np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        found = _tensorflow_gradients(model, x, y, loss_fn)
    elif backend == "jax":
        found = _jax_gradients(model, x, y, loss_fn)
    else:
        raise NotImplementedError(f"gradients() on the {backend!r} backend: use tensorflow or jax")
    n = len(model.layers) - 1

    def flat(parts: list) -> np.ndarray:
        values = np.concatenate([np.ravel(np.asarray(g)) for g in parts if g is not None]).astype(np.float32)
        return values[values != 0]

    return {"activations": flat(found[:n]), "weights": flat(found[n:])}


def _tensorflow_gradients(model, x: np.ndarray, y: np.ndarray, loss_fn) -> list:
    """Each layer's output but the last, then each trainable weight: a tape watches the outputs."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        outputs, h = [], tf.convert_to_tensor(x)
        for layer in model.layers:
            h = layer(h, training=True)
            tape.watch(h)
            outputs.append(h)
        loss = tf.reduce_mean(loss_fn(y, h))
    return tape.gradient(loss, outputs[:-1] + list(model.trainable_weights))


def _jax_gradients(model, x: np.ndarray, y: np.ndarray, loss_fn) -> list:
    """The same on JAX, which differentiates functions, not tapes: the weights are passed in (a stateless
    scope), and a zero added to each layer's output has that output's gradient."""
    import jax
    import jax.numpy as jnp
    import keras

    trainable = [v.value for v in model.trainable_variables]
    frozen = [(v, v.value) for v in model.non_trainable_variables]

    def forward(weights: list, shifts: list) -> tuple:
        outputs, h = [], jnp.asarray(x)
        with keras.StatelessScope(state_mapping=[*zip(model.trainable_variables, weights, strict=True), *frozen]):
            for i, layer in enumerate(model.layers):
                h = layer(h, training=True)
                h = h + shifts[i] if i < len(shifts) else h
                outputs.append(h)
            return jnp.mean(loss_fn(y, h)), outputs

    zeros = [jnp.zeros(h.shape, jnp.float32) for h in forward(trainable, [])[1][:-1]]
    weights, outputs = jax.grad(lambda w, s: forward(w, s)[0], argnums=(0, 1))(trainable, zeros)
    return [*outputs, *weights]


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
