"""The grader, one grade at a time: right scores for honest submissions, the answers' rules, what the
submission sees, and a clean end even when the grader is interrupted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from grading_support import BRIGHT_IS_WHALE, FAST, submission_file

from dlicourse import grading
from dlicourse.grading import sandbox

pytestmark = pytest.mark.usefixtures("private_temp")


def test_an_honest_submission_is_scored_and_passes(tmp_path, toy_set):
    result = grading.grade(submission_file(tmp_path, BRIGHT_IS_WHALE), toy_set, FAST)
    assert result.problem is None
    assert (result.accuracy, result.passed, result.failures) == (1.0, True, [])
    assert result.per_class == {"whale": 1.0, "not whale": 1.0}
    assert result.confusion["whale"] == {"whale": 3, "not whale": 0, "invalid": 0}


def test_answers_are_trimmed_and_lower_cased_and_anything_else_is_invalid(tmp_path, toy_set):
    source = BRIGHT_IS_WHALE.replace('"whale" if', '"  WHALE\\n" if').replace('"not whale"', '"not a whale"')
    result = grading.grade(submission_file(tmp_path, source), toy_set, FAST)
    assert result.accuracy == 0.5 and not result.passed
    assert result.confusion["not whale"]["invalid"] == 3
    assert all("invalid answer 'not a whale'" in f.reason for f in result.failures)


def test_always_whale_scores_one_half_and_fails(tmp_path, toy_set):
    result = grading.grade(submission_file(tmp_path, "def predict(path):\n    return 'whale'\n"), toy_set, FAST)
    assert (result.accuracy, result.passed) == (0.5, False)
    assert result.per_class == {"whale": 1.0, "not whale": 0.0}


def test_the_submission_sees_anonymised_copies_and_no_labels(tmp_path, toy_set):
    spy = tmp_path / "seen.txt"
    source = """
    import os
    def predict(path):
        with open("seen.txt", "a") as f:  # its working directory is its own
            f.write(path + " " + " ".join(sorted(os.listdir(os.path.dirname(path)))) + "\\n")
        return open("seen.txt").read().replace("\\n", "|")[-150:]
    """
    result = grading.grade(submission_file(tmp_path, source), toy_set, FAST)
    answers = " ".join(str(f.answer) for f in result.failures)
    assert "whale" not in answers and "face" not in answers
    assert all(len(os.path.basename(f.image)) == len("0123456789abcdef.png") for f in result.failures)
    assert not spy.exists()


def test_an_interrupted_grader_still_cleans_up(tmp_path, toy_set, monkeypatch):
    def interrupted(self, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox.Session, "ask", interrupted)
    with pytest.raises(KeyboardInterrupt):
        grading.grade(submission_file(tmp_path, BRIGHT_IS_WHALE), toy_set, FAST)
    # the fixture checks that no process and no temporary file is left


def test_the_lab_placeholder_fails_with_a_clear_reason(tmp_path, toy_set):
    lab = (ROOT / "labs" / "submission.py").read_text()
    result = grading.grade(submission_file(tmp_path, lab), toy_set, grading.Limits(startup_s=120, per_image_s=30))
    assert result.accuracy == 0.0
    reason = result.failures[0].reason
    assert "Not attempted yet" in reason and "is still FIXME" in reason and "submission.py, line" in reason, reason


@pytest.mark.slow
def test_a_quickly_trained_classifier_gets_the_same_grade_in_practice_as_for_real(tmp_path):
    """The practice set is drawn like the hidden one (the same shift, another seed), so the practice grade
    predicts the real one. (Whether the workshop's reference passes and a careless one fails is measured
    in benchmarks/grading.py: training the reference takes minutes.)"""
    import keras

    from dlicourse.datasets import whale_crops
    from dlicourse.saving import save_model

    crops = whale_crops(1200, seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(crops.x.shape[1:]), keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(crops.x, crops.y, epochs=6, batch_size=32, verbose=0)
    save_model(model, tmp_path / "whale_model.keras")
    submission = tmp_path / "submission.py"
    submission.write_text((ROOT / "solutions" / "submission.py").read_text())

    # 200 images each: for a classifier right about 80% of the time, the two grades' sampling noise has a
    # spread of about 0.04, well inside the 0.1 allowed; a fixed hidden seed keeps the test reproducible.
    practice = grading.grade(submission, grading.practice_set(200))
    real = grading.grade(submission, grading.whale_set(200, seed=31_337))

    assert practice.problem is None and real.problem is None, (practice.problem, real.problem)
    assert min(practice.accuracy, real.accuracy) > 0.65, (practice.accuracy, real.accuracy)  # well above chance
    assert abs(practice.accuracy - real.accuracy) <= 0.1


def test_a_large_set_is_graded_within_the_usual_limit_on_open_files(tmp_path):
    """Each image holds a descriptor until bubblewrap has copied it: a grader started with a soft limit of
    256 open files raises it for a set of 300 images, rather than failing."""
    submission = submission_file(tmp_path, "def predict(path):\n    return 'whale'\n")
    script = f"""
import resource
import numpy as np
resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
from dlicourse import grading
toy = grading.TestSet([np.full((8, 8, 3), 90, np.uint8)] * 300, ["whale"] * 300, "300")
result = grading.grade({str(submission)!r}, toy)
print(result.problem, result.accuracy)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-2:] == ["None", "1.0"], done.stdout[-500:] + done.stderr[-2000:]
