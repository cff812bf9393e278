"""The check of 01_louie's exercise: the learning curve, the same network on more and more photos."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

from dlicourse.check._core import Verdict, described, missing, not_attempted, verdict
from dlicourse.check._help import exercise
from dlicourse.placeholders import is_placeholder


def _unfilled(curve: object) -> bool:
    """True while the curve, or a size or an accuracy in it, is still the placeholder."""
    if isinstance(curve, Mapping):
        return any(map(is_placeholder, [*curve.keys(), *curve.values()]))
    return is_placeholder(curve)


@exercise("01_louie",
          "Each size gets its own new network: call build_model() inside the loop.",
          "train.x[:n] and train.y[:n] are the first n photos and their labels; fit on them for big_epochs.",
          "curve[n] is model.evaluate(heldout.x, heldout.y, verbose=0)[1], the accuracy on the held-out photos.",
          "Sizes from a handful to every photo, e.g. 8, 50, 200, 800 and len(train).",
          title="Exercise: how many photos does it take?")
def learning_curve(curve: object, train_size: int) -> Verdict:
    """`curve` maps each training-set size to the held-out accuracy of a network trained on that many photos."""
    if (failed := missing(curve=curve)) is not None:
        return failed
    if _unfilled(curve):
        return not_attempted("`curve` still holds a FIXME: choose the sizes, write the loop's steps and run this "
                             "cell.")
    if not isinstance(curve, Mapping):
        return verdict(False, f"`curve` is {described(curve)}; it should be a dict: each training-set size -> "
                              "its held-out accuracy.")
    if not all(isinstance(n, numbers.Integral) for n in curve):
        odd = next(n for n in curve if not isinstance(n, numbers.Integral))
        return verdict(False, f"the sizes, the keys of `curve`, are numbers of photos; {odd!r} is not one.")
    for n, value in curve.items():
        if not isinstance(value, numbers.Real):
            return verdict(False, f"`curve[{n}]` is {described(value)}, not one number: it is the held-out "
                                  "accuracy, `model.evaluate(heldout.x, heldout.y, verbose=0)[1]`.")
    sizes = sorted(curve)
    if len(sizes) < 4:
        return verdict(False, f"`curve` has {len(sizes)} sizes, which draw a line, not a curve: try at least 4.")
    if sizes[-1] > train_size:
        return verdict(False, f"{sizes[-1]} photos: the big set holds only {train_size}.")
    if sizes[0] > 50:
        return verdict(False, f"the smallest set has {sizes[0]} photos: start with a handful, where it fails.")
    if sizes[-1] < train_size:
        return verdict(False, f"the largest set has {sizes[-1]} photos: go up to all of them, `len(train)`.")
    accuracies = [float(curve[n]) for n in sizes]
    if not all(0 <= a <= 1 for a in accuracies):
        return verdict(False, "accuracies run from 0 to 1: take `model.evaluate(heldout.x, heldout.y, "
                              "verbose=0)[1]`.")
    if accuracies[-1] < accuracies[0] + 0.1:
        return verdict(False, f"{sizes[-1]} photos did no better than {sizes[0]}: did each size get a new "
                              "`build_model()` and its own first n photos?")
    return verdict(True, f"{sizes[0]} photos give {accuracies[0]:.0%} on new photos, "
                         f"{sizes[-1]:,} give {accuracies[-1]:.0%}.")
