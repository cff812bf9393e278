from pathlib import Path

import numpy as np
import pytest
from conftest import same_pixels
from PIL import Image

from dlicourse import seeds
from dlicourse.datasets import CLASS_NAMES, LOUIE, _cache, breeds, dogs, louie_dataset, render


def test_same_seed_same_bytes_and_a_new_seed_new_pictures():
    a = dogs.make_split("tiny", size=32)
    b = dogs.make_split("tiny", size=32)
    assert a["x"].tobytes() == b["x"].tobytes() and np.array_equal(a["y"], b["y"])
    assert a["x"].tobytes() != dogs.make_split("tiny", size=32, seed=1)["x"].tobytes()


def test_splits_are_balanced_and_of_the_issue_sizes(data_dir):
    tiny = louie_dataset("tiny", size=32)
    assert tiny.x.shape == (8, 32, 32, 3) and tiny.x.dtype == np.uint8 and tiny.class_names == CLASS_NAMES
    assert np.bincount(tiny.y).tolist() == [4, 4]
    assert dogs.SPLITS["big"] >= 2000 and dogs.SPLITS["heldout"] >= 200
    held = dogs.make_split("heldout", size=24, count=40)
    assert np.bincount(held["y"]).tolist() == [20, 20]
    with pytest.raises(ValueError, match="unknown split"):
        louie_dataset("huge")


def test_images_are_pictures_not_noise():
    image = render(LOUIE, np.random.default_rng(0), size=64)
    assert image.shape == (64, 64, 3)
    shuffled = np.random.default_rng(1).permutation(image.reshape(-1, 3)).reshape(image.shape)
    def roughness(a):
        return np.abs(np.diff(a.astype(int), axis=1)).mean()
    assert roughness(image) < roughness(shuffled) / 3 and image.std() > 20  # smooth regions, plenty of contrast


def test_many_distinct_breeds_for_other_labs():
    many = breeds(30)
    assert len({b.name for b in many}) == 30
    rng = np.random.default_rng(0)
    assert all(render(b.individual(rng), rng, size=32).shape == (32, 32, 3) for b in many[::7])
    assert breeds(30)[20] == many[20]  # the same made-up breeds every time


def test_others_never_wear_all_of_louies_marks():
    rng = np.random.default_rng(0)
    assert all(dogs.identities._differences(dogs.other_dog(rng)) >= 2 for _ in range(200))


def test_cache_survives_a_killed_write(data_dir, monkeypatch):
    first = louie_dataset("tiny", size=24)
    npz = next(data_dir.glob("dogs/*.npz"))
    npz.write_bytes(npz.read_bytes()[:100])  # as if the kernel died mid-write
    with pytest.warns(UserWarning, match="checksum"):
        again = louie_dataset("tiny", size=24)
    assert again.x.tobytes() == first.x.tobytes()
    assert _cache._valid(npz, npz.with_suffix(".json"))


def test_tiny_split_shows_look_alikes_among_the_other_dogs():
    """The lab's 8 photos: 4 of Louie, 2 beagles that look like him and 2 dogs of other breeds."""
    import zlib

    split = dogs.make_split("tiny", size=16)
    labels = split["y"]
    order = np.random.default_rng([dogs.SEED, zlib.crc32(b"tiny")]).permutation(8)
    assert labels.tolist() == np.tile([0, 1], 4)[order].tolist()
    breeds = []
    for i in np.flatnonzero(labels == 1):
        rng = seeds.stream(dogs.SEED, "tiny", int(i))
        dog = dogs.other_dog(rng, lookalike=1.0 if len(breeds) < 2 else 0.0)
        drawn = dogs.render(dog, rng, 16, scene=str(rng.choice(dogs.SCENES)))
        assert drawn.tobytes() == split["x"][i].tobytes()  # this is the dog in the photo
        breeds.append(dog.breed)
    assert breeds[:2] == ["beagle", "beagle"] and "beagle" not in breeds[2:]


# The tiny split at 32 pixels as drawn before the dog masks existed, side by side: masks must not change a photo,
# and another machine draws the same photos (within a grey level: conftest.same_pixels).
TINY_32 = Path(__file__).parent / "data" / "dogs_tiny_32.png"


def test_masks_come_with_the_same_photos_and_the_same_seed_gives_the_same_masks():
    with_masks = dogs.make_split("tiny", size=32, masks=True)
    reference = np.stack(np.split(np.asarray(Image.open(TINY_32)), 8, axis=1))
    same_pixels(with_masks["x"], reference)
    assert dogs.make_split("tiny", size=32)["x"].tobytes() == with_masks["x"].tobytes()
    again = dogs.make_split("tiny", size=32, masks=True)
    assert with_masks["mask"].shape == (8, 32, 32) and with_masks["mask"].dtype == bool
    assert np.array_equal(with_masks["mask"], again["mask"])
    assert not np.array_equal(with_masks["mask"], dogs.make_split("tiny", size=32, seed=1, masks=True)["mask"])
    assert "mask" not in dogs.make_split("tiny", size=32)


def test_a_mask_covers_the_dog_and_leaves_out_what_hides_it():
    held = dogs.make_split("heldout", size=64, count=40, masks=True)
    share = held["mask"].mean(axis=(1, 2))
    assert share.min() > 0.1 and share.max() < 0.9  # a dog, never the whole photo nor nothing
    # the same pose (the rng is the same up to the occluder), drawn with and without something in front
    hidden = dogs.render_with_mask(LOUIE, np.random.default_rng(3), 64, occlusion=1.0)[1]
    clear = dogs.render_with_mask(LOUIE, np.random.default_rng(3), 64, occlusion=0.0)[1]
    assert np.all(clear[hidden]) and hidden.sum() < clear.sum()


def test_louie_dataset_caches_masks_beside_unchanged_photos(data_dir):
    plain = louie_dataset("tiny", size=24)
    assert plain.mask is None
    masked = louie_dataset("tiny", size=24, masks=True)
    assert masked.x.tobytes() == plain.x.tobytes() and masked.mask.shape == (8, 24, 24)
    assert len(list(data_dir.glob("dog_masks/*.npz"))) == 1
    assert np.array_equal(louie_dataset("tiny", size=24, masks=True).mask, masked.mask)
