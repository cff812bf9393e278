"""The live training curves (a Keras callback that records every epoch and draws outside a notebook too), and
one short line per epoch instead of Keras's own output."""

import re

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
    accuracy, loss = live.figure.axes[:2]
    assert [t.get_text() for t in accuracy.get_legend().get_texts()] == ["training set", "held-out"]
    assert list(accuracy.get_lines()[0].get_xdata()) == [1, 2]
    assert accuracy.get_ylim() == (-0.02, 1.02) and loss.get_ylabel() == "loss"
    assert live.figure.texts[0].get_text() == "tiny"  # the model's name is the title, not in every label
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
    assert [line.get_linestyle() for line in ax.get_lines()] == ["-", "--", "-"]
    assert [line.get_label() for line in ax.get_lines()][::2] == ["small", "full"]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2]
    plt.close("all")


def test_a_scene_shows_its_heat_map_over_the_image_with_truth_and_found_boxes(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: None)
    image = np.zeros((64, 96, 3), np.uint8)
    heat = np.linspace(0, 1, 3 * 5).reshape(3, 5)
    plots.show_scenes([{"image": image, "truth": np.array([[0, 0, 32, 32]]), "boxes": np.array([[8, 8, 40, 40]]),
                        "heat": heat, "stride": 16, "window": 32, "title": "scene 0"}], ncols=1)
    fig = plt.gcf()
    ax = fig.axes[0]
    assert len(ax.images) == 2 and ax.images[1].get_extent() == [8.0, 88.0, 56.0, 8.0]
    # truth green and solid, found cyan and dashed: neither is a colour of the heat map's colormap
    assert [p.get_edgecolor()[:3] for p in ax.patches] == [(0.0, 1.0, 0.0), (0.0, 1.0, 1.0)]
    assert [p.get_linestyle() for p in ax.patches] == ["-", "--"]
    colours = plt.get_cmap(plots.HEAT_COLORMAP)(np.linspace(0, 1, 256))[:, :3]
    for box in ((0, 1, 0), (0, 1, 1)):
        assert np.abs(colours - box).sum(axis=1).min() > 0.6
    assert fig.axes[1].get_ylabel() == "face score"  # the colour bar, 0 to 1
    assert fig.axes[1].get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["true face", "found"]
    assert ax.get_title() == "scene 0"
    plt.close("all")


def test_a_scene_can_show_its_window_grid_and_a_close_up(monkeypatch):
    figures = shown(monkeypatch)
    image = np.zeros((128, 192, 3), np.uint8)
    plots.show_scenes([{"image": image, "truth": np.array([[40, 40, 90, 90]]), "grid": 64,
                        "view": (32, 32, 96, 96)}], ncols=1)
    ax = figures[0].axes[0]
    assert len(ax.lines) == 2 + 1  # the window edges at x = 64, 128 and y = 64
    assert ax.get_xlim() == (32, 96) and ax.get_ylim() == (96, 32)
    assert len(figures[0].axes) == 1 and [t.get_text() for t in figures[0].legends[0].get_texts()] == ["true face"]


def test_a_detector_target_grid_shows_the_cells_on_a_face_and_their_coverage(monkeypatch):
    from dlicourse import detection

    figures = shown(monkeypatch)
    boxes = np.array([[16, 16, 56, 48]], np.float32)
    target = detection.detector_targets(boxes, (64, 96), 16, scale=64)
    plots.target_grid(np.zeros((64, 96, 3), np.uint8), boxes, target, 16, 64)
    scene, coverage = figures[0].axes[:2]
    assert int(target[..., 0].sum()) == 2 * 2  # cell centres x 24, 40 and y 24, 40 lie in the box
    assert sum(p.get_alpha() == 0.3 for p in scene.patches) == 4  # one marked square per cell on the face
    assert np.array_equal(coverage.images[0].get_array(), target[..., 0])


def shown(monkeypatch):
    """The figure each plot would show, kept instead of shown."""
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "show", lambda: figures.append(plt.gcf()))
    return figures


def test_history_puts_loss_beside_accuracy_on_a_fixed_scale_with_whole_epochs(monkeypatch):
    figures = shown(monkeypatch)
    h = {"accuracy": [0.5, 0.502, 0.504], "val_accuracy": [0.5, 0.5, 0.503], "loss": [0.7, 0.69, 0.68],
         "val_loss": [0.71, 0.7, 0.7]}
    plots.history({"8 photos": h, "2,400 photos": h}, validation="held-out photos")
    accuracy, loss = figures[0].axes
    assert accuracy.get_ylim() == (-0.02, 1.02)  # 0.500-0.504 stays flat, as it is
    assert all(float(t).is_integer() for t in accuracy.get_xticks())
    assert [t.get_text() for t in accuracy.get_legend().get_texts()] == [
        "8 photos", "2,400 photos", "training set", "held-out photos"]
    assert loss.get_ylabel() == "loss" and len(loss.get_lines()) == 4


def test_a_loss_history_is_one_panel(monkeypatch):
    figures = shown(monkeypatch)
    plots.history({"a": {"loss": [1.0, 0.5]}}, metric="loss")
    assert len(figures[0].axes) == 1 and figures[0].axes[0].get_ylabel() == "loss"


