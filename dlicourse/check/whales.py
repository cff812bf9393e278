"""Checks for 04_whale_detection: the sliding-window loop, and turning the classifier's Dense layers into
convolutions."""

from __future__ import annotations

import numpy as np

from dlicourse.check._core import Verdict, described, failure, missing, not_attempted, verdict
from dlicourse.check._help import exercise
from dlicourse.placeholders import FixmeError

TOLERANCE = 1e-4


@exercise('04_whale_detection',
          'fc1 looks at the whole feature map at once: a Conv2D whose kernel is feature_shape[:2].',
          "fc2 looks at fc1's outputs only: a 1x1 Conv2D.",
          'Call each new layer on x first (that builds it), then set_weights with the dense kernel reshaped.',
          title="Exercise: FC → conv")
def fully_convolutional(classifier: object, to_fully_convolutional: object) -> Verdict:
    """`to_fully_convolutional` (a function that makes a model from `classifier`, or that model) must give a
    network that takes scenes of any size and gives, at every window position, the classifier's scores."""
    if (failed := missing(to_fully_convolutional=to_fully_convolutional)) is not None:
        return failed
    import keras

    from dlicourse import detection

    made = "the network from `to_fully_convolutional(classifier)`"
    fcn = to_fully_convolutional
    if callable(fcn) and not isinstance(fcn, keras.Model):
        try:
            fcn = fcn(classifier)
        except FixmeError:
            return not_attempted("`to_fully_convolutional` is still FIXME inside: build, apply and copy the "
                                 "weights of each layer, then run this cell.")
        except Exception as err:  # noqa: BLE001 - a learner's code may fail in any way; say how
            dense = [layer.name for layer in classifier.layers if isinstance(layer, keras.layers.Dense)]
            if used := [name for name in dense if f"'{name}'" in str(err)]:
                return verdict(False, f"`to_fully_convolutional(classifier)` applies `{used[0]}`, a Dense layer, to "
                                      f"the feature map ({type(err).__name__}): build a Conv2D in its place and copy "
                                      "its weights.")
            return verdict(False, f"`to_fully_convolutional(classifier)` failed ({failure(err)}).")

    if not isinstance(fcn, keras.Model):
        return verdict(False, f"`to_fully_convolutional(classifier)` gives {described(fcn)}; it should return "
                              "a model: `keras.Model(inputs, x)`.")
    if dense := [layer.name for layer in fcn.layers if isinstance(layer, keras.layers.Dense)]:
        return verdict(False, f"{made} still has Dense layers ({', '.join(dense)}): replace each by a Conv2D.")
    if any(isinstance(layer, keras.layers.Flatten) for layer in fcn.layers):
        return verdict(False, f"{made} still has a Flatten layer: a fully convolutional network keeps the "
                              "feature map's rows and columns, so leave Flatten out.")
    window = detection.window_size(classifier)
    stride = detection.network_stride(classifier)
    scene = np.random.default_rng(4).uniform(0, 255, (window[0] + 3 * stride, window[1] + 4 * stride, 3))
    try:
        heat = detection.one_pass(fcn, scene)
    except Exception as err:  # noqa: BLE001 - a learner's model may fail in any way; say how
        return verdict(False, f"{made} fails on a {scene.shape[0]}x{scene.shape[1]} scene ({failure(err)}). "
                              "Its input must take any size: `keras.Input(shape=(None, None, 3))`.")
    expected = detection.sliding_window_batched(classifier, scene, stride)
    if heat.shape != expected.shape:
        return verdict(False, f"on a {scene.shape[0]}x{scene.shape[1]} scene {made} gives a {heat.shape} grid "
                              f"of scores; sliding the {window[0]}x{window[1]} window every {stride} pixels gives "
                              f"{expected.shape}. The first Dense layer's kernel must cover the whole last "
                              "feature map, later ones are 1x1.")
    if not np.allclose(heat, expected, atol=TOLERANCE, rtol=0):
        return verdict(False, f"{made} has the right shape but other scores than the classifier: copy each "
                              "Dense layer's weights, with the kernel reshaped to (rows, cols, channels, units), "
                              "and keep each layer's activation.")
    return verdict(True, f"one pass over a scene gives the classifier's score for every {window[0]}x"
                         f"{window[1]} window, {stride} pixels apart, to within {TOLERANCE:g}.")


