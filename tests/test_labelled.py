"""One container for labelled images, whatever made them: generated photos, generated crops, a folder."""

import numpy as np
import pytest

from dlicourse.datasets import LabelledImages, image_folder, louie_dataset, whale_crops


def test_it_counts_and_describes_each_class():
    images = LabelledImages(np.zeros((3, 4, 5, 3), np.uint8), np.array([0, 1, 1]), ["cat", "dog"], "a test")
    assert len(images) == 3
    assert str(images) == "a test: 3 images of 4x5 pixels, 1 cat and 2 dog"


def test_images_and_labels_must_match():
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        LabelledImages(np.zeros((2, 4, 4, 3), np.uint8), np.array([0, 1, 1]), ["a", "b"], "x")


def test_every_source_gives_the_same_container(tmp_path, data_dir):
    from PIL import Image

    for name in ("face", "not_face"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (40, 40), (10, 20, 30)).save(tmp_path / name / "a.png")
    (tmp_path / "face" / "notes.txt").write_text("not an image")
    with pytest.warns(UserWarning, match="skipped 1"):
        folder = image_folder(tmp_path, size=32)
    from_folder = whale_crops(4, size=32, folder=tmp_path)
    sources = [louie_dataset("tiny", size=32), whale_crops(4, size=32), from_folder, folder]
    assert all(isinstance(s, LabelledImages) for s in sources)
    assert from_folder.class_names == ["face", "not_face"] and len(from_folder) == 2
    assert "1 files skipped" in str(folder) and folder.files and folder.kinds is None
