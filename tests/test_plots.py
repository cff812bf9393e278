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


def test_image_grid_draws_gray_images_black_to_white_with_their_titles(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: None)
    images = np.zeros((3, 8, 8, 1), np.uint8)
    plots.image_grid(images, titles=["a", "b", "c"], ncols=2, title_colors=["red", "black", "black"])
    fig = plt.gcf()
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 4 and len(shown) == 3
    assert shown[0].images[0].get_clim() == (0, 255) and shown[0].images[0].get_cmap().name == "gray"
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"] and shown[0].title.get_color() == "red"
    plt.close(fig)


def test_history_draws_train_and_validation_per_run(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: None)
    plots.history({"small": {"accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]}, "full": {"accuracy": [0.6, 0.9]}})
    ax = plt.gcf().axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["small (train)", "small (validation)", "full (train)"]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2]
    plt.close("all")


def test_a_scene_shows_its_heat_map_over_the_image_with_truth_and_found_boxes(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: None)
    image = np.zeros((64, 96, 3), np.uint8)
    heat = np.linspace(0, 1, 3 * 5).reshape(3, 5)
    plots.show_scenes([{"image": image, "truth": np.array([[0, 0, 32, 32]]), "boxes": np.array([[8, 8, 40, 40]]),
                        "heat": heat, "stride": 16, "window": 32, "title": "scene 0"}], ncols=1)
    ax = plt.gcf().axes[0]
    assert len(ax.images) == 2 and ax.images[1].get_extent() == [8.0, 88.0, 56.0, 8.0]
    assert [p.get_edgecolor()[:3] for p in ax.patches] == [(0.0, 1.0, 0.0), (1.0, 0.6470588235294118, 0.0)]
    assert ax.get_title() == "scene 0"
    plt.close("all")
