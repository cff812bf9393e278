"""Saving a trained Keras model for whoever loads it next: a script, another notebook, the grader."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dlicourse.files import atomic_path


def for_inference(model: Any) -> Any:
    """The same Sequential model without the layers that only matter in training (Random* augmentation,
    Dropout, noise), sharing its weights.

    Keras 3 applies a Random* layer on a plain `model(x)` call (only `predict` and `evaluate` switch it
    off), so a saved file that keeps them answers differently each time it is called. Other models are
    returned as they are.
    """
    import keras

    if not isinstance(model, keras.Sequential):
        return model
    noise = (keras.layers.Dropout, keras.layers.SpatialDropout2D, keras.layers.GaussianNoise,
             keras.layers.GaussianDropout)
    kept = [layer for layer in model.layers
            if not (isinstance(layer, noise) or type(layer).__name__.startswith("Random"))]
    if len(kept) == len(model.layers):
        return model
    return keras.Sequential([keras.Input(shape=model.input_shape[1:]), *kept], name=model.name)


def save_model(model: Any, path: str | os.PathLike) -> Path:
    """Save a Keras model for inference (see `for_inference`) so that a reader never sees a half-written
    file, and a later user gets the same answer for the same photo."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.unlink()  # Keras refuses to overwrite without asking
        for_inference(model).save(tmp)
    return path
