"""Occlusion maps find the part of a photo that a model's answer depends on, and only that part."""

import numpy as np
import pytest

from dlicourse import occlusion


class CornerModel:
    """Says class 0 with the mean brightness of the top-left 8x8 corner: only that corner matters."""

    def predict(self, photos, verbose=0, batch_size=None):
        p = photos[:, :8, :8].reshape(len(photos), -1).mean(axis=1) / 255
        return np.stack([p, 1 - p], axis=1)


def test_the_map_lights_up_where_the_answer_comes_from_and_nowhere_else():
    photo = np.full((32, 32, 3), 255, np.uint8)
    heat = occlusion.occlusion_map(CornerModel(), photo, 0, patch=8, stride=4)
    assert heat.shape == (32, 32)
    assert heat[:4, :4].min() > 0.4  # covering the corner halves the answer
    assert heat[16:, 16:].max() == 0  # covering anything else changes nothing


def test_each_copy_covers_one_place_in_grey():
    copies, places = occlusion.covered_copies(np.zeros((16, 16, 3), np.uint8), patch=8, stride=8)
    assert places == [(0, 0), (0, 8), (8, 0), (8, 8)]
    assert (copies[3, 8:, 8:] == 128).all() and (copies[3, :8] == 0).all()


def test_a_patch_bigger_than_the_photo_is_a_one_line_error():
    with pytest.raises(ValueError, match="patch 40 and stride 8 do not fit a 16x16 photo"):
        occlusion.covered_copies(np.zeros((16, 16, 3)), patch=40, stride=8)
