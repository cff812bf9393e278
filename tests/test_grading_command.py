"""`dlicourse grade`: a class into a gradebook (students, re-grades that keep unchanged hand-ins), Gradescope's
results.json, progress, JSON and the exit code, and bad input refused in one line."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from grading_support import BRIGHT_IS_WHALE, submission_file

from dlicourse.grading.command import grader_version
from dlicourse.instructor.cli import main

ALWAYS = "def predict(path):\n    return 'whale'\n"
SEED = 987_654_321_123  # a seed that cannot appear in a report by chance


@pytest.fixture
def crops(tmp_path):
    """Real crops in the whale layout: bright faces, dark sea."""
    from PIL import Image

    for label, value in (("face", 220), ("not_face", 20)):
        (tmp_path / "crops" / label).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(np.full((40, 40, 3), value, np.uint8)).save(tmp_path / "crops" / label / f"{k}.png")
    return tmp_path / "crops"


def hand_in(folder, student: str, source: str, model: bytes = b"weights") -> str:
    """A student's hand-in folder: submission.py and a model file beside it."""
    (folder / student).mkdir(parents=True, exist_ok=True)
    (folder / student / "whale_model.keras").write_bytes(model)
    return str(submission_file(folder / student, source))


def rows(path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_command_grades_a_folder_of_real_crops_into_a_gradebook(tmp_path, crops, capsys):
    good = submission_file(tmp_path, BRIGHT_IS_WHALE)
    code = main(["grade", "--task", "whale", str(good), "--images", str(crops), "--out", str(tmp_path / "book.csv")])
    assert code == 0
    assert "PASS 100.0%" in capsys.readouterr().out
    assert len(rows(tmp_path / "book.csv")) == 1


def test_the_command_prints_json_and_exits_non_zero_when_a_submission_fails(tmp_path, capsys):
    always = submission_file(tmp_path, ALWAYS)
    code = main(["grade", "--task", "whale", str(always), "--seed", "5", "--n", "6", "--json"])
    grades = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(g["accuracy"], g["passed"], g["total"]) for g in grades] == [(0.5, False, 6)]
    assert grades[0]["confusion"]["not whale"] == {"whale": 3, "not whale": 0, "invalid": 0}


def test_a_regrade_keeps_unchanged_hand_ins_and_grades_a_changed_model_again(tmp_path, crops, capsys):
    subs = [hand_in(tmp_path / "class", name, source) for name, source in
            (("ada", BRIGHT_IS_WHALE), ("bo", ALWAYS), ("cy", BRIGHT_IS_WHALE))]
    book = tmp_path / "book.csv"
    grade = ["grade", *subs, "--images", str(crops), "--out", str(book), "--jobs", "2"]
    assert main(grade) == 1
    first = capsys.readouterr()
    assert "grading: 100%" in first.err and "3/3" in first.err  # tqdm's progress, on stderr
    before = rows(book)
    assert [(r["student"], r["score"], r["passed"]) for r in before] == [
        ("ada", "100.0", "True"), ("bo", "50.0", "False"), ("cy", "100.0", "True")]
    assert before[0]["test_set"].startswith("real crops sha256:")
    assert before[0]["conditions"].startswith(f"{grader_version()}; isolated")

    assert main(grade) == 1  # nothing changed: nothing runs, every row stays as it was
    again = capsys.readouterr()
    assert "3 unchanged submission(s) keep their grade" in again.err and "grading:" not in again.err
    assert again.out.count("(unchanged: kept)") == 3 and rows(book) == before

    (tmp_path / "class" / "bo" / "whale_model.keras").write_bytes(b"other weights")  # only the model changed
    (tmp_path / "class" / "cy" / "notes").mkdir()  # a subfolder is not copied for grading: no change
    (tmp_path / "class" / "cy" / "notes" / "todo.txt").write_text("tidy up")
    assert main(grade) == 1
    third = capsys.readouterr()
    assert "2 unchanged submission(s) keep their grade from" in third.err and "; grading 1\n" in third.err
    assert third.out.splitlines()[:3] == ["PASS 100.0%  ada  (unchanged: kept)", "FAIL  50.0%  bo",
                                          "PASS 100.0%  cy  (unchanged: kept)"]
    after = rows(book)
    assert after[1]["files_sha256"] != before[1]["files_sha256"] and after[0] == before[0] and after[2] == before[2]

    assert main(["grade", subs[0], "--images", str(crops), "--out", str(book)]) == 0  # one student, same book
    assert rows(book) == after and "(with 2 other student(s) graded before)" in capsys.readouterr().out


