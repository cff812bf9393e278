"""Interactive controls: drawn without running anything, and a click runs what the learner chose."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from dlicourse import plots, widgets  # noqa: E402


@pytest.fixture
def displayed(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setattr(plots.plt, "show", lambda: None)
    return shown


def controls(box):
    return [child for row in box.children if hasattr(row, "children") for child in row.children]


def test_training_explorer_trains_only_on_a_click_with_the_chosen_settings(displayed):
    calls = []
    widgets.explore_training(lambda rate, epochs: calls.append((rate, epochs)) or {"accuracy": [0.5] * epochs},
                             [0.1, 0.01, 0.001], max_epochs=8)
    rate, epochs, button = controls(displayed[0])
    assert not calls and rate.value == 0.01 and epochs.max == 8
    assert rate.style.description_width == "initial"  # "learning rate" whole, not cut to "learning r..."
    rate.value, epochs.value = 0.1, 3
    button.click()
    assert calls == [(0.1, 3)]


def test_detection_explorer_shows_the_chosen_scene_threshold_and_stride(displayed):
    images = np.zeros((2, 64, 64, 3), np.uint8)
    asked = []

    def heat_map(image):
        return np.full((13, 13), 0.7)

    def boxes_from(heat, stride, threshold):
        asked.append((heat.shape, stride, threshold))
        return np.zeros((0, 4))

    widgets.explore_detection(images, [np.zeros((0, 4))] * 2, heat_map, boxes_from, network_stride=4, window=32)
    scene, threshold, stride, button = controls(displayed[0])
    assert stride.options == (4, 8, 16) and not asked
    scene.value, threshold.value, stride.value = 1, 0.9, 8
    button.click()
    assert asked == [((7, 7), 8, 0.9)]



def test_map_explorer_puts_each_picture_in_its_state_never_by_capture(displayed):
    """Drawn by `with out:` capture, the first picture made papermill wait out the cell's whole time limit
    after the cell had finished (900 s in `make run`): nbclient, playing the front end, answers a capture on
    the kernel's shell channel while it waits there. The picture goes into the widget's state instead."""
    from dlicourse import attribution_views as views

    photos = np.zeros((2, 16, 16, 3), np.uint8)
    asked = []

    def mean(model, photo, layer):
        asked.append(layer)
        return photo.mean(axis=-1) + 1.0

    views.explorer(photos, ["a", "b"], {"net": None}, {"mean": mean}, {"net": ["conv2", "conv1"]})
    _, _, _, layer = controls(displayed[0])
    out = displayed[0].children[2]
    captures = []
    out.observe(lambda change: captures.append(change["new"]), names="msg_id")
    layer.value = "conv1"
    assert asked == ["conv2", "conv1"] and not captures
    assert [o["output_type"] for o in out.outputs] == ["display_data"] and "image/png" in out.outputs[0]["data"]
