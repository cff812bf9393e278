"""A grade as the learner or instructor reads it. Imports nothing heavy, so `dlicourse.grading` stays cheap.

The instructor's report says everything: the set and its seed, the confusion table, isolation, cleanup. The
learner's copy (`public=True`: the practice grade in 07, Gradescope's visible test) says what they can act
on and ends with it: the score, why answers were wrong, then the accuracy per class. It never shows the seed
(which would let them draw the hidden set) or the sandbox's internals.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlicourse.grading.answers import ANSWERS, INVALID, PASS_ACCURACY
from dlicourse.grading.protocol import clean

if TYPE_CHECKING:
    from dlicourse.grading.gradebook import Grade


def report(result: Grade, max_failures: int = 10, public: bool = False) -> str:
    """Verdict, per-class accuracy, confusion table, the commonest reasons for wrong answers, time, seed,
    isolation. `public` gives the learner's copy instead (`learner_report`)."""
    if public:
        return learner_report(result, max_failures)
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{result.submission}",
             f"  graded on {f'{result.total} hidden images' if public else result.source}",
             f"  accuracy {result.accuracy:.1%} ({result.correct}/{result.total}): {verdict} "
             f"(pass: more than {PASS_ACCURACY:.0%})"]
    lines += [f"  {name:>9}: {value:.1%} right" for name, value in result.per_class.items()]
    columns = [*ANSWERS, INVALID]
    lines.append("  confusion (rows: expected, columns: answered)")
    lines.append("  " + " " * 11 + "".join(f"{c:>11}" for c in columns))
    for expected, row in result.confusion.items():
        lines.append(f"  {expected:>11}" + "".join(f"{row[c]:>11}" for c in columns))
    if result.problem:
        lines.append(f"  stopped: {result.problem}")
    for reason, images in _reasons(result)[:max_failures]:
        lines.append(f"  wrong {len(images)}x: {reason} (e.g. {images[0]})")
    load = f", of which loading {result.load_seconds:.1f} s" if result.load_seconds is not None else ""
    lines.append(f"  time: {result.seconds:.1f} s{load}")
    if result.seed is not None and not public:
        lines.append(f"  seed: {result.seed} (pass --seed {result.seed} to grade on the same set again)")
    if result.isolation:
        lines.append(f"  isolation: {result.isolation}")
    lines += [f"  CLEANUP FAILED: {problem}" for problem in result.cleanup]
    return "\n".join(clean(line, 2000) for line in lines)  # a folder's name is the student's to choose


def learner_report(result: Grade, max_reasons: int = 5) -> str:
    """The grade as a learner reads it: the score and the pass mark, what stopped the run, why answers were
    wrong, and last what to work on, the accuracy per class. No seed, no set's source, no sandbox."""
    verdict = "PASS" if result.passed else "FAIL"
    name = Path(result.submission)
    lines = [f"{name.parent.name}/{name.name}: accuracy {result.accuracy:.1%}, {result.correct} of {result.total} "
             f"images right: {verdict} (a pass is more than {PASS_ACCURACY:.0%})"]
    if result.problem:
        lines.append(f"  stopped: {result.problem}")
    reasons = _reasons(result)
    if reasons:
        lines.append("  why answers were wrong:")
        lines += [f"    {len(images):>4}x {reason}" for reason, images in reasons[:max_reasons]]
    lines.append(f"  time: {result.seconds:.1f} s")
    lines.append("  accuracy per class:")
    for expected, row in result.confusion.items():
        right, total = row[expected], sum(row.values())
        lines.append(f"    {expected:>9}: {result.per_class.get(expected, 0.0):.1%} right ({right} of {total})")
    return "\n".join(clean(line, 2000) for line in lines)


def _reasons(result: Grade) -> list[tuple[str, list[str]]]:
    """Each reason for a wrong answer and the images it was given for, the commonest first. Images left
    ungraded because the run stopped go under the reason it stopped, said once."""
    by_reason: dict[str, list[str]] = {}
    for failure in result.failures:
        if not (result.problem and failure.reason.startswith("not graded")):
            by_reason.setdefault(failure.reason, []).append(failure.image)
    return sorted(by_reason.items(), key=lambda item: -len(item[1]))