class _Sized:
    """A classifier that first checks the size of what it is given, so that a window cut too small (or too
    large) is named as such, not as an error deep in the backend."""

    def __init__(self, model: object, window: tuple[int, int]):
        self._model, self._window = model, window

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def _sized(self, crops: object) -> object:
        shape, (rows, cols) = tuple(np.shape(crops)), self._window
        if shape == (rows, cols, 3):
            raise ValueError("the classifier was given one crop, not a batch: give it crop[None]")
        if len(shape) != 4:
            raise ValueError(f"the classifier was given an array of shape {shape}; it takes a batch of {rows}x{cols} "
                             "windows")
        if shape[1:3] != self._window:
            raise ValueError(f"the classifier was given a {shape[1]}x{shape[2]} crop; it takes {rows}x{cols} windows")
        return crops

    def predict_on_batch(self, crops: object) -> object:
        return self._model.predict_on_batch(self._sized(crops))

    def predict(self, crops: object, *args: object, **kwargs: object) -> object:
        return self._model.predict(self._sized(crops), *args, **kwargs)

    def __call__(self, crops: object, *args: object, **kwargs: object) -> object:
        return self._model(self._sized(crops), *args, **kwargs)


def _brightness_probe(window: tuple[int, int]) -> object:
    """A classifier of `window`-sized crops whose face score rises with the crop's mean brightness."""
    import keras

    probe = keras.Sequential([keras.Input((*window, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.AveragePooling2D(window), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    probe.layers[-1].set_weights([np.array([[2.0, -2.0]] * 3, "float32"), np.array([-1.5, 1.5], "float32")])
    return probe


@exercise('04_whale_detection',
          'The window at (row, col) starts stride pixels apart: scene[row * stride : row * stride + window, '
          'col * stride : col * stride + window].',
          'The classifier takes a batch: give it one crop as crop[None], and keep its score for class 0 (face).',
          'classifier.predict_on_batch(crop[None])[0, 0] is that one window\'s face score.',
          title="Exercise: the sliding-window loop")
def sliding_window(sliding_window: object, classifier: object) -> Verdict:
    """`sliding_window(classifier, scene, stride)` must give every window's face score, as a heat map."""
    if (failed := missing(sliding_window=sliding_window)) is not None:
        return failed
    from dlicourse import detection

    if "FIXME" in getattr(getattr(sliding_window, "__code__", None), "co_names", ()):
        return not_attempted("`sliding_window` is still FIXME inside: cut each window out and score it, then "
                             "run this cell.")
    window, stride = detection.window_size(classifier), detection.network_stride(classifier)
    probe = _brightness_probe(window)  # a classifier whose every window scores differently, unlike noise
    rows, cols = window[0] + 3 * stride, window[1] + 4 * stride
    scene = np.repeat(np.add.outer(np.linspace(0, 160, rows), np.linspace(0, 90, cols))[..., None], 3, axis=-1)
    try:
        heat = np.asarray(sliding_window(_Sized(probe, window), scene, stride), dtype=np.float64)
    except FixmeError:
        return not_attempted("`sliding_window` is still FIXME inside: cut each window out and score it, then "
                             "run this cell.")
    except Exception as err:  # noqa: BLE001 - a learner's loop may fail in any way; say how
        return verdict(False, f"`sliding_window` failed on a {scene.shape[0]}x{scene.shape[1]} scene "
                              f"({failure(err)}).")
    expected = detection.sliding_window_batched(probe, scene, stride)
    if heat.shape != expected.shape:
        return verdict(False, f"a {scene.shape[0]}x{scene.shape[1]} scene with a {window[0]}-pixel window every "
                              f"{stride} pixels has {expected.shape} window positions; your `heat` map is "
                              f"{heat.shape}.")
    if np.allclose(heat, 1 - expected, atol=TOLERANCE):
        return verdict(False, "the scores are the not-face ones: keep column 0 of the classifier's answer, face.")
    if not np.allclose(heat, expected, atol=TOLERANCE):
        return verdict(False, "some windows' scores differ from the classifier's answer for that window: check "
                              "that the window at (row, col) starts at (row * stride, col * stride).")
    return verdict(True, f"{heat.size} windows, each through the classifier on its own.")
