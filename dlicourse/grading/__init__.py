"""Grading `submission.py` fairly and safely: `dlicourse grade`, and the practice grade in 07_assessment.

A submission is untrusted code. Each one runs in its own process (`child.py`) inside the operating
system's sandbox (`isolation`: namespaces, an unprivileged user, a cgroup, a size-capped tmpfs), with
limits on wall time per image and in total, CPU time, memory, processes, disk and output. It sees only
anonymised copies of the test images (random names, random order, no class folders); the labels and
the hidden set's seed never leave the grader. The model loads once: the child imports the submission
once and calls `predict(path)` per image over a pipe. Whatever the submission does, it gets a score
and a reason.

The modules, one job each: `answers` (the two answers, the pass mark), `testsets` (hidden, practice
and folder sets), `testimages` (the images as the submission gets them), `handin` (taking a hand-in
folder safely, and its hash), `sandbox` (one running submission), `processes` (killing what it started),
`isolation` (the bubblewrap command), `seccomp` (the system calls refused), `cgroups` (kernel limits),
`launch` (starting the child), `protocol` (the pipes, with deadlines and strict messages), `grader` (one
grade, many grades),
`gradebook` (scores, the class's CSV a re-grade reads back, Canvas's and Moodle's imports, rosters), `report`
(the text a person reads), `platforms` (the checks every platform shows), `gradescope` and `prairielearn`
(their results.json), `child` (the process inside the sandbox), `command` (`dlicourse grade`).

Importing this package is cheap: the names below load their module on first use, so a submission can
import `dlicourse.grading.answers` without pulling in the grader.
"""

from __future__ import annotations

import importlib
from typing import Any

from dlicourse.grading.answers import ANSWERS, INVALID, PASS_ACCURACY
from dlicourse.grading.report import report  # eager: the module's name would otherwise hide the function

_WHERE = {
    "TestSet": "testsets", "whale_set": "testsets", "practice_set": "testsets", "folder_set": "testsets",
    "secret_seed": "testsets", "PRACTICE_SEED": "testsets", "DEFAULT_HIDDEN_SIZE": "testsets",
    "Limits": "sandbox",
    "grade": "grader", "grade_many": "grader",
    "Grade": "gradebook", "Failure": "gradebook", "gradebook_row": "gradebook", "write_gradebook": "gradebook",
    "GRADEBOOK_COLUMNS": "gradebook", "Gradebook": "gradebook", "GradebookError": "gradebook",
}
__all__ = ["ANSWERS", "INVALID", "PASS_ACCURACY", "report", *_WHERE]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"dlicourse.grading.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'dlicourse.grading' has no attribute {name!r}")
