"""Face / not-face crops for a graded set (the assessment's practice and hidden sets): nothing but the
whale tells the two classes apart.

The training crops (`crops`) cut five jittered crops around every face, which is right for learning but
gives a set away: five crops that share a face's pixels are faces, and a submission with no model that
found such groups passed the hidden set (issue 33). Here each face gives at most one crop, and each face
crop is paired with a not-face crop from the same scene, cut the same way: an anchor (the face's centre,
or a spot of sea, foam, glint, a floating mat or a whale's body, as `crops` finds them), the same uniform
jitter around it, the same size. No two crops of a set share a pixel of their scene, and every scene gives
as many faces as not-faces, so neither overlap, nor duplicates, nor the scene a crop came from says
anything of its label.

A face's partner is, among candidates cut that way, the one that looks most like it in what a crop shows
without its shapes: brightness, contrast, colour, edges, its shares of dark and of bright pixels. A face
that has no close partner in its scene is left out. Otherwise such statistics would tell: picked at
random, the partners were plain sea and foam, and the contrast alone of a crop was right 0.66 of the time.
"""

from __future__ import annotations

import contextlib
import itertools

import cv2
import numpy as np

from dlicourse import seeds
from dlicourse.datasets import _pool
from dlicourse.datasets.crops import _crop_scene, _cut, _far_from_faces
from dlicourse.datasets.labelled import LabelledImages
from dlicourse.datasets.whales import CLASS_NAMES, NO_SHIFT, WINDOW, Hard, Shift

VERSION = 1  # of the drawing below; a gradebook's set names it, so a changed drawing is never mixed into one
# Candidate partners by kind: the training crops' kinds (`crops.NEGATIVE_KINDS`), weighted towards those that
# can look like a face.
_CANDIDATES = {"sea": 0.1, "foam": 0.2, "glint": 0.1, "distractor": 0.2, "body": 0.4}
_TRIES = 60  # candidates cut for each face
# `_look`'s statistics on one scale: a face's partner is the candidate nearest by this weighted distance,
# kept only when nearer than _NEAR and within _RED grey levels in red: the callosities' cream is the one
# colour of a face that nothing else in the sea has, so the nearest partner is too often less red.
_WEIGHTS = np.array([1, 3, 5, 1, 1, 1.5, 1.5, 1, 3, 0.5, 0.5])
_NEAR = 90.0
_RED = 4.0


def _look(crop: np.ndarray) -> np.ndarray:
    """What a crop shows without its shapes: grey mean and contrast, mean red, green and blue, vertical and
    horizontal edges, the percentages of dark and of bright pixels, the brightest and darkest values."""
    f = crop.astype(np.float32)
    grey = f.mean(axis=2)
    return np.array([grey.mean(), grey.std(), *f.mean(axis=(0, 1)), 4 * np.abs(np.diff(f, axis=0)).mean(),
                     4 * np.abs(np.diff(f, axis=1)).mean(), 100 * (grey < 40).mean(), 100 * (grey > 150).mean(),
                     f.max() / 4, f.min() / 4])


def _corner(cy: float, cx: float, window: int) -> tuple[int, int]:
    """The top-left pixel of the window centred at (cy, cx), as `crops._cut` rounds it."""
    return int(round(cy - window / 2)), int(round(cx - window / 2))


def _free(corner: tuple[int, int], taken: list[tuple[int, int]], window: int) -> bool:
    """Whether a window at `corner` shares no pixel with the windows already cut from the scene."""
    return all(abs(corner[0] - y) >= window or abs(corner[1] - x) >= window for y, x in taken)


def _outline(mask: np.ndarray) -> np.ndarray:
    """The whales' pixels (row, col) within 4 pixels of the sea: where a body meets the water, as a head does."""
    inside = (mask > 0).astype(np.uint8)
    return np.argwhere(inside & (1 - cv2.erode(inside, np.ones((9, 9), np.uint8))))


def _anchor(rng: np.random.Generator, kind: str, shape: tuple[int, ...], outline: np.ndarray, hard: Hard,
            window: int) -> tuple[float, float] | None:
    """Where a not-face candidate of `kind` is centred before its jitter, as the training crops find it (a
    body's on its `outline`); None when the scene has none."""
    if kind == "sea":
        return rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
    if kind == "body":
        return tuple(outline[rng.integers(len(outline))]) if len(outline) else None
    if not hard[kind]:
        return None
    cy, cx = hard[kind][rng.integers(len(hard[kind]))]
    spread = window / 2 if kind == "glint" else window / 6  # glitter spreads wide
    return cy + rng.normal(0, spread), cx + rng.normal(0, spread)


