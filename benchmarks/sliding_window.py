"""How approach 1 and approach 2 grow with the scene: plain loop, batched windows and one pass.

Times the three ways of scoring every window of a scene (same classifier, same stride) for square
scenes from 256x256 to 2048x2048, and writes seconds and ratios as JSON and Markdown. The classifier
is the lab's architecture with random weights: speed does not depend on what the weights are.
The plain loop is slow by design, so for large scenes it is timed on its first `--loop-windows`
windows and scaled up to all of them (the table says so); every window costs the same.

    .venv/bin/python benchmarks/sliding_window.py                 # a few minutes on a 2-core CPU
    .venv/bin/python benchmarks/sliding_window.py --sizes 256 512 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers

from dlicourse import detection, files, tables
from dlicourse.environment import device_summary
from dlicourse.instructor.answers import to_fully_convolutional


def classifier(window: int) -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(shape=(window, window, 3)), layers.Rescaling(1 / 255),
        layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(2, activation="softmax"),
    ])


def best_of(repeats: int, fn) -> float:
    return min(detection.timed(fn)[1] for _ in range(repeats))


def measure(model: keras.Model, fcn: keras.Model, size: int, stride: int, loop_windows: int,
            repeats: int) -> dict:
    scene = np.random.default_rng(size).integers(0, 256, (size, size, 3)).astype(np.uint8)
    window = detection.window_size(model)
    rows, cols = detection.grid_shape(scene.shape, window, stride)
    count = rows * cols
    # The loop over the first rows that hold `loop_windows` windows, scaled to the whole grid.
    loop_rows = max(1, min(rows, -(-loop_windows // cols)))
    part = scene[: window[0] + (loop_rows - 1) * stride]
    loop_seconds = detection.timed(lambda: detection.sliding_window_loop(model, part, stride))[1] * rows / loop_rows
    detection.sliding_window_batched(model, scene[: window[0], : window[1]], stride)  # warm-up
    batched_seconds = best_of(repeats, lambda: detection.sliding_window_batched(model, scene, stride))
    detection.one_pass(fcn, scene)  # warm-up: traces the network for this size
    fcn_seconds = best_of(repeats, lambda: detection.one_pass(fcn, scene))
    return {"scene": f"{size}x{size}", "pixels": size * size, "windows": count,
            "loop timed on": f"{loop_rows * cols} windows" if loop_rows < rows else "all",
            "loop_seconds": loop_seconds, "batched_seconds": batched_seconds, "fcn_seconds": fcn_seconds,
            "loop / one pass": loop_seconds / fcn_seconds, "batched / one pass": batched_seconds / fcn_seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--loop-windows", type=int, default=600,
                        help="time the plain loop on about this many windows, then scale (default 600)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs for batched and one pass")
    parser.add_argument("--out", default="benchmarks/results", help="folder for sliding_window.json and .md")
    args = parser.parse_args(argv)

    model = classifier(args.window)
    fcn = to_fully_convolutional(model)
    stride = detection.network_stride(model)
    rows = []
    for size in args.sizes:
        row = measure(model, fcn, size, stride, args.loop_windows, args.repeats)
        rows.append(row)
        print(f"{row['scene']}: loop {row['loop_seconds']:.2f} s, batched {row['batched_seconds']:.3f} s, "
              f"one pass {row['fcn_seconds']:.4f} s", flush=True)
    first = rows[0]
    for row in rows:  # growth relative to the smallest scene, against growth in area
        row["area x"] = row["pixels"] / first["pixels"]
        for key in ("loop_seconds", "batched_seconds", "fcn_seconds"):
            row[key.replace("_seconds", " time x")] = row[key] / first[key]
    setting = {"window": args.window, "stride": stride, "device": device_summary().split(";")[0],
               "keras": keras.__version__, "backend": keras.backend.backend(), "python": platform.python_version()}
    out = Path(args.out)
    files.write_json(out / "sliding_window.json", {"setting": setting, "rows": rows})
    columns = ["scene", "windows", "loop timed on", "loop_seconds", "batched_seconds", "fcn_seconds",
               "loop / one pass", "batched / one pass", "area x", "loop time x", "batched time x", "fcn time x"]
    text = (f"# Sliding window vs one pass\n\nWindow {args.window}, stride {stride}, {setting['device']}, "
            f"Keras {setting['keras']} on {setting['backend']}. Seconds are wall clock (batched and one pass: best "
            f"of {args.repeats}); on a shared machine they are inflated, the ratios less so.\n\n"
            + tables.markdown(columns, rows))
    files.write_text(out / "sliding_window.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
