"""Reference answers to lab exercises, in general form, for the benchmarks and the tests.

04_whale_detection's main exercise is turning a classifier's Dense head into convolutions. The general
converter lives here, outside every module a lab imports, so that the answer is never one import away
from the learner (tests/test_answers.py checks that no lab imports `dlicourse.instructor`). The
benchmarks use it to time the one-pass network at any size, and the tests prove it equal to sliding
the classifier.
"""

from __future__ import annotations

import keras

from dlicourse.detection import window_size

_SPATIAL = ("InputLayer", "Rescaling", "Normalization", "Conv2D", "SeparableConv2D", "DepthwiseConv2D",
            "MaxPooling2D", "AveragePooling2D", "BatchNormalization", "Activation", "ReLU", "LeakyReLU",
            "Dropout", "SpatialDropout2D", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
            "RandomContrast", "RandomBrightness", "GaussianNoise")
_HEAD = ("Dense", "Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax")


def _refuse(why: str) -> ValueError:
    return ValueError(f"cannot make this model fully convolutional: {why}. Expected a classifier of "
                      "fixed-size RGB windows: spatial layers (Conv2D, pooling, ...), then Flatten, then Dense layers.")


def _split_at_flatten(model: keras.Model) -> tuple[list, list]:
    names = [type(layer).__name__ for layer in model.layers]
    if "Flatten" not in names:
        found = "GlobalAveragePooling2D" if any(n.startswith("Global") for n in names) else "no Flatten layer"
        raise _refuse(f"it has {found}, so it has no Flatten + Dense head to convert")
    at = names.index("Flatten")
    body, head = model.layers[:at], model.layers[at + 1:]
    if odd := [n for n in names[:at] if n not in _SPATIAL]:
        raise _refuse(f"{odd[0]} before Flatten does not slide over a larger image")
    if odd := [n for n in names[at + 1:] if n not in _HEAD]:
        raise _refuse(f"{odd[0]} after Flatten has no convolutional equivalent here")
    if "Dense" not in names[at + 1:]:
        raise _refuse("there is no Dense layer after Flatten")
    return body, head


def _is_chain(model: keras.Model) -> bool:
    """True when each layer feeds only the next one (a Sequential model, or a functional one like it)."""
    if isinstance(model, keras.Sequential):
        return True
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for before, after in zip(layers, layers[1:], strict=False):
        nodes = getattr(after, "_inbound_nodes", None)  # Keras 3 keeps each call of a layer as a node
        inbound = nodes[0].input_tensors if nodes else []
        if len(inbound) != 1 or inbound[0] is not before.output:
            return False
    return len(model.inputs) == 1 and len(model.outputs) == 1


def to_fully_convolutional(model: keras.Model) -> keras.Model:
    """The same classifier as a fully convolutional network: any scene in, a grid of class scores out.

    The first Dense after Flatten becomes a Conv2D whose kernel covers the whole last feature map (its
    weights reshaped, not retrained); each later Dense becomes a 1x1 Conv2D. On a window-sized input
    it gives the classifier's output; on a larger scene, one output per window position, `network_stride`
    pixels apart. Equal to sliding the classifier when its convolutions use `padding="valid"`.
    """
    window = window_size(model)
    if not _is_chain(model):
        raise _refuse("its layers branch or merge; only a chain of layers (like keras.Sequential) is handled")
    body, head = _split_at_flatten(model)
    inputs = keras.Input(shape=(None, None, 3), name="scene")
    x = inputs
    for layer in body:
        if type(layer).__name__ == "InputLayer":
            continue
        copy = type(layer).from_config(layer.get_config())
        x = copy(x)
        copy.set_weights(layer.get_weights())
    feature_shape = tuple(model.layers[len(body)].input.shape[1:])
    first = True
    for layer in head:
        if type(layer).__name__ != "Dense":
            x = type(layer).from_config(layer.get_config())(x)
            continue
        kernel, *bias = layer.get_weights()
        size = feature_shape[:2] if first else (1, 1)
        conv = keras.layers.Conv2D(layer.units, size, activation=layer.activation, use_bias=layer.use_bias,
                                   name=f"{layer.name}_conv")
        x = conv(x)
        conv.set_weights([kernel.reshape(*size, -1, layer.units), *bias])
        first = False
    fcn = keras.Model(inputs, x, name=f"{model.name}_fully_convolutional")
    if tuple(fcn.compute_output_shape((1, *window, 3))[1:3]) != (1, 1):
        raise _refuse(f"on one {window[0]}x{window[1]} window the converted network gives more than one position")
    return fcn
