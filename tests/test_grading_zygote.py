"""The grader's zygote (issue 13): one warm interpreter per grading process, forked into each sandbox,
never holding more than the sandbox allows, started once, gone with the grader, and a clear grade when
it cannot start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import psutil
import pytest
from grading_support import FAST, submission_file

from dlicourse import grading
from dlicourse.grading import isolation, zygotes

pytestmark = pytest.mark.usefixtures("private_temp")
needs_isolation = pytest.mark.skipif(isolation.unavailable() is not None, reason=str(isolation.unavailable()))
ALL_WHALES = grading.TestSet([np.full((8, 8, 3), 90, np.uint8)] * 4, ["whale"] * 4, "four toy whales")

# Answers "whale" only if, as it is imported, it is warm (Keras already imported by the zygote) and as
# unprivileged and alone as the sandbox's user must be: checked with the kernel, not trusted.
INSPECTS_ITSELF = """
import os, sys
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
wrong = [f for f in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb") if int(status[f], 16)]
wrong += [] if status["NoNewPrivs"].strip() == "1" else ["no_new_privs"]
wrong += [] if "keras" in sys.modules else ["cold: keras not imported"]
wrong += [] if os.getppid() == 0 else [f"its parent {{os.getppid()}} is in its PID namespace"]
wrong += [] if os.getpgid(0) == os.getpid() else ["shares a process group"]
wrong += [] if {uid} is None or os.getuid() == {uid} else [f"uid {{os.getuid()}}"]
held = set()
for fd in os.listdir("/proc/self/fd"):  # the listing's own descriptor is gone once it is read
    try:
        held.add(os.readlink(f"/proc/self/fd/{{fd}}"))
    except OSError:
        pass
pipes = {{h for h in held if h.startswith("pipe:")}}  # the grader's three: requests, messages, output
wrong += [] if len(pipes) == 3 and held - pipes <= {{"/dev/null"}} else [sorted(held)]  # nothing of the zygote's

def predict(path):
    return "leak: " + str(wrong) if wrong else "whale"
"""


@needs_isolation
def test_a_submission_starts_warm_unprivileged_and_alone(tmp_path):
    uid = isolation.SANDBOX_UID if isolation.is_root() else None
    submission = submission_file(tmp_path, INSPECTS_ITSELF.format(uid=uid))
    result = grading.grade(submission, ALL_WHALES, FAST, isolated=True)
    assert result.problem is None and result.cleanup == []
    assert [f.answer for f in result.failures] == [] and result.accuracy == 1.0


@needs_isolation
def test_the_zygote_starts_once_and_ends_with_the_grader(tmp_path):
    submission = submission_file(tmp_path, "def predict(path):\n    return 'whale'\n")
    script = textwrap.dedent(f"""
        import numpy as np
        from dlicourse import grading
        from dlicourse.grading import zygotes
        toy = grading.TestSet([np.full((8, 8, 3), 90, np.uint8)] * 2, ["whale"] * 2, "two")
        pids = set()
        for _ in range(3):
            assert grading.grade({str(submission)!r}, toy, isolated=True).accuracy == 1.0
            pids |= {{z.process.pid for z in zygotes._shared.values()}}
        print(*pids)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 1  # one zygote served all three grades
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(pids[0]) or psutil.Process(pids[0]).status() == psutil.STATUS_ZOMBIE


def test_the_zygote_forks_with_one_thread():
    """A fork copies only the thread that calls it: any other thread's locks would stay held forever."""
    zygote = zygotes.Zygote()
    try:
        zygote.wait_ready()
        assert zygote.threads == 1
    finally:
        zygote.close()
    assert zygote.process.returncode == 0


def test_a_zygote_that_cannot_start_fails_the_grade_with_its_reason(tmp_path, monkeypatch):
    broken = tmp_path / "zygote.py"
    broken.write_text("import sys\nsys.exit('no Keras here')\n")
    monkeypatch.setattr(zygotes, "ZYGOTE", broken)
    monkeypatch.setattr(zygotes, "_shared", {})
    submission = submission_file(tmp_path, "def predict(path):\n    return 'whale'\n")
    result = grading.grade(submission, ALL_WHALES, FAST, isolated=True)
    assert result.accuracy == 0 and not result.passed
    assert result.problem.startswith("the grader failed: ZygoteError: the zygote ended (exit status 1)")
    assert result.problem.endswith(": no Keras here")
