"""Checks for 09_smaller_faster: a loss scale, a calibration set, and the sparsity to ship."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise
from dlicourse.precision import lost_in_fp16, overflow_in_fp16


@exercise("09_smaller_faster",
          "A loss scale of 2 ** k moves every gradient k powers of two to the right on the histogram.",
          "Move the bulk of the gradients well right of the red line (2^-24): count the powers of two between them.",
          "Keep the largest gradient below the gray line (65,504, about 2^16): k plus its power of two stays under 16.")
def loss_scale(scale: object, values: np.ndarray, min_reduction: float = 10.0) -> Verdict:
    """`scale` is a power of two that loses at least `min_reduction` times fewer gradient `values` in FP16
    than no scaling, and overflows none."""
    if (failed := missing(loss_scale=scale)) is not None:
        return failed
    if not isinstance(scale, int | float) or not scale >= 1:
        return verdict(False, f"loss_scale is {scale!r}: make it a number of at least 1, e.g. 2 ** 10.")
    if not math.log2(scale).is_integer():
        return verdict(False, f"{scale:g} is not a power of two: with 2 ** k, scaling only shifts the exponent, "
                              "so no digit of any gradient changes.")
    before, after = lost_in_fp16(values), lost_in_fp16(values, scale)
    if overflow_in_fp16(values, scale) > 0:
        return verdict(False, f"2 ** {int(math.log2(scale))} is too big: the largest gradients pass 65,504, FP16's "
                              "largest number, and become inf. Try a smaller power.")
    if after * min_reduction > before:
        return verdict(False, f"With 2 ** {int(math.log2(scale))}, {after:.1%} of the gradients still round to zero "
                              f"(unscaled: {before:.1%}). Shift them further right: a bigger power of two.")
    return verdict(True, f"Right: 2 ** {int(math.log2(scale))} shifts the small gradients into FP16's range, at "
                         f"least {min_reduction:g} times fewer round to zero, and none overflows.")


@exercise("09_smaller_faster",
          "calibration_count is a number of training crops: a few hundred show the converter real ranges, and each "
          "costs only a forward pass.",
          "In representative(), loop over the first calibration_count crops: for i in range(calibration_count):",
          "In the loop, yield a list holding one batch of one crop: yield [x_train[i:i + 1].astype(\"float32\")]")
def calibration(make: object, count: object, train: np.ndarray, held_out: np.ndarray) -> Verdict:
    """`make()` yields `count` lists of one float32 training image each, shaped (1, H, W, C)."""
    if (failed := missing(calibration_count=count, representative=make)) is not None:
        return failed
    if not isinstance(count, int | np.integer) or count < 1:
        return verdict(False, f"calibration_count is {count!r}: it is a number of images, at least 1.")
    if not isinstance(make, Callable):
        return verdict(False, "`representative` should be a function (def representative(): ... yield ...).")
    try:
        made = make()
        if made is None:
            return verdict(False, "representative() gives nothing yet: replace the FIXME in its body with a loop that "
                                  "yields [batch] for each calibration crop.")
        batches = list(made)
    except Exception as err:  # noqa: BLE001 - the learner's function; its error is the hint
        return verdict(False, f"Calling representative() fails: {type(err).__name__}: {err}")
    if len(batches) != count:
        return verdict(False, f"representative() yields {len(batches)} times; it should yield once per "
                              f"calibration image, {count} times.")
    shape = (1, *train.shape[1:])
    for item in batches:
        if not isinstance(item, list | tuple) or len(item) != 1:
            return verdict(False, "Each yield is a list with one batch in it: yield [batch].")
        batch = np.asarray(item[0])
        if batch.shape != shape or batch.dtype != np.float32:
            return verdict(False, f"Each batch should be float32 of shape {shape} (one image, raw 0-255 pixels, as "
                                  f"the model takes them); got {batch.dtype} {batch.shape}.")
    seen = {np.asarray(item[0], np.uint8).tobytes() for item in batches}
    if seen & {image.tobytes() for image in held_out}:
        return verdict(False, "Some calibration images are validation crops: calibrate on training images, so the "
                              "validation accuracy still measures unseen crops.")
    if not seen <= {image.tobytes() for image in train}:
        return verdict(False, "Use the training crops as they are (x_train[:calibration_count]), not changed copies.")
    return verdict(True, f"Right: {count} training crops, one at a time, as the model takes them.")


@exercise("09_smaller_faster",
          "fine_tuned_drops maps each sparsity to what it cost: its dense copy minus the pruned model.",
          "Keep the sparsities whose drop is at most accuracy_budget.",
          "Of those, ship the largest: max(...) over them.")
def ship_sparsity(choice: object, drops: Mapping[float, float], budget: float) -> Verdict:
    """`choice` is the highest sparsity whose fine-tuned accuracy drop stays within `budget`."""
    if (failed := missing(ship=choice)) is not None:
        return failed
    if choice not in drops:
        return verdict(False, f"Pick one of the sparsities you measured: {', '.join(f'{s:g}' for s in drops)}.")
    if drops[choice] > budget:
        return verdict(False, f"At {choice:.0%} the fine-tuned model loses {drops[choice]:.3f} of accuracy, "
                              f"more than the budget of {budget}: read the curve again.")
    better = [s for s, drop in drops.items() if s > choice and drop <= budget]
    if better:
        return verdict(False, f"{choice:.0%} is within budget, but {max(better):.0%} is too, and smaller still.")
    return verdict(True, f"Right: the most weights you can remove measured, within the budget of {budget}.")
