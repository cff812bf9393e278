"""Face / not-face crops cut from whale scenes, the classifier's training data in labs 04, 06 and 07.

Positives are whale faces with a little jitter (five per face); negatives are plain sea and the hard
cases a classifier must learn to refuse: foam, sun glint, floating patches that look a little like a
face, and whale bodies without the head. Crops are cut from training scenes whose random streams
never overlap the held-out scenes' (`dlicourse.seeds`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from dataclasses import asdict

import numpy as np

from dlicourse import seeds
from dlicourse.datasets import _pool
from dlicourse.datasets._cache import cached
from dlicourse.datasets.folders import image_folder
from dlicourse.datasets.labelled import LabelledImages
from dlicourse.datasets.whales import CLASS_NAMES, NO_SHIFT, VERSION, WINDOW, Hard, Shift, make_scene


def _cut(image: np.ndarray, cy: float, cx: float, window: int) -> np.ndarray | None:
    y0, x0 = int(round(cy - window / 2)), int(round(cx - window / 2))
    if y0 < 0 or x0 < 0 or y0 + window > image.shape[0] or x0 + window > image.shape[1]:
        return None
    return image[y0:y0 + window, x0:x0 + window]


def _far_from_faces(cy: float, cx: float, boxes: np.ndarray, window: int) -> bool:
    """A negative may hold at most a sliver of a face: its centre is far from every face centre."""
    centres = np.stack([(boxes[:, 1] + boxes[:, 3]) / 2, (boxes[:, 0] + boxes[:, 2]) / 2], axis=1)
    return bool(np.all(np.max(np.abs(centres - [cy, cx]), axis=1) > 0.75 * window)) if len(boxes) else True


# What the negatives show, and how many of each (fractions of the negatives).
NEGATIVE_KINDS = {"sea": 0.1, "foam": 0.25, "glint": 0.25, "distractor": 0.15, "body": 0.25}


def _crops_from_scene(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, boxes: np.ndarray,
                      hard: dict[str, list[tuple[int, int]]], window: int, per_face: int, offset: float = 1.0
                      ) -> tuple[list[np.ndarray], list[tuple[str, np.ndarray]]]:
    positives = []
    jitter = window / 8 * offset  # within half the sliding-window stride of the face's centre (unshifted)
    for x1, y1, x2, y2 in boxes:
        for _ in range(per_face):
            dy, dx = rng.uniform(-jitter, jitter, 2)
            crop = _cut(image, (y1 + y2) / 2 + dy, (x1 + x2) / 2 + dx, window)
            if crop is not None:
                positives.append(crop)
    negatives: list[tuple[str, np.ndarray]] = []
    h, w = mask.shape
    body = np.argwhere(mask > 0)
    for kind in NEGATIVE_KINDS:
        for _ in range(6):
            if kind == "sea":
                cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            elif kind == "body":
                if not len(body):
                    break
                cy, cx = body[rng.integers(len(body))]
            else:
                if not hard[kind]:
                    break
                cy, cx = hard[kind][rng.integers(len(hard[kind]))]
                spread = window / 2 if kind == "glint" else window / 6  # glitter spreads wide
                cy, cx = cy + rng.normal(0, spread), cx + rng.normal(0, spread)
            crop = _cut(image, cy, cx, window) if _far_from_faces(cy, cx, boxes, window) else None
            if crop is not None:
                negatives.append((kind, crop))
    return positives, negatives


def _crop_scene(seed: int, index: int, size: int, shift: Shift) -> tuple[np.ndarray, np.ndarray, np.ndarray, Hard]:
    """The `index`th training scene that crops are cut from: 6 x 8 windows, with 1 to 3 whales."""
    whales = int(seeds.stream(seed, "crop scene whales", index).integers(1, 4))
    return make_scene((seed, "crop scene", index), (6 * size, 8 * size), size, whales=whales, shift=shift)


def _make_crops(n: int, seed: int, size: int, shift: Shift = NO_SHIFT) -> dict[str, np.ndarray]:
    rng = seeds.stream(seed, "crop sampling")
    want_neg = {k: int(round(f * (n - n // 2))) for k, f in NEGATIVE_KINDS.items()}
    want_neg["sea"] += (n - n // 2) - sum(want_neg.values())
    positives: list[np.ndarray] = []
    negatives: dict[str, list[np.ndarray]] = {k: [] for k in NEGATIVE_KINDS}
    # About 15 crops come from a scene: drawing them on several cores pays only for thousands of crops.
    scenes = _pool.ordered(_crop_scene, ((seed, index, size, shift) for index in itertools.count()),
                           n // 15, 48 * size * size)
    with contextlib.closing(scenes):  # stops the processes drawing scenes ahead
        for index, (image, mask, boxes, hard) in enumerate(scenes):
            if index > 20 * n:
                raise RuntimeError("could not cut enough crops; this is a bug in the scene recipe")
            pos, neg = _crops_from_scene(rng, image, mask, boxes, hard, size, per_face=5, offset=shift.offset)
            positives += pos
            for kind, crop in neg:
                negatives[kind].append(crop)
            if len(positives) >= n // 2 and all(len(negatives[k]) >= want_neg[k] for k in NEGATIVE_KINDS):
                break
    x = positives[: n // 2] + [c for k in NEGATIVE_KINDS for c in negatives[k][: want_neg[k]]]
    kinds = ["face"] * (n // 2) + [k for k in NEGATIVE_KINDS for _ in range(want_neg[k])]
    order = rng.permutation(n)
    return {"x": np.stack(x)[order], "y": np.array([0 if k == "face" else 1 for k in kinds], np.int64)[order],
            "kinds": np.array(kinds)[order]}


def whale_crops(n: int = 4000, seed: int = 0, size: int = WINDOW, folder: str | os.PathLike | None = None,
                shift: Shift = NO_SHIFT, cache: bool = True) -> LabelledImages:
    """`n` labelled crops (half faces, half not) of `size` x `size` pixels, cut from training scenes made
    from `seed`; the same arguments give the same crops. Negatives include hard ones: foam, glint,
    face-like floating patches and whale bodies without the head.

    With `folder`, the crops are read from it instead (`face/` and `not_face/` sub-folders, as the
    workshop's were), resized to `size`; `n` and `seed` are then not used. `shift` draws them under changed
    conditions; `cache=False` keeps them out of the data cache (the grader's secret hidden sets).
    """
    if folder is not None:
        return image_folder(folder, size=(size, size), class_names=list(CLASS_NAMES))
    if n < 2:
        raise ValueError(f"n must be at least 2 (one face, one not), got {n}")
    if size < 32:
        raise ValueError(f"crops must be at least 32 pixels wide, got {size}")
    if not cache:
        arrays = _make_crops(n, seed, size, shift)
    else:
        params = {"n": n, "seed": seed, "size": size} | ({"shift": asdict(shift)} if shift != NO_SHIFT else {})
        arrays = cached("whale-crops", VERSION, params, lambda: _make_crops(n, seed, size, shift))
    return LabelledImages(arrays["x"], arrays["y"], list(CLASS_NAMES), "generated whale crops",
                          kinds=[str(k) for k in arrays["kinds"]])
