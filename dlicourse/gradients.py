"""Gradients with respect to a network's input or its feature maps, on whichever backend Keras runs.

Keras 3 computes a model's output on TensorFlow, JAX or PyTorch, but each asks for a gradient its own
way (a tape, `jax.grad`, autograd); `value_and_gradients` is the one place that knows them all. The
maps of 08_what_the_network_sees need two more things that a plain `model(x)` call does not offer:
running a plain stack of layers from one layer to another (Grad-CAM needs the score as a function of
a conv layer's feature maps), and the class *score*, before the softmax squashes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import ops


def value_and_gradients(fn: Callable[..., Any], arrays: Sequence[Any]) -> tuple[float, list[np.ndarray | None]]:
    """`sum(fn(*arrays))` and its gradient with respect to each array (NumPy), through the active
    backend; None (TensorFlow, PyTorch) or zeros (JAX) for an array the sum does not depend on."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(a) for a in arrays]
        with tf.GradientTape() as tape:
            for tensor in tensors:
                tape.watch(tensor)
            total = ops.sum(fn(*tensors))
        return float(total), [None if g is None else np.asarray(g) for g in tape.gradient(total, tensors)]
    if backend == "jax":
        import jax

        total, grads = jax.value_and_grad(lambda *v: ops.sum(fn(*v)), argnums=tuple(range(len(arrays))))(
            *(jax.numpy.asarray(a) for a in arrays))
        return float(total), [np.asarray(g) for g in grads]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(np.asarray(a), requires_grad=True) for a in arrays]
        total = ops.sum(fn(*tensors))
        total.backward()
        return float(total.detach()), [None if t.grad is None else t.grad.detach().cpu().numpy() for t in tensors]
    raise NotImplementedError(f"gradients on the {backend!r} backend: use tensorflow, jax or torch")


def value_and_gradient(fn: Callable[[Any], Any], x: np.ndarray) -> tuple[float, np.ndarray]:
    """`sum(fn(x))` and its gradient with respect to `x` (NumPy float32)."""
    total, (grad,) = value_and_gradients(fn, [np.asarray(x, np.float32)])
    return total, grad


def gradient(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The gradient of `sum(fn(x))` with respect to `x`."""
    return value_and_gradient(fn, x)[1]


def layer_stack(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers in order, when it is a plain stack (each layer feeds only the next)."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not isinstance(model, keras.Sequential):
        for before, after in zip(layers, layers[1:], strict=False):
            if after.input is not before.output:
                raise ValueError(f"{model.name} is not a plain stack of layers ({after.name} does not take "
                                 f"{before.name}'s output); these maps need one, e.g. keras.Sequential.")
    return layers


def conv_layers(model: keras.Model) -> list[str]:
    """Names of the layers whose output is a stack of feature maps (rows x columns x channels)."""
    return [layer.name for layer in layer_stack(model)
            if isinstance(layer, keras.layers.Conv2D) or (isinstance(layer, keras.layers.ReLU)
                                                          and len(layer.output.shape) == 4)]


def last_conv_layer(model: keras.Model) -> str:
    """The last layer with feature maps: where Grad-CAM looks. A clear error when there is none."""
    names = conv_layers(model)
    if not names:
        raise ValueError(f"{model.name} has no convolutional layer: these maps need feature maps (rows x "
                         "columns x channels), which Dense layers do not keep.")
    return names[-1]


def _guided_relu():
    """ReLU whose gradient passes only where the input and the incoming gradient are both positive."""

    @ops.custom_gradient
    def guided(x):
        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            return upstream * ops.cast(x > 0, upstream.dtype) * ops.cast(upstream > 0, upstream.dtype)

        return ops.relu(x), grad

    return guided


def _is_relu(fn: Any) -> bool:
    return getattr(fn, "__name__", "") == "relu"


def _is_softmax(fn: Any) -> bool:
    return getattr(fn, "__name__", "") == "softmax"


def run_layers(model: keras.Model, x: Any, start: str | None = None, stop: str | None = None,
               scores: bool = False, guided: bool = False) -> Any:
    """Run the stack from the layer after `start` (or the input) through `stop` (or the end), not training.

    `scores`: the last layer's softmax is left out, giving the class scores Simonyan and Grad-CAM use.
    `guided`: every ReLU passes gradients as guided backpropagation wants (Springenberg et al.).
    """
    layers = layer_stack(model)
    names = [layer.name for layer in layers]
    for name in (start, stop):
        if name is not None and name not in names:
            raise ValueError(f"{model.name} has no layer {name!r}; its layers: {', '.join(names)}")
    first = 0 if start is None else names.index(start) + 1
    last = len(layers) - 1 if stop is None else names.index(stop)
    relu = _guided_relu() if guided else ops.relu
    for i in range(first, last + 1):
        x = _call(layers[i], x, relu, guided, drop_softmax=scores and i == len(layers) - 1)
    return x


def _call(layer: keras.layers.Layer, x: Any, relu: Callable, guided: bool, drop_softmax: bool) -> Any:
    """One layer on `x`, its activation swapped for a guided ReLU or left out where asked."""
    if guided and isinstance(layer, keras.layers.ReLU):
        return relu(x)
    activation = getattr(layer, "activation", None)
    swap = (guided and _is_relu(activation)) or (drop_softmax and _is_softmax(activation))
    if not swap:
        return layer(x, training=False)
    layer.activation = keras.activations.linear
    try:
        out = layer(x, training=False)
    finally:
        layer.activation = activation
    return relu(out) if _is_relu(activation) else out


def class_scores(model: keras.Model, classes: Sequence[int] | np.ndarray) -> Callable[[Any], Any]:
    """A function of a batch of images: each image's score for its own class in `classes`."""
    pick = keras.ops.one_hot(np.asarray(classes), int(model.output_shape[-1]))
    return lambda x: ops.sum(run_layers(model, x, scores=True) * pick, axis=-1)
