"""Checks for 04_whale_detection: turning the classifier's Dense layers into convolutions."""

from __future__ import annotations

import numpy as np

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise

TOLERANCE = 1e-4


@exercise('04_whale_detection',
          'fc1 looks at the whole feature map at once: a Conv2D whose kernel is feature_shape[:2].',
          "fc2 looks at fc1's outputs only: a 1x1 Conv2D.",
          'Call each new layer on x first (that builds it), then set_weights with the dense kernel reshaped.')
def fully_convolutional(classifier: object, fcn: object) -> Verdict:
    """`fcn` must take scenes of any size and give, at every window position, the classifier's scores."""
    if (failed := missing(fcn=fcn)) is not None:
        return failed
    import keras

    from dlicourse import detection

    if not isinstance(fcn, keras.Model):
        return verdict(False, f"`fcn` is a {type(fcn).__name__}; make it a model: keras.Model(inputs, x).")
    if dense := [layer.name for layer in fcn.layers if isinstance(layer, keras.layers.Dense)]:
        return verdict(False, f"`fcn` still has Dense layers ({', '.join(dense)}): replace each by a Conv2D.")
    if any(isinstance(layer, keras.layers.Flatten) for layer in fcn.layers):
        return verdict(False, "`fcn` still has a Flatten layer: a fully convolutional network keeps the feature "
                              "map's rows and columns, so leave Flatten out.")
    window = detection.window_size(classifier)
    stride = detection.network_stride(classifier)
    scene = np.random.default_rng(4).uniform(0, 255, (window[0] + 3 * stride, window[1] + 4 * stride, 3))
    try:
        heat = detection.one_pass(fcn, scene)
    except Exception as err:  # noqa: BLE001 - a learner's model may fail in any way; say how
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return verdict(False, f"`fcn` fails on a {scene.shape[0]}x{scene.shape[1]} scene ({first}). Its input "
                              "must take any size: keras.Input(shape=(None, None, 3)).")
    expected = detection.sliding_window_batched(classifier, scene, stride)
    if heat.shape != expected.shape:
        return verdict(False, f"on a {scene.shape[0]}x{scene.shape[1]} scene `fcn` gives a {heat.shape} grid of "
                              f"scores; sliding the {window[0]}x{window[1]} window every {stride} pixels gives "
                              f"{expected.shape}. The first Dense layer's kernel must cover the whole last "
                              "feature map, later ones are 1x1.")
    if not np.allclose(heat, expected, atol=TOLERANCE, rtol=0):
        return verdict(False, "`fcn` has the right shape but different scores from the classifier: copy each "
                              "Dense layer's weights, with the kernel reshaped to (rows, cols, channels, units), "
                              "and keep each layer's activation.")
    return verdict(True, f"Right: one pass over a scene gives the classifier's score for every {window[0]}x"
                         f"{window[1]} window, {stride} pixels apart, to within {TOLERANCE:g}.")
