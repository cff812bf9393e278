"""Face / not-face crops: balanced, labelled, with hard negatives; sizes and counts checked."""

import numpy as np
import pytest

from dlicourse.datasets import crops as crops_module
from dlicourse.datasets import whale_crops


def test_crops_are_balanced_labelled_and_hold_hard_negatives(data_dir):
    crops = whale_crops(60, seed=7)
    assert crops.x.shape == (60, 64, 64, 3) and crops.x.dtype == np.uint8 and crops.y.dtype == np.int64
    assert crops.class_names == ["face", "not_face"] and np.bincount(crops.y).tolist() == [30, 30]
    assert set(crops.kinds) == {"face", *crops_module.NEGATIVE_KINDS}
    assert all((k == "face") == (label == 0) for k, label in zip(crops.kinds, crops.y, strict=True))
    assert str(crops) == "generated whale crops: 60 images of 64x64 pixels, 30 face and 30 not_face"
    assert np.array_equal(whale_crops(60, seed=7).x, crops.x)  # from the cache, the same
    other = whale_crops(60, seed=8)
    assert not np.array_equal(other.x, crops.x)  # a hidden seed gives other crops
    faces = crops.x[crops.y == 0].astype(float).mean(axis=(1, 2, 3))
    sea = crops.x[np.array(crops.kinds) == "sea"].astype(float).mean(axis=(1, 2, 3))
    assert faces.mean() < sea.mean() + 20  # faces are dark bodies, not bright blobs


def test_crop_size_and_count_are_checked(data_dir):
    assert whale_crops(10, seed=0, size=32).x.shape == (10, 32, 32, 3)
    with pytest.raises(ValueError, match="at least 2"):
        whale_crops(1)
    with pytest.raises(ValueError, match="at least 32"):
        whale_crops(10, size=16)
