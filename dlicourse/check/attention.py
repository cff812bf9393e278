"""Checks for 08_what_the_network_sees: the learner's occlusion loop and Grad-CAM weighting.

Each runs the learner's function on a small seeded network and compares it with the reference in
`dlicourse.reference_maps`; a miss names the step that differs, never the expected numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from dlicourse.check._core import Verdict, failure, missing, not_attempted, verdict
from dlicourse.check._help import exercise
from dlicourse.placeholders import FixmeError

SIZE = 32


@cache
def _network():
    """A small conv net with fixed weights; its class scores depend on where things are in the image."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=3)
    return keras.Sequential([
        keras.Input(shape=(SIZE, SIZE, 3)), layers.Rescaling(1 / 255),
        layers.Conv2D(8, 3, padding="same", activation="relu", kernel_initializer=init,
                      bias_initializer=keras.initializers.Constant(0.05)),
        layers.MaxPooling2D(),
        layers.Conv2D(8, 3, padding="same", activation="relu", kernel_initializer=init, name="last_conv",
                      bias_initializer=keras.initializers.Constant(0.05)),
        layers.MaxPooling2D(), layers.Flatten(),  # not global pooling: the gradients then vary by position
        layers.Dense(16, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=4)),
        layers.Dense(2, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(seed=5)),
    ], name="check_network")


def _images() -> np.ndarray:
    """Two smooth pictures with a bright square, one left and one right, so a map has somewhere to look."""
    images = np.full((2, SIZE, SIZE, 3), 90.0, np.float32)
    images[0, 4:14, 4:14] = [230, 200, 60]
    images[1, 18:28, 16:28] = [40, 220, 230]
    return images


def _call(fn: Callable, *args) -> tuple[np.ndarray | None, str | None]:
    try:
        return np.asarray(fn(*args), np.float64), None
    except FixmeError:
        return None, "FIXME"
    except Exception as err:  # noqa: BLE001 - a learner's code may fail in any way; say how
        return None, failure(err)


def _occlusion_variant(model: object, image: np.ndarray, label: int, patch: int, stride: int, grey: float = 127.5,
                       last: bool = True) -> np.ndarray:
    """The reference occlusion map, or a usual mistake: another grey, or the last position of each row and
    column left out (`last=False`: range(0, rows - patch, stride))."""
    import keras

    rows, cols = image.shape[:2]
    end = 1 if last else 0
    places = [(t, c) for t in range(0, rows - patch + end, stride) for c in range(0, cols - patch + end, stride)]
    copies = np.repeat(image[None], len(places) + 1, axis=0)
    for k, (top, left) in enumerate(places, start=1):
        copies[k, top:top + patch, left:left + patch] = grey
    probability = keras.ops.convert_to_numpy(model(copies, training=False))[:, label].astype(np.float64)
    total, count = np.zeros((rows, cols)), np.zeros((rows, cols))
    for (top, left), drop in zip(places, probability[0] - probability[1:], strict=True):
        total[top:top + patch, left:left + patch] += drop
        count[top:top + patch, left:left + patch] += 1
    return total / np.maximum(count, 1)


@exercise("08_what_the_network_sees",
          "Loop over the top-left corners of the square: `top` and `left` from 0, `stride` apart, up to rows - patch "
          "and cols - patch inclusive (range(0, rows - patch + 1, stride)).",
          "For each position, copy the photo and paint the square `grey` (127.5 by default); then give the photo "
          "and all the copies to the model in one call, and take each copy's drop: the photo's probability of "
          "`label` minus the copy's.",
          "Add each drop to `total` over the pixels its square covered, and 1 to `count` there; the map is "
          "total / count, as the function returns.",
          title="Exercise: the occlusion loop")
