"""Pictures the labs show: image grids, training curves, scenes with heat maps and boxes. Plotting is
plumbing, not the lesson."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator


def image_grid(images: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 10,
               size: float = 1.3, title_colors: Sequence[str] | None = None) -> None:
    """Show images in a grid; one-channel images in gray, with 0 drawn black and 255 white."""
    _grid(images, titles, ncols, size, title_colors)
    plt.show()


def _grid(images: np.ndarray, titles: Sequence[str] | None, ncols: int, size: float,
          title_colors: Sequence[str] | None) -> Figure:
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
    return fig


def accuracy_axis(ax: plt.Axes, label: str = "accuracy") -> None:
    """Accuracy on a fixed 0-1 scale, so two figures compare at a glance and 0.500-0.504 looks flat."""
    ax.set_ylim(-0.02, 1.02)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel(label)


def epoch_axis(ax: plt.Axes) -> None:
    """Whole-number epoch ticks: there is no epoch 2.5."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_xlim(0.5, max(ax.get_xlim()[1], 1.5))  # one epoch: tick 1, not 0.995 to 1.005
    ax.set_xlabel("epoch")


def _panels(metric: str) -> list[str]:
    """What the curves show: the metric (0-1) beside the loss, or the loss alone."""
    return [metric] if metric == "loss" else [metric, "loss"]


def _curves(axes: Sequence[plt.Axes], epochs: Mapping[str, Sequence[int]], values: Mapping[str, Sequence[float]],
            color: str, name: str | None, metric: str) -> None:
    for ax, key in zip(axes, _panels(metric), strict=True):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + key in values:
                ax.plot(epochs[prefix + key], values[prefix + key], style, marker=".", color=color,
                        label=name if prefix == "" else None)


def _finish_curves(axes: Sequence[plt.Axes], metric: str, training: str, validation: str, named: bool) -> None:
    accuracy, loss = axes[0], axes[-1]
    if metric != "loss":
        accuracy_axis(accuracy, metric)
    loss.set_ylabel("loss")
    loss.set_ylim(bottom=0)
    for ax in axes:
        epoch_axis(ax)
        ax.grid(alpha=0.3)
    styles = [Line2D([], [], color="gray", linestyle="-", label=training),
              Line2D([], [], color="gray", linestyle="--", label=validation)]
    models = accuracy.get_legend_handles_labels()[0] if named else []
    accuracy.legend(handles=models + styles, fontsize=8, loc="lower right")


def history(histories: Mapping[str, object], metric: str = "accuracy", training: str = "training set",
            validation: str = "validation set") -> None:
    """Accuracy (0-1) beside loss for several `model.fit` histories: one colour per model, solid lines on
    the training set, dashed on the validation set."""
    fig, axes = plt.subplots(1, len(_panels(metric)), figsize=(5 * len(_panels(metric)), 3.5), squeeze=False)
    axes = axes[0]
    for (name, h), color in zip(histories.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"],
                                strict=False):
        values = getattr(h, "history", h)
        epochs = {key: list(range(1, len(v) + 1)) for key, v in values.items()}
        _curves(axes, epochs, values, color, name, metric)
    _finish_curves(axes, metric, training, validation, named=True)
    fig.tight_layout()
    plt.show()


