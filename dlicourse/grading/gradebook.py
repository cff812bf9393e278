"""A grade's figures (accuracy, per-class accuracy, confusion, failures) and the class gradebook CSV."""

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
        result.failures.append(Failure(name, expected, shown, reason))
    for expected in ANSWERS:
        row = result.confusion[expected]
        result.per_class[expected] = row[expected] / max(1, sum(row.values()))


GRADEBOOK_COLUMNS = ["submission", "accuracy", "passed", "whale_accuracy", "not_whale_accuracy", "correct", "total",
                     "invalid", "problem", "seconds", "seed", "isolation", "cleanup"]


def gradebook_row(result: Grade) -> dict[str, object]:
    invalid = sum(row[INVALID] for row in result.confusion.values())
    return {"submission": result.submission, "accuracy": f"{result.accuracy:.4f}", "passed": result.passed,
            "whale_accuracy": f"{result.per_class.get('whale', 0.0):.4f}",
            "not_whale_accuracy": f"{result.per_class.get('not whale', 0.0):.4f}", "correct": result.correct,
            "total": result.total, "invalid": invalid, "problem": result.problem or "",
            "seconds": f"{result.seconds:.1f}", "seed": "" if result.seed is None else result.seed,
            "isolation": result.isolation, "cleanup": "; ".join(result.cleanup)}


def write_gradebook(path: str | os.PathLike, results: Sequence[Grade]) -> Path:
    """One row per submission, written atomically."""
    with files.atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=GRADEBOOK_COLUMNS)
        writer.writeheader()
        writer.writerows(gradebook_row(r) for r in results)
    return Path(path)
