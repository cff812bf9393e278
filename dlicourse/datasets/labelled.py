"""One container for every set of labelled images in the course: dog photos, whale crops, image folders.

Whatever made them (a generator, a folder on disk), a lab reads `x`, `y` and `class_names` the same way,
so swapping the generated data for real data changes one line, never the code that trains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LabelledImages:
    """Images `x` (uint8, N x h x w x 3) with labels `y` (int64 indexes into `class_names`).

    `origin` says where they come from, in a few words. `kinds` (what each image shows, e.g. "foam"),
    `files` (where each image was read) and `mask` (bool, N x h x w: where the object is, e.g. the dog)
    are there when the source knows them and was asked; `skipped` lists the files of a folder that could
    not be read, with the reason.
    """

    x: np.ndarray
    y: np.ndarray
    class_names: list[str]
    origin: str
    kinds: list[str] | None = None
    files: list[Path] | None = None
    mask: np.ndarray | None = None
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"{len(self.x)} images but {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.y)

    def __str__(self) -> str:
        counts = np.bincount(self.y, minlength=len(self.class_names)).tolist()
        per_class = " and ".join(f"{n} {name}" for name, n in zip(self.class_names, counts, strict=True))
        skipped = f", {len(self.skipped)} files skipped" if self.skipped else ""
        return f"{self.origin}: {len(self)} images of {self.x.shape[1]}x{self.x.shape[2]} pixels, {per_class}{skipped}"
