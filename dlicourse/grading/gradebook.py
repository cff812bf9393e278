"""A grade's figures (accuracy, per-class accuracy, confusion, failures) and the class gradebook: one CSV row per
student, read back by a re-grade, and the same grades as Canvas imports them."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dlicourse import files
from dlicourse.grading.answers import ANSWERS, INVALID, PASS_ACCURACY
from dlicourse.grading.protocol import clean
from dlicourse.grading.testsets import TestSet


@dataclass
class Failure:
    image: str  # the anonymised name the submission saw
    expected: str
    answer: str | None
    reason: str
    index: int | None = None  # the image's place in the test set, where the grader (only) keeps the image itself


@dataclass
class Grade:
    submission: str
    source: str
    total: int
    correct: int = 0
    per_class: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # expected -> given (or "invalid") -> n
    failures: list[Failure] = field(default_factory=list)
    problem: str | None = None  # why the run stopped early, if it did
    load_seconds: float | None = None
    seconds: float = 0.0
    seed: int | None = None  # the generated set's seed, so the instructor can reproduce the grade
    isolation: str = ""  # what held the submission
    cleanup: list[str] = field(default_factory=list)  # what the grader could not clean up afterwards
    student: str = ""  # whose it is (the gradebook's key); empty: the submission's folder name
    files_sha256: str = ""  # the copy that was graded (`handin.take`); empty when none was taken
    grader_fault: bool = False  # the grader (not the submission) failed, by its own exception or a lost task

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.accuracy > PASS_ACCURACY

    def to_dict(self) -> dict:
        return {**asdict(self), "accuracy": self.accuracy, "passed": self.passed, "pass_accuracy": PASS_ACCURACY}


def score(result: Grade, test_set: TestSet, answers: dict[int, tuple[str | None, str | None]],
          names: list[str] | None) -> None:
    """Fill `result` from the submission's answers (image index -> (answer, why there is none))."""
    columns = [*ANSWERS, INVALID]
    result.confusion = {expected: dict.fromkeys(columns, 0) for expected in ANSWERS}
    for index, expected in enumerate(test_set.answers):
        answer, reason = answers.get(index, (None, f"not graded: {result.problem}"))
        given = answer.strip().lower() if answer is not None else None
        if answer is not None and given not in ANSWERS:
            reason = f"invalid answer {clean(repr(answer[:40]), 60)} (expected 'whale' or 'not whale')"
        result.confusion[expected][given if given in ANSWERS else INVALID] += 1
        if given == expected:
            result.correct += 1
            continue
        name = names[index] if names else f"image {index}"
        shown = None if answer is None else clean(answer, 60)
        reason = reason or f"answered {clean(repr(given), 60)}, not {expected!r}"
        result.failures.append(Failure(name, expected, shown, reason, index))
    for expected in ANSWERS:
        row = result.confusion[expected]
        result.per_class[expected] = row[expected] / max(1, sum(row.values()))


GRADEBOOK_COLUMNS = ["student", "score", "passed", "accuracy", "whale_accuracy", "not_whale_accuracy", "correct",
                     "total", "invalid", "problem", "seconds", "seed", "test_set", "submission", "files_sha256",
                     "conditions", "isolation", "cleanup"]
# Canvas's gradebook import: these columns identify the student, then one column per assignment.
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Canvas's importer takes a row whose Student cell says this for the assignments' points, not for a student.
POINTS_POSSIBLE = "Points Possible"
# A roster's columns a hand-in folder may be named by, the first that matches a student taking them: Canvas's own
# gradebook export, and a Moodle roster (its user export, or any CSV with a username or email column).
CANVAS_ROSTER_IDS = ("SIS Login ID", "SIS User ID", "ID")
MOODLE_ROSTER_IDS = ("username", "email", "email address")
MAX_SCORE = 100  # a score is percent right: the assignment is worth 100 points on every platform
# A cell a spreadsheet would take for a formula (or a field separator) begins with one of these; such a cell is
# written with a leading apostrophe, as OWASP's advice on CSV injection and the spreadsheets themselves take a
# literal (a cell that begins with an apostrophe gets one more, so reading back is exact).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class GradebookError(Exception):
    """An existing file at the gradebook's path cannot be read back as one; the message says why, in one line."""


def default_student(submission: str | os.PathLike) -> str:
    """Whose submission it is, when no pattern says: the name of its folder as given (`alice/submission.py`),
    never where a link leads. Made one printable line (`protocol.clean`): it is printed and kept."""
    return clean(Path(submission).expanduser().absolute().parent.name, 200)


