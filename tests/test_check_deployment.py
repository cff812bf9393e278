"""The deployment and assessment checks name the usual mistakes."""

import keras
import numpy as np

from dlicourse import check
from dlicourse.images import resize

PHOTOS = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
SIZE = (16, 16)


def _right():
    return np.stack([resize(p, SIZE) for p in PHOTOS])


def _model(size=16, outputs=2, rescale=True):
    stack = [keras.Input((size, size, 3))] + ([keras.layers.Rescaling(1 / 255)] if rescale else [])
    return keras.Sequential([*stack, keras.layers.Flatten(), keras.layers.Dense(outputs, activation="softmax")])


def test_prepared_names_scale_channel_and_size_mistakes(capsys):
    assert check.prepared(PHOTOS, _right(), SIZE)
    assert not check.prepared(PHOTOS, _right() / 255.0, SIZE)
    assert not check.prepared(PHOTOS, _right()[..., ::-1], SIZE)
    assert not check.prepared(PHOTOS, PHOTOS[:, :16, :16], SIZE)
    assert not check.prepared(PHOTOS, PHOTOS, SIZE)
    out = capsys.readouterr().out
    assert "0 to 1" in out and "BGR" in out and "shape" in out


def test_deployment_model_must_take_any_size_and_answer_as_the_model():
    model = _model()
    assert check.deployment_model(
        keras.Sequential([keras.Input((None, None, 3)), keras.layers.Resizing(*SIZE), model]), model, SIZE)
    assert not check.deployment_model(model, model, SIZE)
    assert not check.deployment_model(
        keras.Sequential([keras.Input((None, None, 3)), keras.layers.Resizing(*SIZE), _model()]), model, SIZE)


def test_whale_classifier_needs_raw_pixels_two_scores_and_the_crop_size():
    assert check.whale_classifier(_model(), 16)
    assert not check.whale_classifier(_model(rescale=False), 16)
    assert not check.whale_classifier(_model(outputs=3), 16)
    assert not check.whale_classifier(_model(size=32), 16)
    assert not check.whale_classifier("a model", 16)
