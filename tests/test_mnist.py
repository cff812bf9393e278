"""MNIST: the bundled real subset with a stratified held-out split, or the full set from a local file."""

import numpy as np
import pytest

from dlicourse.datasets import load_mnist, stratified_subset


def test_bundled_subset_is_real_mnist_with_a_stratified_held_out_split(data_dir):
    split = load_mnist("subset")
    assert split.x_train.shape == (4000, 28, 28, 1) and split.x_test.shape == (1000, 28, 28, 1)
    assert split.x_train.dtype == np.uint8 and split.y_train.dtype == np.int64
    assert np.bincount(split.y_test).tolist() == [100] * 10
    assert split.x_train.max() == 255 and split.x_train.min() == 0
    train_rows = {row.tobytes() for row in split.x_train}
    assert not any(row.tobytes() in train_rows for row in split.x_test)
    assert "bundled 5,000-digit subset" in str(split)
    assert np.array_equal(load_mnist("subset").y_train, split.y_train)  # same seed, same split


def _fake_full(path, n=30):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), y_train=np.arange(n) % 10,
             x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), y_test=np.arange(10))


def test_full_set_from_a_local_file_and_from_the_keras_cache(tmp_path, monkeypatch):
    _fake_full(tmp_path / "mnist.npz")
    split = load_mnist("full", path=tmp_path / "mnist.npz")
    assert split.x_train.shape == (30, 28, 28, 1) and str(tmp_path) in split.source
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert "subset" in load_mnist("auto").source
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    _fake_full(tmp_path / "keras" / "datasets" / "mnist.npz")
    assert "full set" in load_mnist("auto").source


def test_missing_or_broken_full_set_gets_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="source='subset'"):
        load_mnist("full", path=tmp_path / "absent.npz")
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable MNIST file"):
        load_mnist("full", path=tmp_path / "broken.npz")
    np.savez(tmp_path / "odd.npz", x_train=np.zeros((5, 32, 32)), y_train=np.zeros(5), x_test=np.zeros((1, 28, 28)),
             y_test=np.zeros(1))
    with pytest.raises(ValueError, match="28x28"):
        load_mnist("full", path=tmp_path / "odd.npz")
    with pytest.raises(ValueError, match="unknown MNIST source"):
        load_mnist("kaggle")


def test_stratified_subset_keeps_class_proportions():
    y = np.repeat(np.arange(10), 40)
    x = np.arange(len(y))
    xs, ys = stratified_subset(x, y, 0.1)
    assert np.bincount(ys).tolist() == [4] * 10 and np.array_equal(y[xs], ys)
    with pytest.raises(ValueError, match="fraction"):
        stratified_subset(x, y, 0)
