"""Checks for 07_assessment: a whale-face classifier that the grader can use as it is."""

from __future__ import annotations

import numpy as np

from dlicourse.check._core import Verdict, described, failure, missing, verdict
from dlicourse.check._help import exercise


@exercise('07_assessment',
          'Start with keras.Input(shape=(crop_size, crop_size, 3)) and layers.Rescaling(1 / 255).',
          'Two or three blocks of layers.Conv2D(filters, 3, activation="relu") and layers.MaxPooling2D().',
          'End with layers.GlobalAveragePooling2D() and layers.Dense(2, activation="softmax").',
          title="Exercise 1: the classifier")
def whale_classifier(model: object, size: int) -> Verdict:
    """The model takes raw 0-255 RGB crops of `size` pixels and gives one score per class (face, not_face)."""
    if (failed := missing(model=model)) is not None:
        return failed
    import keras

    if not isinstance(model, keras.Model):
        return verdict(False, f"`model` is {described(model)}; build a Keras model, e.g. `keras.Sequential`.")
    try:
        shape, scores_shape = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    except (AttributeError, ValueError):
        return verdict(False, "`model` has no input shape yet: start it with "
                              "`keras.Input(shape=(crop_size, crop_size, 3))`.")
    if shape != (size, size, 3):
        return verdict(False, f"`model` takes inputs of shape {shape}; the crops are {(size, size, 3)}.")
    if scores_shape != (2,):
        return verdict(False, f"`model` gives {scores_shape} per image; it needs 2 scores, "
                              "one for face and one for not_face.")
    if not any(isinstance(layer, keras.layers.Rescaling) for layer in model.layers):
        return verdict(False, "scale the pixels inside `model` (a Rescaling(1 / 255) layer first), so that "
                              "submission.py can pass raw 0-255 pixels and never forget to.")
    try:
        scores = np.asarray(model.predict_on_batch(np.zeros((2, size, size, 3), np.uint8)))
    except Exception as err:  # noqa: BLE001 - the learner's model; its error is the hint
        return verdict(False, f"`model` fails on a batch of two crops ({failure(err)}).")
    if not np.allclose(scores.sum(axis=1), 1, atol=1e-3):
        return verdict(False, "the two scores of `model` don't add up to 1: end with "
                              "Dense(2, activation=\"softmax\").")
    return verdict(True, f"raw {size}x{size} RGB crops in, face / not_face scores out.")
