"""The live training curves: a Keras callback that records every epoch and draws outside a notebook too."""

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from dlicourse import plots  # noqa: E402


def tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_live_history_records_each_epoch_and_continues_across_fits():
    x, y = np.random.default_rng(0).normal(size=(16, 4)), np.arange(16) % 2
    live = plots.LiveHistory("tiny", validation="held-out")
    model = tiny_model()
    history = model.fit(x, y, epochs=2, validation_data=(x, y), callbacks=[live], verbose=0)
    assert live.epochs["accuracy"] == [1, 2]
    assert live.values["val_accuracy"] == history.history["val_accuracy"]
    model.fit(x, y, initial_epoch=2, epochs=6, validation_data=(x, y), validation_freq=2, callbacks=[live], verbose=0)
    assert live.epochs["accuracy"] == [1, 2, 3, 4, 5, 6]
    assert live.epochs["val_accuracy"] == [1, 2, 4, 6]


def test_live_history_draws_once_at_the_end_outside_a_notebook(capsys):
    x, y = np.random.default_rng(0).normal(size=(16, 4)), np.arange(16) % 2
    live = plots.LiveHistory("tiny", validation="held-out")
    tiny_model().fit(x, y, epochs=2, validation_data=(x, y), callbacks=[live], verbose=0)
    lines = live.figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["tiny (train)", "tiny (held-out)"]
    assert list(lines[0].get_xdata()) == [1, 2]
    assert capsys.readouterr().out == ""  # nothing printed: no figure repr, no per-epoch lines
