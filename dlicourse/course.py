"""What every notebook does before its lesson: seeds, an output folder, a device line, and figures.

Figures go to `<output_dir>/metrics.json` so that the batch runner can collect them into one table.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from dlicourse import io

_state: dict[str, Path | None] = {"output_dir": None}


def start(output_dir: str | os.PathLike, seed: int = 0) -> Path:
    """Prepare a notebook run: make `output_dir`, clear old figures, fix seeds, say where it runs."""
    import keras

    from dlicourse.environment import device_summary

    out = Path(output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    io.write_json(out / "metrics.json", {})
    _state["output_dir"] = out
    keras.utils.set_random_seed(seed)
    print(f"Keras {keras.__version__} on {keras.backend.backend()}: {device_summary()}")
    print(f"Outputs go to {out}")
    return out


def record(name: str, value: float) -> float:
    """Keep one figure that proves the lesson, for the notebook's reader and for `dlicourse run`."""
    out = _state["output_dir"]
    if out is None:
        raise RuntimeError("Call dlicourse.start(output_dir) before record(): it says where figures go.")
    if not name.isidentifier():
        raise ValueError(f"A figure's name must be a plain identifier, got {name!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Figure {name} is {value}; figures must be finite numbers.")
    path = out / "metrics.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = value
    io.write_json(path, figures)
    print(f"{name} = {value:.4g}")
    return value
