"""One grade (a submission on a test set, in its own sandbox) and many (a class, in parallel)."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dlicourse.grading import handin, isolation, zygotes
from dlicourse.grading.gradebook import Grade, score
from dlicourse.grading.handin import HandIn
from dlicourse.grading.launch import remove_tree
from dlicourse.grading.protocol import clean
from dlicourse.grading.sandbox import DEFAULT_LIMITS, Limits, Session, Stop
from dlicourse.grading.testimages import anonymised
from dlicourse.grading.testsets import TestSet
from dlicourse.paths import data_dir


def grade(submission: str | os.PathLike, test_set: TestSet, limits: Limits = DEFAULT_LIMITS,
          threads: int | None = None, protected: Sequence[str | os.PathLike] = (),
          isolated: bool | None = None) -> Grade:
    """Grade one submission on `test_set`. Never raises for anything the submission does.

    `isolated` runs it in the operating system's sandbox (`isolation`); False runs it without (only the
    child's audit hook and the grader's process watch stand between a submission and the machine); None
    (a learner's practice grade) isolates where this machine can, and the report says which it was.
    `dlicourse grade` always passes True or, when the instructor says so, False."""
    if isolated is None:
        isolated = isolation.unavailable() is None
    submission = Path(submission).expanduser().absolute()  # as given: a link is refused, never followed
    result = Grade(str(submission), test_set.source, len(test_set.answers), seed=test_set.seed)
    started = time.perf_counter()
    answers: dict[int, tuple[str | None, str | None]] = {}  # image index -> (answer, reason it is wrong)
    root = Path(tempfile.mkdtemp(prefix="dlicourse-grade-"))
    session, names, hand_in, images = None, None, None, None
    try:
        if not submission.is_file():
            raise Stop(f"{submission} does not exist")
        zygote = zygotes.shared() if isolated else None
        started = time.perf_counter()  # the zygote starts once per grading process: not this grade's time
        hand_in = _take(submission)
        result.files_sha256 = hand_in.sha256  # the files graded are the files hashed
        images = anonymised(test_set.images)
        names = images.names
        session = Session(hand_in, images, root, limits, threads, [*protected, data_dir()], zygote)
        result.isolation = session.isolation
        result.load_seconds = session.wait_loaded()
        order = np.random.default_rng(secrets.randbits(64)).permutation(len(names))
        for index in order:
            answers[int(index)] = session.ask(f"{session.images}/{names[index]}")
        session.finish()
    except Stop as stop:
        result.problem = str(stop)
    except Exception as err:  # noqa: BLE001 - a grader fault is reported as a grade, never raised
        result.problem, result.grader_fault = f"the grader failed: {type(err).__name__}: {clean(err)}", True
    finally:
        try:
            if session is not None:
                result.cleanup += session.close(graceful=result.problem is None)
        finally:
            for held in (hand_in, images):
                if held is not None:
                    held.close()
            result.cleanup += remove_tree(root)
    result.seconds = time.perf_counter() - started
    score(result, test_set, answers, names)
    return result


def _take(submission: Path) -> HandIn:
    """The hand-in's copy, or the reason it is refused, as the grade's."""
    try:
        return handin.take(submission)
    except handin.HandInError as err:
        raise Stop(f"its hand-in was refused: {clean(err, 300)}") from None


def grade_many(submissions: Sequence[str | os.PathLike], test_set: TestSet | Callable[[int], TestSet],
               limits: Limits = DEFAULT_LIMITS, jobs: int = 2, protected: Sequence[str | os.PathLike] = (),
               isolated: bool | None = None, on_done: Callable[[int, Grade], None] | None = None) -> list[Grade]:
    """Grade several submissions in parallel, in the order given; one never stops the others. `test_set` is
    one set for all, or the set of each submission's index (drawn in the worker, so draws run in parallel too).
    `on_done(index, grade)` is called (from a worker thread) as each ends, for progress and partial gradebooks."""
    jobs = max(1, min(jobs, len(submissions)))
    threads = max(1, (os.cpu_count() or 1) // jobs)

    def one(index: int) -> Grade:
        submission, chosen = submissions[index], test_set if isinstance(test_set, TestSet) else None
        try:
            chosen = chosen or test_set(index)
            result = grade(submission, chosen, limits, threads, protected, isolated)
        except Exception as err:  # noqa: BLE001 - grade() does not raise; this is the last line of defence
            result = Grade(str(submission), chosen.source if chosen else "", len(chosen.answers) if chosen else 0,
                           seed=chosen.seed if chosen else None, grader_fault=True,
                           problem=f"the grader failed: {type(err).__name__}: {clean(err)}")
        if on_done is not None:
            on_done(index, result)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, range(len(submissions))))
