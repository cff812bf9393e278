import json
import math
import os

import pytest

from dlicourse import course, io, record


def test_record_needs_start(monkeypatch):
    monkeypatch.setitem(course._state, "output_dir", None)
    with pytest.raises(RuntimeError, match="dlicourse.start"):
        record("x", 1.0)


def test_start_clears_old_figures_and_record_keeps_new_ones(tmp_path, capsys):
    out = tmp_path / "nb"
    out.mkdir()
    (out / "metrics.json").write_text('{"stale": 1}')
    course.start(out)
    assert record("accuracy", 0.9731) == pytest.approx(0.9731)
    record("count", 7)
    assert json.loads((out / "metrics.json").read_text()) == {"accuracy": 0.9731, "count": 7.0}
    assert "accuracy = 0.9731" in capsys.readouterr().out


@pytest.mark.parametrize("name, value, message", [
    ("has space", 1.0, "identifier"), ("nan_value", math.nan, "finite"), ("inf_value", math.inf, "finite"),
])
def test_record_rejects_bad_figures(tmp_path, name, value, message):
    course.start(tmp_path)
    with pytest.raises(ValueError, match=message):
        record(name, value)


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), io.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_save_model_is_atomic_and_loadable(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = io.save_model(model, tmp_path / "m.keras")
    io.save_model(model, path)  # overwriting works too
    assert keras.saving.load_model(path).count_params() == model.count_params()
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_atomic_writes_get_the_mode_of_a_plain_new_file(tmp_path):
    """Saved files must be readable by others on a shared hub, as any file the user makes."""
    old = os.umask(0o022)
    try:
        io.write_text(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        (tmp_path / "new.txt").chmod(0o600)
        io.write_text(tmp_path / "new.txt", "y")  # a rewrite keeps the mode the user chose
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_a_saved_model_answers_the_same_every_time_as_predict_does(tmp_path):
    """Keras 3 applies Random* layers on a plain call: the saved file must leave them out."""
    import keras
    import numpy as np
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16, 16, 3)), layers.Rescaling(1 / 255), layers.RandomFlip(),
                              layers.RandomTranslation(0.2, 0.2), layers.Flatten(), layers.Dropout(0.5),
                              layers.Dense(2, activation="softmax")])
    x = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    loaded = keras.models.load_model(io.save_model(model, tmp_path / "m.keras"))
    assert [type(layer).__name__ for layer in loaded.layers] == ["Rescaling", "Flatten", "Dense"]
    assert np.allclose(loaded(x), loaded(x)) and np.allclose(loaded(x), model.predict(x, verbose=0), atol=1e-6)
