"""Each map proved right on a network whose attention is known: its output depends only on the left half."""

import json
import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from conftest import ROOT
from keras import layers

from dlicourse import attribution, gradients, reference_maps

SIZE = 32


def left_half_model():
    """The right half of every image is multiplied by 0 at the input. The first conv's 2x2 kernels step 2
    pixels at a time, so none straddles the middle, and no conv has a bias: every feature of the right half is
    exactly 0, and the class score is a positive function of the left half alone."""
    keras.utils.set_random_seed(0)
    keep = np.zeros((1, SIZE, SIZE, 1), np.float32)
    keep[:, :, : SIZE // 2] = 1
    positive = keras.initializers.RandomUniform(0.0, 0.1, seed=1)
    return keras.Sequential([
        keras.Input(shape=(SIZE, SIZE, 3)),
        layers.Rescaling(1 / 255),
        layers.Lambda(lambda x: x * keep, name="left_half"),
        layers.Conv2D(8, 2, strides=2, activation="relu", use_bias=False, kernel_initializer=positive),
        layers.Conv2D(8, 1, activation="relu", use_bias=False, kernel_initializer=positive, name="last_conv"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="softmax", kernel_initializer=keras.initializers.Constant([[1.0, -1.0]] * 8)),
    ])


@pytest.fixture(scope="module")
def model():
    return left_half_model()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (3, SIZE, SIZE, 3)).astype(np.float32)


