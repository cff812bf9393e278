"""One grade as Gradescope's autograder reads it: `/autograder/results/results.json`.

The format is Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): a top-level `score`, `execution_time` (seconds) and `output`, and `tests`, each with `name`,
`score`, `max_score`, `status`, `output` and `visibility`, and a `leaderboard` of {name, value, order}. The
learner sees three visible tests: the overall accuracy (the grade, with the public report, no seed), then the
accuracy on whale and on not-whale images (what to work on). The instructor's full report (seed, isolation,
what could not be cleaned up) is what `dlicourse grade` prints, and Gradescope shows the autograder's stdout to
instructors only (`stdout_visibility: hidden`, its default, said explicitly). No hidden test: the specification
says a hidden test hides the learner's total score.

An attempt the grader could not grade (its own fault, or a refusal: no isolation here, a bad hidden set) gets
no score at all, neither on top nor on a test: the specification requires one for a graded result, so no number
(never a 0) reaches the learner's grade, and `output` says why and that the attempt will be graded again.
"""

from __future__ import annotations

import os
from pathlib import Path

from dlicourse import files
from dlicourse.grading.gradebook import MAX_SCORE, Grade
from dlicourse.grading.platforms import GRADER_FAULT, checks, not_graded, refused
from dlicourse.grading.sandbox import Limits

TIMEOUT_S = 600  # Gradescope's default autograder timeout
CONTAINER_MB = 768  # the memory of Gradescope's default autograder container
# `--platform gradescope`: a submission's limits inside that default container. 420 s in all (start-up and the
# model's load 90 s at most, then 200 images at 1.5 s at most) leaves 180 s of the 10 minutes for the zygote's
# start (about 5 s here), drawing the hidden set and writing the results; 384 MB is half the container, the other
# half the grader and the zygote's Keras (whose pages a forked submission shares without counting them).
LIMITS = Limits(startup_s=90, per_image_s=1.5, total_s=420, cpu_s=840, memory_mb=384)


def results(result: Grade) -> dict:
    """Gradescope's results for one graded submission; none with a score when the grader itself failed."""
    if result.grader_fault:
        return unscored(not_graded(GRADER_FAULT))
    tests = [{"name": c.name, "score": c.score, "max_score": float(MAX_SCORE),
              "status": "passed" if c.passed else "failed", "output": c.output, "visibility": "visible"}
             for c in checks(result)]
    overall = tests[0]
    return {"score": overall["score"], "execution_time": round(result.seconds), "output": overall["output"],
            "stdout_visibility": "hidden", "tests": tests,
            "leaderboard": [{"name": "Accuracy", "value": overall["score"], "order": "desc"}]}


def unscored(output: str) -> dict:
    """Results that say why there is no grade, and hold no score Gradescope could take for one."""
    return {"output": output, "stdout_visibility": "hidden", "tests": []}


def write_results(path: str | os.PathLike, result: Grade) -> Path:
    """Write `results.json` atomically: Gradescope never reads half a file."""
    files.write_json(path, results(result))
    return Path(path)


def write_refusal(path: str | os.PathLike, why: str) -> Path:
    """The results of an attempt the grader refused to grade, saying why (Gradescope shows `output`)."""
    files.write_json(path, unscored(refused(why)))
    return Path(path)
