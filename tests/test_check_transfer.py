"""The checks of 06_transfer_learning explain the usual mistakes and pass the right answers."""

import keras
import pytest

from dlicourse import check
from dlicourse.instructor.pretrain.architecture import build_base

TOP = ("block4",)


@pytest.fixture(scope="module")
def base():
    return build_base(size=32, widths=(4, 8, 8, 16))


def test_frozen_head_wants_a_frozen_base_and_a_fresh_softmax_layer(capsys):
    dense = keras.layers.Dense
    assert check.frozen_head(False, dense(2, activation="softmax"), 2)
    assert not check.frozen_head(True, dense(2, activation="softmax"), 2)
    assert "not trainable (False)" in capsys.readouterr().out
    assert not check.frozen_head(False, dense(3, activation="softmax"), 2)
    assert not check.frozen_head(False, dense(2), 2)
    assert not check.frozen_head(False, keras.layers.Conv2D(2, 1), 2)
    used = dense(2, activation="softmax")
    used(keras.ops.zeros((1, 4)))
    assert not check.frozen_head(False, used, 2)
    assert "already used" in capsys.readouterr().out


def test_fine_tuning_wants_the_whole_top_block_at_a_low_rate(base, capsys):
    top = [layer.name for layer in base.layers if layer.name.startswith(TOP)]
    assert check.fine_tuning(base, top, 1e-4, 1e-3, TOP)
    assert not check.fine_tuning(base, top[:1], 1e-4, 1e-3, TOP)
    assert not check.fine_tuning(base, [*top, "block3_conv"], 1e-4, 1e-3, TOP)
    assert "below the top block" in capsys.readouterr().out
    assert not check.fine_tuning(base, [*top, "nope"], 1e-4, 1e-3, TOP)
    assert not check.fine_tuning(base, "block4_conv", 1e-4, 1e-3, TOP)
    assert not check.fine_tuning(base, top, 1e-3, 1e-3, TOP)
    assert "wreck" in capsys.readouterr().out
    assert not check.fine_tuning(base, top, 1e-8, 1e-3, TOP)
