"""What every notebook does before its lesson: seeds, an output folder, a device line, and figures."""

from __future__ import annotations

import os
from pathlib import Path

from dlicourse import figures


def start(output_dir: str | os.PathLike, seed: int = 0, profile: str = "workshop") -> Path:
    """Prepare a notebook run: make `output_dir`, clear old figures, fix seeds, say where it runs and with
    which profile (the one whose settings and lesson targets this run uses). On JAX it also lets Keras
    compile what it would run slowly (see `dlicourse.backends`)."""
    import keras

    from dlicourse import backends
    from dlicourse.environment import device_summary

    out = Path(output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    figures.begin(out)
    backends.prepare()
    keras.utils.set_random_seed(seed)
    print(f"Keras {keras.__version__} on {keras.backend.backend()}: {device_summary()}")
    print(f"Profile {profile}; outputs go to {out}")
    return out


class Recorded(float):
    """A recorded figure: a plain float, except that a cell ending in `record(...)` does not echo it, since
    `record` has already printed it with its name."""

    def _ipython_display_(self) -> None:
        """Nothing: the name and value are printed once, by `record`."""


def record(name: str, value: float) -> float:
    """Keep one figure that proves the lesson, for the notebook's reader and for `dlicourse run`."""
    value = figures.add(name, value)
    print(f"{name} = {value:.4g}")
    return Recorded(value)
