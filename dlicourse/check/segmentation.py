"""Checks for 05_segmentation: the kernel sizes and strides that take an FCN down and back up, and Dice."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from dlicourse.check._core import Verdict, described, failure, missing, not_attempted, verdict
from dlicourse.check._help import exercise
from dlicourse.metrics import dice_loss
from dlicourse.placeholders import FixmeError, is_placeholder


@exercise('05_segmentation',
          'Each convolution with stride s divides the size by s; three of them divide it by s**3.',
          'The transposed convolution must multiply it back by the same factor: its stride.',
          'Its kernel must be at least as big as its stride, or the output has gaps; twice the stride is usual.',
          title="Exercise: kernel sizes and strides")
def upsampling(down_kernel_size: int, down_strides: int, up_kernel_size: int, up_strides: int,
               image_size: int = 128, downsampling_layers: int = 3) -> Verdict:
    """`downsampling_layers` Conv2D layers with `down_strides`, then one Conv2DTranspose back to full size.

    With padding "same", a convolution divides the size by its stride and a transposed convolution
    multiplies it by its stride, so the mask comes out at the image's size only if the strides cancel.
    """
    chosen = {"down_kernel_size": down_kernel_size, "down_strides": down_strides,
              "up_kernel_size": up_kernel_size, "up_strides": up_strides}
    if (failed := missing(**chosen)) is not None:
        return failed
    for name, value in chosen.items():
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            return verdict(False, f"`{name}` is {described(value)}; it should be one whole number of pixels, at "
                                  "least 1 (the same in both directions).")
    if down_strides < 2:
        return verdict(False, f"`down_strides` = {down_strides} keeps the size: the network never downsamples, so "
                              "each pixel sees only a small neighbourhood. Each convolution should halve the size.")
    if down_kernel_size < down_strides:
        return verdict(False, f"a kernel of {down_kernel_size} with stride {down_strides} skips pixels: make "
                              "`down_kernel_size` at least as large as `down_strides`.")
    smallest = image_size / down_strides**downsampling_layers
    if smallest != int(smallest) or smallest < 2:
        return verdict(False, f"{downsampling_layers} convolutions with stride {down_strides} shrink {image_size} "
                              f"pixels to {smallest:g}: pick a `down_strides` that divides it evenly, one that "
                              "halves the size.")
    if smallest * up_strides != image_size:
        return verdict(False, f"the deepest features are {smallest:g}x{smallest:g}; a transposed convolution with "
                              f"stride {up_strides} makes them {smallest * up_strides:g}x{smallest * up_strides:g}, "
                              f"not {image_size}x{image_size}. `up_strides` must undo all the downsampling.")
    if up_kernel_size < up_strides:
        return verdict(False, f"a transposed convolution with kernel {up_kernel_size} and stride {up_strides} "
                              "leaves gaps between its outputs: make `up_kernel_size` at least as large as "
                              "`up_strides` (FCN used twice the stride).")
    return verdict(True, f"{image_size} -> {smallest:g} after {downsampling_layers} strided convolutions, "
                         f"and one transposed convolution with stride {up_strides} brings it back to {image_size}.")


def _masks() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Small cases whose Dice a learner can work out by hand: (truth, predicted), 8x8 masks."""
    empty, full = np.zeros((1, 8, 8, 1), "float32"), np.ones((1, 8, 8, 1), "float32")
    left, top = empty.copy(), empty.copy()
    left[:, :, :4], top[:, :4] = 1, 1
    return {"an empty truth and an empty prediction": (empty, empty),
            "a full truth and a full prediction": (full, full),
            "two half masks that overlap by half": (left, top),
            "a full truth and a prediction of 0.5 everywhere": (full, full / 2)}


@exercise('05_segmentation',
          'Dice = 2 x overlap / (area of truth + area of prediction); on probabilities, the overlap is the sum '
          'of truth * predicted.',
          'Sum over height, width and channel only, axis=(1, 2, 3), so there is one Dice per image.',
          'Add 1 above and below the fraction: two empty masks then score 1, and nothing divides by zero.',
          title="Exercise: Dice, on probabilities")
def soft_dice(soft_dice: Callable[[Any, Any], Any]) -> Verdict:
    """Tried on cases a learner can work out by hand, and on a batch: one value per image, as the loss needs."""
    if (failed := missing(soft_dice=soft_dice)) is not None:
        return failed
    if not callable(soft_dice):
        return verdict(False, f"`soft_dice` is {described(soft_dice)}; it should be a function of "
                              "(truth, predicted).")
    cases = _masks()
    truth = np.concatenate([t for t, _ in cases.values()])
    predicted = np.concatenate([p for _, p in cases.values()])
    try:
        got = soft_dice(truth, predicted)
        if is_placeholder(got):
            return not_attempted("`soft_dice` still returns FIXME: write its two lines and run this cell.")
        got = np.asarray(keras.ops.convert_to_numpy(got), dtype="float64")
    except FixmeError:
        return not_attempted("`soft_dice` still uses a FIXME: write its two lines and run this cell.")
    except Exception as err:  # noqa: BLE001 - the learner's code: any mistake is a reason to show, not a crash
        return verdict(False, f"`soft_dice` raised {failure(err)}")
    if got.shape != (len(truth),):
        return verdict(False, f"for a batch of {len(truth)} masks `soft_dice` gave shape {got.shape}; it should "
                              f"give one Dice per image, shape ({len(truth)},): sum over axis=(1, 2, 3) only.")
    for (case, (t, p)), value in zip(cases.items(), got, strict=True):
        expected = float(1 - keras.ops.convert_to_numpy(dice_loss(t, p))[0])
        if not np.isfinite(value):
            return verdict(False, f"for {case} `soft_dice` gave {value}: a division by zero. Add 1 above and below.")
        if abs(value - expected) > 1e-4:
            return verdict(False, f"for {case} `soft_dice` gave {value:.3f}. Work that case out by hand from the "
                                  "formula, with 1 added above and below.")
    return verdict(True, "1 for masks that agree (even empty ones), a fraction for partial overlap, "
                         "and it works on probabilities, so it can be a loss.")
