"""One grade as Gradescope's autograder reads it: `/autograder/results/results.json`.

The format is Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): a top-level `score` and `execution_time` (seconds), and `tests`, each with `name`,
`score`, `max_score`, `status`, `output` and `visibility`. The learner sees the one test, visible: the
public report, with no seed. The instructor's full report (seed, isolation, what could not be cleaned
up) is what `dlicourse grade` prints, and Gradescope shows the autograder's stdout to instructors only
(`stdout_visibility: hidden`, its default, said explicitly). No hidden test: the specification says a
hidden test hides the learner's total score.
"""

from __future__ import annotations

import os
from pathlib import Path

from dlicourse import files
from dlicourse.grading.answers import PASS_ACCURACY
from dlicourse.grading.gradebook import Grade
from dlicourse.grading.report import report

MAX_SCORE = 100.0  # percent right, as in the gradebook's `score`


def results(result: Grade) -> dict:
    """Gradescope's results for one graded submission."""
    score = round(MAX_SCORE * result.accuracy, 2)
    accuracy = {"name": f"Accuracy on {result.total} hidden images (pass: more than {PASS_ACCURACY:.0%})",
                "score": score, "max_score": MAX_SCORE, "status": "passed" if result.passed else "failed",
                "output": report(result, public=True), "visibility": "visible"}
    return {"score": score, "execution_time": round(result.seconds), "stdout_visibility": "hidden",
            "tests": [accuracy]}


def write_results(path: str | os.PathLike, result: Grade) -> Path:
    """Write `results.json` atomically: Gradescope never reads half a file."""
    files.write_json(path, results(result))
    return Path(path)
