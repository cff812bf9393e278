"""The gradebook: one row per submission, in the order given, graded in parallel."""

from __future__ import annotations

import csv
import os

import pytest
from grading_support import BRIGHT_IS_WHALE, FAST, submission_file

from dlicourse import grading

pytestmark = pytest.mark.usefixtures("private_temp")


def test_the_gradebook_has_one_row_per_submission_in_order(tmp_path, toy_set):
    subs = [submission_file(tmp_path, BRIGHT_IS_WHALE, "good.py"),
            submission_file(tmp_path, "def predict(path):\n    return 'whale'\n", "always.py"),
            submission_file(tmp_path, "import time\ndef predict(path):\n    time.sleep(60)\n", "sleepy.py"),
            tmp_path / "missing.py"]
    results = grading.grade_many(subs, toy_set, FAST, jobs=2)
    book = grading.write_gradebook(tmp_path / "gradebook.csv", results)

    rows = list(csv.DictReader(book.open()))
    assert [os.path.basename(r["submission"]) for r in rows] == ["good.py", "always.py", "sleepy.py", "missing.py"]
    assert [r["passed"] for r in rows] == ["True", "False", "False", "False"]
    assert [float(r["accuracy"]) for r in rows] == [1.0, 0.5, 0.0, 0.0]
    assert "gave no answer" in rows[2]["problem"] and "does not exist" in rows[3]["problem"]
