import numpy as np
import pytest
from PIL import Image

from dlicourse.datasets.segmentation import cardiac_slices, mask_folder
from dlicourse.images import ImageError


def test_cardiac_slices_are_deterministic_small_objects_that_move(data_dir):
    data = cardiac_slices(40, seed=3)
    assert data.x.shape == (40, 128, 128, 1) and data.x.dtype == np.uint8
    assert data.masks.shape == (40, 128, 128, 1) and set(np.unique(data.masks)) == {0, 1}
    per_image = data.masks.reshape(40, -1).mean(1)
    assert 0.01 < data.foreground_fraction < 0.05 and per_image.min() > 0.003 and per_image.max() < 0.08
    centers = np.array([np.argwhere(m[..., 0]).mean(0) for m in data.masks])
    assert centers.std(0).min() > 5  # the ventricle is not always in the same place
    assert np.array_equal(cardiac_slices(40, seed=3).x, data.x)
    assert not np.array_equal(cardiac_slices(40, seed=4).x, data.x)
    assert data.x[data.masks == 1].mean() > data.x[data.masks == 0].mean() + 60  # the blood pool is bright
    assert len(data[:10]) == 10 and "foreground" in str(data)


def _write(folder, names, shape=(40, 50), mode="L"):
    folder.mkdir(exist_ok=True)
    for name in names:
        pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
        Image.fromarray(pixels).convert(mode).save(folder / name)


def test_mask_folder_pairs_by_name_and_binarizes(tmp_path):
    _write(tmp_path / "images", ["a.jpg", "b.png"], mode="RGB")
    (tmp_path / "masks").mkdir()
    mask = np.zeros((40, 50), np.uint8)
    mask[10:30, 10:30] = 255
    Image.fromarray(mask).save(tmp_path / "masks" / "a.png")
    Image.fromarray(mask // 255).save(tmp_path / "masks" / "b.png")  # a 0/1 mask file
    (tmp_path / "masks" / "notes.txt").write_text("ignored")
    data = mask_folder(tmp_path / "images", tmp_path / "masks", size=(20, 25))
    assert data.x.shape == (2, 20, 25, 1) and data.masks.shape == (2, 20, 25, 1)
    assert data.files == ["a.jpg", "b.png"]
    assert data.masks[0].sum() == data.masks[1].sum() == 100 and data.masks.max() == 1
    assert mask_folder(tmp_path / "images", tmp_path / "masks", size=16, channels=3).x.shape == (2, 16, 16, 3)


def test_mask_folder_names_missing_and_mismatched_files(tmp_path):
    _write(tmp_path / "images", ["a.png", "b.png"])
    _write(tmp_path / "masks", ["a.png"])
    with pytest.raises(ValueError, match="1 images have no mask.*b"):
        mask_folder(tmp_path / "images", tmp_path / "masks")
    _write(tmp_path / "masks", ["b.png", "c.png"])
    with pytest.raises(ValueError, match="1 masks have no image.*c"):
        mask_folder(tmp_path / "images", tmp_path / "masks")
    (tmp_path / "masks" / "c.png").unlink()
    _write(tmp_path / "masks", ["b.png"], shape=(30, 30))
    with pytest.raises(ImageError, match="b.png: the mask is 30x30"):
        mask_folder(tmp_path / "images", tmp_path / "masks")
    with pytest.raises(FileNotFoundError, match="masks folder"):
        mask_folder(tmp_path / "images", tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        mask_folder(tmp_path / "empty", tmp_path / "masks")
