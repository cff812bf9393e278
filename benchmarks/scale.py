"""Benchmark: batch runs and grading on 1 and 2 local Dask workers, the scheduler's cost per task, and a
projection for a class of 10,000 submissions on 1, 10 and 100 workers.

    .venv/bin/python benchmarks/scale.py [--combinations 8] [--submissions 40] [--out benchmarks/results]

Measured: an 8-point grid of 00_welcome (fast profile; the cache is bypassed) and a 40-submission class
(a one-line rule on 20 hidden images, each in the grader's sandbox) on a LocalCluster of 1 and 2 worker
processes; 500 empty tasks for the scheduler's overhead. Projected (not measured): 10,000 submissions,
each costing what one cost here plus that overhead, shared evenly by W workers on W machines like this
one. Writes scale.json and scale.md. Timings on a shared or busy machine are inflated.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

from dlicourse import files, grading
from dlicourse.environment import device_summary
from dlicourse.instructor import distributed, runner
from dlicourse.paths import project_root, solutions_dir

RULE = "from PIL import Image\nimport numpy as np\n\ndef predict(path):\n" \
       "    return 'whale' if np.asarray(Image.open(path)).mean() > 128 else 'not whale'\n"
CLASS_SIZE = 10_000


def grid_notebook(folder: Path) -> Path:
    """00_welcome with a `trial` setting, so `-p trial=0,1,...` makes a grid of identical runs."""
    nb = nbformat.read(solutions_dir() / "00_welcome.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source += "\ntrial = 0\n"
    nbformat.write(nb, folder / "00_welcome.ipynb")
    return folder / "00_welcome.ipynb"


def time_grid(notebook: Path, combinations: int, workers: int, runs: Path) -> tuple[float, int]:
    """Seconds for the whole grid and how many rows finished; a cluster of `workers` processes."""
    with distributed.local_cluster(workers) as client:
        address = client.scheduler.address
        began = time.perf_counter()
        results = runner.run([str(notebook)], "fast", {"trial": list(range(combinations))}, runs, scheduler=address,
                             force=True)
    return time.perf_counter() - began, sum(not r.error for r in results)


def time_class(paths: list[str], test_set: grading.TestSet, workers: int) -> tuple[float, int]:
    with distributed.local_cluster(workers) as client:
        began = time.perf_counter()
        grades = distributed.grade_many(paths, test_set, grading.Limits(), workers, client.scheduler.address)
    return time.perf_counter() - began, sum(g.passed for g in grades)


def _nothing(item: int, shared: object) -> int:
    return item


def overhead_per_task(tasks: int = 500) -> float:
    """Seconds the scheduler adds to one task: empty tasks on one worker, submitted at once."""
    with distributed.local_cluster(1) as client:
        distributed.submit(client, _nothing, [0], ["warm"])
        began = time.perf_counter()
        distributed.submit(client, _nothing, list(range(tasks)), [f"t{i}" for i in range(tasks)])
        return (time.perf_counter() - began) / tasks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=8)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results"))
    args = parser.parse_args()
    figures: dict[str, object] = {"device": device_summary(), "cores": os.cpu_count(),
                                  "grid_combinations": args.combinations, "class_submissions": args.submissions}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        notebook = grid_notebook(root)
        for workers in (1, 2) if args.combinations else ():  # --combinations 0: the class alone
            seconds, ok = time_grid(notebook, args.combinations, workers, root / f"runs{workers}")
            figures[f"grid_seconds_{workers}_workers"], figures[f"grid_rows_ok_{workers}_workers"] = seconds, ok
        paths = []
        for k in range(args.submissions):
            (root / f"s{k}").mkdir()
            (root / f"s{k}" / "submission.py").write_text(RULE)
            paths.append(str(root / f"s{k}" / "submission.py"))
        images = [np.full((32, 32, 3), 200 if k % 2 == 0 else 30, np.uint8) for k in range(20)]
        test_set = grading.TestSet(images, ["whale", "not whale"] * 10, "20 toy images")
        for workers in (1, 2):
            seconds, passed = time_class(paths, test_set, workers)
            figures[f"class_seconds_{workers}_workers"], figures[f"class_passed_{workers}_workers"] = seconds, passed
    if args.combinations:
        figures["grid_speedup"] = figures["grid_seconds_1_workers"] / figures["grid_seconds_2_workers"]
    figures["class_speedup"] = figures["class_seconds_1_workers"] / figures["class_seconds_2_workers"]
    figures["scheduler_overhead_ms_per_task"] = 1000 * overhead_per_task()
    per_submission = figures["class_seconds_1_workers"] / args.submissions
    figures["seconds_per_submission_1_worker"] = per_submission
    for workers in (1, 10, 100):
        total = CLASS_SIZE * (per_submission + figures["scheduler_overhead_ms_per_task"] / 1000) / workers
        figures[f"projected_hours_{CLASS_SIZE}_submissions_{workers}_workers"] = total / 3600
    out = Path(args.out)
    files.write_json(out / "scale.json", figures)
    files.write_text(out / "scale.md", report(figures))
    print(report(figures))
    return 0


def report(f: dict) -> str:
    rows = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in f.items()
                     if not k.startswith("projected"))
    projected = "\n".join(f"| {w} | {f[f'projected_hours_{CLASS_SIZE}_submissions_{w}_workers']:.2f} |"
                          for w in (1, 10, 100))
    return (f"# Scaling out: measured\n\nOn a shared 2-core machine: other engineers' jobs ran meanwhile and "
            f"the load changed between phases, so times are inflated and a speedup can be off either way (more "
            f"than 2 on 2 workers means the 1-worker phase met more load).\n\n"
            f"| figure | value |\n|---|---|\n{rows}\n\n"
            f"# Projection (not measured)\n\n{CLASS_SIZE:,} submissions, each costing what one cost on 1 worker "
            f"here plus the scheduler's overhead, spread evenly over W workers, each on its own machine like this "
            f"one (the scheduler's own limit, about 1/overhead tasks a second, is far above this rate).\n\n"
            f"| workers | projected hours |\n|---|---|\n{projected}\n")


if __name__ == "__main__":
    raise SystemExit(main())
