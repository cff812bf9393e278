"""The gradebook: one row per student, in the order given, graded in parallel; read back by a re-grade;
the same grades as Canvas imports them."""

from __future__ import annotations

import csv

import pytest
from grading_support import BRIGHT_IS_WHALE, FAST, submission_file

from dlicourse import grading
from dlicourse.grading import handin
from dlicourse.grading.gradebook import CANVAS_COLUMNS, Gradebook, GradebookError

pytestmark = pytest.mark.usefixtures("private_temp")


def test_the_gradebook_has_one_row_per_student_in_order(tmp_path, toy_set):
    sources = {"good": BRIGHT_IS_WHALE, "always": "def predict(path):\n    return 'whale'\n",
               "sleepy": "import time\ndef predict(path):\n    time.sleep(60)\n"}
    subs = []
    for student, source in sources.items():
        (tmp_path / student).mkdir()
        subs.append(submission_file(tmp_path / student, source))
    subs.append(tmp_path / "missing" / "submission.py")
    finished = []
    results = grading.grade_many(subs, toy_set, FAST, jobs=2, on_done=lambda i, g: finished.append(i))
    book = grading.write_gradebook(tmp_path / "gradebook.csv", results)

    rows = list(csv.DictReader(book.open()))
    assert sorted(finished) == [0, 1, 2, 3]
    assert [r["student"] for r in rows] == ["good", "always", "sleepy", "missing"]
    assert [r["passed"] for r in rows] == ["True", "False", "False", "False"]
    assert [r["score"] for r in rows] == ["100.0", "50.0", "0.0", "0.0"]
    assert [float(r["accuracy"]) for r in rows] == [1.0, 0.5, 0.0, 0.0]
    assert [r["whale_accuracy"] for r in rows[:2]] == ["1.0000", "1.0000"]
    assert [r["not_whale_accuracy"] for r in rows[:2]] == ["1.0000", "0.0000"]
    assert "gave no answer" in rows[2]["problem"] and "does not exist" in rows[3]["problem"]
    assert [r["files_sha256"] for r in rows] == [handin.digest(s) for s in subs[:3]] + [""]  # the copy graded


def _row(student: str, **cells: str) -> dict[str, str]:
    row = dict.fromkeys(grading.GRADEBOOK_COLUMNS, "")
    return {**row, "student": student, "score": "90.0", "passed": "True", "test_set": "set A", "seed": "1",
            "files_sha256": "abc", "conditions": "c", **cells}


def test_a_gradebook_written_and_read_back_keeps_rows_order_and_hand_added_columns(tmp_path):
    path = tmp_path / "book.csv"
    book = Gradebook(path)
    for student in ("zoe", "adam"):
        book.put(_row(student))
    book.write()
    with path.open() as f:  # an instructor adds a column by hand
        rows = list(csv.DictReader(f))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*grading.GRADEBOOK_COLUMNS, "comment"])
        writer.writeheader()
        writer.writerows({**r, "comment": f"hi {r['student']}"} for r in rows)

    again = Gradebook.read(path)
    assert list(again.rows) == ["zoe", "adam"] and again.hidden_set() == ("set A", "1")
    assert again.reusable("zoe", "abc", "c") is not None
    assert again.reusable("zoe", "abd", "c") is None and again.reusable("zoe", "abc", "other limits") is None
    again.put(_row("zoe", score="40.0", files_sha256="abd"))
    again.write()
    rows = list(csv.DictReader(path.open()))
    assert [(r["student"], r["score"], r["comment"]) for r in rows] == [("zoe", "40.0", "hi zoe"),
                                                                        ("adam", "90.0", "hi adam")]


def test_a_file_that_is_not_one_gradebook_is_refused_in_one_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAda,ada@example.org\n")
    with pytest.raises(GradebookError, match="not a gradebook of this grader") as refused:
        Gradebook.read(roster)
    assert "\n" not in str(refused.value)
    mixed = Gradebook(tmp_path / "mixed.csv")
    mixed.put(_row("a"))
    mixed.put(_row("b", seed="2"))
    mixed.write()
    with pytest.raises(GradebookError, match="mixes grades from different test sets"):
        Gradebook.read(mixed.path).hidden_set()
    faulty = Gradebook(tmp_path / "faulty.csv")
    faulty.put(_row("a", problem="the grader failed: OSError: disk full", score=""))
    assert faulty.reusable("a", "abc", "c") is None  # a grader's fault is graded again, never kept


def test_the_canvas_file_has_canvas_s_documented_columns_then_the_assignment(tmp_path):
    """Canvas's gradebook import reads Student, ID, SIS User ID, SIS Login ID, Section, then one column per
    assignment, named as in its export ("Name (id)"); the student goes in as name and SIS Login ID."""
    book = Gradebook(tmp_path / "book.csv")
    book.put(_row("ada", score="95.5"))
    book.put(_row("bo", score="", problem="not graded: the task was lost (KilledWorker); grade it again"))
    canvas = book.write_canvas(tmp_path / "book.canvas.csv", "Whale assessment (12345)")

    rows = list(csv.reader(canvas.open(newline="")))
    assert CANVAS_COLUMNS == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Whale assessment (12345)"]
    assert rows[1:] == [["ada", "", "", "ada", "", "95.5"], ["bo", "", "", "bo", "", ""]]
