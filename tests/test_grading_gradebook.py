"""The gradebook: one row per student, in the order given, graded in parallel; read back by a re-grade;
the same grades as Canvas imports them."""

from __future__ import annotations

import csv

import pytest
from grading_support import BRIGHT_IS_WHALE, FAST, submission_file

from dlicourse import grading
from dlicourse.grading import handin
from dlicourse.grading.gradebook import CANVAS_COLUMNS, Gradebook, GradebookError, read_roster

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


def test_the_canvas_file_is_what_canvas_s_importer_reads_and_holds_no_blank_score(tmp_path):
    """Canvas's gradebook importer reads Student, ID, SIS User ID, SIS Login ID, Section, then one column per
    assignment ("Name (id)"), and takes the row whose Student cell says "Points Possible" for the points; a blank
    score (the grader's fault) is left out, never imported over the grade Canvas holds."""
    book = Gradebook(tmp_path / "book.csv")
    book.put(_row("ada", score="95.5"))
    book.put(_row("bo", score="", problem="not graded: the task was lost (KilledWorker); grade it again"))
    book.put(_row("=cy", score="40.0"))
    chosen = book.write_canvas(tmp_path / "book.canvas.csv", "Whale assessment (12345)")

    rows = list(csv.reader((tmp_path / "book.canvas.csv").open(newline="")))
    assert CANVAS_COLUMNS == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Whale assessment (12345)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "100"]
    assert rows[2:] == [["ada", "", "", "ada", "", "95.5"], ["'=cy", "", "", "'=cy", "", "40.0"]]  # literal cells
    assert chosen.faults == ["bo"] and chosen.unrostered == []


CANVAS_EXPORT = """Student,ID,SIS User ID,SIS Login ID,Section,Whale assessment (12345)
    Points Possible,,,,,100.00
"Lovelace, Ada",1001,S-1,ada,Morning,
"Bo, Bo",1002,S-2,,Evening,
"Student, Test",1003,,,Morning,
"""


def test_a_canvas_roster_gives_canvas_s_own_columns_and_leaves_out_who_it_does_not_have(tmp_path):
    """Matched by SIS Login ID, SIS User ID or ID (a folder may be named by any); the roster's rows are
    written back as Canvas exported them, so its importer finds each student by ID."""
    roster_file = tmp_path / "export.csv"
    roster_file.write_text(CANVAS_EXPORT)
    roster = read_roster(roster_file, "canvas")
    assert "Points Possible" not in " ".join(roster) and {"ada", "S-2", "1003"} <= set(roster)
    book = Gradebook(tmp_path / "book.csv")
    for student, score in (("ada", "90.0"), ("S-2", "55.0"), ("eve", "100.0"), ("1003", "")):
        book.put(_row(student, score=score))
    chosen = book.write_canvas(tmp_path / "book.canvas.csv", "Whale assessment (12345)", roster)

    rows = list(csv.reader((tmp_path / "book.canvas.csv").open(newline="")))
    assert rows[2:] == [["Lovelace, Ada", "1001", "S-1", "ada", "Morning", "90.0"],
                        ["Bo, Bo", "1002", "S-2", "", "Evening", "55.0"]]
    assert chosen.unrostered == ["eve"] and chosen.faults == ["1003"]


def test_the_moodle_file_holds_rostered_scored_students_only(tmp_path):
    roster_file = tmp_path / "users.csv"
    roster_file.write_text("\ufeffUsername,Email,firstname\nada,ada@example.org,Ada\nbo,bo@example.org,Bo\n")
    roster = read_roster(roster_file, "moodle")
    book = Gradebook(tmp_path / "book.csv")
    for student, score in (("ada", "90.0"), ("bo@example.org", "0.0"), ("eve", "70.0"), ("cy", "")):
        book.put(_row(student, score=score))
    chosen = book.write_moodle(tmp_path / "book.moodle.csv", roster)

    rows = list(csv.reader((tmp_path / "book.moodle.csv").open(newline="")))
    assert rows == [["student", "score"], ["ada", "90.0"], ["bo@example.org", "0.0"]]
    assert chosen.unrostered == ["eve"] and chosen.faults == ["cy"]
    book.write_moodle(tmp_path / "all.moodle.csv")  # no roster: every scored student
    assert [r[0] for r in csv.reader((tmp_path / "all.moodle.csv").open(newline=""))] == [
        "student", "ada", "bo@example.org", "eve"]


def test_a_roster_that_is_not_one_is_refused_in_one_line(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("name,grade\nAda,3\n")
    for platform, said in (("canvas", "not Canvas's gradebook export"), ("moodle", "no username or email column")):
        with pytest.raises(GradebookError, match=said) as refused:
            read_roster(other, platform)
        assert "\n" not in str(refused.value)