def occlusion(occlusion_map: object) -> Verdict:
    """`occlusion_map(model, image, label, patch, stride)` must give, per pixel, the mean drop in probability."""
    if (failed := missing(occlusion_map=occlusion_map)) is not None:
        return failed
    import keras

    from dlicourse import reference_maps

    model, image = _network(), _images()[0]
    label = int(keras.ops.convert_to_numpy(model(image[None], training=False))[0].argmax())  # a plain call
    patch, stride = 8, 4
    mine, error = _call(occlusion_map, model, image, label, patch, stride)
    if error == "FIXME":
        return not_attempted("`occlusion_map` is still FIXME inside: write the loop in its body and run this cell.")
    if error:
        return verdict(False, f"`occlusion_map` failed on a {SIZE}x{SIZE} photo ({error}).")
    want = reference_maps.occlusion_map(model, image, label, patch, stride)
    if mine.shape != want.shape:
        return verdict(False, f"`occlusion_map` gives a map of shape {mine.shape}; it should have the photo's rows "
                              f"and columns, {want.shape}.")
    if np.allclose(mine, want, atol=1e-4):
        return verdict(True, "your loop finds how much each part of the photo matters to the answer.")
    if np.abs(mine).max() < 1e-9:
        return verdict(False, "the map of `occlusion_map` is 0 everywhere: add each copy's drop to `total` over "
                              "the pixels its square covered, and 1 to `count` there.")
    if np.allclose(mine, -want, atol=1e-4):
        return verdict(False, "the map has the right size but the opposite sign: record how much the probability "
                              "*drops* (the photo's minus the copy's), so hiding what matters gives large values.")
    if np.allclose(mine, _occlusion_variant(model, image, label, patch, stride, last=False), atol=1e-4):
        return verdict(False, "the last square of each row and column is missing: `top` goes up to rows - patch "
                              "inclusive, so range(0, rows - patch + 1, stride), and `left` likewise.")
    for grey in (0.0, 128.0, 255.0):
        if np.allclose(mine, _occlusion_variant(model, image, label, patch, stride, grey=grey), atol=1e-4):
            return verdict(False, f"the squares are painted {grey:g}: paint them with `grey`, the function's "
                                  "argument (127.5 unless the caller says otherwise).")
    if np.abs(mine).max() > 1.5 * np.abs(want).max():
        return verdict(False, "the map is too large: each pixel holds the *mean* drop of the squares that covered "
                              "it, so divide `total` by `count`.")
    return verdict(False, "the map differs from sliding a grey square over the photo: check that each copy is "
                          "grey exactly where its square hides the photo, and that every position, `stride` "
                          "pixels apart, is tried once.")


@exercise("08_what_the_network_sees",
          "`feature_gradients` gives the last convolution's maps and the gradients of each class score on them.",
          "Average the gradients over rows and columns: one weight per channel and image.",
          "Weight each channel's map, sum over channels, keep the positive part (ReLU), then resize to the photo.",
          title="Exercise: the Grad-CAM weighting")
def grad_cam(grad_cam: object) -> Verdict:
    """`grad_cam(model, images, classes)` must weight the feature maps by mean gradient, sum, ReLU, upsample."""
    if (failed := missing(grad_cam=grad_cam)) is not None:
        return failed
    from dlicourse import attribution, reference_maps

    model, images = _network(), np.concatenate([_images()] * 2)
    classes = np.array([0, 0, 1, 1])  # both classes of both pictures: the losing class has negative evidence
    mine, error = _call(grad_cam, model, images, classes)
    if error == "FIXME":
        return not_attempted("`grad_cam` is still FIXME inside: write the weighting in its body and run this cell.")
    if error:
        return verdict(False, f"`grad_cam` failed on four {SIZE}x{SIZE} photos ({error}).")
    want = reference_maps.grad_cam(model, images, classes)
    if mine.ndim == 3 and mine.shape[0] == want.shape[0] and mine.shape[1:] != want.shape[1:]:
        return verdict(False, f"the maps are {mine.shape[1]}x{mine.shape[2]}, the size of the feature maps: "
                              "upsample them to the photos' size, so that they lie over the photo.")
    if mine.shape != want.shape:
        return verdict(False, f"`grad_cam` gives shape {mine.shape}; one map per photo, {want.shape}, is expected.")
    if (mine < -1e-6).any():
        return verdict(False, "the maps have negative values: keep only what speaks *for* the class (a ReLU).")
    features, grads = attribution.feature_gradients(model, images, classes)
    summed = attribution.upsample(np.maximum(np.einsum("nrck,nk->nrc", features, grads.sum(axis=(1, 2))), 0),
                                  images.shape[1:3])
    if np.allclose(mine, summed, rtol=1e-3, atol=1e-6) and not np.allclose(want, summed, rtol=1e-3, atol=1e-6):
        return verdict(False, "close: each channel's weight is the *mean* of its gradients over the rows and "
                              "columns, not their sum.")
    if not np.allclose(mine, want, rtol=1e-3, atol=1e-5 * max(want.max(), 1e-12)):
        return verdict(False, "the maps differ from Grad-CAM's: one weight per channel (the gradients averaged "
                              "over rows and columns), then the weighted sum of the feature maps over channels.")
    return verdict(True, "your Grad-CAM weighs each feature map by how much it raises the class score.")
