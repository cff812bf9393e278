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
