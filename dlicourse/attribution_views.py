"""Pictures and controls for 08_what_the_network_sees: maps over photos, filters, feature maps, an explorer.

Every map is drawn over its photo, scaled to its own top percent (so maps of different methods and models
read alike, and a gradient map's few extreme pixels do not dim all the rest), with a colour bar that says so.
A map with no positive part says so in words: nothing in the picture speaks for the class.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

HEAT = "inferno"
HEAT_LABEL = "importance\n(1 = the map's top 1%)"
TOP = 99  # the percentile of a map's positive values drawn as 1


def said(probabilities: np.ndarray, truth: int, class_names: Sequence[str]) -> str:
    """A title such as "said louie (97%) · truly louie"."""
    guess = int(np.argmax(probabilities))
    return f"said {class_names[guess]} ({probabilities[guess]:.0%}) · truly {class_names[truth]}"


def _scaled(heat: np.ndarray) -> np.ndarray:
    heat = np.clip(np.asarray(heat, np.float32), 0, None)
    top = float(np.percentile(heat[heat > 0], TOP)) if (heat > 0).any() else 0.0
    return np.clip(heat / top, 0, 1) if top > 0 else heat


def overlay(ax: plt.Axes, photo: np.ndarray, heat: np.ndarray | None = None, title: str = "",
            mask: np.ndarray | None = None, alpha: float = 0.6):
    """The photo, its map over it (positive part, scaled to 0-1), the dog's outline in cyan when given."""
    ax.imshow(photo)
    shown = None
    if heat is not None:
        shown = ax.imshow(_scaled(heat), cmap=HEAT, alpha=alpha, vmin=0, vmax=1)
        if not (np.asarray(heat) > 0).any():
            ax.text(0.5, 0.5, "nothing here\nspeaks for it", transform=ax.transAxes, ha="center", va="center",
                    fontsize=8, color="white")
    if mask is not None:
        ax.contour(mask.astype(float), levels=[0.5], colors="cyan", linewidths=0.8)
    ax.set_title(title, fontsize=8)
    ax.axis("off")
    return shown


def map_grid(photos: np.ndarray, rows: Mapping[str, np.ndarray], titles: Sequence[str] | None = None,
             masks: np.ndarray | None = None, size: float = 2.5) -> None:
    """One column per photo, one row per named set of maps (e.g. "big · Grad-CAM"), one colour bar."""
    names = list(rows)
    fig, axes = plt.subplots(len(names) + 1, len(photos), figsize=(len(photos) * size + 1.2, (len(names) + 1) * size),
                             squeeze=False)
    for j, photo in enumerate(photos):
        title = titles[j] if titles else ""
        overlay(axes[0, j], photo, title=title.replace(" · ", "\n") if len(title) > 30 else title,
                mask=None if masks is None else masks[j])
        axes[0, j].title.set_fontsize(7)
        for i, name in enumerate(names, start=1):
            shown = overlay(axes[i, j], photo, rows[name][j], mask=None if masks is None else masks[j])
    for i, name in enumerate(names, start=1):
        axes[i, 0].text(-0.08, 0.5, name.replace(" · ", "\n"), transform=axes[i, 0].transAxes, rotation=90,
                        ha="right", va="center", fontsize=9)
    axes[0, 0].text(-0.08, 0.5, "photo (dog outlined)" if masks is not None else "photo",
                    transform=axes[0, 0].transAxes, rotation=90, ha="right", va="center", fontsize=9)
    fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.6, label=HEAT_LABEL)
    plt.show()


def filters(kernels: np.ndarray, title: str, ncols: int = 16) -> None:
    """First-layer kernels as little colour pictures: each is what its feature map responds to most."""
    nrows = -(-len(kernels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.6, nrows * 0.6 + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, kernel in zip(axes.flat, kernels, strict=False):
        ax.imshow(kernel, interpolation="nearest")
    fig.suptitle(title, fontsize=10)
    plt.show()


def feature_maps(photo: np.ndarray, maps: Mapping[str, np.ndarray], channels: int = 8, size: float = 1.3) -> None:
    """For each layer (a row), the photo's first `channels` feature maps; bright = the channel fires there."""
    fig, axes = plt.subplots(len(maps), channels + 1, figsize=((channels + 1) * size + 1, len(maps) * size * 1.1),
                             squeeze=False)
    for row, (name, stack) in zip(axes, maps.items(), strict=True):
        row[0].imshow(photo)
        row[0].set_title(f"{name}\n{stack.shape[0]}x{stack.shape[1]}x{stack.shape[2]}", fontsize=8)
        row[0].axis("off")
        top = max(float(stack[..., :channels].max()), 1e-8)
        for k, ax in enumerate(row[1:]):
            shown = ax.imshow(stack[..., k], cmap="viridis", vmin=0, vmax=top)
            ax.set_title(f"channel {k}", fontsize=7)
            ax.axis("off")
        fig.colorbar(shown, ax=row.tolist(), shrink=0.8, label="activation")
    plt.show()


def pictures(images: np.ndarray, titles: Sequence[str], ncols: int = 8, size: float = 1.6) -> None:
    """Generated pictures (deep dream), one title each."""
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.2), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        ax.imshow(image)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    plt.show()


def _replace_picture(out, fig: plt.Figure) -> None:
    """Put `fig` in the Output widget as its only picture, as a PNG in the widget's state.

    Not `with out:` capture: for that, a headless executor (nbclient, under papermill) plays the
    front end and answers on the kernel's shell channel while it waits there for the cell's reply,
    and then misses the reply until the cell's whole time limit has passed.
    """
    from IPython.display import Image

    picture = io.BytesIO()
    fig.savefig(picture, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    out.outputs = ()
    out.append_display_data(Image(picture.getvalue()))


def explorer(photos: np.ndarray, titles: Sequence[str], models: Mapping[str, object],
             methods: Mapping[str, Callable], layers: Mapping[str, Sequence[str]],
             masks: np.ndarray | None = None) -> None:
    """Dropdowns for photo, model, method and layer; each change draws that map. `methods[name](model, photo,
    layer)` returns one map; the layer matters to Grad-CAM and feature maps, and is ignored by the others."""
    import ipywidgets as w
    from IPython.display import display

    photo = w.IntSlider(value=0, min=0, max=len(photos) - 1, description="photo")
    model = w.Dropdown(options=list(models), description="model")
    method = w.Dropdown(options=list(methods), description="method")
    layer = w.Dropdown(options=list(layers[model.value]), description="layer")
    out = w.Output()

    def draw(*_: object) -> None:
        if layer.options != tuple(layers[model.value]):
            layer.options = list(layers[model.value])
        fig, axes = plt.subplots(1, 2, figsize=(6.5, 3.2))
        mask = None if masks is None else masks[photo.value]
        overlay(axes[0], photos[photo.value], title=titles[photo.value], mask=mask)
        heat = methods[method.value](models[model.value], photos[photo.value], layer.value)
        shown = overlay(axes[1], photos[photo.value], heat, f"{model.value} · {method.value}", mask=mask)
        fig.colorbar(shown, ax=axes[1], shrink=0.8, label=HEAT_LABEL)
        _replace_picture(out, fig)

    for control in (photo, model, method, layer):
        control.observe(draw, names="value")
    display(w.VBox([w.HBox([photo, model]), w.HBox([method, layer]), out]))
    draw()