def said_titles(predicted: Sequence[int], confidence: Sequence[float], truth: Sequence[int],
                class_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Titles "said X (p%) · truly Y", a wrong answer marked ✗, and their colours (red when wrong)."""
    titles, colors = [], []
    for said, sure, true in zip(predicted, confidence, truth, strict=True):
        wrong = int(said) != int(true)
        mark = "✗ " if wrong else ""
        titles.append(f"{mark}said {class_names[int(said)]} ({sure:.0%}) ·\ntruly {class_names[int(true)]}")
        colors.append("red" if wrong else "green")
    return titles, colors


def predictions(images: np.ndarray, predicted: Sequence[int], confidence: Sequence[float], truth: Sequence[int],
                class_names: Sequence[str], ncols: int = 5, size: float = 2.0) -> None:
    """Images with what the model said, how sure it was and the truth; wrong answers framed in red."""
    titles, colors = said_titles(predicted, confidence, truth, class_names)
    fig = _grid(images, titles, ncols, size, colors)
    for ax, color in zip((ax for ax in fig.axes if ax.images), colors, strict=False):
        if color == "red":
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set(color="red", linewidth=3)
    plt.show()


def learning_curve(sizes: Sequence[int], accuracies: Sequence[float], label: str = "held-out photos",
                   chance: float | None = 0.5) -> None:
    """Held-out accuracy (0-1) against the number of training examples, on a log scale."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(sizes, accuracies, "o-", label=label)
    for n, a in zip(sizes, accuracies, strict=True):
        ax.annotate(f"{a:.0%}", (n, a), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle=":", label="a coin toss")
    ax.set_xscale("log")
    ax.set_xticks(list(sizes), [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training photos")
    accuracy_axis(ax, "accuracy on held-out photos")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    plt.show()


def heat_maps(images: np.ndarray, maps: Sequence[np.ndarray], titles: Sequence[str], ncols: int = 4,
              size: float = 2.6, label: str = "drop in probability", signed: bool = False,
              per_row: bool = False) -> None:
    """Each image with a heat map laid over it, with a colour bar: 0 to 1, or with `signed`, red for positive
    and blue for negative around a white zero, so either sign reads at a glance. One scale for all, or with
    `per_row` one per row, for rows that are different networks: a network far less sure than another would
    otherwise show an empty map on the other's scale."""
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size + 1.5, nrows * size * 1.1), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    rows = [list(range(r * ncols, min((r + 1) * ncols, len(images)))) for r in range(nrows)]
    groups = rows if per_row else [list(range(len(images)))]
    for group in groups:
        top = max((float(np.abs(maps[i]).max()) for i in group), default=0.0) or 1.0  # the signed scale: ±top
        shown = None
        for i in group:
            ax, image, heat = axes.flat[i], images[i], maps[i]
            ax.imshow(image)
            h, w = image.shape[:2]
            if signed:  # zero is clear, so the photo shows where covering changed nothing
                colours = plt.get_cmap("RdBu_r")(np.clip(heat / top, -1, 1) / 2 + 0.5)
                colours[..., 3] = 0.8 * np.clip(np.abs(heat) / top, 0, 1) ** 0.7
                ax.imshow(colours, extent=(0, w, h, 0))
                shown = ScalarMappable(Normalize(-top, top), "RdBu_r")
            else:
                shown = ax.imshow(np.clip(heat, 0, 1), cmap="inferno", alpha=0.6, vmin=0, vmax=1, extent=(0, w, h, 0))
            ax.set_title(titles[i], fontsize=8)
        if shown is not None:  # one label, on the last bar: the rows measure the same thing
            fig.colorbar(shown, ax=[axes.flat[i] for i in group], shrink=0.8,
                         label=label if group is groups[-1] else None)
    plt.show()


def pictures(images: Sequence[np.ndarray], titles: Sequence[str], size: float = 2.4) -> None:
    """Images of any range side by side, each on its own scale: photos as they are, one-channel maps in
    gray (zero black), signed maps blue-white-red around zero, each with a colour bar."""
    fig, axes = plt.subplots(1, len(images), figsize=(len(images) * size, size * 1.05), squeeze=False)
    for ax, image, title in zip(axes.flat, images, titles, strict=True):
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 3:
            ax.imshow(image.astype("uint8") if image.max() > 1 else image)
        else:
            image = image[..., 0] if image.ndim == 3 else image
            signed = image.min() < 0
            top = float(np.abs(image).max()) or 1.0
            shown = ax.imshow(image, cmap="RdBu_r" if signed else "gray", vmin=-top if signed else 0, vmax=top)
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
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

    def __init__(self, name: str = "model", metric: str = "accuracy", validation: str = "validation set",
                 min_seconds: float = 1.0, training: str = "training set"):
        super().__init__()
        self.name, self.metric, self.validation, self.min_seconds = name, metric, validation, min_seconds
        self.training = training
        self.epochs: dict[str, list[int]] = {}
        self.values: dict[str, list[float]] = {}
        self.figure = Figure(figsize=(10, 3.5))
        self._handle = None
        self._drawn_at = -np.inf
        self._draw_seconds = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._handle = None  # each `fit` shows its figure below its own cell

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.epochs.setdefault(key, []).append(epoch + 1)
            self.values.setdefault(key, []).append(float(value))
        # drawing never takes more than a sixth of the time, even on a slow or busy machine
        if _in_kernel() and time.monotonic() - self._drawn_at >= max(self.min_seconds, 5 * self._draw_seconds):
            self.draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.draw()

    def draw(self) -> None:
        """Redraw the curves so far; in a kernel, show them in place of this `fit`'s previous drawing."""
        began = time.monotonic()
        self.figure.clear()
        axes = self.figure.subplots(1, len(_panels(self.metric)), squeeze=False)[0]
        _curves(axes, self.epochs, self.values, "C0", None, self.metric)
        _finish_curves(axes, self.metric, self.training, self.validation, named=False)
        self.figure.suptitle(self.name, fontsize=10)
        self.figure.tight_layout()
        self._drawn_at = time.monotonic()
        if not _in_kernel():
            return
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)
        self._draw_seconds = time.monotonic() - began



class EpochLine(keras.callbacks.Callback):
    """One short line per epoch with the figures the lab asks to watch, instead of Keras's own output:
    `model.fit(..., verbose=0, callbacks=[plots.EpochLine("loss", "val_dice_metric")])` prints
    `epoch 3/8 · loss 0.412 · validation Dice 0.623 · 5 s`.

    Keras's `verbose=2` prints two lines an epoch with every metric in Keras's notation, and in a notebook
    they wrap (05's training took 32 lines); `verbose=1` redraws a bar per batch. Figures are named as the
    prose names them: `val_` becomes "validation", `dice_metric` "Dice"; `labels` renames any other. A
    figure missing from an epoch's logs (validation every few epochs) is left out of that line; `name`, where a
    cell trains more than one model, heads its lines. It only reads the logs, so the training is the same with
    or without it.
    """

    NAMES = {"loss": "loss", "accuracy": "accuracy", "dice_metric": "Dice"}

    def __init__(self, *figures: str, labels: dict[str, str] | None = None, name: str | None = None):
        super().__init__()
        self.figures, self.labels, self.name = figures or ("loss",), dict(labels or {}), name
        self._began = time.monotonic()

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.name:  # which training the lines below are, where a cell trains more than one
            print(f"{self.name}:", flush=True)

    def label(self, key: str) -> str:
        """The figure's name as the prose says it."""
        if key in self.labels:
            return self.labels[key]
        name = key.removeprefix("val_")
        name = self.NAMES.get(name, name.replace("_", " "))
        return f"validation {name}" if key.startswith("val_") else name

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._began = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        print(self.line(epoch, logs or {}, time.monotonic() - self._began), flush=True)

    def line(self, epoch: int, logs: dict, seconds: float) -> str:
        total = (self.params or {}).get("epochs")
        parts = [f"epoch {epoch + 1:>{len(str(total))}}/{total}" if total else f"epoch {epoch + 1}"]
        parts += [f"{self.label(key)} {_figure(float(logs[key]))}" for key in self.figures if key in logs]
        return " · ".join([*parts, f"{seconds:.0f} s"])


def _figure(value: float) -> str:
    """A training figure in a few digits: 0.987, 1.234, 0.00096."""
    return f"{value:.3f}" if 0.01 <= abs(value) < 1000 else f"{value:.2g}"

# Scenes: the heat map in inferno (black, purple, red, orange, pale yellow), so neither the true faces' green
# nor the found boxes' cyan is a colour the heat map uses.
HEAT_COLORMAP = "inferno"
TRUTH_COLOUR, FOUND_COLOUR = "lime", "cyan"


def _heat_layer(heat: np.ndarray) -> np.ndarray:
    """A heat map (0-1) as RGBA: inferno's colour, more opaque the higher the score, so the scene shows
    clear where the score is 0 and a face's score glows."""
    score = np.clip(np.nan_to_num(np.asarray(heat, np.float32)), 0, 1)
    layer = plt.get_cmap(HEAT_COLORMAP)(score)
    layer[..., 3] = 0.85 * np.sqrt(score)
    return layer


def draw_scene(ax: plt.Axes, image: np.ndarray, truth: np.ndarray | None = None, boxes: np.ndarray | None = None,
               heat: np.ndarray | None = None, stride: int = 16, window: int = 64, title: str = "",
               grid: int | None = None, view: Sequence[float] | None = None, scores: bool = False) -> None:
    """One scene on `ax`: true faces in green, found boxes in dashed cyan, and the heat map laid over it,
    each score drawn where its window's centre is (a square `stride` wide; clear where it is 0). `grid`
    draws the edges of side-by-side windows of that size; `view` (x1, y1, x2, y2) shows only that part
    of the scene; `scores` writes each window's score at its centre."""
    ax.imshow(image)
    if heat is not None:
        rows, cols = np.shape(heat)
        half = window / 2
        extent = (half - stride / 2, half + (cols - 0.5) * stride, half + (rows - 0.5) * stride, half - stride / 2)
        ax.imshow(_heat_layer(heat), extent=extent, interpolation="nearest")
        ax.set_xlim(0, image.shape[1])
        ax.set_ylim(image.shape[0], 0)
        x1, y1, x2, y2 = view if view is not None else (0, 0, image.shape[1], image.shape[0])
        for (row, col), score in np.ndenumerate(np.asarray(heat) if scores else np.zeros((0, 0))):
            x, y = half + col * stride, half + row * stride
            if x1 <= x <= x2 and y1 <= y <= y2:
                ax.text(x, y, f"{score:.2f}", color="white", fontsize=8, ha="center", va="center",
                        bbox={"facecolor": "black", "alpha": 0.5, "linewidth": 0, "pad": 1})
    if grid:
        for x in range(grid, image.shape[1], grid):
            ax.axvline(x - 0.5, color="white", linewidth=0.6, alpha=0.6)
        for y in range(grid, image.shape[0], grid):
            ax.axhline(y - 0.5, color="white", linewidth=0.6, alpha=0.6)
    for group, colour, style in ((truth, TRUTH_COLOUR, "-"), (boxes, FOUND_COLOUR, "--")):
        for x1, y1, x2, y2 in np.asarray(group if group is not None else []).reshape(-1, 4):
            ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=1.8,
                                       linestyle=style))
    if view is not None:
        x1, y1, x2, y2 = view
        ax.set_xlim(x1, x2)
        ax.set_ylim(y2, y1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def show_scenes(panels: Sequence[dict], ncols: int = 2, width: float = 6.5, heat_label: str = "face score") -> None:
    """Several scenes side by side; each panel is the keyword arguments of `draw_scene`. With heat maps,
    one colour bar (0-1, `heat_label`) for all; with boxes, a legend of what green and cyan mean."""
    nrows = -(-len(panels) // ncols)
    first = panels[0]["image"]
    if panels[0].get("view") is not None:
        x1, y1, x2, y2 = panels[0]["view"]
        aspect = (y2 - y1) / (x2 - x1)
    else:
        aspect = first.shape[0] / first.shape[1]
    height = width * aspect
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * width + 1.2, nrows * height + 0.8), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, panel in zip(axes.flat, panels, strict=False):
        draw_scene(ax, **panel)
    if any(panel.get("heat") is not None for panel in panels):
        fig.colorbar(ScalarMappable(Normalize(0, 1), HEAT_COLORMAP), ax=axes.ravel().tolist(), shrink=0.8,
                     fraction=0.04, label=heat_label)
    handles = []
    if any(panel.get("truth") is not None for panel in panels):
        handles.append(Line2D([], [], color=TRUTH_COLOUR, linewidth=1.8, label="true face"))
    if any(panel.get("boxes") is not None for panel in panels):
        handles.append(Line2D([], [], color=FOUND_COLOUR, linewidth=1.8, linestyle="--", label="found"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9, frameon=False)
    plt.show()


def target_grid(image: np.ndarray, boxes: np.ndarray, target: np.ndarray, cell: int, scale: float,
                title: str = "") -> None:
    """What an end-to-end detector learns for one scene: the scene cut into grid cells, the cells whose centre
    lies in a face box marked, and for one such cell per box, lines from its centre to the box's top-left and
    bottom-right corners (the four numbers it learns, times `scale`); beside it the coverage target
    (1 on a face, 0 elsewhere) with a colour bar, and the first corner number as a signed map."""
    rows, cols = target.shape[:2]
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 4.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.15, 1, 1]})
    ax = axes[0]
    ax.imshow(image)
    for x in range(cell, cols * cell, cell):
        ax.axvline(x - 0.5, color="white", linewidth=0.4, alpha=0.5)
    for y in range(cell, rows * cell, cell):
        ax.axhline(y - 0.5, color="white", linewidth=0.4, alpha=0.5)
    for x1, y1, x2, y2 in np.asarray(boxes).reshape(-1, 4):
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=TRUTH_COLOUR, linewidth=1.8))
    on_face = np.argwhere(target[..., 0] > 0.5)
    for r, c in on_face:
        ax.add_patch(plt.Rectangle((c * cell, r * cell), cell, cell, color="yellow", alpha=0.3, linewidth=0))
    drawn = set()
    for r, c in on_face:  # for one cell per box, its four numbers as lines to the box's corners
        cx, cy = (c + 0.5) * cell, (r + 0.5) * cell
        x1, y1, x2, y2 = target[r, c, 1:] * scale + [cx, cy, cx, cy]
        if (round(x1), round(y1)) in drawn:
            continue
        drawn.add((round(x1), round(y1)))
        ax.plot(cx, cy, "o", color="yellow", markersize=3)
        for corner in ((x1, y1), (x2, y2)):
            ax.annotate("", xy=corner, xytext=(cx, cy), arrowprops={"arrowstyle": "->", "color": "yellow", "lw": 1.2})
    ax.set_title(title or f"{rows}x{cols} cells of {cell} pixels", fontsize=9)
    ax.axis("off")
    shown = axes[1].imshow(target[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    fig.colorbar(shown, ax=axes[1], fraction=0.046, label="coverage target")
    axes[1].set_title("coverage: is the cell's centre on a face?", fontsize=9)
    top = float(np.abs(target[..., 1]).max()) or 1.0
    corner = np.where(target[..., 0] > 0.5, target[..., 1], np.nan)
    shown = axes[2].imshow(corner, cmap="RdBu_r", vmin=-top, vmax=top, interpolation="nearest")
    fig.colorbar(shown, ax=axes[2], fraction=0.046, label=f"(box left - cell centre) / {scale:g} px")
    axes[2].set_title("box corners, relative to the cell: left edge", fontsize=9)
    for ax in axes[1:]:
        ax.set_xticks([])
        ax.set_yticks([])
    plt.show()
