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

A face's partner is, among candidates cut that way, one that looks like it in what a crop shows without its
shapes: brightness, contrast, colour, edges, its shares of dark and of bright pixels. A face that has no close
partner in its scene is left out. Each face keeps its few closest candidates, and the set then picks one per
face so that, over the set, no threshold on one of those statistics or on a file's size tells faces from
not-faces (`_balance`): picked at random, the partners were plain sea and foam and a crop's contrast alone was right
0.66 of the time; the nearest partner of each face alone still left it at 0.63.
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

VERSION = 2  # of the drawing below; a gradebook's set names it, so a changed drawing is never mixed into one
# Candidate partners by kind: the training crops' kinds (`crops.NEGATIVE_KINDS`), weighted towards those that
# can look like a face.
_CANDIDATES = {"sea": 0.1, "foam": 0.2, "glint": 0.1, "distractor": 0.2, "body": 0.4}
_TRIES = 200  # candidates cut for each face
# `_look`'s statistics on one scale: a face's candidates are those nearest by this weighted distance, kept
# only when nearer than _NEAR and within _RED grey levels in red and _CONTRAST in grey contrast: the
# callosities' cream is the one colour of a face that nothing else in the sea has, and their paleness on a dark
# body its contrast, so the nearest candidates are too often less red and flatter.
_WEIGHTS = np.array([1, 3, 5, 1, 1, 1.5, 1.5, 1, 3, 0.5, 0.5])
_NEAR = 90.0
_RED = 4.0
_CHOICES = 20  # candidates kept per face, for the set's balance
_CONTRAST = 6.0  # and within this many grey levels of its contrast: a face's pale callosities on a dark body


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
             hard: Hard, taken: list[tuple[int, int]], jitter: float) -> list[tuple[str, np.ndarray, tuple[int, int]]]:
    """The `_CHOICES` not-face crops most like `face` among `_TRIES` candidates cut as faces are (an anchor, the
    same jitter), closest first, none sharing a pixel with `taken`; none when none is close enough."""
    window, look = face.shape[0], _look(face)
    kinds, shares = list(_CANDIDATES), np.array(list(_CANDIDATES.values()))
    close: list[tuple[float, str, np.ndarray, tuple[int, int]]] = []
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
        if abs(other[2] - look[2]) < _RED and abs(other[1] - look[1]) < _CONTRAST and distance < _NEAR:
            close.append((distance, kind, crop, _corner(cy, cx, window)))
    close.sort(key=lambda c: c[0])
    return [c[1:] for c in close[:_CHOICES]]


def _tells(crop: np.ndarray) -> np.ndarray:
    """What a submission with no model might go by: the PNG file's size, the grey mean and contrast, the mean of
    each colour, edges, the darkest and brightest values, the shares of dark and of bright pixels."""
    f = crop.astype(np.float32)
    grey = f.mean(axis=2)
    png = len(cv2.imencode(".png", np.ascontiguousarray(crop[..., ::-1]))[1])
    return np.array([png, grey.mean(), grey.std(), *f.mean(axis=(0, 1)), np.abs(np.diff(f, axis=0)).mean(),
                     f.min(), f.max(), (grey < 40).mean(), (grey > 150).mean()])


def _imbalance(faces: np.ndarray, others: np.ndarray) -> float:
    """How well the best single threshold on any one statistic tells the two classes apart, over the set: the
    largest gap between the two classes' cumulative distributions (Kolmogorov-Smirnov's), over the statistics.
    A threshold rule's accuracy is 0.5 plus half of it."""
    n = len(faces)
    both = np.concatenate([faces, others])
    order = np.argsort(both, axis=0, kind="stable")
    is_face = order < n
    gaps = np.abs(np.cumsum(is_face, axis=0) / n - np.cumsum(~is_face, axis=0) / len(others))
    return float(gaps.max())


