"""Benchmark: the reference submission graded on 200 hidden images (target: under 60 s, accuracy >= 0.95),
and an "always whale" submission (about 0.5, fails).

    .venv/bin/dlicourse run 07_assessment          # makes runs/workshop/07_assessment/handin/
    .venv/bin/python benchmarks/grading.py [HANDIN/submission.py] [--out benchmarks/results]

Writes grading.json and grading.md. Timings on a shared or busy machine are inflated.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from dlicourse import files, grading
from dlicourse.environment import device_summary
from dlicourse.paths import project_root

DEFAULT = project_root() / "runs" / "workshop" / "07_assessment" / "handin" / "submission.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", default=str(DEFAULT))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results"))
    args = parser.parse_args()
    if not Path(args.submission).is_file():
        raise SystemExit(f"{args.submission} is missing: run `dlicourse run 07_assessment` first")

    hidden = grading.whale_set(args.n)
    reference = grading.grade(args.submission, hidden)
    with tempfile.TemporaryDirectory() as folder:
        always = Path(folder) / "always_whale.py"
        always.write_text("def predict(path):\n    return 'whale'\n")
        baseline = grading.grade(always, hidden)

    figures = {"device": device_summary(), "images": args.n,
               "reference_seconds": round(reference.seconds, 2),
               "reference_load_seconds": round(reference.load_seconds or 0.0, 2),
               "reference_accuracy": reference.accuracy, "reference_passed": reference.passed,
               "reference_problem": reference.problem,
               "always_whale_accuracy": baseline.accuracy, "always_whale_passed": baseline.passed}
    out = Path(args.out)
    files.write_json(out / "grading.json", figures)
    rows = "\n".join(f"| {k} | {v} |" for k, v in figures.items())
    files.write_text(out / "grading.md", f"# Grading benchmark\n\n| figure | value |\n|---|---|\n{rows}\n")
    print(json.dumps(figures, indent=2))
    ok = reference.seconds < 60 and reference.accuracy >= 0.95 and not baseline.passed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
