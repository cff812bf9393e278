"""The operating system's isolation: what `dlicourse doctor` says about it, the one-line refusal where it
cannot be made, the `--unsafe-no-isolation` way out, and what the sandbox's command line holds."""

from __future__ import annotations

import pytest
from grading_support import BRIGHT_IS_WHALE, submission_file

from dlicourse.grading import command, isolation
from dlicourse.instructor import doctor
from dlicourse.instructor.cli import main

pytestmark = pytest.mark.usefixtures("private_temp")


def test_doctor_reports_whether_isolated_grading_works():
    finding = doctor.isolated_grading()
    assert finding.ok  # optional for learners: never makes the doctor fail
    assert finding.found.startswith("works" if isolation.unavailable() is None else "unavailable: ")


def test_grading_refuses_in_one_line_without_isolation_unless_waived(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(command.isolation, "unavailable", lambda: "bubblewrap is not installed: install it")
    good = submission_file(tmp_path, BRIGHT_IS_WHALE)
    assert main(["grade", str(good), "--n", "4", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to grade without isolation: bubblewrap" in err
    code = main(["grade", str(good), "--n", "4", "--seed", "3", "--unsafe-no-isolation", "--json"])
    assert code in (0, 1) and "no isolation (--unsafe-no-isolation)" in capsys.readouterr().out


def test_the_sandbox_command_unshares_everything_and_carries_no_secret():
    args = isolation.bwrap_command(["child.py"], {"/grade/images": "/tmp/x"}, {"HOME": "/grade/work"}, 32)
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "--new-session",
                 "--clearenv"):
        assert flag in args
    assert "--bind" not in args  # every bind is read-only; only the tmpfs folders are writable
    if isolation.is_root():
        assert f"--reuid={isolation.SANDBOX_UID}" in args and "--bounding-set=-all" in args
    assert args[-1] == "child.py" and not any("seed" in a.lower() for a in args)