def percent(fraction: float) -> float:
    """A fraction right as every file gives it, percent to one decimal: one rule, so that the gradebook, the
    LMS files, Gradescope's and PrairieLearn's results agree on a learner's score."""
    return round(MAX_SCORE * fraction, 1)


def literal(cell: str) -> str:
    """`cell` as a spreadsheet shows it, never runs it."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def unliteral(cell: str) -> str:
    """`literal`'s inverse, for reading a gradebook back."""
    return cell[1:] if cell.startswith("'") else cell


def gradebook_row(result: Grade, test_set: str = "", conditions: str = "") -> dict[str, str]:
    """A grade as a gradebook line. `score` (percent right) is what an LMS imports; blank for a grader fault.
    `test_set` and `conditions` (isolation, limits, the grader's version) are what a re-grade must match to
    keep the line."""
    invalid = sum(row[INVALID] for row in result.confusion.values())
    score = "" if result.grader_fault else f"{percent(result.accuracy):.1f}"
    return {"student": result.student or default_student(result.submission), "score": score,
            "passed": str(result.passed), "accuracy": f"{result.accuracy:.4f}",
            "whale_accuracy": f"{result.per_class.get('whale', 0.0):.4f}",
            "not_whale_accuracy": f"{result.per_class.get('not whale', 0.0):.4f}", "correct": str(result.correct),
            "total": str(result.total), "invalid": str(invalid), "problem": clean(result.problem or "", 1000),
            "seconds": f"{result.seconds:.1f}", "seed": "" if result.seed is None else str(result.seed),
            "test_set": test_set, "submission": clean(result.submission, 1000), "files_sha256": result.files_sha256,
            "conditions": conditions, "isolation": result.isolation, "cleanup": clean("; ".join(result.cleanup), 1000)}


def write_gradebook(path: str | os.PathLike, results: Sequence[Grade]) -> Path:
    """One row per student, written atomically; two grades of one student are refused, never merged."""
    book = Gradebook(path)
    for result in results:
        row = gradebook_row(result)
        if row["student"] in book.rows:
            raise ValueError(f"two grades of student {row['student']!r} ({result.submission})")
        book.put(row)
    book.write()
    return book.path


