"""Benchmark the grader (issue 13): isolation's cost per submission, submissions graded per minute with
isolation on, and the reference, careless and always-whale accuracies on a shifted hidden set.

    .venv/bin/python benchmarks/grading.py [--out benchmarks/results] [--n 200] [--class-size 6]

The reference is 07_assessment's classifier trained as the workshop profile does (4000 crops, 10
epochs); the careless one the same network on 10% of the crops for one epoch. Both are trained here
(fixed seeds) and handed in with solutions/submission.py. Writes grading.json and grading.md.
Timings on a shared or busy machine are inflated: the load average is recorded beside them.
`model_load_cpu_seconds` is what one fresh interpreter spends importing Keras and loading the model
(what an unisolated submission pays); `warm_submission_cpu_seconds` what a child forked by the zygote,
Keras already imported, spends loading the model and answering every image (what an isolated one
pays); `rate_ceiling_per_minute` the most isolated submissions a minute the machine's cores allow at
that cost. `zygote_start_seconds` is paid once per grading process, before the first submission; the
trivial grades measure the whole grade of a submission that loads nothing, sandbox included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dlicourse import files, grading
from dlicourse.environment import device_summary
from dlicourse.grading import zygotes
from dlicourse.grading.isolation import unavailable
from dlicourse.paths import project_root

SEED = 2_024_1129  # the benchmark's hidden set: fixed, so the accuracies can be reproduced
TRIVIAL = "def predict(path):\n    return 'whale'\n"


def _train(folder: Path, crops: int, epochs: int, saved: Path | None = None) -> Path:
    """A hand-in folder: 07_assessment's network trained on `crops` crops for `epochs` epochs (or, with
    `saved`, a model this same recipe trained before)."""
    folder.mkdir(parents=True)
    shutil.copy(project_root() / "solutions" / "submission.py", folder / "submission.py")
    if saved is not None:
        shutil.copy(saved, folder / "whale_model.keras")
        return folder / "submission.py"
    import keras
    from keras import layers

    from dlicourse.datasets import whale_crops
    from dlicourse.saving import save_model

    train = whale_crops(4000, seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(64, 64, 3)), layers.Rescaling(1 / 255),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.GlobalAveragePooling2D(), layers.Dense(64, activation="relu"), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(train.x[:crops], train.y[:crops], epochs=epochs, batch_size=64, verbose=0)
    save_model(model, folder / "whale_model.keras")
    return folder / "submission.py"


def _isolation_cost(folder: Path, runs: int = 5) -> dict[str, float]:
    """Median seconds to grade a trivial submission on six images, isolated and not. Isolated, that is
    the sandbox (bubblewrap, the cgroup, the copies, the clean end) and a warm child forked into it;
    unisolated, a fresh interpreter: the difference is negative when the fork saves more than the
    sandbox costs."""
    submission = folder / "trivial" / "submission.py"
    submission.parent.mkdir()
    submission.write_text(TRIVIAL)
    toy = grading.TestSet([np.full((8, 8, 3), 100, np.uint8)] * 6, ["whale"] * 6, "six toy images")
    times = {}
    for isolated in (True, False):
        seconds = [grading.grade(submission, toy, isolated=isolated).seconds for _ in range(runs)]
        times["isolated" if isolated else "unsafe"] = statistics.median(seconds)
    return {"trivial_isolated_seconds": round(times["isolated"], 3),
            "trivial_unsafe_seconds": round(times["unsafe"], 3),
            "isolation_cost_seconds": round(times["isolated"] - times["unsafe"], 3)}


def _model_load_cpu(model: Path, runs: int = 3) -> float:
    """Median CPU seconds for a fresh interpreter to import Keras and load `model`: what every graded
    submission pays before its first image, isolated or not, and so the floor of the grading rate."""
    import resource
    import subprocess
    import sys

    code = f"import keras; keras.models.load_model({str(model)!r})"
    spent = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-I", "-B", "-c", code], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return round(statistics.median(spent), 2)


def _warm_submission_cpu(model: Path, images: int, runs: int = 3) -> float:
    """Median CPU seconds for a child forked from an interpreter that has imported Keras (as the zygote
    forks each isolated submission) to load `model` and answer `images` images one at a time."""
    import subprocess
    import sys

    code = f"""
