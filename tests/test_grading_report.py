"""A grade as a learner reads it (07's practice grade, Gradescope's visible test) and as an instructor does."""

from dlicourse import grading
from dlicourse.grading.gradebook import Failure, Grade


def graded() -> Grade:
    return Grade(submission="/home/ada/labs/outputs/07_assessment/handin/submission.py",
                 source="6 generated shifted whale crops (seed 777)", total=6, correct=4,
                 per_class={"whale": 1 / 3, "not whale": 1.0},
                 confusion={"whale": {"whale": 1, "not whale": 2, "invalid": 0},
                            "not whale": {"whale": 0, "not whale": 3, "invalid": 0}},
                 failures=[Failure("a1.png", "whale", "not whale", "answered 'not whale', not 'whale'"),
                           Failure("b2.png", "whale", "not whale", "answered 'not whale', not 'whale'")],
                 load_seconds=0.4, seconds=1.25, seed=777,
                 isolation="bubblewrap namespaces (network, PID, mount); cgroup v2: memory 4096 MiB",
                 cleanup=["a process was left"])


def test_the_learners_report_ends_with_what_they_can_act_on_and_shows_no_internals():
    text = grading.report(graded(), public=True)
    lines = text.splitlines()
    assert lines[0] == "handin/submission.py: accuracy 66.7%, 4 of 6 images right: FAIL (a pass is more than 80%)"
    assert "       2x answered 'not whale', not 'whale'" in lines
    assert lines[-3:] == ["  accuracy per class:", "        whale: 33.3% right (1 of 3)",
                          "    not whale: 100.0% right (3 of 3)"]
    for internal in ("777", "seed", "bubblewrap", "cgroup", "isolation", "CLEANUP", "a1.png", "/home/ada"):
        assert internal not in text, internal


def test_the_instructors_report_keeps_the_seed_isolation_and_cleanup():
    text = grading.report(graded())
    assert "seed: 777 (pass --seed 777" in text and "isolation: bubblewrap" in text
    assert "CLEANUP FAILED: a process was left" in text and "wrong 2x: answered 'not whale', not 'whale' (e.g." in text


def test_a_stopped_run_says_why_once():
    result = graded()
    result.problem = "submission.py took longer than 10 s to load"
    result.failures = [Failure(f"{i}.png", "whale", None, f"not graded: {result.problem}") for i in range(6)]
    text = grading.report(result, public=True)
    assert text.count("took longer than 10 s") == 1 and "  stopped: submission.py took longer" in text
