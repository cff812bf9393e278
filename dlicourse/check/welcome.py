"""The check of 00_welcome's exercise: a 3x3 kernel that finds vertical edges."""

from __future__ import annotations

import numpy as np

from dlicourse.check._core import Verdict, described, missing, verdict
from dlicourse.check._help import exercise

STEP = np.repeat([[0.0, 0.0, 1.0, 1.0]], 4, axis=0)  # dark on the left, light on the right: a vertical edge


def _answer(kernel: np.ndarray, patch: np.ndarray) -> float:
    """What the kernel says about the 3x3 patch in the middle of `patch` (the largest of its 4 answers)."""
    windows = np.lib.stride_tricks.sliding_window_view(patch, (3, 3))
    return float(np.abs((windows * kernel).sum(axis=(-1, -2))).max())


@exercise("00_welcome",
          "A kernel is laid on every 3x3 patch; its answer is the sum of kernel x patch, number by number.",
          "A patch of one flat colour should give 0: the nine numbers must add up to 0.",
          "A vertical edge is a change from left to right: give the left column minus signs and the right "
          "column plus signs, and keep the rows alike.",
          title="Exercise: a kernel that finds vertical edges")
def edge_kernel(kernel: object) -> Verdict:
    """`kernel` answers a vertical edge strongly, a flat patch with 0 and a horizontal edge weakly."""
    if (failed := missing(kernel=kernel)) is not None:
        return failed
    try:
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError):
        return verdict(False, f"`kernel` is {described(kernel)}; it should be 3 rows of 3 numbers: "
                              "np.array([[., ., .], [., ., .], [., ., .]]).")
    if kernel.shape != (3, 3):
        return verdict(False, f"`kernel` has shape {kernel.shape}; it should be 3 rows of 3 numbers.")
    vertical, horizontal = _answer(kernel, STEP), _answer(kernel, STEP.T)
    if vertical == 0 and horizontal == 0:
        return verdict(False, "`kernel` answers 0 to every edge: give its columns different numbers.")
    if abs(kernel.sum()) > 1e-9:
        return verdict(False, f"the numbers of `kernel` add up to {kernel.sum():g}, so a flat wall of one colour "
                              "lights it up too. Make them add up to 0.")
    if horizontal >= vertical / 2:
        return verdict(False, "`kernel` answers a horizontal edge about as strongly as a vertical one: make the "
                              "rows alike and let the left and right columns differ.")
    return verdict(True, "strong on a vertical edge, 0 on a flat patch, weak on a horizontal edge.")

