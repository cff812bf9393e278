"""The sets a submission is graded on: generated whale crops (hidden or practice) or an instructor's
folder of real ones. Labels stay here, in the grader; the submission only ever sees anonymised images."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlicourse import files
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
    """`n` whale-face crops (half faces) cut from the whale lab's scenes, labelled "whale" (face) and "not
    whale" (not_face), under the assessment's shift unless `shifted` is False. Without `seed`, a fresh
    secret one. The crops are `graded_crops`: nothing but the whale tells the two apart (no crops sharing
    pixels, each face's partner cut like it from its scene). Never cached: a hidden set is written nowhere
    a submission could read it."""
    from dlicourse.datasets.graded_crops import graded_crops
    from dlicourse.datasets.whales import NO_SHIFT, WINDOW

    seed = secret_seed() if seed is None else seed
    shift = assessment_shift() if shifted else NO_SHIFT
    crops = graded_crops(n, seed, size=size or WINDOW, shift=shift)
    answers = [answer_for(crops.class_names[k]) for k in crops.y]
    kind = "shifted " if shifted else ""
    return TestSet(list(crops.x), answers, f"{n} generated {kind}whale crops (seed {seed})", seed=seed)


def attempt_seed(secret: int, files_sha256: str) -> int:
    """The seed of one attempt's own draw (63 bits), from the class's secret seed and the hand-in's SHA-256: a
    hand-in handed in again with changes meets new images, so resubmitting does not learn the hidden set, and
    the same hand-in meets the same ones, so the gradebook's seed and `files_sha256` reproduce its grade."""
    digest = hashlib.sha256(f"{secret}:{files_sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def attempt_set(n: int, secret: int, files_sha256: str) -> TestSet:
    """One attempt's own hidden set: `n` crops drawn from `attempt_seed`. It carries the class's seed (what
    the gradebook keeps, one for every row); its source names the draw."""
    draw = attempt_seed(secret, files_sha256)
    drawn = whale_set(n, seed=draw)
    return TestSet(drawn.images, drawn.answers, f"{n} generated shifted whale crops, this hand-in's own draw "
                   f"(seed {draw}, from the class's seed {secret} and sha256 {files_sha256[:12]})", seed=secret)


def attempt_identity(n: int) -> str:
    """What a class graded a draw per attempt is graded on: never mixed with one graded on one shared set."""
    return f"{generated_identity(n)}, a draw per attempt (seed from the class's and the hand-in's sha256)"


def practice_set(n: int = 100) -> TestSet:
    """The public practice set: the same kind of crops as the hidden set (the same shift), from a public seed."""
    return whale_set(n, seed=PRACTICE_SEED)


def generated_identity(n: int) -> str:
    """What a generated hidden set is, but its seed: its size and the generator's version (the same seed
    draws other crops once the drawing changes). A gradebook keeps it, so a re-grade uses the same set."""
    from dlicourse.datasets import graded_crops, whales

    return f"{n} generated shifted whale crops (generator v{whales.VERSION}, graded crops v{graded_crops.VERSION})"


def folder_identity(path: str | os.PathLike) -> str:
    """What a folder of real crops is: a hash of every file under its `face/` and `not_face/` (names and
    contents), so a re-grade knows whether the instructor's set changed. Checks the layout first."""
    root = check_folder(path)
    digest = hashlib.sha256()
    for file in sorted(p for name in _class_folders() for p in (root / name).rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(root).as_posix()}\0{files.sha256(file)}\0".encode())
    return f"real crops sha256:{digest.hexdigest()[:16]}"


def check_folder(path: str | os.PathLike) -> Path:
    """The folder, if it has the whale layout (`face/` and `not_face/`, each with a file); else a ValueError
    that says what is expected, in one line."""
    root = Path(path).expanduser()
    layout = "a folder of whale crops needs face/ and not_face/ sub-folders, one image file per crop"
    if not root.is_dir():
        raise ValueError(f"{path} is not a folder: {layout}")
    for name in _class_folders():
        if not (root / name).is_dir():
            found = sorted(f"{p.name}/" for p in root.iterdir() if p.is_dir()) or ["no sub-folder"]
            raise ValueError(f"{path} has no {name}/ (found {', '.join(found)}): {layout}")
        if not any(p.is_file() for p in (root / name).rglob("*")):
            raise ValueError(f"{root / name} holds no file: {layout}")
    return root


def _class_folders() -> tuple[str, ...]:
    from dlicourse.datasets import whales

    return tuple(whales.CLASS_NAMES)


def folder_set(path: str | os.PathLike) -> TestSet:
    """An instructor's folder of labelled real crops, `face/` and `not_face/` (DIGITS style).
    Files the grader cannot read are left out and listed in `skipped`."""
    from dlicourse.datasets import image_folder
    from dlicourse.images import ImageError, load_image

    listing = image_folder(check_folder(path), size=(32, 32), class_names=list(_class_folders()))
    images, answers, skipped = [], [], list(listing.skipped)
    for file, label in zip(listing.files, listing.y, strict=True):
        try:
            images.append(load_image(file))  # full size: the submission resizes, as it must in real use
        except ImageError as err:
            skipped.append((str(file), str(err)))
            continue
        answers.append(answer_for(listing.class_names[label]))
    return TestSet(images, answers, f"{len(images)} labelled crops from {path}", skipped)
