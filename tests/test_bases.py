"""The pretrained bases: the shipped dog base matches its checksum, damage gives a clear error, the ImageNet
option uses only local files, and nothing that loads a base ever reaches the network."""

import json
import shutil
import socket

import keras
import numpy as np
import pytest

from dlicourse import bases
from dlicourse.datasets import dogs
from dlicourse.instructor.pretrain import source
from dlicourse.manifest import ManifestError
from dlicourse.paths import solutions_dir


@pytest.fixture
def offline(monkeypatch):
    """No socket may connect, and no Keras download function may be called."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"tried to reach the network: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(keras.utils, "get_file", refuse)
    monkeypatch.setattr("keras.src.utils.file_utils.get_file", refuse)
    monkeypatch.setattr("keras.src.applications.mobilenet_v2.file_utils.get_file", refuse)
    return calls


@pytest.fixture
def copy_of_base(tmp_path):
    path = tmp_path / "dog_base.keras"
    shutil.copy(bases.dog_base_path(), path)
    shutil.copy(bases.manifest_path(bases.dog_base_path()), bases.manifest_path(path))
    return path


def test_shipped_base_matches_its_checksum_and_records_how_it_was_made():
    path = bases.verify_dog_base()
    manifest = bases.dog_base_manifest()
    assert path.stat().st_size == manifest["bytes"] < 5_000_000
    assert manifest["source_task"]["seed"] != dogs.SEED
    assert manifest["source_task"]["scenes"] == list(dogs.SCENES)
    assert manifest["score"]["breed_validation_accuracy"] > 5 * manifest["score"]["breed_chance"]
    assert manifest["score"]["identity_validation_accuracy"] > 50 * manifest["score"]["identity_chance"]
    assert manifest["training"]["epochs"] >= 1 and manifest["command"].startswith("dlicourse pretrain ")
    assert "Louie" in manifest["source_task"]["excluded"] and manifest["source_task"]["beagles"] > 0


def test_shipped_base_was_trained_on_the_current_drawing():
    """A change to how dogs are drawn (dogs.VERSION) means the base must be pretrained again."""
    manifest = bases.dog_base_manifest()
    assert manifest["source_task"]["drawing_version"] == dogs.VERSION, (
        "dlicourse/datasets/dogs draws dogs differently since the base was trained: run `dlicourse pretrain`")
    assert manifest["source_task"]["recipe_version"] == source.VERSION


def test_shipped_base_loads_offline_and_has_its_top_block(offline):
    base = bases.load_base("dogs")
    assert base.name == "dog_base" and bases.input_size(base) == bases.INPUT_SIZE
    features = base.predict(np.zeros((2, 64, 64, 3), np.uint8), verbose=0)
    assert features.shape == (2, bases.dog_base_manifest()["features"])
    assert any(layer.name.startswith(bases.top_block(base)) and layer.weights for layer in base.layers)
    assert bases.early_layer(base) == "block3_pool"  # 8x8 maps of 96 features, just below the top block
    assert not offline


def test_damaged_base_is_refused_with_a_clear_error(copy_of_base):
    data = bytearray(copy_of_base.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy_of_base.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match="is damaged.*dlicourse pretrain"):
        bases.load_dog_base(copy_of_base)


def test_truncated_base_is_refused(copy_of_base):
    copy_of_base.write_bytes(copy_of_base.read_bytes()[:1000])
    with pytest.raises(ManifestError, match="damaged"):
        bases.load_dog_base(copy_of_base)


def test_missing_base_or_manifest_says_how_to_restore_it(copy_of_base):
    copy_of_base.unlink()
    with pytest.raises(ManifestError, match="dog_base.keras is missing.*Restore both files from the repository"):
        bases.load_dog_base(copy_of_base)
    bases.manifest_path(copy_of_base).unlink()
    with pytest.raises(ManifestError, match="dog_base.json is missing"):
        bases.load_dog_base(copy_of_base)


def test_unreadable_manifest_is_refused(copy_of_base):
    bases.manifest_path(copy_of_base).write_text("{ not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        bases.verify_dog_base(copy_of_base)


def test_imagenet_without_local_weights_falls_back_in_one_line(tmp_path, monkeypatch, capsys, offline):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    base = bases.load_base("imagenet")
    assert base.name == "dog_base"
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "No ImageNet weights" in lines[0] and "nothing is downloaded" in lines[0]
    assert not offline


def _legacy_h5(model, path):
    """Write weights in the Keras 2 HDF5 layout that Keras's own download cache holds."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def test_imagenet_weights_in_the_keras_cache_are_used_without_downloading(tmp_path, monkeypatch, capsys, offline):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    keras.utils.set_random_seed(1)
    plain = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False, weights=None,
                                           pooling="avg")
    (tmp_path / "models").mkdir()
    _legacy_h5(plain, tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5")
    base = bases.load_base("imagenet")
    assert "Using ImageNet weights" in capsys.readouterr().out
    assert base.name == bases.IMAGENET_NAME and bases.input_size(base) == 96
    pixels = np.random.default_rng(0).integers(0, 256, (2, 96, 96, 3)).astype(np.float32)
    expected = plain.predict(pixels / 127.5 - 1, verbose=0)
    np.testing.assert_allclose(base.predict(pixels, verbose=0), expected, rtol=1e-4, atol=1e-4)
    assert any(layer.name.startswith(bases.top_block(base)) for layer in base.layers)
    assert len(base.get_layer(bases.early_layer(base)).output.shape) == 4  # a feature map, below the top block
    assert not offline


def test_broken_imagenet_file_gives_a_clear_error(tmp_path, monkeypatch, offline):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5").write_bytes(b"junk")
    with pytest.raises(bases.BaseError, match="could not be loaded"):
        bases.load_base("imagenet")


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="'dogs' or 'imagenet'"):
        bases.load_base("resnet")


def test_notebook_only_loads_bases_from_local_files():
    """The lab never names a download: no weights="imagenet", no get_file, no URLs."""
    text = json.dumps(json.loads((solutions_dir() / "06_transfer_learning.ipynb").read_text()))
    for needle in ('weights=\\"imagenet\\"', "get_file", "http://", "https://", "urllib", "requests"):
        assert needle not in text
