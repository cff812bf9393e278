"""A stand-in for 01_louie's model, so that 02_deployment runs even before 01 has: plumbing, not the lesson."""

from __future__ import annotations

import os
from pathlib import Path


def louie_model(wanted: str | os.PathLike, folder: str | os.PathLike, photos: int = 2400, epochs: int = 6) -> Path:
    """`wanted` when it is a file; else a small network trained here on `photos` of the big split (a few
    seconds) and saved in `folder`, with a line that says so and how to get the real one."""
    path = Path(wanted).expanduser()
    if path.is_file():
        return path
    import keras
    from keras import layers

    from dlicourse.datasets import dogs
    from dlicourse.saving import save_model

    print(f"No Louie model at {path}: run 01_louie first (dlicourse run 01_louie), or set louie_model. "
          "Using a small stand-in trained here for now.")
    keras.utils.set_random_seed(0)
    big = dogs.louie_dataset("big", size=64)
    model = keras.Sequential([
        keras.Input(shape=(64, 64, 3)), layers.Rescaling(1 / 255),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")], name="standin")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(big.x[:photos], big.y[:photos], epochs=epochs, batch_size=32, verbose=0)
    return save_model(model, Path(folder) / "standin_louie.keras")