import os, resource, statistics
import keras, numpy as np
spent = []
for _ in range({runs}):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if os.fork() == 0:
        model = keras.models.load_model({str(model)!r})
        for _ in range({images}):
            model.predict_on_batch(np.zeros((1, 64, 64, 3), np.float32))
        os._exit(0)
    os.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
print(statistics.median(spent))
"""
    done = subprocess.run([sys.executable, "-I", "-B", "-c", code], check=True, capture_output=True, text=True,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    return round(float(done.stdout.split()[-1]), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="images in the hidden set")
    parser.add_argument("--class-size", type=int, default=12, help="reference submissions graded at once for the rate")
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results"))
    parser.add_argument("--models", metavar="DIR", help="reference.keras and careless.keras trained by this recipe "
                                                        "before (skips the training)")
    args = parser.parse_args()
    if (why := unavailable()) is not None:
        raise SystemExit(f"isolated grading is unavailable here: {why}")
    figures: dict[str, object] = {"device": device_summary(), "load_average_at_start": os.getloadavg()[0]}
    started = time.perf_counter()
    zygotes.shared()
    figures["zygote_start_seconds"] = round(time.perf_counter() - started, 2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures.update(_isolation_cost(folder))
        saved = Path(args.models) if args.models else None
        reference = _train(folder / "reference", 4000, 10, saved and saved / "reference.keras")
        careless = _train(folder / "careless", 400, 1, saved and saved / "careless.keras")
        figures["model_load_cpu_seconds"] = _model_load_cpu(reference.with_name("whale_model.keras"))
        figures["warm_submission_cpu_seconds"] = _warm_submission_cpu(reference.with_name("whale_model.keras"),
                                                                      args.n)
        figures["rate_ceiling_per_minute"] = round(
            60 * (os.cpu_count() or 1) / figures["warm_submission_cpu_seconds"], 1)
        always = folder / "always" / "submission.py"
        always.parent.mkdir()
        always.write_text(TRIVIAL)
        hidden = grading.whale_set(args.n, seed=SEED)
        for name, submission in (("reference", reference), ("careless", careless), ("always_whale", always)):
            result = grading.grade(submission, hidden, isolated=True)
            figures[f"{name}_accuracy"] = round(result.accuracy, 4)
            figures[f"{name}_passed"] = result.passed
            figures[f"{name}_problem"] = result.problem
        practice = grading.grade(reference, grading.practice_set(args.n), isolated=True)
        figures["reference_practice_accuracy"] = round(practice.accuracy, 4)
        figures["isolation"] = practice.isolation
        for isolated in (True, False):
            started = time.perf_counter()
            results = grading.grade_many([reference] * args.class_size, hidden, jobs=2, isolated=isolated)
            minutes = (time.perf_counter() - started) / 60
            key = "isolated" if isolated else "unsafe"
            figures[f"submissions_per_minute_{key}"] = round(args.class_size / minutes, 1)
            figures[f"class_problems_{key}"] = sorted({r.problem for r in results if r.problem})
    figures["load_average_at_end"] = os.getloadavg()[0]
    figures["hidden_images"] = args.n
    figures["hidden_seed"] = SEED
    out = Path(args.out)
    files.write_json(out / "grading.json", figures)
    rows = "\n".join(f"| {k} | {v} |" for k, v in figures.items())
    files.write_text(out / "grading.md", f"# Grading benchmark\n\n| figure | value |\n|---|---|\n{rows}\n")
    print(json.dumps(figures, indent=2))
    ok = (0.90 <= figures["reference_accuracy"] <= 0.97 and not figures["careless_passed"]
          and abs(figures["always_whale_accuracy"] - 0.5) < 0.05)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
