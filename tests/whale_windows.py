"""A tiny window classifier of the whale lab's shape, and random scenes, for the detection tests."""

import keras
import numpy as np
from keras import layers


def tiny_classifier(padding: str = "valid") -> keras.Model:
    """A 32x32 window classifier of the lab's shape: convolutions and pooling, Flatten, two Dense layers."""
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(4, 3, activation="relu", padding=padding),
        layers.MaxPooling2D(),
        layers.Conv2D(8, 3, activation="relu", padding=padding),
        layers.MaxPooling2D(),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5),
        layers.Dense(6, activation="relu", name="fc1"),
        layers.Dense(2, activation="softmax", name="fc2"),
    ])


def scene(rows=80, cols=96, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (rows, cols, 3)).astype(np.uint8)
