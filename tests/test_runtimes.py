"""LiteRT export and timing on a tiny model; FP16 underflow shares on known values."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import layers

from dlicourse import precision, runtimes


@pytest.fixture(scope="module")
def tiny():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(12, 12, 3)), layers.Rescaling(1 / 255),
                              layers.Conv2D(8, 3, activation="relu"), layers.GlobalAveragePooling2D(),
                              layers.Dense(256, activation="relu"), layers.Dense(2, activation="softmax")])
    images = np.random.default_rng(0).integers(0, 256, (20, 12, 12, 3)).astype("float32")
    return model, images


def test_three_precisions_answer_like_keras_and_int8_is_smaller(tiny, tmp_path):
    model, images = tiny
    expected = model.predict(images, verbose=0)
    sizes = {}
    for kind in runtimes.PRECISIONS:
        representative = (lambda: ([images[i:i + 1]] for i in range(len(images)))) if kind == "int8" else None
        path = runtimes.export(model, tmp_path / f"m_{kind}.tflite", kind, representative)
        lite = runtimes.LiteModel(path, threads=1)
        assert lite.input_shape[1:] == (12, 12, 3)
        answers = lite.predict(images, batch_size=7)  # batches of 7, 7 and 6: the runtime resizes its input
        assert answers.shape == expected.shape
        assert np.abs(answers - expected).max() < (0.05 if kind == "int8" else 1e-2)
        sizes[kind] = path.stat().st_size
    assert max(sizes["int8"], sizes["float16"]) < sizes["float32"]  # tiny: int8 scales and zero points cost more


def test_export_and_load_refuse_bad_input_with_one_clear_line(tiny, tmp_path):
    model, images = tiny
    with pytest.raises(ValueError, match="precision must be one of"):
        runtimes.export(model, tmp_path / "m.tflite", "int4")
    with pytest.raises(ValueError, match="int8 needs a representative"):
        runtimes.export(model, tmp_path / "m.tflite", "int8")
    with pytest.raises(FileNotFoundError, match="no LiteRT model"):
        runtimes.LiteModel(tmp_path / "missing.tflite")
    lite = runtimes.LiteModel(runtimes.export(model, tmp_path / "m.tflite"))
    with pytest.raises(ValueError, match="takes images of shape"):
        lite(images[:, :6])


def test_median_seconds_times_the_call_after_a_warm_up():
    calls = []
    seconds = runtimes.median_seconds(calls.append, np.zeros(1), repeats=3)
    assert len(calls) == 4 and 0 <= seconds < 0.1
    with pytest.raises(ValueError, match="repeats"):
        runtimes.median_seconds(calls.append, np.zeros(1), repeats=0)


def test_fp16_loses_exactly_the_values_below_half_its_smallest_subnormal():
    values = np.array([2.0 ** -26, 2.0 ** -24, 1e-3, 1.0], np.float32)
    assert precision.lost_in_fp16(values) == 0.25
    assert precision.lost_in_fp16(values, scale=2.0 ** 10) == 0.0
    assert precision.overflow_in_fp16(values, scale=2.0 ** 17) == 0.25  # 1.0 * 2^17 > 65,504
    with pytest.raises(ValueError, match="loss scale must be positive"):
        precision.lost_in_fp16(values, scale=0)


def test_gradients_of_a_training_step_cover_activations_and_weights(tiny):
    model, images = tiny
    model.compile(loss="sparse_categorical_crossentropy")
    found = precision.gradients(model, images, np.zeros(len(images), int))
    assert found["weights"].size > 0 and found["activations"].size > 0
    assert np.all(found["weights"] != 0)
    with pytest.raises(ValueError, match="compile the model first"):
        precision.gradients(keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)]), images, np.zeros(20, int))


JAX_GRADIENTS = """
import sys
import keras
import numpy as np
from dlicourse import precision
data = np.load(sys.argv[2])
np.savez(sys.argv[3], **precision.gradients(keras.models.load_model(sys.argv[1]), data["x"], data["y"]))
"""


def test_gradients_of_a_training_step_are_the_same_on_jax(tmp_path):
    """09 measures FP16's losses on these gradients; on JAX they come from jax.grad, not a tape."""
    pytest.importorskip("jax", reason="JAX is not installed here")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).uniform(0, 1, (6, 8, 8, 3)).astype(np.float32)
    y = np.array([0, 1, 0, 1, 1, 0])
    model.save(tmp_path / "model.keras")
    np.savez(tmp_path / "data.npz", x=x, y=y)
    paths = [str(tmp_path / name) for name in ("model.keras", "data.npz", "jax.npz")]
    done = subprocess.run([sys.executable, "-c", JAX_GRADIENTS, *paths], env={**os.environ, "KERAS_BACKEND": "jax"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    here, there = precision.gradients(model, x, y), np.load(tmp_path / "jax.npz")
    for kind in ("activations", "weights"):
        assert here[kind].size == there[kind].size > 0, kind
        # float32 sums in another order: values of about 0.1 agree to 1e-7 (the weights' seven digits)
        np.testing.assert_allclose(np.sort(there[kind]), np.sort(here[kind]), rtol=1e-3, atol=1e-6)


JAX_INT8 = """
import sys
import keras
import numpy as np
from keras import layers
from dlicourse import runtimes
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((12, 12, 3)), layers.Rescaling(1 / 255), layers.Conv2D(8, 3, activation="relu"),
                          layers.Flatten(), layers.Dense(16, activation="relu"), layers.Dense(2, activation="softmax")])
kernel, bias = model.layers[-1].get_weights()
model.layers[-1].set_weights([kernel * 20, bias])  # answers spread over (0, 1), not all near 0.5
images = np.random.default_rng(0).integers(0, 256, (40, 12, 12, 3)).astype("float32")
path = runtimes.export(model, sys.argv[1], "int8", lambda: ([image[None]] for image in images))
np.savez(sys.argv[2], keras=model.predict(images, verbose=0), int8=runtimes.LiteModel(path).predict(images))
"""


def test_int8_answers_like_keras_on_jax_too(tmp_path):
    """On JAX the converter was handed jax2tf's graph, whose int8 file gave every image the same answer."""
    pytest.importorskip("jax", reason="JAX is not installed here")
    done = subprocess.run([sys.executable, "-c", JAX_INT8, str(tmp_path / "m.tflite"), str(tmp_path / "out.npz")],
                          env={**os.environ, "KERAS_BACKEND": "jax"}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = np.load(tmp_path / "out.npz")
    assert answers["keras"][:, 0].std() > 0.1
    assert np.abs(answers["int8"] - answers["keras"]).max() < 0.05


def test_the_readme_recipe_for_an_int8_doggy_door(tiny, tmp_path):
    from PIL import Image

    from dlicourse.images import load_image

    model, images = tiny
    calibration = images[:10]
    runtimes.export(model, tmp_path / "louie_int8.tflite", "int8", lambda: ([c[None]] for c in calibration))
    Image.fromarray(np.full((40, 50, 3), 200, np.uint8)).save(tmp_path / "photo.png")
    door = runtimes.LiteModel(tmp_path / "louie_int8.tflite")
    image = load_image(tmp_path / "photo.png", size=door.input_shape[1:3])
    scores = door(image[None])[0]
    assert scores.shape == (2,) and abs(scores.sum() - 1) < 0.02
