"""One training step of 01's and 03's networks on Keras's JAX backend, before and after `dlicourse.backends`.

Keras will not compile a training step on JAX when the network holds `RandomTranslation` (its TensorFlow
kernel has no XLA version), and XLA's gradient of max pooling is slow on a CPU. Milliseconds per step
(the median of three timed epochs of 20 steps each, after one to compile), each setting in a fresh process:

    .venv/bin/python benchmarks/jax_step.py          # writes benchmarks/results/jax_step.{json,md}
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
SETTINGS = {  # name: (backend, fixes applied)
    "TensorFlow": ("tensorflow", ""),
    "JAX, as Keras ships": ("jax", ""),
    "JAX, augmentation compiled": ("jax", "compile"),
    "JAX, both (dlicourse.start)": ("jax", "compile,pool"),
}
NETWORKS = {  # as the solutions build them, with the fast profile's batch sizes
    "01_louie": "louie", "03_mnist": "mnist",
}


def step_ms(network: str, fixes: str, steps: int = 20) -> float:
    """Run in a child process: its backend and fixes are fixed at import."""
    import keras
    import numpy as np
    from keras import layers
    from louie_seeds import build_model, settings

    from dlicourse import backends

    if "compile" in fixes:
        backends._compile_affine_augmentations()
    if "pool" in fixes:
        backends._pool_by_reshaping()
    keras.utils.set_random_seed(0)
    if network == "mnist":
        shape, batch, classes = (28, 28, 1), 128, 10
        stack = [layers.Rescaling(1 / 255), layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
                 layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                 layers.Dropout(0.5), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
        model = keras.Sequential([keras.Input(shape=shape), *stack])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    else:  # 01_louie's own network, as the notebook builds it
        shape, batch, classes = (128, 128, 3), 32, 2
        model = build_model(settings("workshop"), from_logits=False)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (batch * steps, *shape)).astype("uint8")
    y = rng.integers(0, classes, batch * steps)
    model.fit(x[: batch * 2], y[: batch * 2], batch_size=batch, verbose=0)
    times = []
    for _ in range(3):
        began = time.perf_counter()
        model.fit(x, y, batch_size=batch, verbose=0)
        times.append((time.perf_counter() - began) / steps * 1000)
    return statistics.median(times)


def measure() -> dict:
    rows = {}
    for network in NETWORKS.values():
        for setting, (backend, fixes) in SETTINGS.items():
            done = subprocess.run([sys.executable, __file__, "--child", network, fixes], capture_output=True,
                                  text=True, env={**os.environ, "KERAS_BACKEND": backend}, check=True)
            rows.setdefault(network, {})[setting] = round(float(done.stdout.split()[-1]), 1)
            print(network, setting, rows[network][setting], "ms", flush=True)
    return rows


def write(rows: dict) -> None:
    import keras

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jax_step.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = ["# One training step on JAX, before and after `dlicourse.backends`", "",
             f"{platform.machine()} CPU, 2 cores, Keras {keras.__version__}; milliseconds per step, the median of "
             "three epochs of 20 steps; `.venv/bin/python benchmarks/jax_step.py`.", "",
             "| network | " + " | ".join(SETTINGS) + " |", "|---|" + "---|" * len(SETTINGS)]
    for lab, network in NETWORKS.items():
        lines.append(f"| {lab} | " + " | ".join(str(rows[network][s]) for s in SETTINGS) + " |")
    (RESULTS / "jax_step.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(step_ms(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""))
    else:
        write(measure())
