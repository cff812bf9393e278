"""Broken and hostile submissions: each gets a score and a reason, and no harm is done (no process and
no temporary file left behind, nothing written outside). Plain Python on six tiny images, tight limits."""

from __future__ import annotations

import dataclasses

import psutil
import pytest
from grading_support import FAST, submission_file

from dlicourse import grading

pytestmark = pytest.mark.usefixtures("private_temp")

# A broken or hostile submission, and the reason the grader must give for it.
HOSTILE = {
    "syntax_error": ("def predict(path)\n    return 'whale'\n", "could not be imported: SyntaxError"),
    "import_raises": ("raise RuntimeError('no model file')\n", "RuntimeError: no model file (line 1"),
    "no_predict": ("def guess(path):\n    return 'whale'\n", "no function predict"),
    "predict_raises": ("def predict(path):\n    raise ValueError('bad pixel')\n", "predict raised ValueError"),
    "returns_none": ("def predict(path):\n    print('whale')\n", "predict returned NoneType None, not a string"),
    "hangs_on_import": ("while True:\n    pass\n", "did not finish importing within 8 s"),
    "sleeps": ("import time\ndef predict(path):\n    time.sleep(60)\n", "gave no answer within 2 s"),
    "floods_output": ("def predict(path):\n    while True:\n        print('x' * 10000)\n", "printed more than 64 KiB"),
    "eats_memory": ("blocks = []\ndef predict(path):\n    while True:\n        blocks.append(b'x' * 50_000_000)\n",
                    "memory"),
    "burns_cpu": ("def predict(path):\n    while True:\n        pass\n", "used more than 1 s of CPU time"),
    "calls_exit": ("import sys\ndef predict(path):\n    sys.exit(3)\n", "called exit(3)"),
    "exits_hard": ("import os\ndef predict(path):\n    os._exit(0)\n", "exited with code 0 before it was done"),
    "kills_itself": ("import os, signal\ndef predict(path):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                     "was killed by SIGKILL"),
    "forks": ("import os\ndef predict(path):\n    os.fork()\n    return 'whale'\n", "tried to start a process"),
    "runs_a_command": ("import subprocess\nsubprocess.Popen(['sleep', '60'])\n", "tried to start a process"),
    "forks_behind_the_hook": (
        "import ctypes, os, time\n"
        "def predict(path):\n"
        "    if ctypes.CDLL(None).fork() == 0:\n"
        "        os.setsid()\n"
        "        time.sleep(60)\n"
        "    return 'whale'\n", "started a child process"),
    # Isolated, its parent is outside its PID namespace (getppid() is 0): it goes for the first it sees.
    "signals_the_grader": ("import os, signal\nos.kill(os.getppid() or 1, signal.SIGTERM)\n",
                           "tried to signal another process"),
    "writes_outside": ("open({outside!r}, 'w').write('pwned')\n", "tried to write outside its working directory"),
    "reads_the_graders_files": ("import os\nos.listdir({private!r})\n",  # isolated, the folder is not even there
                                ("tried to read the grader's private files", "FileNotFoundError")),
    "locks_its_folder": ("import os\nos.chmod('.', 0)\ndef predict(path):\n    return 'whale'\n", None),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_broken_or_hostile_submission_gets_a_score_and_a_reason(kind, tmp_path, toy_set):
    outside, private = tmp_path / "outside.txt", tmp_path / "private"
    private.mkdir()
    source, reason = HOSTILE[kind]
    limits = dataclasses.replace(FAST, startup_s=8)
    if kind == "burns_cpu":
        limits = dataclasses.replace(limits, cpu_s=1, per_image_s=10)
    if kind == "eats_memory":  # on a busy machine, filling 400 MiB can take more than 2 s
        limits = dataclasses.replace(limits, per_image_s=20)
    submission = submission_file(tmp_path, source.format(outside=str(outside), private=str(private)))

    result = grading.grade(submission, toy_set, limits, protected=[private])

    assert 0.0 <= result.accuracy <= 0.5 and not result.passed
    assert psutil.Process().is_running()
    reasons = [result.problem or ""] + [f.reason for f in result.failures]
    if reason is not None:
        wanted = (reason,) if isinstance(reason, str) else reason
        assert any(w in r for r in reasons for w in wanted), f"{kind}: {reasons[:3]}"
    assert not outside.exists()
    assert grading.report(result)  # every outcome can be shown