def right_share(maps):
    positive = np.clip(maps, 0, None)
    return positive[..., SIZE // 2:].sum() / positive.sum()


def all_maps(model, images):
    return {
        "occlusion": np.stack([reference_maps.occlusion_map(model, im, 0, patch=4, stride=4) for im in images]),
        "saliency": attribution.saliency(model, images, 0),
        "guided backprop": attribution.guided_backprop(model, images, 0),
        "grad-cam": reference_maps.grad_cam(model, images, 0),
    }


def test_every_map_looks_where_the_network_looks(model, images):
    for name, maps in all_maps(model, images).items():
        assert maps.shape == (3, SIZE, SIZE) and maps.dtype == np.float32, name
        assert np.isfinite(maps).all() and np.clip(maps, 0, None).sum() > 0, f"{name}: an empty map"
        assert right_share(maps) <= 0.05, f"{name}: {right_share(maps):.1%} of its mass on the ignored half"


def test_maps_of_one_image_and_of_a_batch_agree(model, images):
    one = attribution.saliency(model, images[1], 0)
    assert one.shape == (1, SIZE, SIZE)
    np.testing.assert_allclose(one[0], attribution.saliency(model, images, [1, 0, 1])[1], rtol=1e-4, atol=1e-7)
    cams = reference_maps.grad_cam(model, images, [0, 1, 0])
    np.testing.assert_allclose(cams[2], reference_maps.grad_cam(model, images[2], 0)[0], rtol=1e-4, atol=1e-6)
    assert (cams >= 0).all() and (attribution.saliency(model, images, 0) >= 0).all()


def test_smoothgrad_is_the_mean_over_noisy_copies_and_still_looks_where_the_network_looks(model, images):
    for method in (attribution.saliency, attribution.guided_backprop):
        smooth = method(model, images, 0, samples=4, noise=0.1, seed=3)
        assert smooth.shape == (3, SIZE, SIZE) and right_share(smooth) <= 0.05, method.__name__
        np.testing.assert_allclose(smooth, method(model, images, 0, samples=4, noise=0.1, seed=3), rtol=1e-5)
        np.testing.assert_allclose(method(model, images, 0, samples=1), method(model, images, 0), rtol=1e-6)


def test_guided_backprop_keeps_only_what_raises_the_score(model, images):
    signed = attribution.guided_backprop(model, images, 0, signed=True)
    plain = gradients.gradient(gradients.class_scores(model, [0, 0, 0]), images)
    assert signed.shape == images.shape
    # The first ReLU's input is positive wherever a kernel sees a bright left-half pixel; only gradients
    # that flow back positive survive, so guided maps are never larger than the plain gradient's reach.
    assert np.abs(signed).sum() <= np.abs(plain).sum() * 1.0001


def test_occlusion_drops_only_where_the_patch_hides_what_counts(model, images):
    drop = reference_maps.occlusion_map(model, images[0], 0, patch=8, stride=8)
    assert drop.shape == (SIZE, SIZE)
    np.testing.assert_allclose(drop[:, SIZE // 2:], 0, atol=1e-6)  # hiding the ignored half changes nothing
    with pytest.raises(ValueError, match="patch"):
        reference_maps.occlusion_map(model, images[0], 0, patch=SIZE + 1)


def test_on_mask_share_is_chance_for_a_flat_map_and_one_for_a_map_inside():
    mask = np.zeros((2, 10, 10), bool)
    mask[:, :, :3] = True
    flat = np.ones((2, 10, 10))
    np.testing.assert_allclose(attribution.on_mask_share(flat, mask), 0.3)
    inside = np.where(mask, 1.0, -5.0)  # negative values are not mass
    np.testing.assert_allclose(attribution.on_mask_share(inside, mask), 1.0)
    assert np.isnan(attribution.on_mask_share(-flat, mask)).all()
    with pytest.raises(ValueError, match="same shape"):
        attribution.on_mask_share(flat, mask[:, :5])


def test_a_model_without_conv_layers_gets_a_clear_error(images):
    dense = keras.Sequential([keras.Input(shape=(SIZE, SIZE, 3)), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="no convolutional layer"):
        reference_maps.grad_cam(dense, images, 0)
    with pytest.raises(ValueError, match="no convolutional layer"):
        attribution.first_filters(dense)
    assert attribution.saliency(dense, images, 0).shape == (3, SIZE, SIZE)  # gradients need no conv layer


def test_feature_maps_filters_and_layer_errors(model, images):
    assert gradients.conv_layers(model)[-1] == "last_conv"
    assert attribution.activations(model, images[0], "last_conv").shape == (SIZE // 2, SIZE // 2, 8)
    filters = attribution.first_filters(model)
    assert filters.shape == (8, 2, 2, 3) and filters.min() >= 0 and filters.max() <= 1
    with pytest.raises(ValueError, match="no layer 'nope'"):
        reference_maps.grad_cam(model, images, 0, layer="nope")
    with pytest.raises(ValueError, match="a batch"):
        attribution.saliency(model, images[0, 0], 0)


def test_scores_leave_out_the_softmax(model, images):
    scores = np.asarray(gradients.run_layers(model, images, scores=True))
    probabilities = model.predict(images, verbose=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(scores)), probabilities, rtol=1e-4)
    assert model.layers[-1].activation.__name__ == "softmax"  # put back after the call


JAX_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, "tests")
from test_attribution import all_maps, left_half_model, right_share
images = np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype(np.float32)
print(json.dumps({name: float(right_share(m)) for name, m in all_maps(left_half_model(), images).items()}))
"""


def test_every_map_on_the_jax_backend_too():
    pytest.importorskip("jax", reason="JAX is not installed here; the TensorFlow path is tested above")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", JAX_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    shares = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(shares) == {"occlusion", "saliency", "guided backprop", "grad-cam"}
    assert all(share <= 0.05 for share in shares.values()), shares


def test_maps_of_a_batch_are_quick(model, images):
    began = time.perf_counter()
    reference_maps.grad_cam(model, np.repeat(images, 10, axis=0), 0)
    assert time.perf_counter() - began < 30


def test_the_lab_uses_its_learners_maps_not_the_reference():
    """08's measured lesson runs on the learner's occlusion_map and grad_cam; the answers stay out of its imports."""
    for folder in ("solutions", "labs"):
        text = (ROOT / folder / "08_what_the_network_sees.ipynb").read_text()
        assert "reference_maps" not in text, folder
    import dlicourse.attribution as library
    assert not hasattr(library, "grad_cam") and not hasattr(library, "occlusion_map")
