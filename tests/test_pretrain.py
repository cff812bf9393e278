"""The dog base's recipe: a deterministic source task that never shows Louie, and a network with named blocks."""

import numpy as np

from dlicourse.datasets import dogs
from dlicourse.instructor.pretrain import source
from dlicourse.instructor.pretrain.architecture import build_base


def test_source_task_is_deterministic_and_never_shows_louie(data_dir):
    first = source.make_source(n_breeds=3, per_breed=2, photos=2, size=32)
    again = source.source_task(n_breeds=3, per_breed=2, photos=2, size=32)
    assert first["x"].shape == (12, 32, 32, 3) and first["x"].dtype == np.uint8
    np.testing.assert_array_equal(first["x"], again["x"])
    assert first["identity"].tolist() == [0, 1, 2, 3, 4, 5] * 2
    assert first["breed"].tolist() == [0, 0, 1, 1, 2, 2] * 2
    assert first["marks"].shape == (12, len(source.MARKS)) and first["colours"].shape == (12, 9)
    rng = np.random.default_rng(0)
    beagles = [source.source_dog(dogs.BREEDS[0], rng) for _ in range(50)]
    assert all(dog.breed == "beagle" and dog != dogs.LOUIE for dog in beagles)


def test_source_task_has_many_beagles_and_one_class_per_dog(data_dir):
    counts = source.dogs_per_breed(14, per_breed=2, beagles=5, named=3)
    assert counts == [5] + [3] * (len(dogs.BREEDS) - 1) + [2, 2]
    photos = source.make_source(n_breeds=14, per_breed=2, photos=1, size=16, beagles=5, named=3)
    assert len(photos["identity"]) == sum(counts) and photos["breed"].tolist()[:6] == [0] * 5 + [1]


def test_build_base_names_its_blocks():
    base = build_base(size=32, widths=(4, 8, 8, 16), features=6)
    assert base.output_shape == (None, 6)
    features = base.predict(np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3)), verbose=0)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1, rtol=1e-5)
    assert [layer.name for layer in base.layers if layer.name.endswith("_conv")] == [
        "block1_conv", "block2_conv", "block3_conv", "block4_conv"]