def _partner(rng: np.random.Generator, face: np.ndarray, image: np.ndarray, outline: np.ndarray, boxes: np.ndarray,
             hard: Hard, taken: list[tuple[int, int]], jitter: float) -> tuple[str, np.ndarray, tuple[int, int]] | None:
    """The not-face crop most like `face` among `_TRIES` candidates cut as faces are (an anchor, the same
    jitter), none sharing a pixel with `taken`; None when none is close enough."""
    window, look = face.shape[0], _look(face)
    kinds, shares = list(_CANDIDATES), np.array(list(_CANDIDATES.values()))
    best: tuple[float, str, np.ndarray, tuple[int, int]] | None = None
    for _ in range(_TRIES):
        kind = kinds[rng.choice(len(kinds), p=shares)]
        anchor = _anchor(rng, kind, image.shape, outline, hard, window)
        if anchor is None:
            continue
        cy, cx = anchor[0] + rng.uniform(-jitter, jitter), anchor[1] + rng.uniform(-jitter, jitter)
        crop = _cut(image, cy, cx, window) if _far_from_faces(cy, cx, boxes, window) else None
        if crop is None or not _free(_corner(cy, cx, window), taken, window):
            continue
        other = _look(crop)
        distance = float((_WEIGHTS * np.abs(other - look)).sum())
        if abs(other[2] - look[2]) < _RED and distance < _NEAR and (best is None or distance < best[0]):
            best = (distance, kind, crop, _corner(cy, cx, window))
    return best and best[1:]


def _pairs(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, boxes: np.ndarray, hard: Hard,
           window: int, offset: float) -> list[tuple[np.ndarray, str, np.ndarray]]:
    """A scene's (face crop, partner's kind, partner) pairs: one face crop per face that fits and has a
    partner, none of them sharing a pixel with another."""
    jitter = window / 8 * offset  # the training crops' jitter, scaled by the shift as theirs is
    taken: list[tuple[int, int]] = []
    pairs = []
    outline = _outline(mask)
    for x1, y1, x2, y2 in boxes:
        cy, cx = (y1 + y2) / 2 + rng.uniform(-jitter, jitter), (x1 + x2) / 2 + rng.uniform(-jitter, jitter)
        face, spot = _cut(image, cy, cx, window), _corner(cy, cx, window)
        if face is None or not _free(spot, taken, window):
            continue
        partner = _partner(rng, face, image, outline, boxes, hard, taken + [spot], jitter)
        if partner is not None:
            kind, crop, partner_spot = partner
            taken += [spot, partner_spot]
            pairs.append((face, kind, crop))
    return pairs


def graded_crops(n: int, seed: int, size: int = WINDOW, shift: Shift = NO_SHIFT) -> LabelledImages:
    """`n` labelled crops (n // 2 faces, the rest not) for a graded set, from scenes drawn from `seed`, in an
    order drawn from it too. Never cached: a hidden set is written nowhere a submission could read it."""
    if n < 2:
        raise ValueError(f"n must be at least 2 (one face, one not), got {n}")
    rng = seeds.stream(seed, "graded crop sampling")
    wanted = n - n // 2  # pairs: an odd set has one face fewer than not-faces
    pairs: list[tuple[np.ndarray, str, np.ndarray]] = []
    scenes = _pool.ordered(_crop_scene, ((seed, index, size, shift) for index in itertools.count()),
                           wanted, 48 * size * size)
    with contextlib.closing(scenes):  # stops the processes drawing scenes ahead
        for index, (image, mask, boxes, hard) in enumerate(scenes):
            if index > 20 * n:
                raise RuntimeError("could not cut enough crops; this is a bug in the scene recipe")
            pairs += _pairs(rng, image, mask, boxes, hard, size, shift.offset)
            if len(pairs) >= wanted:
                break
    x = [face for face, _, _ in pairs[: n // 2]] + [other for _, _, other in pairs[:wanted]]
    kinds = ["face"] * (n // 2) + [kind for _, kind, _ in pairs[:wanted]]
    order = rng.permutation(n)
    y = np.array([0 if k == "face" else 1 for k in kinds], np.int64)
    return LabelledImages(np.stack(x)[order], y[order], list(CLASS_NAMES), "generated graded whale crops",
                          kinds=[kinds[i] for i in order])
