"""The platforms' result files, checked against their specifications: Gradescope's `results.json`, graded by the
command that `run_autograder` runs (docs/platforms.md) in a scratch copy of Gradescope's `/autograder` layout,
on a toy hidden set."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

import pytest
from grading_support import BRIGHT_IS_WHALE, submission_file

from dlicourse import grading
from dlicourse.grading import command, gradescope, testsets
from dlicourse.grading.gradebook import Grade, gradebook_row
from dlicourse.instructor.cli import main

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = "def predict(path):\n    return 'whale'\n"
NUMBER = (int, float)
# Gradescope's "Autograder Specifications": the fields of results.json, of a test and of a leaderboard entry.
GRADESCOPE_TOP = {"score": NUMBER, "execution_time": int, "output": str, "visibility": str, "stdout_visibility": str,
                  "extra_data": dict, "tests": list, "leaderboard": list}
GRADESCOPE_TEST = {"score": NUMBER, "max_score": NUMBER, "status": str, "name": str, "number": str, "output": str,
                   "tags": list, "visibility": str, "extra_data": dict}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}

pytestmark = pytest.mark.usefixtures("private_temp")


def check_gradescope(found: dict) -> bool:
    """Assert `found` is results.json as Gradescope's specification has it; whether it holds a score."""
    _check_fields(found, GRADESCOPE_TOP)
    assert found.get("visibility", "visible") in VISIBILITIES and found["stdout_visibility"] in VISIBILITIES
    for test in found["tests"]:
        _check_fields(test, GRADESCOPE_TEST)
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
        assert 0 <= test["score"] <= test["max_score"]
    for entry in found.get("leaderboard", []):
        assert set(entry) <= {"name", "value", "order"} and isinstance(entry["name"], str)
        assert isinstance(entry["value"], (*NUMBER, str)) and entry.get("order", "desc") in ("asc", "desc")
    return "score" in found or bool(found["tests"]) and all("score" in test for test in found["tests"])


def _check_fields(found: dict, spec: dict) -> None:
    assert set(found) <= set(spec), set(found) - set(spec)
    for name, value in found.items():
        assert isinstance(value, spec[name]) and not isinstance(value, bool), (name, value)


def run_autograder_argv(autograder: Path) -> list[str]:
    """The arguments of the `dlicourse grade` that docs/platforms.md's run_autograder runs, in `autograder`."""
    text = (ROOT / "docs" / "platforms.md").read_text()
    script = re.search(r"```bash\n\s*#!/usr/bin/env bash\n(.*?)```", text, re.S).group(1)
    command_line = " ".join(line.strip().rstrip("\\") for line in script.splitlines()
                            if line.strip() and not line.strip().startswith("#"))
    argv = shlex.split(command_line.replace("/autograder", str(autograder)))
    assert argv[0] == f"{autograder}/venv/bin/dlicourse" and argv[1] == "grade"
    return argv[1:]


@pytest.fixture
def autograder(tmp_path, toy_set, monkeypatch):
    """Gradescope's layout (source/, submission/, results/) in a scratch folder; the hidden set drawn is the toy
    set. The hand-in is the test's to write."""
    for folder in ("source", "submission", "results"):
        (tmp_path / "autograder" / folder).mkdir(parents=True)
    monkeypatch.setattr(testsets, "whale_set", lambda n, seed=None: toy_set)
    return tmp_path / "autograder"


def hand_in(autograder: Path, source: str) -> None:
    (autograder / "submission" / "whale_model.keras").write_bytes(b"weights")
    submission_file(autograder / "submission", source)


def results_of(autograder: Path) -> dict:
    return json.loads((autograder / "results" / "results.json").read_text())


