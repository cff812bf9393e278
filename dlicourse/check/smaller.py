"""Checks for 09_smaller_faster: a loss scale, a calibration set, and the sparsity to ship."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from dlicourse.check._core import Verdict, described, failure, missing, not_attempted, verdict
from dlicourse.check._help import exercise
from dlicourse.placeholders import FixmeError
from dlicourse.precision import lost_in_fp16, overflow_in_fp16


@exercise("09_smaller_faster",
          "A loss scale of 2 ** k moves every gradient k powers of two to the right on the histogram.",
          "Move the bulk of the gradients well right of the red line (2^-24): count the powers of two between them.",
          "Keep the largest gradient below the gray line (65,504, about 2^16): k plus its power of two stays under 16.",
          title="Exercise 1: choose a loss scale")
def loss_scale(scale: object, values: np.ndarray, min_reduction: float = 10.0) -> Verdict:
    """`scale` is a power of two that overflows none of the gradient `values` in FP16 and loses at least
    `min_reduction` times fewer than no scaling, or, where no scale can (a few gradients lie too far below the
    rest), the largest power of two that overflows none."""
    if (failed := missing(loss_scale=scale)) is not None:
        return failed
    if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or not scale >= 1:
        return verdict(False, f"`loss_scale` is {described(scale)}: make it a number of at least 1, a power of "
                              "two: 2 ** k.")
    if not math.log2(scale).is_integer():
        return verdict(False, f"`loss_scale` = {scale:g} is not a power of two: with 2 ** k, scaling only shifts "
                              "the exponent, so no digit of any gradient changes.")
    power = int(math.log2(scale))
    before, after = lost_in_fp16(values), lost_in_fp16(values, scale)
    if overflow_in_fp16(values, scale) > 0:
        return verdict(False, f"2 ** {power} is too big: the largest gradients pass 65,504, FP16's largest number, "
                              "and become inf. Try a smaller power.")
    largest = overflow_in_fp16(values, 2 * scale) > 0  # no bigger power of two would keep them all finite
    if after * min_reduction > before and not largest:
        return verdict(False, f"with 2 ** {power}, {after:.1%} of the gradients still round to zero (unscaled: "
                              f"{before:.1%}). Shift them further right: a bigger power of two.")
    if after * min_reduction > before:
        return verdict(True, f"2 ** {power} is the largest scale that keeps every gradient finite: "
                             f"{before / max(after, 1e-12):.0f} times fewer round to zero. The rest lie further "
                             "below the others than FP16's range reaches.")
    return verdict(True, f"2 ** {power} shifts the small gradients into FP16's range, at least "
                         f"{min_reduction:g} times fewer round to zero, and none overflows.")


@exercise("09_smaller_faster",
          "calibration_count is a number of training crops: a few hundred show the converter real ranges, and each "
          "costs only a forward pass.",
          "In representative(), loop over the first calibration_count crops: for i in range(calibration_count):",
          "In the loop, yield a list holding one batch of one crop: yield [x_train[i:i + 1].astype(\"float32\")]",
          title="Exercise 2: the calibration set")
def calibration(make: object, count: object, train: np.ndarray, held_out: np.ndarray) -> Verdict:
    """`make()` yields `count` lists of one float32 training image each, shaped (1, H, W, C)."""
    if (failed := missing(calibration_count=count, representative=make)) is not None:
        return failed
    if not isinstance(count, int | np.integer) or isinstance(count, bool) or count < 1:
        return verdict(False, f"`calibration_count` is {described(count)}: it is a number of images, at least 1.")
    if not callable(make):
        return verdict(False, "`representative` should be a function (def representative(): ... yield ...).")
    try:
        made = make()
        if made is None:
            return not_attempted("`representative()` gives nothing yet: replace the FIXME in its body with a loop "
                                 "that yields [batch] for each calibration crop, and run this cell.")
        batches = list(made)
    except FixmeError:
        return not_attempted("`representative()` still uses a FIXME: write its loop and run this cell.")
    except Exception as err:  # noqa: BLE001 - the learner's function; its error is the hint
        return verdict(False, f"calling `representative()` fails ({failure(err)}).")
    if len(batches) != count:
        return verdict(False, f"`representative()` yields {len(batches)} times; it should yield once per "
                              f"calibration image, `calibration_count` = {count} times.")
    shape = (1, *train.shape[1:])
    for item in batches:
        if not isinstance(item, list | tuple) or len(item) != 1:
            return verdict(False, "each yield of `representative()` is a list with one batch in it: yield [batch].")
        batch = np.asarray(item[0])
        if batch.shape != shape or batch.dtype != np.float32:
            return verdict(False, f"each batch should be float32 of shape {shape} (one image, raw 0-255 pixels, as "
                                  f"the model takes them); got {batch.dtype} {batch.shape}.")
    seen = {np.asarray(item[0], np.uint8).tobytes() for item in batches}
    if seen & {image.tobytes() for image in held_out}:
        return verdict(False, "some calibration images are validation crops: calibrate on training images "
                              "(`x_train`), so the validation accuracy still measures unseen crops.")
    if not seen <= {image.tobytes() for image in train}:
        return verdict(False, "use the training crops as they are (`x_train[:calibration_count]`), not changed "
                              "copies.")
    return verdict(True, f"{count} training crops, one at a time, as the model takes them.")


@exercise("09_smaller_faster",
          "fine_tuned_drops maps each sparsity to what it cost: its dense copy minus the pruned model.",
          "Keep the sparsities whose drop is at most accuracy_budget.",
          "Of those, ship the largest: max(...) over them.",
          title="Exercise 3: the sparsity to ship")
def ship_sparsity(choice: object, drops: Mapping[float, float], budget: float) -> Verdict:
    """`choice` is the highest sparsity whose fine-tuned accuracy drop stays within `budget`."""
    if (failed := missing(ship=choice)) is not None:
        return failed
    measured = ", ".join(f"{s:g}" for s in drops)
    if not isinstance(choice, numbers.Real) or isinstance(choice, bool):
        return verdict(False, f"`ship` is {described(choice)}; it should be one of the sparsities you measured: "
                              f"{measured}.")
    if choice not in drops:
        if choice / 100 in drops:
            return verdict(False, f"`ship` is {choice:g}: write the sparsity as a share of the weights, as the keys "
                                  f"of `fine_tuned_drops` are ({measured}).")
        return verdict(False, f"`ship` is {choice:g}: pick one of the sparsities you measured: {measured}.")
    if drops[choice] > budget:
        return verdict(False, f"at {choice:.0%} the fine-tuned model loses {drops[choice]:.3f} of accuracy, "
                              f"more than the budget of {budget}: read the curve again.")
    if any(s > choice and drop <= budget for s, drop in drops.items()):
        return verdict(False, f"{choice:.0%} is within the budget, but a higher sparsity is too, and gives a smaller "
                              "model: ship the highest within it.")
    return verdict(True, f"the most weights you can remove measured, within the budget of {budget}.")
