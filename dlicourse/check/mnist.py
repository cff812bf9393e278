"""Checks for 03_mnist: picking a learning rate, inverting images, augmenting the training set, widening."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from dlicourse.check._core import Verdict, described, missing, verdict
from dlicourse.check._help import exercise


@exercise('03_mnist',
          '`sweep` maps each rate to its validation accuracy.',
          'max(sweep, key=sweep.get) is the rate whose accuracy is largest.',
          title="Exercise 1: pick the learning rate")
def best_learning_rate(best_learning_rate: float, sweep: Mapping[float, float]) -> Verdict:
    """`sweep` maps each learning rate tried to its validation accuracy."""
    if (failed := missing(best_learning_rate=best_learning_rate)) is not None:
        return failed
    rates = ", ".join(map(str, sweep))
    if not isinstance(best_learning_rate, numbers.Real):
        return verdict(False, f"`best_learning_rate` is {described(best_learning_rate)}; it should be one of "
                              f"the rates tried, a number: {rates}.")
    best = max(sweep, key=sweep.get)
    if best_learning_rate not in sweep:
        if best_learning_rate in sweep.values():
            return verdict(False, f"`best_learning_rate` is {best_learning_rate}, a validation accuracy from "
                                  "the table: set it to the learning rate that reached it.")
        return verdict(False, f"`best_learning_rate` is {best_learning_rate}, not one of the rates tried ({rates}).")
    if best_learning_rate != best:
        return verdict(False, f"{best_learning_rate} reached {sweep[best_learning_rate]:.1%}; one rate did "
                              "better. Read the validation accuracy column again.")
    return verdict(True, f"{best} gave the best validation accuracy ({sweep[best]:.1%}).")


@exercise('03_mnist',
          'NumPy does arithmetic on every pixel of an array at once.',
          'The pixels run 0 to 255: black 0 becomes 255, white 255 becomes 0.',
          title="Exercise 2: invert the test digits")
def inverted(x: np.ndarray, x_test_inverted: np.ndarray) -> Verdict:
    """`x_test_inverted` is every test image `x` with each pixel p turned into 255 - p."""
    if (failed := missing(x_test_inverted=x_test_inverted)) is not None:
        return failed
    mine = np.asarray(x_test_inverted)
    if mine.shape != x.shape:
        return verdict(False, f"`x_test_inverted` has shape {mine.shape}; it should match the test images, "
                              f"`mnist.x_test`, {x.shape}.")
    if not np.issubdtype(mine.dtype, np.number):
        return verdict(False, f"`x_test_inverted` holds {mine.dtype} values; it should hold pixels, 255 - pixel.")
    if mine.min() < 0 or mine.max() > 255:
        return verdict(False, "some pixels of `x_test_inverted` are outside 0..255: inverting means 255 - pixel.")
    if np.array_equal(mine, x):
        return verdict(False, "`x_test_inverted` is the same as the test images: nothing was inverted yet.")
    if np.allclose(mine, 1 - x.astype(np.float64)) or np.array_equal(mine, (-x).astype(x.dtype)):
        return verdict(False, "close: these pixels run 0..255, so the inverse of a pixel p is 255 - p.")
    if not np.array_equal(mine.astype(np.int64), 255 - x.astype(np.int64)):
        return verdict(False, "some pixels of `x_test_inverted` are not 255 - pixel: invert every pixel of every "
                              "test image.")
    return verdict(True, "white digits on black became black digits on white, as on paper.")


def _pairs(x: np.ndarray, y: np.ndarray | None = None) -> list[bytes]:
    flat = np.ascontiguousarray(np.asarray(x, dtype=np.uint8).reshape(len(x), -1))
    labels = [0] * len(x) if y is None else y
    return sorted(row.tobytes() + bytes([int(label)]) for row, label in zip(flat, labels, strict=True))


@exercise('03_mnist',
          'np.concatenate([a, b]) puts the images of b after those of a.',
          'The images: the training images, then their inverses (255 - pixel).',
          'The labels: the same labels, twice.',
          title="Exercise 3: add inverted images to the training set")
def augmented(x: np.ndarray, y: np.ndarray, x_augmented: np.ndarray, y_augmented: np.ndarray) -> Verdict:
    """`x_augmented` holds the training images `x` and their inverses; `y_augmented` the labels `y` of both."""
    if (failed := missing(x_augmented=x_augmented, y_augmented=y_augmented)) is not None:
        return failed
    x_augmented, y_augmented = np.asarray(x_augmented), np.asarray(y_augmented)
    if x_augmented.shape != (2 * len(x), *x.shape[1:]):
        return verdict(False, f"`x_augmented` has shape {x_augmented.shape}: it should hold {2 * len(x)} images "
                              f"of {x.shape[1:]}, every training image and its inverse, one after the other.")
    if y_augmented.shape != (len(x_augmented),):
        labels = f"{len(y_augmented)} labels" if y_augmented.ndim == 1 else f"labels of shape {y_augmented.shape}"
        return verdict(False, f"`x_augmented` has {len(x_augmented)} images but `y_augmented` {labels}: give the "
                              "inverted images the labels of their originals.")
    originals_and_inverses = np.concatenate([x, 255 - x])
    if _pairs(x_augmented) != _pairs(originals_and_inverses):
        return verdict(False, "the images of `x_augmented` don't match: keep the training images and add each "
                              "one's inverse (255 - pixel).")
    if _pairs(x_augmented, y_augmented) != _pairs(originals_and_inverses, np.concatenate([y, y])):
        return verdict(False, "the images are right, but `y_augmented` does not give each inverse the label of "
                              "its original (an inverted 7 is still a 7).")
    return verdict(True, f"{len(x_augmented)} images, each digit now seen both ways round.")


@exercise('03_mnist',
          'Today the two Conv2D layers have 32 and 64 filters: `filters=(32, 64)` in build_model.',
          'Wider means more filters in each layer; half as many again is enough to see it.',
          'A tuple of two whole numbers, each larger than today\'s: (48, 96).',
          title="Exercise 4: a wider network")
def wider_filters(wider_filters: tuple[int, int], today: tuple[int, int] = (32, 64)) -> Verdict:
    """Wider: every Conv2D layer gets more filters than today's; not so many that training takes ages."""
    if (failed := missing(wider_filters=wider_filters)) is not None:
        return failed
    try:
        chosen = tuple(int(n) for n in wider_filters)
    except (TypeError, ValueError):
        return verdict(False, f"`wider_filters` is {described(wider_filters)}; it should be two whole numbers, "
                              f"like today's {today}.")
    if len(chosen) != len(today) or chosen != tuple(wider_filters):
        return verdict(False, f"`wider_filters` should be {len(today)} whole numbers, one per Conv2D layer, "
                              f"like today's {today}.")
    if any(new <= old for new, old in zip(chosen, today, strict=True)):
        return verdict(False, f"{chosen} is not wider than today's {today} in every layer: give each layer "
                              "more filters.")
    if max(chosen) > 8 * max(today):
        return verdict(False, f"{chosen} would train for a long time on this machine; twice today's is enough "
                              "to see the effect.")
    return verdict(True, f"{chosen} filters, {chosen[0] / today[0]:g}x and {chosen[1] / today[1]:g}x today's "
                         "(a wider layer can learn more kinds of strokes).")
