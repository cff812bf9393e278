"""`dlicourse doctor`: the machine report of `dlicourse.readiness`, without the backends' start-up noise."""

from __future__ import annotations

import os

from dlicourse.instructor.quiet import quiet_stderr
from dlicourse.readiness import check_machine


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        text, ok = check_machine()
    print(text)
    return 0 if ok else 1
