"""Checks for 03_mnist: picking a learning rate, inverting images, augmenting the training set, widening."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise


@exercise('03_mnist',
          '`sweep` maps each rate to its validation accuracy.',
          'max(sweep, key=sweep.get) is the rate whose accuracy is largest.')
def best_learning_rate(best_learning_rate: float, sweep: Mapping[float, float]) -> Verdict:
    """`sweep` maps each learning rate tried to its validation accuracy."""
    if (failed := missing(best_learning_rate=best_learning_rate)) is not None:
        return failed
    best = max(sweep, key=sweep.get)
    if best_learning_rate not in sweep:
        return verdict(False, f"{best_learning_rate} is not one of the rates tried ({', '.join(map(str, sweep))}).")
    if best_learning_rate != best:
        return verdict(False, f"{best_learning_rate} reached {sweep[best_learning_rate]:.1%}; one rate did "
                              "better. Read the validation accuracy column again.")
    return verdict(True, f"Right: {best} gave the best validation accuracy ({sweep[best]:.1%}).")


@exercise('03_mnist',
          'NumPy does arithmetic on every pixel of an array at once.',
          'The pixels run 0 to 255: black 0 becomes 255, white 255 becomes 0.')
def inverted(x: np.ndarray, x_inverted: np.ndarray) -> Verdict:
    if (failed := missing(x_inverted=x_inverted)) is not None:
        return failed
    x_inverted = np.asarray(x_inverted)
    if x_inverted.shape != x.shape:
        return verdict(False, f"`x_inverted` has shape {x_inverted.shape}; it should match the images, {x.shape}.")
    if x_inverted.min() < 0 or x_inverted.max() > 255:
        return verdict(False, "Pixels must stay in 0..255. Inverting means 255 - pixel.")
    if np.array_equal(x_inverted, x):
        return verdict(False, "`x_inverted` is the same as the original images: nothing was inverted yet.")
    if np.allclose(x_inverted, 1 - x.astype(np.float64)) or np.array_equal(x_inverted, (-x).astype(x.dtype)):
        return verdict(False, "Close: these pixels run 0..255, so the inverse of a pixel p is 255 - p.")
    if not np.array_equal(x_inverted.astype(np.int64), 255 - x.astype(np.int64)):
        return verdict(False, "Some pixels are not 255 - pixel. Invert every pixel of every image.")
    return verdict(True, "Right: white digits on black became black digits on white, as on paper.")


def _pairs(x: np.ndarray, y: np.ndarray) -> list[bytes]:
    flat = np.ascontiguousarray(np.asarray(x, dtype=np.uint8).reshape(len(x), -1))
    return sorted(row.tobytes() + bytes([int(label)]) for row, label in zip(flat, y, strict=True))


@exercise('03_mnist',
          'np.concatenate([a, b]) puts the images of b after those of a.',
          'The images: the training images, then their inverses (255 - pixel).',
          'The labels: the same labels, twice.')
def augmented(x: np.ndarray, y: np.ndarray, x_augmented: np.ndarray, y_augmented: np.ndarray) -> Verdict:
    if (failed := missing(x_augmented=x_augmented, y_augmented=y_augmented)) is not None:
        return failed
    x_augmented, y_augmented = np.asarray(x_augmented), np.asarray(y_augmented)
    if len(x_augmented) != 2 * len(x):
        return verdict(False, f"Expected {2 * len(x)} images (every original and its inverse), "
                              f"got {len(x_augmented)}.")
    if len(y_augmented) != len(x_augmented):
        return verdict(False, f"{len(x_augmented)} images but {len(y_augmented)} labels: give the inverted "
                              "images the labels of their originals.")
    expected = _pairs(np.concatenate([x, 255 - x]), np.concatenate([y, y]))
    if _pairs(x_augmented, y_augmented) != expected:
        return verdict(False, "The images or labels don't match: keep the originals, add each image's "
                              "inverse (255 - pixel), and give it the same label.")
    return verdict(True, f"Right: {len(x_augmented)} images, each digit now seen both ways round.")


@exercise('03_mnist',
          'Today the two Conv2D layers have 32 and 64 filters: `filters=(32, 64)` in build_model.',
          'Wider means more filters in each layer; half as many again is enough to see it.',
          'A tuple of two whole numbers, each larger than today\'s: (48, 96).')
def wider_filters(wider_filters: tuple[int, int], today: tuple[int, int] = (32, 64)) -> Verdict:
    """Wider: every Conv2D layer gets more filters than today's; not so many that training takes ages."""
    if (failed := missing(wider_filters=wider_filters)) is not None:
        return failed
    try:
        chosen = tuple(int(n) for n in wider_filters)
    except (TypeError, ValueError):
        return verdict(False, f"`wider_filters` should be two whole numbers, like {today}; got {wider_filters!r}.")
    if len(chosen) != len(today) or chosen != tuple(wider_filters):
        return verdict(False, f"`wider_filters` should be {len(today)} whole numbers, one per Conv2D layer, "
                              f"like today's {today}.")
    if any(new <= old for new, old in zip(chosen, today, strict=True)):
        return verdict(False, f"{chosen} is not wider than today's {today} in every layer: give each layer "
                              "more filters.")
    if max(chosen) > 8 * max(today):
        return verdict(False, f"{chosen} would train for a long time on this machine; twice today's is enough "
                              "to see the effect.")
    return verdict(True, f"Right: {chosen} filters, {chosen[0] / today[0]:g}x and {chosen[1] / today[1]:g}x today's "
                         "(a wider layer can learn more kinds of strokes).")
