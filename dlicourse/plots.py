"""Pictures the labs show: image grids and training curves. Plotting is plumbing, not the lesson."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


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
