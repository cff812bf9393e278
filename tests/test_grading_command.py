"""`dlicourse grade`: a folder of real crops into a gradebook; JSON and the exit code."""

from __future__ import annotations

import csv
import json

import numpy as np
from grading_support import BRIGHT_IS_WHALE, submission_file


def test_the_command_grades_a_folder_of_real_crops_into_a_gradebook(tmp_path, capsys):
    from PIL import Image

    from dlicourse.instructor.cli import main

    for label, value in (("face", 220), ("not_face", 20)):
        (tmp_path / "crops" / label).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(np.full((40, 40, 3), value, np.uint8)).save(tmp_path / "crops" / label / f"{k}.png")
    good = submission_file(tmp_path, BRIGHT_IS_WHALE)
    code = main(["grade", "--task", "whale", str(good), "--images", str(tmp_path / "crops"),
                 "--out", str(tmp_path / "book.csv")])
    assert code == 0
    assert "PASS 100.0%" in capsys.readouterr().out
    assert len(list(csv.DictReader((tmp_path / "book.csv").open()))) == 1


def test_the_command_prints_json_and_exits_non_zero_when_a_submission_fails(tmp_path, capsys):
    from dlicourse.instructor.cli import main

    always = submission_file(tmp_path, "def predict(path):\n    return 'whale'\n")
    code = main(["grade", "--task", "whale", str(always), "--seed", "5", "--n", "6", "--json"])
    grades = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(g["accuracy"], g["passed"], g["total"]) for g in grades] == [(0.5, False, 6)]
    assert grades[0]["confusion"]["not whale"] == {"whale": 3, "not whale": 0, "invalid": 0}
