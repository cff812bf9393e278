"""The sets a submission is graded on: generated whale crops (hidden or practice) or an instructor's
folder of real ones. Labels stay here, in the grader; the submission only ever sees anonymised images."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dlicourse.grading.answers import ANSWERS, answer_for

HIDDEN_SEED = 20_180_324  # public default; an instructor grading a class passes a secret --seed
PRACTICE_SEED = 777  # the public practice set: no training or validation split uses it
DEFAULT_HIDDEN_SIZE = 200


@dataclass(frozen=True)
class TestSet:
    """Images (uint8 RGB arrays, any size) and their answers; `source` says where they came from."""

    images: Sequence[np.ndarray]
    answers: list[str]
    source: str
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.images) != len(self.answers) or not self.answers:
            raise ValueError("a test set needs one answer per image, and at least one image")
        unknown = set(self.answers) - set(ANSWERS)
        if unknown:
            raise ValueError(f"answers must be {ANSWERS}, got {sorted(unknown)}")


def whale_set(n: int = DEFAULT_HIDDEN_SIZE, seed: int = HIDDEN_SEED, size: int | None = None) -> TestSet:
    """`n` whale-face crops (half faces) from the whale lab's generator with `seed`, labelled
    "whale" (face) and "not whale" (not_face)."""
    from dlicourse.datasets import whale_crops
    from dlicourse.datasets.whales import WINDOW

    crops = whale_crops(n, seed=seed, size=size or WINDOW)
    answers = [answer_for(crops.class_names[k]) for k in crops.y]
    return TestSet(list(crops.x), answers, f"{n} generated whale crops (seed {seed})")


def practice_set(n: int = 100) -> TestSet:
    """The public practice set: the same kind of crops as the hidden set, from a public seed."""
    return whale_set(n, seed=PRACTICE_SEED)


def folder_set(path: str | os.PathLike) -> TestSet:
    """An instructor's folder of labelled real crops, `face/` and `not_face/` (DIGITS style).
    Files the grader cannot read are left out and listed in `skipped`."""
    from dlicourse.datasets import image_folder, whales
    from dlicourse.images import ImageError, load_image

    listing = image_folder(path, size=(32, 32), class_names=list(whales.CLASS_NAMES))
    images, answers, skipped = [], [], list(listing.skipped)
    for file, label in zip(listing.files, listing.y, strict=True):
        try:
            images.append(load_image(file))  # full size: the submission resizes, as it must in real use
        except ImageError as err:
            skipped.append((str(file), str(err)))
            continue
        answers.append(answer_for(listing.class_names[label]))
    return TestSet(images, answers, f"{len(images)} labelled crops from {path}", skipped)
