"""`dlicourse doctor`: the machine report of `dlicourse.readiness`, without the backends' start-up noise."""

from __future__ import annotations

import os

from dlicourse.instructor.quiet import quiet_stderr
from dlicourse.readiness import Finding, check_machine


def isolated_grading() -> Finding:
    """Optional (a learner never grades): reported as found, with the instructor's fix when it fails."""
    from dlicourse.grading.isolation import unavailable

    why = unavailable()
    return Finding("isolated grading", "works (bubblewrap namespaces)" if why is None else f"unavailable: {why}")


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        text, ok = check_machine([isolated_grading()])
    print(text)
    return 0 if ok else 1