def test_prediction_titles_say_what_was_said_and_the_truth_and_mark_the_wrong_ones(monkeypatch):
    titles, colors = plots.said_titles([0, 1], [0.97, 0.6], [0, 0], ["louie", "not louie"])
    assert titles == ["said louie (97%) ·\ntruly louie", "✗ said not louie (60%) ·\ntruly louie"]
    assert colors == ["green", "red"]
    figures = shown(monkeypatch)
    plots.predictions(np.zeros((2, 8, 8, 3), np.uint8), [0, 1], [0.97, 0.6], [0, 0], ["louie", "not louie"], ncols=2)
    right, wrong = figures[0].axes
    assert wrong.spines["left"].get_edgecolor()[:3] == (1.0, 0.0, 0.0) and wrong.title.get_color() == "red"
    assert not right.axison


def test_learning_curve_reads_sizes_and_accuracy_at_a_glance(monkeypatch):
    figures = shown(monkeypatch)
    plots.learning_curve([8, 50, 2400], [0.5, 0.7, 0.97])
    ax = figures[0].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["8", "50", "2,400"]
    assert ax.get_ylim() == (-0.02, 1.02) and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["held-out photos", "a coin toss"]


def test_heat_maps_share_one_scale_with_a_colour_bar(monkeypatch):
    figures = shown(monkeypatch)
    images = np.zeros((2, 16, 16, 3), np.uint8)
    plots.heat_maps(images, [np.zeros((4, 4)), np.ones((4, 4))], ["a", "b"], ncols=2)
    axes = figures[0].axes
    assert len(axes) == 3 and axes[-1].get_ylabel() == "drop in probability"
    assert [ax.images[1].get_clim() for ax in axes[:2]] == [(0, 1), (0, 1)]


def test_signed_heat_maps_centre_white_on_zero_for_both_signs(monkeypatch):
    figures = shown(monkeypatch)
    images = np.zeros((2, 16, 16, 3), np.uint8)
    plots.heat_maps(images, [np.full((4, 4), -3.0), np.full((4, 4), 1.5)], ["a", "b"], ncols=2, signed=True)
    axes = figures[0].axes
    bar = axes[-1]
    assert bar.get_ylim() == (-3, 3)  # one colour bar, symmetric around zero for both maps
    overlay = axes[1].images[1].get_array()
    assert overlay.shape == (4, 4, 4) and overlay[..., 3].max() < 0.8  # 1.5 of 3: half-way, partly clear
    assert overlay[0, 0, 0] > overlay[0, 0, 2]  # positive is red


def test_heat_maps_per_row_give_each_row_its_own_scale(monkeypatch):
    """01's rows are two networks: the 8-photo one's small changes must not vanish on the other's scale."""
    figures = shown(monkeypatch)
    images = np.zeros((4, 16, 16, 3), np.uint8)
    maps = [np.full((4, 4), 0.1), np.full((4, 4), -0.2), np.full((4, 4), 6.0), np.full((4, 4), -3.0)]
    plots.heat_maps(images, maps, ["a", "b", "c", "d"], ncols=2, signed=True, per_row=True)
    bars = figures[0].axes[4:]
    assert [bar.get_ylim() for bar in bars] == [(-0.2, 0.2), (-6, 6)]
    assert figures[0].axes[0].images[1].get_array()[..., 3].max() > 0.4  # the faint row still shows


def test_pictures_draw_signed_maps_around_zero(monkeypatch):
    figures = shown(monkeypatch)
    plots.pictures([np.zeros((8, 8, 3), np.uint8), np.array([[-2.0, 1.0]]), np.array([[0.0, 3.0]])],
                   ["photo", "edges", "relu"])
    photo, edges, relu = figures[0].axes[:3]
    assert len(figures[0].axes) == 5 and not photo.images[0].colorbar  # two colour bars, none for the photo
    assert edges.images[0].get_clim() == (-2.0, 2.0) and edges.images[0].get_cmap().name == "RdBu_r"
    assert relu.images[0].get_clim() == (0, 3.0) and relu.images[0].get_cmap().name == "gray"


def test_a_single_epoch_gets_one_whole_tick(monkeypatch):
    figures = shown(monkeypatch)
    plots.history({"rate 0.1": {"accuracy": [0.1], "val_accuracy": [0.12], "loss": [9.0]}})
    ticks = [t for t in figures[0].axes[0].get_xticks() if 0.5 <= t <= figures[0].axes[0].get_xlim()[1]]
    assert ticks == [1.0]


def test_epoch_line_prints_one_short_line_per_epoch_with_the_figures_named_as_the_prose_names_them(capsys):
    """05's training printed 32 wrapped lines of Keras's notation with verbose=2; this is one line an epoch."""
    x, y = np.random.default_rng(0).normal(size=(16, 4)), np.arange(16) % 2
    line = plots.EpochLine("loss", "val_accuracy", labels={"loss": "training loss"}, name="tiny")
    history = tiny_model().fit(x, y, epochs=12, validation_data=(x, y), validation_freq=5, callbacks=[line],
                               verbose=0)
    heading, *lines = capsys.readouterr().out.splitlines()
    assert heading == "tiny:" and len(lines) == 12
    assert re.fullmatch(r"epoch  1/12 · training loss \d\.\d{3} · \d+ s", lines[0]), lines[0]
    fifth = f"validation accuracy {history.history['val_accuracy'][0]:.3f}"
    assert lines[4].startswith("epoch  5/12 · training loss ") and fifth in lines[4]
    assert "validation" not in lines[5] and max(map(len, lines)) < 80


def test_epoch_line_names_dice_and_prints_small_figures_in_few_digits():
    line = plots.EpochLine("loss", "val_dice_metric", "accuracy")
    line.params = {"epochs": 8}
    text = line.line(2, {"loss": 0.41234, "val_dice_metric": 0.00095977, "accuracy": 0.98}, 4.6)
    assert text == "epoch 3/8 · loss 0.412 · validation Dice 0.00096 · accuracy 0.980 · 5 s"