class Gradebook:
    """A class's gradebook: one row per student, in a CSV written atomically and read back by a re-grade.
    Columns an instructor added by hand are kept, and so are the cells they hold."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.rows: dict[str, dict[str, str]] = {}  # student -> row
        self.extra_columns: list[str] = []
        self.order: list[str] = []  # students in the order their rows are written; others follow

    @classmethod
    def read(cls, path: str | os.PathLike) -> Gradebook:
        """The gradebook at `path`: empty when there is no file; a GradebookError when the file is not one
        this grader wrote (never overwritten, then: it may be the class roster)."""
        book = cls(path)
        if not book.path.exists():
            return book
        try:
            with open(book.path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                columns, rows = list(reader.fieldnames or []), list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            raise GradebookError(f"{path} cannot be read as a gradebook: {err}") from None
        if missing := [c for c in GRADEBOOK_COLUMNS if c not in columns]:
            raise GradebookError(f"{path} is not a gradebook of this grader (no {', '.join(missing[:3])} column); "
                                 "give another --out")
        book.extra_columns = [c for c in columns if c not in GRADEBOOK_COLUMNS]
        for row in ({k: unliteral(v or "") if k in GRADEBOOK_COLUMNS else v for k, v in r.items()} for r in rows):
            if row["student"] in book.rows:
                raise GradebookError(f"{path} has two rows for student {row['student']!r}; give another --out")
            book.rows[row["student"]] = {k: v or "" for k, v in row.items() if k is not None}
        return book

    def hidden_set(self) -> tuple[str, str] | None:
        """The test set and seed every row was graded on; None when the gradebook is empty."""
        sets = {row["test_set"] for row in self.rows.values()}
        seeds = {row["seed"] for row in self.rows.values()} - {""}
        if len(sets) > 1 or len(seeds) > 1:
            raise GradebookError(f"{self.path} mixes grades from different test sets; give another --out")
        return (sets.pop(), seeds.pop() if seeds else "") if sets else None

    def reusable(self, student: str, files_sha256: str, conditions: str) -> dict[str, str] | None:
        """The student's row, if it stands for these very files graded under these conditions."""
        row = self.rows.get(student)
        if row is None or not files_sha256 or not row["score"]:  # a blank score: the grader failed on it
            return None
        return row if (row["files_sha256"], row["conditions"]) == (files_sha256, conditions) else None

    def expect(self, students: Sequence[str]) -> None:
        """Rows are written in the gradebook's order, then new students' in the order given, whatever order
        their grades come back in."""
        self.order = [*self.rows, *(s for s in students if s not in self.rows)]

    def put(self, row: dict[str, str]) -> None:
        """Add or replace a student's row (a replaced row keeps its hand-added cells)."""
        self.rows[row["student"]] = {**self.rows.get(row["student"], {}), **row}

    def ordered(self) -> list[dict[str, str]]:
        rank = {student: i for i, student in enumerate(self.order)}
        return sorted(self.rows.values(), key=lambda row: rank.get(row["student"], len(rank)))

    def write(self) -> None:
        with files.atomic_path(self.path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=GRADEBOOK_COLUMNS + self.extra_columns, restval="")
            writer.writeheader()
            writer.writerows({k: literal(v) if k in GRADEBOOK_COLUMNS else v for k, v in row.items()}
                             for row in self.ordered())

    def for_lms(self, roster: dict[str, dict[str, str]] | None = None) -> LmsRows:
        """The rows an LMS file may hold, with each one's roster row: only scored rows (a blank score is the
        grader's fault, and an import would clear or zero the grade the LMS holds), only of rostered students."""
        chosen = LmsRows()
        for row in self.ordered():
            if not row["score"]:
                chosen.faults.append(row["student"])
            elif roster is not None and row["student"] not in roster:
                chosen.unrostered.append(row["student"])
            else:
                chosen.rows.append((row, roster[row["student"]] if roster is not None else None))
        return chosen

    def write_canvas(self, path: str | os.PathLike, assignment: str,
                     roster: dict[str, dict[str, str]] | None = None) -> LmsRows:
        """The grades as Canvas's gradebook import reads them: its student columns (from the roster, Canvas's own
        export, when given; else the student as name and SIS Login ID), one column named for the assignment
        holding `score`, and the "Points Possible" row first, which Canvas takes for the assignment's points."""
        chosen = self.for_lms(roster)
        points = ["", "", "", "", str(MAX_SCORE)]
        lines = [[*CANVAS_COLUMNS, assignment], [POINTS_POSSIBLE, *points]]
        for row, entry in chosen.rows:
            ids = [entry.get(c, "") for c in CANVAS_COLUMNS] if entry else [row["student"], "", "", row["student"], ""]
            lines.append([*ids, row["score"]])
        _write_csv(path, lines)
        return chosen

    def write_moodle(self, path: str | os.PathLike, roster: dict[str, dict[str, str]] | None = None) -> LmsRows:
        """The grades as Moodle's CSV grade import reads them: `student` (mapped to Username or Email address on
        the import screen) and `score` (mapped to the grade item)."""
        chosen = self.for_lms(roster)
        _write_csv(path, [["student", "score"], *([row["student"], row["score"]] for row, _ in chosen.rows)])
        return chosen


@dataclass
class LmsRows:
    """What an LMS file holds, and who was left out of it and why (the command lists those on stderr)."""

    rows: list[tuple[dict[str, str], dict[str, str] | None]] = field(default_factory=list)  # (gradebook, roster)
    faults: list[str] = field(default_factory=list)  # students the grader failed on: graded again, not imported
    unrostered: list[str] = field(default_factory=list)  # graded students the roster does not have


def _write_csv(path: str | os.PathLike, lines: list[list[str]]) -> None:
    """A CSV written atomically, every cell literal (`literal`): a student's folder name is theirs to choose."""
    with files.atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([literal(cell) for cell in line] for line in lines)


def read_roster(path: str | os.PathLike, platform: str) -> dict[str, dict[str, str]]:
    """The class's roster: every name a student may hand in under, to their row. `platform` "canvas" reads
    Canvas's gradebook export (its Points Possible and other rows without an ID are not students); "moodle"
    a CSV with a username or email column. A GradebookError, in one line, when the file is not one."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # a spreadsheet's export may begin with a BOM
            reader = csv.DictReader(f)
            columns, rows = list(reader.fieldnames or []), list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise GradebookError(f"--roster {path} cannot be read: {err}") from None
    if platform == "canvas":
        if missing := [c for c in CANVAS_COLUMNS[:4] if c not in columns]:
            raise GradebookError(f"--roster {path} is not Canvas's gradebook export (no {', '.join(missing)} "
                                 "column): export it from Grades -> Export")
        ids, rows = list(CANVAS_ROSTER_IDS), [r for r in rows if (r.get("ID") or "").strip()]
    else:
        ids = [c for c in columns if c.strip().lower() in MOODLE_ROSTER_IDS]
        if not ids:
            raise GradebookError(f"--roster {path} has no username or email column")
    roster: dict[str, dict[str, str]] = {}
    for row in rows:
        for column in ids:
            if name := (row.get(column) or "").strip():
                roster.setdefault(name, {k: v or "" for k, v in row.items() if k is not None})
    return roster
