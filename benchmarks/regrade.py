"""Benchmark: grading a class into a gradebook, then grading it again (issue 14).

    .venv/bin/python benchmarks/regrade.py [--submissions 40] [--n 200] [--out benchmarks/results]

A class of hand-in folders (a one-line rule in submission.py and a 1 MiB model file beside it, as
07_assessment's hand-in has) is graded by `dlicourse grade` into a gradebook, each submission isolated,
on a generated hidden set; then graded again unchanged; then again after one student resubmits (a new
model file). Each is the whole command as an instructor runs it (a fresh Python process, start-up
included). Writes regrade.json and regrade.md. Timings on a shared or busy machine are inflated: the load
average is recorded beside each.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dlicourse import files
from dlicourse.environment import device_summary
from dlicourse.grading.isolation import unavailable
from dlicourse.paths import project_root

RULE = "from PIL import Image\nimport numpy as np\n\ndef predict(path):\n" \
       "    return 'whale' if np.asarray(Image.open(path)).mean() > 128 else 'not whale'\n"
MODEL_BYTES = 2**20


def hand_ins(folder: Path, count: int) -> list[str]:
    """`count` students' folders, each with submission.py and a model file of its own."""
    rng = np.random.default_rng(0)
    paths = []
    for k in range(count):
        student = folder / f"student{k:03d}"
        student.mkdir(parents=True)
        (student / "submission.py").write_text(RULE)
        (student / "whale_model.keras").write_bytes(rng.bytes(MODEL_BYTES))
        paths.append(str(student / "submission.py"))
    return paths


def timed_grade(paths: list[str], book: Path, n: int) -> dict[str, object]:
    """One `dlicourse grade` of the class into `book`: seconds, the load average before it, exit status."""
    load = os.getloadavg()[0]
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dlicourse.instructor.cli", "grade", "--task", "whale", *paths,
                           "--n", str(n), "--out", str(book), "--jobs", "2"], capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"dlicourse grade failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"seconds": round(seconds, 2), "load_average_before": load, "exit_status": done.returncode}


def rows(book: Path) -> list[dict[str, str]]:
    with open(book, newline="") as f:
        return list(csv.DictReader(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--n", type=int, default=200, help="images in the generated hidden set")
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results"))
    args = parser.parse_args()
    if (why := unavailable()) is not None:
        raise SystemExit(f"isolated grading is unavailable here: {why}")
    figures: dict[str, object] = {"device": device_summary(), "cores": os.cpu_count(),
                                  "submissions": args.submissions, "hidden_images": args.n,
                                  "model_bytes_per_hand_in": MODEL_BYTES}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = hand_ins(root / "class", args.submissions)
        book = root / "gradebook.csv"
        figures["first_grade"] = timed_grade(paths, book, args.n)
        first = rows(book)
        figures["regrade_unchanged"] = timed_grade(paths, book, args.n)
        figures["regrade_unchanged_rows_identical"] = rows(book) == first
        (root / "class" / "student007" / "whale_model.keras").write_bytes(b"a new model")
        figures["regrade_one_resubmitted"] = timed_grade(paths, book, args.n)
        changed = [a["student"] for a, b in zip(first, rows(book), strict=True) if a != b]
        figures["regrade_one_resubmitted_rows_changed"] = changed
        figures["passed"] = sum(r["passed"] == "True" for r in first)
    figures["ratio_first_to_unchanged_regrade"] = round(
        figures["first_grade"]["seconds"] / figures["regrade_unchanged"]["seconds"], 1)
    figures["load_average_at_end"] = os.getloadavg()[0]
    out = Path(args.out)
    files.write_json(out / "regrade.json", figures)
    files.write_text(out / "regrade.md", report(figures))
    print(report(figures))
    return 0 if figures["regrade_unchanged"]["seconds"] < 5 and figures["regrade_unchanged_rows_identical"] else 1


def report(f: dict) -> str:
    phases = "\n".join(f"| {name.replace('_', ' ')} | {f[name]['seconds']:.1f} | {f[name]['load_average_before']:.2f} |"
                       for name in ("first_grade", "regrade_unchanged", "regrade_one_resubmitted"))
    return (f"# Grading a class again\n\n{f['submissions']} hand-ins (submission.py and a "
            f"{f['model_bytes_per_hand_in'] // 2**20} MiB model file each), each graded isolated on "
            f"{f['hidden_images']} generated hidden images with `--jobs 2`. The submission is a one-line brightness "
            f"rule that loads no model: it fails the set, and what is measured is time. Each time is the whole "
            f"`dlicourse grade` command, Python's start-up included. The machine ({f['device']})"
            f" was shared with other jobs: the load average before each phase is beside it.\n\n"
            f"| phase | seconds | load average before |\n|---|---|---|\n{phases}\n\n"
            f"- first grade / unchanged re-grade: {f['ratio_first_to_unchanged_regrade']}x\n"
            f"- unchanged re-grade left every row as it was: {f['regrade_unchanged_rows_identical']}\n"
            f"- rows changed after one student's new model: {', '.join(f['regrade_one_resubmitted_rows_changed'])} "
            f"(that re-grade draws the hidden set again, then grades one hand-in)\n"
            f"- passed: {f['passed']} of {f['submissions']}\n")

if __name__ == "__main__":
    raise SystemExit(main())
