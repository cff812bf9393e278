"""The pruning API: exact sparsity, masks that survive fine-tuning, shapes kept, clear errors."""

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from dlicourse import pruning


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(16, 3, activation="relu"),
                              layers.GlobalAveragePooling2D(), layers.Dense(16, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    return model


def data(n=64):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 8, 8, 3)).astype("float32"), rng.integers(0, 2, n)


def test_magnitude_mask_removes_exactly_the_smallest_share_even_with_ties():
    values = np.array([[0.5, -0.1, 0.0], [0.0, 2.0, -0.3]])
    mask = pruning.magnitude_mask(values, 0.5)
    assert mask.shape == values.shape and mask.sum() == 3
    assert np.array_equal(mask, [[1, 0, 0], [0, 1, 1]])
    assert pruning.magnitude_mask(np.zeros(10), 0.3).sum() == 7  # ties: still exactly 3 removed


@pytest.mark.parametrize("share", [0.5, 0.8, 0.9, 0.95])
def test_prune_reaches_the_exact_sparsity_in_every_kernel_and_keeps_biases_and_shapes(share):
    model = tiny_model()
    shapes = [tuple(w.shape) for w in model.weights]
    biases = [w.numpy().copy() for w in model.weights if "bias" in w.name]
    masks = pruning.prune(model, share, min_size=0)
    assert [tuple(w.shape) for w in model.weights] == shapes
    for weight in pruning.kernels(model):
        values = weight.numpy()
        assert np.sum(values == 0) == round(share * values.size), weight.path
        assert np.array_equal(values == 0, masks[weight.path] == 0)
    after = [w.numpy() for w in model.weights if "bias" in w.name]
    assert all(np.array_equal(b, a) for b, a in zip(biases, after, strict=True))
    expected = sum(round(share * w.numpy().size) for w in pruning.kernels(model))
    assert pruning.sparsity(model) == pytest.approx(expected / sum(w.numpy().size for w in pruning.kernels(model)))


def test_the_largest_weights_are_the_ones_kept():
    model = tiny_model()
    before = model.layers[-2].kernel.numpy().copy()
    pruning.prune(model, 0.8, min_size=0)
    after = model.layers[-2].kernel.numpy()
    kept = np.abs(before[after != 0])
    assert kept.min() >= np.abs(before[after == 0]).max()


def test_masks_hold_through_fine_tuning_with_keep_masks_and_not_without():
    x, y = data()
    model = tiny_model()
    masks = pruning.prune(model, 0.9, min_size=0)
    before = [w.numpy().copy() for w in pruning.kernels(model)]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[pruning.KeepMasks(masks)])
    after = [w.numpy() for w in pruning.kernels(model)]
    for a, weight in zip(after, pruning.kernels(model), strict=True):
        assert np.all(a[masks[weight.path] == 0] == 0)
    assert not np.array_equal(after[-1], before[-1]), "the kept weights should still learn"
    assert pruning.sparsity(model) == pytest.approx(0.9, abs=0.02)

    unmasked = tiny_model()
    pruning.prune(unmasked, 0.9, min_size=0)
    unmasked.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert pruning.sparsity(unmasked) < 0.5, "without KeepMasks an optimizer grows the weights back"


JAX_SCRIPT = """
import sys
sys.path.insert(0, "tests")
from test_pruning import data, tiny_model
from dlicourse import pruning
x, y = data()
model = tiny_model()
masks = pruning.prune(model, 0.9, min_size=0)
model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[pruning.KeepMasks(masks)])
print(pruning.sparsity(model))
"""


def test_masks_hold_through_fine_tuning_on_jax_too():
    """Keras on JAX keeps the weights in fit's own state between steps; a callback that reads `self.model`
    syncs them first, so the masks KeepMasks applies are not overwritten at the end of the epoch."""
    pytest.importorskip("jax", reason="JAX is not installed here")
    done = subprocess.run([sys.executable, "-c", JAX_SCRIPT], cwd=Path(__file__).parents[1], capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert float(done.stdout.split()[-1]) == pytest.approx(0.9, abs=0.02)

def test_a_pruned_model_compresses_smaller():
    model = tiny_model()
    dense = pruning.compressed_bytes(model)
    pruning.prune(model, 0.9, min_size=0)
    assert pruning.compressed_bytes(model) < 0.6 * dense


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "half", None])
def test_a_bad_sparsity_is_one_clear_error(bad):
    with pytest.raises(ValueError, match="sparsity"):
        pruning.prune(tiny_model(), bad)


def test_masks_made_for_another_model_or_shape_are_refused():
    masks = pruning.prune(tiny_model(), 0.5, min_size=0)
    other = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="elsewhere")])
    with pytest.raises(ValueError, match="masks fit only the model"):
        masks.apply(other)
    model = tiny_model()
    wrong = pruning.Masks({w.path: np.ones((2, 2), np.float32) for w in pruning.kernels(model)})
    with pytest.raises(ValueError, match="shape"):
        wrong.apply(model)
    with pytest.raises(ValueError, match="KeepMasks needs"):
        pruning.KeepMasks({})


def test_a_model_without_kernels_is_refused():
    model = keras.Sequential([keras.Input(shape=(4, 4, 1)), layers.MaxPooling2D()])
    with pytest.raises(ValueError, match="no Dense or convolution kernels"):
        pruning.prune(model, 0.5)


def test_small_kernels_stay_whole_by_default():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(40,)), layers.Dense(50), layers.Dense(2)])  # 2,000 and 100 weights
    masks = pruning.prune(model, 0.5)
    assert list(masks) == [model.layers[0].kernel.path]
    assert np.all(model.layers[1].kernel.numpy() != 0)
    assert pruning.sparsity(model) == pytest.approx(1000 / 2100)
