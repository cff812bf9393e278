"""Interactive controls. They act only on a click, so a headless run shows them and trains nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlicourse import plots


def explore_training(train: Callable[[float, int], object], learning_rates: Sequence[float],
                     max_epochs: int = 20) -> None:
    """A learning-rate menu, an epochs slider and a Train button; each click trains and plots curves."""
    import ipywidgets as w
    from IPython.display import display

    wide = {"description_width": "initial"}  # the whole label, not "learning r..."
    rate = w.Dropdown(options=list(learning_rates), value=learning_rates[len(learning_rates) // 2],
                      description="learning rate", style=wide)
    epochs = w.IntSlider(value=min(5, max_epochs), min=1, max=max_epochs, description="epochs")
    button = w.Button(description="Train", button_style="primary")
    out = w.Output()

    def on_click(_: object) -> None:
        with out:
            out.clear_output(wait=True)
            print(f"Training with learning rate {rate.value} for {epochs.value} epochs...")
            plots.history({f"lr={rate.value}": train(rate.value, epochs.value)})

    button.on_click(on_click)
    display(w.VBox([w.HBox([rate, epochs, button]), out]))


def explore_detection(images: np.ndarray, truth: Sequence[np.ndarray],
                      heat_map: Callable[[np.ndarray], np.ndarray],
                      boxes_from: Callable[[np.ndarray, int, float], np.ndarray],
                      network_stride: int, window: int) -> None:
    """Pick a scene, a threshold and a stride (a multiple of the network's); press Show for the heat map
    and boxes. Nothing runs until a click, so a headless run only draws the controls."""
    import ipywidgets as w
    from IPython.display import display

    scene = w.Dropdown(options=list(range(len(images))), value=0, description="scene")
    threshold = w.FloatSlider(value=0.5, min=0.05, max=0.99, step=0.05, description="threshold")
    steps = [network_stride * k for k in (1, 2, 4) if network_stride * k <= window]
    stride = w.Dropdown(options=steps, value=steps[0], description="stride")
    button = w.Button(description="Show", button_style="primary")
    out = w.Output()

    def on_click(_: object) -> None:
        with out:
            out.clear_output(wait=True)
            k = stride.value // network_stride
            heat = heat_map(images[scene.value])[::k, ::k]
            boxes = boxes_from(heat, stride.value, threshold.value)
            plots.show_scenes([{"image": images[scene.value], "truth": truth[scene.value], "boxes": boxes, "heat": heat,
                          "stride": stride.value, "window": window,
                          "title": f"{len(boxes)} boxes found, {len(truth[scene.value])} faces"}], ncols=1, width=9)

    button.on_click(on_click)
    display(w.VBox([w.HBox([scene, threshold, stride, button]), out]))
