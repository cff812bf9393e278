"""`dlicourse doctor`: the machine report of `dlicourse.readiness`, without the backends' start-up noise."""

from __future__ import annotations

import os

from dlicourse.quiet import quiet_stderr
from dlicourse.readiness import Finding, check_machine


def isolated_grading() -> Finding:
    """Optional (a learner never grades): reported as found, with the instructor's fix when it fails.
    Where bubblewrap can make a sandbox, a trivial submission is graded in one, end to end: the
    grader's zygote must also be able to enter it, which bubblewrap's own probe does not show."""
    from dlicourse.grading.isolation import unavailable

    why = unavailable() or _trial_grade()
    return Finding("isolated grading", "works (bubblewrap namespaces)" if why is None else f"unavailable: {why}")


def _trial_grade() -> str | None:
    """None when a submission that always answers "whale" scores on one image, isolated; else why not."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from dlicourse import grading

    one = grading.TestSet([np.zeros((8, 8, 3), np.uint8)], ["whale"], "one toy image")
    with tempfile.TemporaryDirectory(prefix="dlicourse-doctor-") as folder:
        submission = Path(folder) / "submission.py"
        submission.write_text("def predict(path):\n    return 'whale'\n")
        result = grading.grade(submission, one, isolated=True)
    if result.accuracy == 1.0:
        return None
    return f"a trial grade failed: {result.problem or result.failures[0].reason}"


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        text, ok = check_machine([isolated_grading()])
    print(text)
    return 0 if ok else 1
