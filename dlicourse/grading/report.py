"""A grade as the learner or instructor reads it. Imports nothing heavy, so `dlicourse.grading` stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlicourse.grading.answers import ANSWERS, INVALID, PASS_ACCURACY
from dlicourse.grading.protocol import clean

if TYPE_CHECKING:
    from dlicourse.grading.gradebook import Grade


def report(result: Grade, max_failures: int = 10, public: bool = False) -> str:
    """Verdict, per-class accuracy, confusion table, the commonest reasons for wrong answers, time.
    `public` is the learner's copy (Gradescope shows it): no seed, which would let them draw the hidden set."""
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
    by_reason: dict[str, list[str]] = {}
    for failure in result.failures:
        if not (result.problem and failure.reason.startswith("not graded")):
            by_reason.setdefault(failure.reason, []).append(failure.image)
    for reason, images in sorted(by_reason.items(), key=lambda item: -len(item[1]))[:max_failures]:
        lines.append(f"  wrong {len(images)}x: {reason} (e.g. {images[0]})")
    load = f", of which loading {result.load_seconds:.1f} s" if result.load_seconds is not None else ""
    lines.append(f"  time: {result.seconds:.1f} s{load}")
    if result.seed is not None and not public:
        lines.append(f"  seed: {result.seed} (pass --seed {result.seed} to grade on the same set again)")
    if result.isolation:
        lines.append(f"  isolation: {result.isolation}")
    lines += [f"  CLEANUP FAILED: {problem}" for problem in result.cleanup]
    return "\n".join(clean(line, 2000) for line in lines)  # a folder's name is the student's to choose
