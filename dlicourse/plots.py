"""Pictures the labs show: image grids, training curves, scenes with heat maps and boxes. Plotting is
plumbing, not the lesson."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def image_grid(images: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 10,
               size: float = 1.3, title_colors: Sequence[str] | None = None) -> None:
    """Show images in a grid; one-channel images in gray, with 0 drawn black and 255 white."""
    images = np.asarray(images)
    nrows = max(1, -(-len(images) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = images[i]
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, color=title_colors[i] if title_colors else "black")
    fig.tight_layout()
    plt.show()


def history(histories: Mapping[str, object], metric: str = "accuracy") -> None:
    """Training and validation curves of several `model.fit` histories, one colour each."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for (name, h), color in zip(histories.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"],
                                strict=False):
        values = getattr(h, "history", h)
        epochs = np.arange(1, len(values[metric]) + 1)
        ax.plot(epochs, values[metric], color=color, label=f"{name} (train)")
        if f"val_{metric}" in values:
            ax.plot(epochs, values[f"val_{metric}"], color=color, linestyle="--", label=f"{name} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (a notebook, or papermill running one), where figures can be updated."""
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


class LiveHistory(keras.callbacks.Callback):
    """Training curves drawn while `fit` runs: `model.fit(..., callbacks=[plots.LiveHistory("8 photos")])`.

    In a notebook the figure below the running cell is redrawn in place, at most every `min_seconds`
    and after the last epoch, so the learner watches the curves move and a papermill run stores one
    picture per `fit`, not one per epoch. Outside a kernel (a script, a test) it draws once, when training
    ends, into `.figure`. Pass the same instance to a later `fit(..., initial_epoch=n)` and the curves go
    on from epoch n; `validation_freq` leaves gaps that the dashed line bridges.
    """

    def __init__(self, name: str = "model", metric: str = "accuracy", validation: str = "validation",
                 min_seconds: float = 1.0):
        super().__init__()
        self.name, self.metric, self.validation, self.min_seconds = name, metric, validation, min_seconds
        self.epochs: dict[str, list[int]] = {}
        self.values: dict[str, list[float]] = {}
        self.figure = Figure(figsize=(7, 3.5))
        self._handle = None
        self._drawn_at = -np.inf

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._handle = None  # each `fit` shows its figure below its own cell

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.epochs.setdefault(key, []).append(epoch + 1)
            self.values.setdefault(key, []).append(float(value))
        if _in_kernel() and time.monotonic() - self._drawn_at >= self.min_seconds:
            self.draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.draw()

    def draw(self) -> None:
        """Redraw the curves so far; in a kernel, show them in place of this `fit`'s previous drawing."""
        self.figure.clear()
        ax = self.figure.add_subplot()
        for key, style, label in ((self.metric, "-", "train"), (f"val_{self.metric}", "--", self.validation)):
            if key in self.values:
                ax.plot(self.epochs[key], self.values[key], style, marker=".", color="C0",
                        label=f"{self.name} ({label})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        self.figure.tight_layout()
        self._drawn_at = time.monotonic()
        if not _in_kernel():
            return
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)


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
