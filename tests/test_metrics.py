import keras
import numpy as np
import pytest

from dlicourse.metrics import dice, dice_loss, dice_metric


def _masks():
    a = np.zeros((4, 8, 8, 1), np.uint8)
    b = np.zeros_like(a)
    a[0, :4] = 1
    b[0, 2:6] = 1          # half overlap: dice 0.5
    a[1] = b[1] = 1        # all foreground, identical
    b[3, 0, 0] = 1         # empty truth, one false pixel
    return a, b            # image 2: both empty


def test_numpy_dice_per_image_with_empty_and_full_masks():
    a, b = _masks()
    assert dice(a, b) == pytest.approx([0.5, 1.0, 1.0, 0.0])
    assert dice(a, b * 0.9) == pytest.approx(dice(a, b))        # probabilities are thresholded at 0.5
    assert dice(a, b * 0.4) == pytest.approx([0.0, 0.0, 1.0, 1.0])
    assert dice(a.astype(bool), b.astype(bool)) == pytest.approx(dice(a, b))
    with pytest.raises(ValueError, match="differ in shape"):
        dice(a, b[:, :4])
    with pytest.raises(ValueError, match="batch"):
        dice(np.zeros(3), np.zeros(3))


def test_keras_metrics_match_numpy_and_the_loss_falls_as_masks_agree():
    a, b = _masks()
    assert keras.ops.convert_to_numpy(dice_metric(a, b.astype("float32"))) == pytest.approx(dice(a, b))
    loss = keras.ops.convert_to_numpy(dice_loss(a, b.astype("float32")))
    assert loss.shape == (4,) and loss[1] == pytest.approx(0, abs=1e-6) and loss[2] == pytest.approx(0)
    assert loss[0] == pytest.approx(1 - 33 / 65) and loss[3] == pytest.approx(0.5)
    perfect = keras.ops.convert_to_numpy(dice_loss(a, a.astype("float32")))
    assert np.allclose(perfect, 0, atol=1e-6)
