"""DIGITS-style image folders: one sub-folder per class, any image files, any sizes and modes.

A learner's own photos are messy. Every readable image becomes uint8 RGB at one size; a file that
cannot be read is skipped with its reason (and one counted warning), never a crash half-way through.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from dlicourse.datasets.labelled import LabelledImages
from dlicourse.images import ImageError, is_image_file, load_image


def image_folder(path: str | os.PathLike, size: int | tuple[int, int] = (128, 128),
                 class_names: list[str] | None = None) -> LabelledImages:
    """Load `path/<class>/<image>`; classes are the sub-folders in sorted order unless `class_names` says."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder. Point image_folder at a folder that holds one "
                                "sub-folder per class, e.g. Louie/ and Not Louie/.")
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    names = list(class_names) if class_names is not None else found
    if missing := [n for n in names if n not in found]:
        raise FileNotFoundError(f"{root}: no class folder {', '.join(map(repr, missing))}; found {found}")
    if len(names) < 2:
        raise ValueError(f"{root}: a classifier needs at least two class folders, found {names or 'none'}")
    height, width = (size, size) if isinstance(size, int) else size
    images, labels, files, skipped = [], [], [], []
    for label, name in enumerate(names):
        candidates = sorted(p for p in (root / name).rglob("*") if p.is_file() and not p.name.startswith("."))
        if not candidates:
            raise ValueError(f"{root / name} is empty: put at least one image of {name!r} in it, or remove it")
        for file in candidates:
            if not is_image_file(file):
                skipped.append((file, "not an image file (unknown extension)"))
                continue
            try:
                images.append(load_image(file, (height, width)))
            except ImageError as err:
                skipped.append((file, str(err)))
                continue
            labels.append(label)
            files.append(file)
    if skipped:
        warnings.warn(f"skipped {len(skipped)} of {len(skipped) + len(files)} files in {root} (see .skipped), "
                      f"first: {skipped[0][0].name}: {skipped[0][1]}", stacklevel=2)
    if empty := [n for i, n in enumerate(names) if i not in set(labels)]:
        raise ValueError(f"no readable image in {', '.join(str(root / n) for n in empty)}")
    return LabelledImages(np.stack(images), np.array(labels, dtype=np.int64), names, str(root), files=files,
                          skipped=skipped)
