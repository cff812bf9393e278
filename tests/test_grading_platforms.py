"""The platforms' result files, checked against their specifications: Gradescope's and PrairieLearn's
`results.json`, each graded by the command the platform's script runs (docs/platforms.md), in a scratch copy of
the platform's layout (`/autograder`, `/grade`), on a toy hidden set."""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from grading_support import BRIGHT_IS_WHALE, submission_file
from PIL import Image

from dlicourse import grading
from dlicourse.grading import command, gradescope, prairielearn, testsets
from dlicourse.grading.gradebook import Failure, Grade, gradebook_row
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
# PrairieLearn's external grading results.
PRAIRIELEARN_TOP = {"gradable": bool, "score": NUMBER, "message": str, "output": str, "tests": list, "images": list}
PRAIRIELEARN_TEST = {"name": str, "description": str, "points": NUMBER, "max_points": NUMBER, "message": str,
                     "output": str, "images": list}

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


def check_prairielearn(found: dict) -> None:
    """Assert `found` is results.json as PrairieLearn's external grading has it."""
    _check_fields(found, PRAIRIELEARN_TOP, booleans={"gradable"})
    assert found["gradable"] == ("score" in found) and 0 <= found.get("score", 0) <= 1
    for test in found.get("tests", []):
        _check_fields(test, PRAIRIELEARN_TEST)
        assert 0 <= test["points"] <= test["max_points"]
    for image in found.get("images", []):
        assert set(image) == {"label", "url"} and image["url"].startswith("data:image/png;base64,")


def _check_fields(found: dict, spec: dict, booleans: set[str] = frozenset()) -> None:
    assert set(found) <= set(spec), set(found) - set(spec)
    for name, value in found.items():
        assert isinstance(value, spec[name]) and (name in booleans or not isinstance(value, bool)), (name, value)


def documented_argv(script: str, root: Path) -> list[str]:
    """The arguments of the `dlicourse grade` that the script named in docs/platforms.md runs, with the
    platform's root folder (`/autograder`, `/grade`) at `root`."""
    text = (ROOT / "docs" / "platforms.md").read_text()
    body = re.search(rf"```bash\n\s*#!/usr/bin/env bash\n\s*# {re.escape(script)}:.*?\n(.*?)```", text, re.S).group(1)
    command_line = " ".join(line.strip().rstrip("\\") for line in body.splitlines() if line.strip())
    argv = shlex.split(command_line.replace(f"/{root.name}", str(root)))
    assert argv[0].endswith("dlicourse") and argv[1] == "grade"
    return argv[1:]


def layout(root: Path, folders: tuple[str, ...], monkeypatch, toy_set) -> Path:
    """A platform's folders in a scratch `root`; the hidden set drawn there is the toy set."""
    for folder in folders:
        (root / folder).mkdir(parents=True)
    monkeypatch.setattr(testsets, "whale_set", lambda n, seed=None: toy_set)
    return root


@pytest.fixture
def autograder(tmp_path, toy_set, monkeypatch):
    """Gradescope's layout: the hand-in goes in submission/, results.json in results/."""
    return layout(tmp_path / "autograder", ("source", "submission", "results"), monkeypatch, toy_set)


@pytest.fixture
def grade_folder(tmp_path, toy_set, monkeypatch):
    """PrairieLearn's layout: the hand-in goes in student/, results.json in results/."""
    return layout(tmp_path / "grade", ("student", "tests", "results"), monkeypatch, toy_set)


def run_autograder_argv(autograder: Path) -> list[str]:
    return documented_argv("run_autograder", autograder)


def hand_in(folder: Path, source: str) -> None:
    (folder / "whale_model.keras").write_bytes(b"weights")
    submission_file(folder, source)


