"""The checks of 09_smaller_faster: right answers pass, each kind of mistake gets its own hint."""

import numpy as np
import pytest

from dlicourse import FIXME, check
from dlicourse.check import smaller

GRADS = np.concatenate([np.full(90, 2.0 ** -30), np.full(10, 2.0 ** -3)]).astype(np.float32)


def test_loss_scale():
    with pytest.raises(check.NotAttempted):
        smaller.loss_scale(FIXME, GRADS)
    assert "power of two" in smaller.loss_scale(1000, GRADS).message
    assert "too big" in smaller.loss_scale(2 ** 20, GRADS).message
    assert "still round to zero" in smaller.loss_scale(2 ** 2, GRADS).message
    assert smaller.loss_scale(2 ** 12, GRADS)
    assert "at least 1" in smaller.loss_scale(-4, GRADS).message


def test_calibration():
    rng = np.random.default_rng(0)
    train, held_out = rng.integers(0, 256, (2, 20, 4, 4, 3), dtype=np.uint8)

    def right():
        for i in range(5):
            yield [train[i:i + 1].astype("float32")]

    assert smaller.calibration(right, 5, train, held_out)
    with pytest.raises(check.NotAttempted):
        smaller.calibration(FIXME, 5, train, held_out)
    assert "yields 5 times" in smaller.calibration(right, 6, train, held_out).message
    assert "validation crops" in smaller.calibration(
        lambda: ([held_out[i:i + 1].astype("float32")] for i in range(3)), 3, train, held_out).message
    assert "float32 of shape" in smaller.calibration(
        lambda: ([train[i:i + 1]] for i in range(3)), 3, train, held_out).message
    assert "list with one batch" in smaller.calibration(
        lambda: (train[i:i + 1].astype("float32") for i in range(3)), 3, train, held_out).message
    assert "changed copies" in smaller.calibration(
        lambda: ([train[i:i + 1].astype("float32") / 255] for i in range(3)), 3, train, held_out).message
    assert "fails" in smaller.calibration(lambda: 1 / 0, 3, train, held_out).message
    with pytest.raises(check.NotAttempted, match="gives nothing yet"):
        smaller.calibration(lambda: None, 3, train, held_out)


def test_ship_sparsity():
    drops = {0.5: 0.0, 0.8: 0.004, 0.9: 0.008, 0.95: 0.03}
    assert smaller.ship_sparsity(0.9, drops, 0.01)
    assert "more than the budget" in smaller.ship_sparsity(0.95, drops, 0.01).message
    assert "a higher sparsity is too" in smaller.ship_sparsity(0.5, drops, 0.01).message
    assert "pick one of" in smaller.ship_sparsity(0.7, drops, 0.01).message
    with pytest.raises(check.NotAttempted):
        smaller.ship_sparsity(FIXME, drops, 0.01)


def test_the_largest_safe_loss_scale_is_right_even_where_none_saves_ten_times_more():
    """A few gradients far below the rest (a long tail) cannot all be saved: the largest power of two that keeps
    the largest gradient finite is then the best there is, and the check says right, with what it saved."""
    tail = np.concatenate([np.full(80, 2.0 ** -20), np.full(20, 2.0 ** -45), [2.0 ** -1]]).astype(np.float32)
    best = smaller.loss_scale(2 ** 16, tail)
    assert best and "largest scale" in best.message
    assert "bigger power" in smaller.loss_scale(2 ** 10, tail).message
