"""Saved models: written atomically, loadable, and answering the same on every call."""

from dlicourse.saving import save_model


def test_save_model_is_atomic_and_loadable(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = save_model(model, tmp_path / "m.keras")
    save_model(model, path)  # overwriting works too
    assert keras.saving.load_model(path).count_params() == model.count_params()
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


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
    loaded = keras.models.load_model(save_model(model, tmp_path / "m.keras"))
    assert [type(layer).__name__ for layer in loaded.layers] == ["Rescaling", "Flatten", "Dense"]
    assert np.allclose(loaded(x), loaded(x)) and np.allclose(loaded(x), model.predict(x, verbose=0), atol=1e-6)
