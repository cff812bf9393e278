import numpy as np
import pytest
from PIL import Image

from dlicourse.datasets import image_folder


def _save(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)


def test_odd_files_become_rgb_at_one_size_and_broken_ones_are_skipped(tmp_path):
    rng = np.random.default_rng(0)
    _save(tmp_path / "Louie" / "a.png", rng.integers(0, 256, (40, 30, 3), dtype=np.uint8))
    _save(tmp_path / "Louie" / "gray.jpg", rng.integers(0, 256, (50, 50), dtype=np.uint8))
    _save(tmp_path / "Louie" / "deep.png", rng.integers(0, 65535, (20, 20), dtype=np.uint16))
    _save(tmp_path / "Not Louie" / "rgba.png", rng.integers(0, 256, (64, 80, 4), dtype=np.uint8))
    Image.fromarray(rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)).convert("P").save(
        tmp_path / "Not Louie" / "palette.gif")
    (tmp_path / "Not Louie" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    (tmp_path / "Not Louie" / "notes.txt").write_text("hello")
    with pytest.warns(UserWarning, match="skipped 2 of 7"):
        data = image_folder(tmp_path, size=(32, 48))
    assert data.x.shape == (5, 32, 48, 3) and data.x.dtype == np.uint8
    assert data.class_names == ["Louie", "Not Louie"] and data.y.tolist() == [0, 0, 0, 1, 1]
    assert data.y.dtype == np.int64 and len(data.files) == 5
    assert sorted(p.name for p, _ in data.skipped) == ["broken.jpg", "notes.txt"]
    assert "5 images" in str(data)


def test_class_names_choose_the_order(tmp_path):
    for name in ("b", "a"):
        _save(tmp_path / name / "x.png", np.zeros((10, 10, 3), np.uint8))
    assert image_folder(tmp_path, size=8, class_names=["b", "a"]).y.tolist() == [0, 1]
    with pytest.raises(FileNotFoundError, match="no class folder 'c'"):
        image_folder(tmp_path, class_names=["a", "c"])


def test_clear_errors_for_missing_empty_and_single_class(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        image_folder(tmp_path / "absent")
    _save(tmp_path / "Louie" / "x.png", np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="at least two class folders"):
        image_folder(tmp_path)
    (tmp_path / "Not Louie").mkdir()
    with pytest.raises(ValueError, match="is empty"):
        image_folder(tmp_path)
    (tmp_path / "Not Louie" / "bad.png").write_bytes(b"nope")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no readable image"):
        image_folder(tmp_path)
