"""The reference FC -> convolution converter: equal to sliding the classifier, refusing what it cannot convert,
and never within a learner's reach."""

import json

import keras
import numpy as np
import pytest
from conftest import ROOT
from keras import layers
from whale_windows import scene, tiny_classifier

from dlicourse import detection
from dlicourse.instructor.answers import to_fully_convolutional


def test_fully_convolutional_copy_equals_the_sliding_window():
    model = tiny_classifier()
    fcn = to_fully_convolutional(model)
    assert detection.network_stride(model) == 4
    assert not any(isinstance(layer, layers.Dense) for layer in fcn.layers)
    image = scene()
    loop = detection.sliding_window_loop(model, image, stride=4)
    batched = detection.sliding_window_batched(model, image, stride=4, batch_size=7)
    heat = detection.one_pass(fcn, image)
    assert loop.shape == batched.shape == heat.shape == ((80 - 32) // 4 + 1, (96 - 32) // 4 + 1)
    assert np.abs(heat - loop).max() <= 1e-4
    assert np.abs(batched - loop).max() <= 1e-4
    one = detection.one_pass(fcn, image[:32, :32])
    assert one.shape == (1, 1) and abs(one[0, 0] - float(model.predict_on_batch(image[None, :32, :32])[0, 0])) <= 1e-4


def test_models_it_cannot_convert_are_refused_with_what_was_expected():
    pooled = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.GlobalAveragePooling2D(),
                               layers.Dense(2)])
    with pytest.raises(ValueError, match="GlobalAveragePooling2D.*Flatten"):
        to_fully_convolutional(pooled)
    no_dense = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.Flatten()])
    with pytest.raises(ValueError, match="no Dense layer after Flatten"):
        to_fully_convolutional(no_dense)
    any_size = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"fixed-size RGB windows.*\(None, None, 3\)"):
        to_fully_convolutional(any_size)
    gray = keras.Sequential([keras.Input((32, 32, 1)), layers.Flatten(), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\(height, width, 3\)"):
        to_fully_convolutional(gray)
    resized = keras.Sequential([keras.Input((32, 32, 3)), layers.Resizing(16, 16), layers.Flatten(),
                                layers.Dense(2)])
    with pytest.raises(ValueError, match="Resizing before Flatten"):
        to_fully_convolutional(resized)
    inputs = keras.Input((32, 32, 3))
    branch = layers.Conv2D(3, 3, padding="same")(inputs)
    merged = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(layers.Add()([inputs, branch]))))
    with pytest.raises(ValueError, match="branch or merge"):
        to_fully_convolutional(merged)


@pytest.mark.parametrize("folder", ["solutions", "labs"])
def test_no_lab_imports_the_instructors_package(folder):
    """The answers and the instructor's tools stay out of every notebook's reach."""
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "dlicourse.instructor" not in code and "instructor import" not in code, path.name
