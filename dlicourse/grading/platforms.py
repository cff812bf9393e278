"""What every platform's results file says, whatever its format (`gradescope`, `prairielearn`): the same
checks, with the same scores and words, so that a learner reads one grade wherever they hand in.

The grade is the overall accuracy; then the accuracy on whale and on not-whale images, what to work on. An
attempt the grader could not grade (its own fault, or a refusal) has no score on any platform, never a 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlicourse.grading.answers import ANSWERS, PASS_ACCURACY
from dlicourse.grading.gradebook import Grade, percent
from dlicourse.grading.report import report

GRADER_FAULT = "The grader itself failed on this attempt, not your submission."
GRADED_AGAIN = "This attempt has no score (never a 0): it will be graded again, and nothing is needed from you."


@dataclass(frozen=True)
class Check:
    """One line of a learner's results: a percent (the gradebook's rounding), whether it passes, and why."""

    name: str
    score: float
    passed: bool
    output: str


def checks(result: Grade) -> list[Check]:
    """The overall accuracy (the grade, with the learner's report: no seed), then the accuracy per class."""
    found = [Check(f"Accuracy on {result.total} hidden images (pass: more than {PASS_ACCURACY:.0%})",
                   percent(result.accuracy), result.passed, report(result, public=True))]
    for expected in ANSWERS:
        row, accuracy = result.confusion.get(expected, {}), result.per_class.get(expected, 0.0)
        found.append(Check(f"Accuracy on the {expected} images (what to work on; the grade is the accuracy above)",
                           percent(accuracy), accuracy > PASS_ACCURACY,
                           f"{row.get(expected, 0)} of {sum(row.values())} {expected} images right"))
    return found


def not_graded(why: str) -> str:
    """What a learner reads for an attempt with no grade: why, and that it will be graded again."""
    return f"{why} {GRADED_AGAIN}"


def refused(why: str) -> str:
    return not_graded(f"The autograder could not grade this attempt: {why}.")
