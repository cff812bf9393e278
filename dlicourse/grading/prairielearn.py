"""One grade as PrairieLearn's external grader reads it: `/grade/results/results.json`.

The format is PrairieLearn's ("External grading", its grading results): `gradable`, `score` (0 to 1), `message`,
`tests`, each with `name`, `points`, `max_points` and `output`, and `images`, each {label, url} with the picture
as a `data:image/png;base64,` URL. The checks are those every platform gives (`platforms`). An attempt the grader
could not grade is `gradable: false`, which PrairieLearn shows as not gradable, without a score. A few crops the
submission got wrong are shown (at most `PER_CLASS` of each class and `MAX_IMAGES` in all, each at most
`THUMBNAIL` pixels a side): what to look at, never the hidden set's labels wholesale, in a file far under 1 MB.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

from dlicourse import files
from dlicourse.grading.gradebook import MAX_SCORE, Failure, Grade, percent
from dlicourse.grading.platforms import GRADER_FAULT, checks, not_graded, refused
from dlicourse.grading.testsets import TestSet

MAX_IMAGES = 4
PER_CLASS = 2
THUMBNAIL = 128  # pixels a side: four such PNGs are a few hundred kB at most, base64 included


def results(result: Grade, test_set: TestSet) -> dict:
    """PrairieLearn's results for one graded submission; not gradable when the grader itself failed."""
    if result.grader_fault:
        return unscored(not_graded(GRADER_FAULT))
    found = checks(result)
    return {"gradable": True, "score": percent(result.accuracy) / MAX_SCORE, "message": found[0].output,
            "tests": [{"name": c.name, "points": c.score, "max_points": float(MAX_SCORE), "output": c.output}
                      for c in found],
            "images": [_image(f, test_set) for f in shown(result.failures)]}


def unscored(message: str) -> dict:
    return {"gradable": False, "message": message}


def shown(failures: list[Failure]) -> list[Failure]:
    """The wrong answers whose crops are shown: answered (not stopped), at most `PER_CLASS` a class."""
    chosen: list[Failure] = []
    for failure in failures:
        if failure.answer is not None and failure.index is not None and len(chosen) < MAX_IMAGES and sum(
                f.expected == failure.expected for f in chosen) < PER_CLASS:
            chosen.append(failure)
    return chosen


def _image(failure: Failure, test_set: TestSet) -> dict:
    from PIL import Image

    picture = Image.fromarray(test_set.images[failure.index])
    picture.thumbnail((THUMBNAIL, THUMBNAIL))
    png = io.BytesIO()
    picture.save(png, format="PNG")
    return {"label": f"answered {failure.answer!r}, not {failure.expected!r}",
            "url": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")}


def write_results(path: str | os.PathLike, result: Grade, test_set: TestSet) -> Path:
    """Write `results.json` atomically: PrairieLearn never reads half a file."""
    files.write_json(path, results(result, test_set))
    return Path(path)


def write_refusal(path: str | os.PathLike, why: str) -> Path:
    """The results of an attempt the grader refused to grade: not gradable, saying why."""
    files.write_json(path, unscored(refused(why)))
    return Path(path)
