"""The shipped real-world digits: they match their recipe and their checksums."""

import numpy as np
import pytest
from conftest import same_pixels

from dlicourse.datasets import digits, realworld_digits


def test_realworld_digits_ship_and_match_their_recipe():
    rw = realworld_digits()
    assert rw.photos.shape == (20, 64, 64, 3) and rw.x.shape == (20, 28, 28, 1) and rw.x.dtype == np.uint8
    assert np.bincount(rw.y).tolist() == [2] * 10
    assert rw.styles.count("dark on light") == rw.styles.count("light on dark") == 10
    photos, labels, styles = digits.make()
    assert np.array_equal(labels, rw.y) and styles == rw.styles
    same_pixels(photos, rw.photos)  # the files were drawn on another CPU: within a grey level


def test_a_damaged_realworld_photo_is_refused(tmp_path, monkeypatch):
    digits.write(tmp_path / "datasets" / digits.FOLDER)
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    (tmp_path / "datasets" / digits.FOLDER / "photo_03.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="photo_03.png is damaged.*Restore it from the repository"):
        realworld_digits()


def test_more_realworld_digits_are_drawn_the_same_way_balanced_and_cached(data_dir):
    more = digits.more_realworld_digits(40)
    assert more.photos.shape == (40, 64, 64, 3) and more.x.shape == (40, 28, 28, 1)
    assert np.bincount(more.y).tolist() == [4] * 10 and more.styles.count("dark on light") == 20
    again = digits.more_realworld_digits(40)
    assert np.array_equal(again.photos, more.photos)  # from the cache, the same
    assert not any(np.array_equal(p, q) for p in more.photos for q in realworld_digits().photos)
    with pytest.raises(ValueError, match="multiple of 20"):
        digits.more_realworld_digits(30)
