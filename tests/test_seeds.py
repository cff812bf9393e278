"""One seed scheme: a stream per path of keys, never shared between two paths."""

import numpy as np
import pytest

from dlicourse import seeds


def draw(*path):
    return seeds.stream(*path).integers(0, 2**32, 8).tolist()


def test_the_same_path_gives_the_same_numbers_and_another_path_others():
    assert draw(0, "scene", 3) == draw(0, "scene", 3)
    paths = [(0, "scene", 3), (0, "scene", 4), (0, "crop scene", 3), (1, "scene", 3)]
    assert len({tuple(draw(*p)) for p in paths}) == 4


def test_paths_that_seed_arithmetic_would_confuse_stay_apart():
    """`seed * 100_003 + i` gave whale_scenes(seed=10) the scenes of whale_crops(seed=0); paths cannot collide."""
    scenes = {tuple(draw(10, "scene", i)) for i in range(50)}
    crop_scenes = {tuple(draw(0, "crop scene", i)) for i in range(50)}
    assert not scenes & crop_scenes


def test_a_plain_seed_is_numpys_own_stream():
    """So data made before the scheme (dogs, digits, segmentation) is drawn exactly as before."""
    assert draw(2018) == np.random.default_rng(2018).integers(0, 2**32, 8).tolist()


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_a_key_must_be_a_whole_number_or_a_text(bad):
    with pytest.raises(ValueError, match="non-negative integer or a text"):
        seeds.stream(0, bad)