def results_of(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


def broken_grader(monkeypatch) -> None:
    """The grader fails (not the submission): writing the test images raises."""
    def disk_full(images):
        raise OSError("disk full")

    monkeypatch.setattr("dlicourse.grading.grader.anonymised", disk_full)


def test_run_autograder_writes_results_json_as_gradescope_specifies(autograder, capsys):
    hand_in(autograder / "submission", ALWAYS)
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
    hand_in(autograder / "submission", BRIGHT_IS_WHALE)
    broken_grader(monkeypatch)
    main(run_autograder_argv(autograder))
    found = results_of(autograder)
    assert not check_gradescope(found)  # valid fields, and no score anywhere: never a 0
    assert found["tests"] == [] and "leaderboard" not in found
    assert "grader itself failed" in found["output"] and "will be graded again" in found["output"]


def test_a_refusal_on_gradescope_writes_results_json_that_says_why(autograder, monkeypatch, capsys):
    hand_in(autograder / "submission", BRIGHT_IS_WHALE)
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


def test_prairielearn_s_entrypoint_writes_gradable_results_with_a_few_wrong_crops(grade_folder):
    hand_in(grade_folder / "student", ALWAYS)
    assert main(documented_argv("/grade/tests/run.sh", grade_folder)) == 1
    text = (grade_folder / "results" / "results.json").read_text()
    found = json.loads(text)

    check_prairielearn(found)
    assert found["gradable"] is True and found["score"] == 0.5 and "accuracy 50.0%" in found["message"]
    assert [(t["points"], t["max_points"]) for t in found["tests"]] == [(50.0, 100.0), (100.0, 100.0), (0.0, 100.0)]
    assert [t["name"].split(" (")[0] for t in found["tests"]] == [  # the same checks as Gradescope's
        "Accuracy on 6 hidden images", "Accuracy on the whale images", "Accuracy on the not whale images"]
    assert [i["label"] for i in found["images"]] == ["answered 'whale', not 'not whale'"] * prairielearn.PER_CLASS
    for image in found["images"]:  # the crops themselves: the toy set's dark ones, the ones it got wrong
        png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
        assert (np.asarray(Image.open(io.BytesIO(png))) == 30).all()
    assert "1234567890123" not in text


def test_a_grader_fault_or_a_refusal_on_prairielearn_is_not_gradable_and_says_why(grade_folder, monkeypatch):
    hand_in(grade_folder / "student", BRIGHT_IS_WHALE)
    argv = documented_argv("/grade/tests/run.sh", grade_folder)
    broken_grader(monkeypatch)
    main(argv)
    found = results_of(grade_folder)
    check_prairielearn(found)
    assert found == {"gradable": False, "message": found["message"]} and "grader itself failed" in found["message"]

    monkeypatch.setattr("dlicourse.grading.isolation.unavailable", lambda: "no user namespaces in this container")
    assert main(argv) == 2
    found = results_of(grade_folder)
    check_prairielearn(found)
    assert not found["gradable"] and "no user namespaces in this container" in found["message"]
    assert "will be graded again" in found["message"]


def test_prairielearn_s_file_shows_at_most_four_small_crops_and_stays_under_one_megabyte():
    """Twenty large crops of noise (the worst case for PNG), all wrong: four shown, two of each class, each
    scaled down; the file is far under 1 MB."""
    rng = np.random.default_rng(0)
    answers = ["whale", "not whale"] * 10
    test_set = testsets.TestSet([rng.integers(0, 256, (900, 700, 3), np.uint8) for _ in answers], answers, "noise")
    wrong = {"whale": "not whale", "not whale": "whale"}
    result = Grade("x/submission.py", "noise", total=20, per_class={"whale": 0.0, "not whale": 0.0},
                   failures=[Failure(f"{k}.png", e, wrong[e], "wrong", k) for k, e in enumerate(answers)])
    found = prairielearn.results(result, test_set)

    check_prairielearn(found)
    assert len(json.dumps(found).encode()) < 1_000_000
    assert sorted(i["label"] for i in found["images"]) == ["answered 'not whale', not 'whale'"] * 2 + [
        "answered 'whale', not 'not whale'"] * 2
    sizes = [Image.open(io.BytesIO(base64.b64decode(i["url"].split(",", 1)[1]))).size for i in found["images"]]
    assert all(max(size) <= prairielearn.THUMBNAIL for size in sizes)