def test_a_regrade_uses_the_gradebook_s_seed_and_refuses_another_set_in_one_line(tmp_path, capsys):
    sub = hand_in(tmp_path, "ada", BRIGHT_IS_WHALE)
    book = str(tmp_path / "book.csv")
    main(["grade", sub, "--n", "6", "--out", book])
    [first] = rows(book)
    assert first["seed"] and first["total"] == "6"

    (tmp_path / "ada" / "submission.py").write_text(BRIGHT_IS_WHALE + "# resubmitted\n")
    main(["grade", sub, "--n", "6", "--out", book])  # no --seed: the gradebook's
    [second] = rows(book)
    assert second["seed"] == first["seed"] and second["files_sha256"] != first["files_sha256"]
    assert (second["correct"], second["whale_accuracy"]) == (first["correct"], first["whale_accuracy"])
    capsys.readouterr()

    for other in (["--n", "8"], ["--seed", "1"]):
        assert main(["grade", sub, "--out", book, "--n", "6", *other]) == 2
        err = capsys.readouterr().err
        assert err.startswith("dlicourse grade: ") and err.count("\n") == 1 and "another --out" in err
        assert first["seed"] not in err and rows(book) == [second]


def test_students_come_from_the_path_by_a_pattern_one_row_each(tmp_path, crops, capsys):
    subs = [hand_in(tmp_path, f"{name}_{number}", ALWAYS) for name, number in (("ada", 101), ("bo", 102))]
    book = tmp_path / "book.csv"
    code = main(["grade", *subs, "--images", str(crops), "--out", str(book), "--student-from", r"_(\d+)/"])
    assert code == 1 and [r["student"] for r in rows(book)] == ["101", "102"]
    capsys.readouterr()

    for pattern, said in ((r"_(1)0", "are both student '1'"), ("no-such-student", "finds no student in")):
        assert main(["grade", *subs, "--images", str(crops), "--student-from", pattern]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1


def test_gradescope_gets_results_json_without_the_hidden_seed(tmp_path, capsys):
    sub = hand_in(tmp_path / "autograder", "submission", BRIGHT_IS_WHALE)
    results = tmp_path / "results" / "results.json"
    code = main(["grade", "--task", "whale", sub, "--n", "6", "--seed", str(SEED), "--gradescope", str(results)])
    text = results.read_text()
    found = json.loads(text)
    test = found["tests"][0]  # the grade; then the accuracy per class (tests/test_grading_platforms.py)
    assert set(found) == {"score", "execution_time", "output", "stdout_visibility", "tests", "leaderboard"}
    assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
    assert test["max_score"] == 100.0 and test["visibility"] == "visible" and found["stdout_visibility"] == "hidden"
    assert found["score"] == test["score"] and 0 <= found["score"] <= 100
    assert test["status"] == ("passed" if code == 0 else "failed") and isinstance(found["execution_time"], int)
    assert "accuracy" in test["output"] and str(SEED) not in text
    assert str(SEED) in capsys.readouterr().out  # the instructor's report, on stdout (instructors only)


def test_bad_input_is_one_line_that_says_what_is_expected(tmp_path, crops, capsys):
    sub = hand_in(tmp_path, "ada", ALWAYS)
    (tmp_path / "louie" / "Louie").mkdir(parents=True)
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAda,ada@example.org\n")
    cases = [(["grade", str(tmp_path / "ada")], "is a folder, not a submission file"),
             (["grade", sub, "--images", str(tmp_path / "nowhere")], "face/ and not_face/"),
             (["grade", sub, "--images", str(tmp_path / "louie")], "has no face/ (found Louie/)"),
             (["grade", sub, "--out", str(roster)], "not a gradebook of this grader"),
             (["grade", sub, sub, "--gradescope", str(tmp_path / "r.json")], "grade one submission, without --out"),
             (["grade", sub, "--canvas", "Whale (1)"], "give --out too"),
             (["grade", sub, "--moodle"], "give --out too"),
             (["grade", sub, "--out", str(tmp_path / "b.csv"), "--roster", str(roster)], "with one of --canvas or"),
             (["grade", sub, "--out", str(tmp_path / "b.csv"), "--canvas", "W", "--roster", str(roster)],
              "not Canvas's gradebook export")]
    for argv, said in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1 and "Traceback" not in err, err
        assert "Not Louie" not in err
    assert roster.read_text() == "name,email\nAda,ada@example.org\n"
    refused = json.loads((tmp_path / "r.json").read_text())  # Gradescope's learner is told why, with no score
    assert "grade one submission" in refused["output"] and "score" not in refused


def test_json_is_all_there_is_on_stdout_and_no_progress_bar(tmp_path, crops, capsys):
    subs = [hand_in(tmp_path, name, ALWAYS) for name in ("ada", "bo")]
    book = tmp_path / "book.csv"
    main(["grade", *subs, "--images", str(crops), "--out", str(book), "--json", "--canvas", "Whale (7)"])
    out, err = capsys.readouterr()
    assert [(g["student"], g["reused"], g["accuracy"]) for g in json.loads(out)] == [("ada", False, 0.5),
                                                                                    ("bo", False, 0.5)]
    assert "grading" not in err
    assert list(csv.reader((tmp_path / "book.canvas.csv").open()))[2:] == [["ada", "", "", "ada", "", "50.0"],
                                                                           ["bo", "", "", "bo", "", "50.0"]]
    main(["grade", *subs, "--images", str(crops), "--out", str(book), "--json"])
    out, err = capsys.readouterr()
    assert [(g["student"], g["reused"], g["score"]) for g in json.loads(out)] == [("ada", True, "50.0"),
                                                                                 ("bo", True, "50.0")]
    assert err == ""


def test_lms_files_leave_out_unrostered_students_and_grader_faults_one_line_each(tmp_path, crops, capsys):
    subs = [hand_in(tmp_path / "class", name, ALWAYS) for name in ("ada", "bo", "eve")]
    book = tmp_path / "book.csv"
    roster = tmp_path / "users.csv"
    roster.write_text("username,email\nada,ada@example.org\nbo,bo@example.org\n")
    main(["grade", *subs, "--images", str(crops), "--out", str(book)])
    graded = rows(book)
    graded[1]["score"] = ""  # bo's grade was the grader's fault
    with open(book, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(graded[0]))
        writer.writeheader()
        writer.writerows(graded)
    capsys.readouterr()

    main(["grade", subs[0], "--images", str(crops), "--out", str(book), "--moodle", "--roster", str(roster)])
    err = capsys.readouterr().err.splitlines()
    assert list(csv.reader((tmp_path / "book.moodle.csv").open())) == [["student", "score"], ["ada", "50.0"]]
    assert [line for line in err if line.startswith("not in book.moodle.csv: ")] == [
        "not in book.moodle.csv: bo: the grader failed on this hand-in (not the learner); grade it again, and the "
        "grade the LMS holds stays until then", "not in book.moodle.csv: eve is not on the roster"]


def test_per_attempt_draws_are_kept_in_the_gradebook_and_reproduce_a_grade(tmp_path, crops, capsys):
    from dlicourse.grading.testsets import attempt_seed

    subs = [hand_in(tmp_path / "class", name, BRIGHT_IS_WHALE + f"# {name}\n") for name in ("ada", "bo")]
    book = tmp_path / "book.csv"

    def grade(*argv: str) -> list[dict]:
        main(["grade", *argv, "--n", "6", "--per-attempt", "--json"])
        return json.loads(capsys.readouterr().out)

    graded = grade(*subs, "--seed", str(SEED), "--out", str(book))
    first = rows(book)
    assert {r["seed"] for r in first} == {str(SEED)} and all("a draw per attempt" in r["test_set"] for r in first)
    draws = [attempt_seed(SEED, r["files_sha256"]) for r in first]
    assert draws[0] != draws[1] and all(f"(seed {d}," in g["source"] for d, g in zip(draws, graded, strict=True))

    [again] = grade(subs[0], "--seed", first[0]["seed"])  # the gradebook's seed and the same hand-in: the same grade
    assert (again["source"], again["confusion"]) == (graded[0]["source"], graded[0]["confusion"])

    (tmp_path / "class" / "ada" / "submission.py").write_text(BRIGHT_IS_WHALE + "# resubmitted\n")
    [changed] = grade(subs[0], "--out", str(book))  # no --seed: the gradebook's; a new hand-in, a new draw
    ada = rows(book)[0]
    assert ada["seed"] == str(SEED) and f"(seed {attempt_seed(SEED, ada['files_sha256'])}," in changed["source"]
    assert changed["source"] != graded[0]["source"]

    for argv in ([subs[0], "--n", "6", "--out", str(book)], [subs[0], "--per-attempt", "--images", str(crops)]):
        assert main(["grade", *argv]) == 2  # one shared set is never mixed in; a folder of crops has no draws
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ("another --out" in err or "not with --images" in err), err


def test_a_hand_in_that_changed_while_graded_on_its_own_draw_gets_no_grade_and_is_graded_again():
    from dlicourse.grading import command
    from dlicourse.grading.gradebook import Grade, gradebook_row

    for graded_sha, score in (("a" * 64, "100.0"), ("b" * 64, "")):  # hashed, then graded: the same files, or not
        result = Grade("ada/submission.py", "a draw", total=6, correct=6, files_sha256=graded_sha)
        command._check_draw(result, command.Entry("ada/submission.py", "ada", "a" * 64))
        assert gradebook_row(result)["score"] == score and result.grader_fault == (not score)
    assert "changed while it was graded" in result.problem
