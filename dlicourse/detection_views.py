"""Pictures and controls for the detection lab: a scene with its heat map and boxes, and an explorer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np


def draw_scene(ax: plt.Axes, image: np.ndarray, truth: np.ndarray | None = None, boxes: np.ndarray | None = None,
               heat: np.ndarray | None = None, stride: int = 16, window: int = 64, title: str = "") -> None:
    """One scene on `ax`: true faces in green, found boxes in orange, and the heat map laid over it, each
    score drawn where its window's centre is."""
    ax.imshow(image)
    if heat is not None:
        rows, cols = heat.shape
        half = window / 2
        extent = (half - stride / 2, half + (cols - 0.5) * stride, half + (rows - 0.5) * stride, half - stride / 2)
        ax.imshow(heat, cmap="inferno", alpha=0.45, vmin=0, vmax=1, extent=extent, interpolation="nearest")
        ax.set_xlim(0, image.shape[1])
        ax.set_ylim(image.shape[0], 0)
    for group, colour, width in ((truth, "lime", 1.5), (boxes, "orange", 1.5)):
        for x1, y1, x2, y2 in np.asarray(group if group is not None else []).reshape(-1, 4):
            ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=width))
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def show_scenes(panels: Sequence[dict], ncols: int = 2, width: float = 6.5) -> None:
    """Several scenes side by side; each panel is the keyword arguments of `draw_scene`."""
    nrows = -(-len(panels) // ncols)
    first = panels[0]["image"]
    height = width * first.shape[0] / first.shape[1]
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * width, nrows * height + 0.3), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, panel in zip(axes.flat, panels, strict=False):
        draw_scene(ax, **panel)
    fig.tight_layout()
    plt.show()


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
            show_scenes([{"image": images[scene.value], "truth": truth[scene.value], "boxes": boxes, "heat": heat,
                          "stride": stride.value, "window": window,
                          "title": f"{len(boxes)} boxes found, {len(truth[scene.value])} faces"}], ncols=1, width=9)

    button.on_click(on_click)
    display(w.VBox([w.HBox([scene, threshold, stride, button]), out]))
