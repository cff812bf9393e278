import numpy as np
import pytest

from dlicourse.datasets import whale_scenes, whales


def test_a_scene_is_the_same_from_the_same_seed_with_faces_on_its_whales():
    image, mask, boxes, hard = whales.make_scene(11, size=(384, 512), whales=3)
    again = whales.make_scene(11, size=(384, 512), whales=3)
    assert np.array_equal(image, again[0]) and np.array_equal(boxes, again[2])
    assert image.shape == (384, 512, 3) and image.dtype == np.uint8 and mask.shape == (384, 512)
    assert len(boxes) == 3 and set(np.unique(mask)) == {0, 1, 2, 3}
    assert set(hard) == {"foam", "glint", "distractor"} and hard["distractor"]
    sides = np.concatenate([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])
    assert sides.min() >= 0.45 * whales.WINDOW and sides.max() <= whales.WINDOW  # a window holds a face
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 512).all() and (boxes[:, 3] <= 384).all()
    for k, (x1, y1, x2, y2) in enumerate(boxes.astype(int), start=1):
        assert (mask[y1:y2, x1:x2] == k).mean() > 0.3  # the face box sits on its own whale
        head = image[y1:y2, x1:x2].astype(float).mean(axis=-1)
        assert (head > np.median(image.mean(axis=-1)) + 60).any()  # pale callosities, far brighter than the sea
    assert not np.array_equal(image, whales.make_scene(12, size=(384, 512), whales=3)[0])


def test_scene_sizes_follow_the_window_and_bad_sizes_are_refused():
    image, _, boxes, _ = whales.make_scene(5, size=(192, 256), window=32, whales=2)
    assert image.shape == (192, 256, 3) and (boxes[:, 2] - boxes[:, 0]).max() <= 32
    with pytest.raises(ValueError, match="at least one window"):
        whales.make_scene(0, size=(48, 256))


def test_held_out_scenes_are_cached_and_hold_0_to_several_whales(data_dir):
    scenes = whale_scenes(6, seed=1, size=(192, 256))
    assert scenes.images.shape == (6, 192, 256, 3) and scenes.masks.shape == (6, 192, 256)
    assert len(scenes.boxes) == 6 and all(b.shape[1:] == (4,) for b in scenes.boxes)
    assert "6 scenes of 192x256 pixels" in str(scenes)
    assert list((data_dir / "whale-scenes").glob("*.npz"))
    assert all(np.array_equal(a, b) for a, b in zip(whale_scenes(6, seed=1, size=(192, 256)).boxes, scenes.boxes,
                                                    strict=True))
    counts = [len(b) for b in whale_scenes(20, seed=3, size=(384, 512)).boxes]
    assert min(counts) == 0 and max(counts) >= 2
    with pytest.raises(ValueError, match="at least 1"):
        whale_scenes(0)

