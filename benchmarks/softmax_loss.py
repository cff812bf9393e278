"""Why a softmax classifier can learn less on JAX than on TensorFlow: the loss of a softmax output.

Keras on TensorFlow computes `sparse_categorical_crossentropy` of a softmax output from the logits behind it;
Keras on JAX from the probabilities, clipped at 1e-7, so an example the network gets confidently wrong gives
no gradient. A two-class logistic regression on 3,072 inputs shows it (5 epochs, Adam 0.01, the same seed):

    KERAS_BACKEND=jax        .venv/bin/python benchmarks/softmax_loss.py
    KERAS_BACKEND=tensorflow .venv/bin/python benchmarks/softmax_loss.py

Measured (Keras 3.15.1, JAX 0.9.2): JAX, softmax output: loss 7.51, then 8.44 for every epoch (stuck);
JAX, logits with from_logits=True: 9.63, 6.35, 4.61, 2.19, 1.45 (learns); TensorFlow: 4.94, 2.49, 1.89,
1.31, 1.50 with either output (the same numbers: it uses the logits in both).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers


def losses(from_logits: bool, epochs: int = 5) -> list[float]:
    """The training loss per epoch of a logistic regression: is the left half of a random image brighter?"""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).integers(0, 255, (256, 32, 32, 3)).astype("float32")
    y = (x[:, :, :16].mean(axis=(1, 2, 3)) > x[:, :, 16:].mean(axis=(1, 2, 3))).astype(int)
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), layers.Rescaling(1 / 255), layers.Flatten(),
                              layers.Dense(2, activation=None if from_logits else "softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
    history = model.fit(x, y, epochs=epochs, verbose=0)
    return [round(v, 2) for v in history.history["loss"]]


if __name__ == "__main__":
    for from_logits in (False, True):
        print(f"{keras.backend.backend()}, {'logits' if from_logits else 'softmax output'}: {losses(from_logits)}")
