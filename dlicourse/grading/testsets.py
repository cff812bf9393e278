"""The sets a submission is graded on: generated whale crops (hidden or practice) or an instructor's
folder of real ones. Labels stay here, in the grader; the submission only ever sees anonymised images."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dlicourse.grading.answers import ANSWERS, answer_for

PRACTICE_SEED = 777  # the public practice set: no training or validation split uses it
DEFAULT_HIDDEN_SIZE = 200


def assessment_shift():  # noqa: ANN201 - the type lives in the generator, imported on use
    """The conditions of the practice and hidden sets, which differ from the training crops' on purpose:
    a darker, rougher sea, whales deeper in the water, crops less well centred. A classifier trained with
    care (all the crops, augmentation, enough epochs) generalises over them; a careless one does not."""
    from dlicourse.datasets.whales import Shift

    return Shift(sea_brightness=0.7, roughness=1.8, extra_depth=0.2, offset=1.6)


def secret_seed() -> int:
    """A fresh seed from the operating system's randomness (63 bits: no one replays it by guessing)."""
    return secrets.randbits(63)


@dataclass(frozen=True)
class TestSet:
    """Images (uint8 RGB arrays, any size) and their answers; `source` says where they came from."""

    images: Sequence[np.ndarray]
    answers: list[str]
    source: str
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seed: int | None = None  # a generated set's seed (kept here, in the grader, never sent to a submission)

    def __post_init__(self) -> None:
        if len(self.images) != len(self.answers) or not self.answers:
            raise ValueError("a test set needs one answer per image, and at least one image")
        unknown = set(self.answers) - set(ANSWERS)
        if unknown:
            raise ValueError(f"answers must be {ANSWERS}, got {sorted(unknown)}")


def whale_set(n: int = DEFAULT_HIDDEN_SIZE, seed: int | None = None, size: int | None = None,
              shifted: bool = True) -> TestSet:
    """`n` whale-face crops (half faces) from the whale lab's generator, labelled "whale" (face) and
    "not whale" (not_face), under the assessment's shift unless `shifted` is False. Without `seed`, a
    fresh secret one. Never cached: a hidden set is written nowhere a submission could read it."""
    from dlicourse.datasets import whale_crops
    from dlicourse.datasets.whales import NO_SHIFT, WINDOW

    seed = secret_seed() if seed is None else seed
    shift = assessment_shift() if shifted else NO_SHIFT
    crops = whale_crops(n, seed=seed, size=size or WINDOW, shift=shift, cache=False)
    answers = [answer_for(crops.class_names[k]) for k in crops.y]
    kind = "shifted " if shifted else ""
    return TestSet(list(crops.x), answers, f"{n} generated {kind}whale crops (seed {seed})", seed=seed)


def practice_set(n: int = 100) -> TestSet:
    """The public practice set: the same kind of crops as the hidden set (the same shift), from a public seed."""
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
