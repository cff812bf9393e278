"""Occlusion maps find the part of a photo that a model's answer depends on, and only that part."""

import numpy as np
import pytest

from dlicourse import occlusion


class CornerModel:
    """Says class 0 with the mean brightness of the top-left 8x8 corner: only that corner matters."""

    def __init__(self, steep: float | None = None):
        self.steep = steep  # None: p is the brightness; else p = sigmoid(steep * brightness), saturated

    def __call__(self, photos, training=False):
        p = np.asarray(photos)[:, :8, :8].reshape(len(photos), -1).mean(axis=1) / 255
        if self.steep is not None:
            p = 1 / (1 + np.exp(-self.steep * p))
        return np.stack([p, 1 - p], axis=1)


def test_the_map_lights_up_where_the_answer_comes_from_and_nowhere_else():
    photo = np.full((32, 32, 3), 255, np.uint8)
    heat = occlusion.occlusion_map(CornerModel(), photo, 0, patch=8, stride=4)
    assert heat.shape == (32, 32)
    assert heat[:4, :4].min() > 0.4  # covering the corner halves the answer
    assert heat[16:, 16:].max() == 0  # covering anything else changes nothing


def test_log_odds_show_what_a_saturated_model_relies_on():
    photo = np.full((32, 32, 3), 255, np.uint8)
    saturated = CornerModel(steep=20)  # 100% sure; the covered corner still leaves it 99.995% sure
    flat = occlusion.occlusion_map(saturated, photo, 0, patch=8, stride=8)
    heat = occlusion.occlusion_map(saturated, photo, 0, patch=8, stride=8, log_odds=True)
    assert flat[:8, :8].max() < 1e-3  # in probability, the corner hardly shows
    assert heat[:8, :8].min() > 3 and heat[16:, 16:].max() == 0  # in log-odds, it does, and only it


def test_a_patch_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="patch"):
        occlusion.occlusion_map(CornerModel(), np.zeros((16, 16, 3)), 0, patch=40, stride=8)