def _balance(pairs: list[tuple[np.ndarray, list, int, tuple[int, int]]]) -> list[int]:
    """For each pair, which of its face's candidates to keep, so that over the set no statistic a model-free
    rule could use tells the classes apart (`_imbalance` made small, greedily, a few passes over the set); no
    two kept crops of one scene share a pixel."""
    faces = np.stack([_tells(face) for face, _, _, _ in pairs])
    options = [[_tells(crop) for _, crop, _ in candidates] for _, candidates, _, _ in pairs]
    choice = [0] * len(pairs)
    chosen = np.stack([options[i][0] for i in range(len(pairs))])
    window = pairs[0][0].shape[0]
    best = _imbalance(faces, chosen)
    for _ in range(3):
        improved = False
        for i, (_, candidates, scene, _) in enumerate(pairs):
            others = [pairs[k][1][choice[k]][2] for k in range(len(pairs)) if k != i and pairs[k][2] == scene]
            others += [pairs[k][3] for k in range(len(pairs)) if pairs[k][2] == scene]
            for j in range(len(candidates)):
                if j == choice[i] or not _free(candidates[j][2], others, window):
                    continue
                trial = chosen.copy()
                trial[i] = options[i][j]
                score = _imbalance(faces, trial)
                if score < best:
                    best, choice[i], chosen, improved = score, j, trial, True
        if not improved:
            break
    return choice


def _pairs(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, boxes: np.ndarray, hard: Hard,
           window: int, offset: float) -> list[tuple[np.ndarray, list, tuple[int, int]]]:
    """A scene's faces that fit, each with its corner and its closest not-face candidates; no face crop shares a
    pixel with another or with the closest candidate of a face before it."""
    jitter = window / 8 * offset  # the training crops' jitter, scaled by the shift as theirs is
    taken: list[tuple[int, int]] = []
    pairs = []
    outline = _outline(mask)
    for x1, y1, x2, y2 in boxes:
        cy, cx = (y1 + y2) / 2 + rng.uniform(-jitter, jitter), (x1 + x2) / 2 + rng.uniform(-jitter, jitter)
        face, spot = _cut(image, cy, cx, window), _corner(cy, cx, window)
        if face is None or not _free(spot, taken, window):
            continue
        candidates = _partner(rng, face, image, outline, boxes, hard, taken + [spot], jitter)
        if candidates:
            taken += [spot, candidates[0][2]]
            pairs.append((face, candidates, spot))
    return pairs


def graded_crops(n: int, seed: int, size: int = WINDOW, shift: Shift = NO_SHIFT) -> LabelledImages:
    """`n` labelled crops (n // 2 faces, the rest not) for a graded set, from scenes drawn from `seed`, in an
    order drawn from it too. Never cached: a hidden set is written nowhere a submission could read it."""
    if n < 2:
        raise ValueError(f"n must be at least 2 (one face, one not), got {n}")
    rng = seeds.stream(seed, "graded crop sampling")
    wanted = n - n // 2  # pairs: an odd set has one face fewer than not-faces
    pairs: list[tuple[np.ndarray, list, int, tuple[int, int]]] = []
    scenes = _pool.ordered(_crop_scene, ((seed, index, size, shift) for index in itertools.count()),
                           wanted, 48 * size * size)
    with contextlib.closing(scenes):  # stops the processes drawing scenes ahead
        for index, (image, mask, boxes, hard) in enumerate(scenes):
            if index > 20 * n:
                raise RuntimeError("could not cut enough crops; this is a bug in the scene recipe")
            pairs += [(face, candidates, index, spot)
                      for face, candidates, spot in _pairs(rng, image, mask, boxes, hard, size, shift.offset)]
            if len(pairs) >= wanted:
                break
    pairs = pairs[:wanted]
    partners = [candidates[j] for (_, candidates, _, _), j in zip(pairs, _balance(pairs), strict=True)]
    x = [face for face, _, _, _ in pairs[: n // 2]] + [crop for _, crop, _ in partners]
    kinds = ["face"] * (n // 2) + [kind for kind, _, _ in partners]
    order = rng.permutation(n)
    y = np.array([0 if k == "face" else 1 for k in kinds], np.int64)
    return LabelledImages(np.stack(x)[order], y[order], list(CLASS_NAMES), "generated graded whale crops",
                          kinds=[kinds[i] for i in order])
