"""Checks for 08_what_the_network_sees: the learner's occlusion loop and Grad-CAM weighting.

Each runs the learner's function on a small seeded network and compares it with the reference in
`dlicourse.reference_maps`; a miss names the step that differs, never the expected numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from dlicourse.check._core import Verdict, failure, missing, verdict
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


@exercise("08_what_the_network_sees",
          "Loop over the top-left corners of the patch: rows and columns from 0, `stride` apart, while the patch fits.",
          "For each position, copy the photo, paint the patch grey (e.g. 128) and ask the model for `label`'s "
          "probability; the drop is the photo's probability minus this one.",
          "Add the drop to every pixel the patch covered and count the covers; the map is the sum over the count.")
def occlusion(occlusion_map: object) -> Verdict:
    """`occlusion_map(model, image, label, patch, stride)` must give, per pixel, the mean drop in probability."""
    if (failed := missing(occlusion_map=occlusion_map)) is not None:
        return failed
    import keras

    from dlicourse import reference_maps

    model, image = _network(), _images()[0]
    label = int(keras.ops.convert_to_numpy(model(image[None], training=False))[0].argmax())  # a plain call
    mine, error = _call(occlusion_map, model, image, label, 8, 4)
    if error == "FIXME":
        return verdict(False, "`occlusion_map` is still FIXME inside: write the loop in its body and run the cell.")
    if error:
        return verdict(False, f"occlusion_map failed on a {SIZE}x{SIZE} photo ({error}).")
    want = reference_maps.occlusion_map(model, image, label, 8, 4)
    if mine.shape != want.shape:
        return verdict(False, f"the map is {mine.shape}; it should have the photo's rows and columns {want.shape}.")
    if np.allclose(mine, -want, atol=1e-4) and np.abs(want).max() > 1e-4:
        return verdict(False, "the map has the right size but the opposite sign: record how much the probability "
                              "*drops* (before minus after), so hiding what matters gives large values.")
    if not np.allclose(mine, want, atol=1e-4):
        scale = np.abs(mine).max() / max(np.abs(want).max(), 1e-12)
        hint = (" Each pixel should hold the *mean* drop of the patches that covered it: divide the sum by how "
                "many covered it." if scale > 1.5 else " Check that each patch is grey exactly where it hides "
                "the photo, and that every position, `stride` pixels apart, is tried.")
        return verdict(False, "the map differs from sliding a grey patch over the photo." + hint)
    return verdict(True, "Right: your loop finds how much each part of the photo matters to the answer.")


@exercise("08_what_the_network_sees",
          "`feature_gradients` gives the last convolution's maps and the gradients of each class score on them.",
          "Average the gradients over rows and columns: one weight per channel and image.",
          "Weight each channel's map, sum over channels, keep the positive part (ReLU), then resize to the photo.")
def grad_cam(grad_cam: object) -> Verdict:
    """`grad_cam(model, images, classes)` must weight the feature maps by mean gradient, sum, ReLU, upsample."""
    if (failed := missing(grad_cam=grad_cam)) is not None:
        return failed
    from dlicourse import attribution, reference_maps

    model, images = _network(), np.concatenate([_images()] * 2)
    classes = np.array([0, 0, 1, 1])  # both classes of both pictures: the losing class has negative evidence
    mine, error = _call(grad_cam, model, images, classes)
    if error == "FIXME":
        return verdict(False, "`grad_cam` is still FIXME inside: write the weighting in its body and run the cell.")
    if error:
        return verdict(False, f"grad_cam failed on four {SIZE}x{SIZE} photos ({error}).")
    want = reference_maps.grad_cam(model, images, classes)
    if mine.ndim == 3 and mine.shape[1:] != want.shape[1:]:
        return verdict(False, f"the maps are {mine.shape[1]}x{mine.shape[2]}, the size of the feature maps: "
                              "upsample them to the photos' size so they can lie over the photo.")
    if mine.shape != want.shape:
        return verdict(False, f"grad_cam gives shape {mine.shape}; one map per photo, {want.shape}, is expected.")
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
    return verdict(True, "Right: your Grad-CAM weighs each feature map by how much it raises the class score.")