def test_run_autograder_writes_results_json_as_gradescope_specifies(autograder, capsys):
    hand_in(autograder, ALWAYS)
    assert main(run_autograder_argv(autograder)) == 1  # a fail
    text = (autograder / "results" / "results.json").read_text()
    found = json.loads(text)

    assert check_gradescope(found)
    assert found["score"] == 50.0 and found["stdout_visibility"] == "hidden"
    assert [(t["score"], t["max_score"], t["status"], t["visibility"]) for t in found["tests"]] == [
        (50.0, 100.0, "failed", "visible"), (100.0, 100.0, "passed", "visible"), (0.0, 100.0, "failed", "visible")]
    overall, whale, not_whale = found["tests"]
    assert overall["name"].startswith("Accuracy on 6 hidden images") and "accuracy 50.0%" in overall["output"]
    assert whale["output"] == "3 of 3 whale images right" and not_whale["output"] == "0 of 3 not whale images right"
    assert found["output"] == overall["output"]
    assert found["leaderboard"] == [{"name": "Accuracy", "value": 50.0, "order": "desc"}]
    assert "1234567890123" not in text  # run_autograder's seed stays with the instructor


def test_a_grader_fault_on_gradescope_is_no_score_and_says_it_will_be_graded_again(autograder, monkeypatch):
    hand_in(autograder, BRIGHT_IS_WHALE)

    def disk_full(images):
        raise OSError("disk full")

    monkeypatch.setattr("dlicourse.grading.grader.anonymised", disk_full)
    main(run_autograder_argv(autograder))
    found = results_of(autograder)
    assert not check_gradescope(found)  # valid fields, and no score anywhere: never a 0
    assert found["tests"] == [] and "leaderboard" not in found
    assert "grader itself failed" in found["output"] and "will be graded again" in found["output"]


def test_a_refusal_on_gradescope_writes_results_json_that_says_why(autograder, monkeypatch, capsys):
    hand_in(autograder, BRIGHT_IS_WHALE)
    argv = run_autograder_argv(autograder)
    assert main([*argv, "--images", str(autograder / "nowhere")]) == 2  # a bad hidden set
    found = results_of(autograder)
    assert not check_gradescope(found) and "face/ and not_face/" in found["output"]

    monkeypatch.setattr("dlicourse.grading.isolation.unavailable", lambda: "no user namespaces in this container")
    assert main(argv) == 2
    found = results_of(autograder)
    assert not check_gradescope(found) and "no user namespaces in this container" in found["output"]
    assert "will be graded again" in found["output"] and capsys.readouterr().err.count("\n") == 2


def test_the_gradebook_and_results_json_round_a_score_alike():
    result = Grade("ada/submission.py", "toy", total=3, correct=2, per_class={"whale": 1.0, "not whale": 0.5},
                   confusion={"whale": {"whale": 2, "not whale": 0, "invalid": 0},
                              "not whale": {"whale": 1, "not whale": 0, "invalid": 0}})
    found = gradescope.results(result)
    assert gradebook_row(result)["score"] == "66.7" and found["score"] == 66.7
    assert found["leaderboard"][0]["value"] == found["tests"][0]["score"] == 66.7


def test_the_gradescope_preset_fits_its_default_container_with_a_margin():
    limits = gradescope.LIMITS
    assert limits.startup_s + limits.per_image_s * grading.DEFAULT_HIDDEN_SIZE <= limits.total_s
    assert limits.total_s <= gradescope.TIMEOUT_S - 120  # two minutes for the grader's start and the hidden set
    assert limits.memory_mb <= gradescope.CONTAINER_MB // 2

    def chosen(platform: str | None, **given) -> grading.Limits:
        options = {"per_image_s": None, "total_s": None, "memory_mb": None, **given}
        return command._limits(argparse.Namespace(platform=platform, **options))

    assert chosen("gradescope") == limits and chosen(None) == grading.Limits()
    assert chosen("gradescope", memory_mb=300).memory_mb == 300 and chosen("gradescope", memory_mb=300).total_s == 420
    assert chosen(None, total_s=60).startup_s == 60  # start-up never longer than the whole
