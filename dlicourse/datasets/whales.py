"""Right whales seen from the air, made offline: ocean scenes with face boxes, and face / not-face crops.

The workshop's task 5 looked for whale faces in aerial photos of the ocean. A right whale from above
is a dark, broad body; its "face" is the head with pale patches of rough skin (callosities), which is
what a classifier learns to spot. The scenes here are drawn from a seed: a sea with waves, sun glint
and foam, a few floating patches that look a little like a face, and 0 to several whales at any
heading, size and depth. Each scene comes with its truth: one face box per whale and a whale mask.
The face / not-face crops that train a classifier are cut from such scenes in `crops`.

Sizes follow the classifier's window (64 pixels by default, 256 as in the original): a face box is
about 0.6 to 0.9 windows wide, so a window placed on a face holds all of it. Crops are cut from
training scenes whose random streams never overlap the held-out scenes' (`dlicourse.seeds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dlicourse import seeds
from dlicourse.datasets._cache import cached

CLASS_NAMES = ["face", "not_face"]
WINDOW = 64
SCENE_SIZE = (768, 1024)
VERSION = 4  # 4: scene and crop-scene streams from dlicourse.seeds (3 derived seeds by arithmetic)


@dataclass(frozen=True)
class Shift:
    """A documented change of conditions for test sets (the assessment's practice and hidden sets), which a
    classifier must generalise over: a darker sea (`sea_brightness` scales its colour), rougher water
    (`roughness` scales the waves' light), whales deeper in the water (`extra_depth` is added to each
    whale's depth, at most 0.85) and crops less well centred on the face (`offset` scales the jitter).
    The default changes nothing, and no shift draws extra random numbers: a scene's layout is the same
    under any shift, only its look changes."""

    sea_brightness: float = 1.0
    roughness: float = 1.0
    extra_depth: float = 0.0
    offset: float = 1.0


NO_SHIFT = Shift()


@dataclass(frozen=True)
class Scenes:
    """`images` uint8 (N, H, W, 3); `masks` uint8 (N, H, W), 0 for sea and k for whale k;
    `boxes[i]` float (K, 4) face boxes of scene i as (x1, y1, x2, y2), in pixels, x2/y2 exclusive."""

    images: np.ndarray
    masks: np.ndarray
    boxes: list[np.ndarray]
    window: int

    def __len__(self) -> int:
        return len(self.images)

    def __str__(self) -> str:
        faces = sum(len(b) for b in self.boxes)
        return (f"{len(self)} scenes of {self.images.shape[1]}x{self.images.shape[2]} pixels with {faces} whale "
                f"faces (0 to {max(len(b) for b in self.boxes)} per scene)")


# --------------------------------------------------------------------------------------------- the sea


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Noise with features about `cell` pixels wide, zero mean, unit spread."""
    h, w = shape
    small = rng.normal(size=(max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return (big - big.mean()) / (big.std() + 1e-6)


def _sea(rng: np.random.Generator, shape: tuple[int, int], window: int, shift: Shift = NO_SHIFT
         ) -> tuple[np.ndarray, np.ndarray]:
    """A sea surface (float RGB 0-255) and its wave field, which the glint follows."""
    h, w = shape
    base = np.array([rng.uniform(8, 35), rng.uniform(45, 85), rng.uniform(70, 120)], np.float32)
    base *= shift.sea_brightness
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    heading = rng.uniform(0, np.pi)
    along = xx * np.cos(heading) + yy * np.sin(heading)
    across = -xx * np.sin(heading) + yy * np.cos(heading)
    waves = np.zeros(shape, np.float32)
    bend = _smooth_noise(rng, shape, 2 * window) * rng.uniform(3, 8)
    for turn in (0.0, rng.uniform(0.4, 1.2), -rng.uniform(0.4, 1.2)):
        length = rng.uniform(0.12, 0.35) * window
        phase = along * np.cos(turn) + across * np.sin(turn) + bend
        waves += np.sin(2 * np.pi * phase / length + rng.uniform(0, 2 * np.pi)).astype(np.float32)
    waves *= 0.3 + 0.7 * np.abs(_smooth_noise(rng, shape, 0.5 * window))
    shade = _smooth_noise(rng, shape, 4 * window) * rng.uniform(4, 10)
    grain = cv2.GaussianBlur(rng.normal(size=shape).astype(np.float32), (0, 0), 0.8) * 6
    light = shade + waves * rng.uniform(3, 7) * shift.roughness + grain
    sea = base[None, None, :] * (1 + light[..., None] / 60) + light[..., None] * 0.3
    return sea, waves


def _glint(rng: np.random.Generator, sea: np.ndarray, waves: np.ndarray, window: int) -> list[tuple[int, int]]:
    """Sun glitter: bright specks on wave crests inside one or two soft patches. Returns patch centres."""
    h, w = waves.shape
    centres = []
    for _ in range(rng.integers(0, 3)):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        sy, sx = rng.uniform(0.6, 2.5) * window, rng.uniform(0.6, 2.5) * window
        yy, xx = np.ogrid[0:h, 0:w]
        patch = np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2) / 2).astype(np.float32)
        sparkle = np.clip((waves + rng.normal(0, 0.5, waves.shape).astype(np.float32)) - 1.6, 0, None)
        specks = cv2.GaussianBlur(sparkle * patch, (0, 0), 0.7) * rng.uniform(120, 260)
        sea += specks[..., None] * np.array([1.0, 1.0, 0.95], np.float32)
        centres.append((int(cy), int(cx)))
    return centres


def _foam(rng: np.random.Generator, sea: np.ndarray, window: int, count: int) -> list[tuple[int, int]]:
    """Whitecaps and foam streaks: thin bright curves and blotches. Returns their centres."""
    h, w = sea.shape[:2]
    centres = []
    for _ in range(count):
        cy, cx = rng.uniform(0.05, 0.95) * h, rng.uniform(0.05, 0.95) * w
        angle = rng.uniform(0, 2 * np.pi)
        points = []
        for _ in range(rng.integers(3, 8)):
            angle += rng.normal(0, 0.6)
            cx, cy = cx + np.cos(angle) * window * 0.1, cy + np.sin(angle) * window * 0.1
            points.append((cx * 16, cy * 16))
        line = np.array(points, np.int32)
        blur = rng.uniform(0.6, 2.0)
        rows, cols, offset = _region([line], sea.shape, 0.3 * window + 3 * blur)
        layer = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.uint8)
        thickness = max(1, int(rng.uniform(0.015, 0.06) * window))
        cv2.polylines(layer, [line - offset], False, 255, thickness, cv2.LINE_AA, shift=4)
        for _ in range(rng.integers(0, 5)):
            px, py = line[rng.integers(len(line))] - offset + rng.normal(0, window * 1.5, 2).astype(np.int32)
            cv2.circle(layer, (int(px), int(py)), int(rng.uniform(0.02, 0.07) * window * 16), 255, -1,
                       cv2.LINE_AA, shift=4)
        _blend(sea, layer, rows, cols, rng.uniform(200, 250), rng.uniform(0.4, 0.9), blur)
        centres.append((int(line[:, 1].mean() / 16), int(line[:, 0].mean() / 16)))
    return centres


def _blob(rng: np.random.Generator, centre: tuple[float, float], radius: float) -> np.ndarray:
    """An irregular closed outline around `centre` (x, y), as fixed-point polygon points (shift 4)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(6, 11)))
    radii = radius * rng.uniform(0.6, 1.3, len(angles))
    pts = np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)
    return (pts * 16).astype(np.int32)


def _region(points: list[np.ndarray], shape: tuple[int, ...], pad: float) -> tuple[slice, slice, np.ndarray]:
    """The part of the image that fixed-point `points` (shift 4) touch, padded; and the offset to subtract."""
    allp = np.concatenate([p.reshape(-1, 2) for p in points]) / 16
    x0, y0 = np.maximum(np.floor(allp.min(axis=0) - pad), 0).astype(int)
    x1 = int(min(np.ceil(allp[:, 0].max() + pad), shape[1]))
    y1 = int(min(np.ceil(allp[:, 1].max() + pad), shape[0]))
    return slice(y0, max(y1, y0 + 1)), slice(x0, max(x1, x0 + 1)), np.array([x0, y0]) * 16


def _blend(image: np.ndarray, layer: np.ndarray, rows: slice, cols: slice, colour: np.ndarray | float,
           alpha: float, blur: float) -> None:
    a = layer.astype(np.float32) / 255
    if blur > 0:
        a = cv2.GaussianBlur(a, (0, 0), blur)
    a = (a * alpha)[..., None]
    part = image[rows, cols]
    part[:] = part * (1 - a) + np.asarray(colour, np.float32) * a


def _paint(image: np.ndarray, polygons: list[np.ndarray], colour: np.ndarray, alpha: float, blur: float) -> None:
    """Fill `polygons` (fixed-point, shift 4) with `colour`, soft-edged, touching only their region."""
    rows, cols, offset = _region(polygons, image.shape, 3 * blur + 3)
    layer = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.uint8)
    cv2.fillPoly(layer, [(p - offset).astype(np.int32) for p in polygons], 255, cv2.LINE_AA, shift=4)
    _blend(image, layer, rows, cols, colour, alpha, blur)


def _distractor(rng: np.random.Generator, sea: np.ndarray, window: int) -> tuple[int, int]:
    """A floating patch (kelp, debris) with a few pale specks: a little like a whale's head."""
    h, w = sea.shape[:2]
    cx, cy = rng.uniform(0.05, 0.95) * w, rng.uniform(0.05, 0.95) * h
    radius = rng.uniform(0.12, 0.35) * window
    dark = np.array([rng.uniform(20, 60), rng.uniform(25, 55), rng.uniform(20, 50)], np.float32)
    _paint(sea, [_blob(rng, (cx, cy), radius)], dark, rng.uniform(0.5, 0.9), 1.5)
    pale = np.array([rng.uniform(160, 220)] * 3, np.float32) * [1.0, 0.97, 0.9]
    specks = [_blob(rng, (cx + rng.normal(0, radius * 0.8), cy + rng.normal(0, radius * 0.8)),
                    rng.uniform(0.02, 0.06) * window) for _ in range(rng.integers(1, 5))]
    _paint(sea, specks, pale, rng.uniform(0.5, 0.9), 0.8)
    return int(cy), int(cx)


# -------------------------------------------------------------------------------------------- a whale

# Half-width of a right whale's body along its length (0 = tip of the head, 1 = tail), as a fraction
# of its length: a broad rounded head, a stout body, a narrow tail stock, then the flukes.
_PROFILE_T = np.array([0.0, 0.015, 0.05, 0.1, 0.18, 0.3, 0.45, 0.6, 0.72, 0.82, 0.88, 0.9])
_PROFILE_W = np.array([0.0, 0.06, 0.095, 0.115, 0.13, 0.145, 0.145, 0.125, 0.09, 0.05, 0.03, 0.028])
HEAD_LENGTH = 0.26  # the face: the head up to behind the blowholes, as a fraction of body length


def _outline(length: float, bend: float) -> tuple[np.ndarray, np.ndarray]:
    """Body outline and its spine in whale coordinates (x along the body from the head tip, y across)."""
    t = np.linspace(0, 0.9, 40)
    half = np.interp(t, _PROFILE_T, _PROFILE_W) * length
    spine_y = bend * length * (t - 0.3) ** 2
    left = np.stack([t * length, spine_y - half], axis=1)
    right = np.stack([t * length, spine_y + half], axis=1)
    tail_y = bend * length * 0.36
    flukes = np.array([[0.88, -0.03], [0.97, -0.17], [1.02, -0.16], [0.96, 0.0],
                       [1.02, 0.16], [0.97, 0.17], [0.88, 0.03]]) * length + [0, tail_y]
    body = np.concatenate([left, flukes[:3], flukes[3:4], flukes[4:], right[::-1]])
    return body, np.stack([t * length, spine_y], axis=1)


def _callosities(rng: np.random.Generator, length: float) -> list[np.ndarray]:
    """Pale patches on the head, in whale coordinates: the bonnet at the tip, rows along the jaw,
    and patches by the blowholes."""
    spots = [(0.03, 0.0, 0.03)]  # (along, across, radius), fractions of length
    for side in (-1, 1):
        for along in np.linspace(0.06, rng.uniform(0.16, 0.22), rng.integers(2, 4)):
            across = side * np.interp(along, _PROFILE_T, _PROFILE_W) * rng.uniform(0.55, 0.8)
            spots.append((along, across, rng.uniform(0.012, 0.022)))
    for side in (-1, 1):
        spots.append((rng.uniform(0.2, 0.24), side * rng.uniform(0.015, 0.03), rng.uniform(0.012, 0.02)))
    return [_blob(rng, (a * length, c * length), r * length) for a, c, r in spots if rng.random() < 0.93]


def _whale(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray, label: int,
           centre: tuple[float, float], length: float, shift: Shift = NO_SHIFT) -> np.ndarray:
    """Draw one whale; return its face box (x1, y1, x2, y2). `centre` is the head's centre (x, y)."""
    heading = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(heading), -np.sin(heading)], [np.sin(heading), np.cos(heading)]])
    head_centre = np.array([HEAD_LENGTH / 2 * length, 0.0])

    def place(points: np.ndarray) -> np.ndarray:
        return ((points - head_centre) @ rot.T + centre) * 16

    body, _ = _outline(length, rng.uniform(-0.4, 0.4))
    body_px = place(body).astype(np.int32)
    depth = rng.uniform(0.0, 0.55)  # 0: at the surface; larger: seen through more water
    depth = min(depth + shift.extra_depth, 0.85) if shift.extra_depth else depth
    skin = np.array([rng.uniform(18, 40), rng.uniform(20, 40), rng.uniform(25, 48)], np.float32)
    rows, cols, offset = _region([body_px], image.shape, 8 + 9 * depth)
    local = (body_px - offset).astype(np.int32)
    layer = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.uint8)
    cv2.fillPoly(layer, [local], 255, cv2.LINE_AA, shift=4)
    # Submersion: deep parts take the sea's colour and blur, and the tail sinks more than the head.
    alpha = cv2.GaussianBlur(layer.astype(np.float32) / 255, (0, 0), 0.8 + 3 * depth)
    yy, xx = np.mgrid[rows, cols].astype(np.float32)
    along = ((xx - centre[0]) * np.cos(heading) + (yy - centre[1]) * np.sin(heading)) / length
    sink = np.clip(along, 0, None) * rng.uniform(0, 0.8)
    alpha *= np.clip(1 - 0.75 * depth - sink, 0.2, 1.0)
    texture = 1 + 0.12 * _smooth_noise(rng, layer.shape, 0.08 * length)
    part = image[rows, cols]
    part[:] = part * (1 - alpha[..., None]) + (skin * texture[..., None]) * alpha[..., None]
    mask[rows, cols][layer > 127] = label
    # Callosities, which make the face; slightly blurred and dimmed with depth.
    pale = np.array([rng.uniform(175, 235), rng.uniform(170, 225), rng.uniform(145, 205)], np.float32)
    patches = [place(p / 16.0).astype(np.int32) for p in _callosities(rng, length)]
    _paint(image, patches, pale, np.clip(1 - 0.6 * depth, 0.4, 1) * rng.uniform(0.8, 1.0), 0.5 + 1.5 * depth)
    # The face box: the head's part of the body (plus its callosities), axis-aligned.
    head = np.zeros(layer.shape, np.uint8)
    cv2.fillPoly(head, [local], 1, cv2.LINE_8, shift=4)
    cv2.fillPoly(head, [(p - offset).astype(np.int32) for p in patches], 1, cv2.LINE_8, shift=4)
    head &= (along >= -HEAD_LENGTH / 2 - 0.02) & (along <= HEAD_LENGTH / 2)
    ys, xs = np.nonzero(head)
    return np.array([xs.min() + cols.start, ys.min() + rows.start, xs.max() + 1 + cols.start,
                     ys.max() + 1 + rows.start], np.float32)


# ----------------------------------------------------------------------------------------- the scenes


def _whale_count(rng: np.random.Generator, shape: tuple[int, int], window: int) -> int:
    """0 to several whales: up to five per 768x1024 (at window 64), up to two in smaller scenes."""
    most = max(2, round(5 * shape[0] * shape[1] / (SCENE_SIZE[0] * SCENE_SIZE[1]) * (WINDOW / window) ** 2))
    return int(rng.integers(0, most + 1))


Hard = dict[str, list[tuple[int, int]]]  # the centres (row, col) of foam, glint and distractors


def make_scene(seed: int | tuple[int | str, ...], size: tuple[int, int] = SCENE_SIZE, window: int = WINDOW,
               whales: int | None = None, shift: Shift = NO_SHIFT) -> tuple[np.ndarray, np.ndarray, np.ndarray, Hard]:
    """One scene from its seed: image uint8 (H, W, 3), whale mask, face boxes (K, 4), and the centres
    (row, col) of its foam, glint and distractors (for hard negative crops). `whales` fixes how many
    whales to try to place (default: 0 to several, by the scene's area); `shift` changes its look."""
    h, w = size
    if h < window or w < window:
        raise ValueError(f"a scene must be at least one window ({window}x{window}) in size, got {h}x{w}")
    rng = seeds.stream(*seed) if isinstance(seed, tuple) else seeds.stream(seed)
    sea, waves = _sea(rng, size, window, shift)
    hard = {"glint": _glint(rng, sea, waves, window)}
    hard["foam"] = _foam(rng, sea, window, int(rng.integers(2, 6) * max(1, h * w // (512 * 512))))
    hard["distractor"] = [_distractor(rng, sea, window) for _ in range(int(rng.integers(1, 4)))]
    mask = np.zeros(size, np.uint8)
    boxes: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    for _ in range(_whale_count(rng, size, window) if whales is None else whales):
        length = rng.uniform(2.1, 2.9) * window
        margin = 0.6 * window
        for _attempt in range(30):  # keep heads apart and inside the scene
            centre = np.array([rng.uniform(margin, w - margin), rng.uniform(margin, h - margin)])
            if all(np.linalg.norm(centre - c) > 1.6 * window for c in heads):
                break
        else:
            continue
        heads.append(centre)
        boxes.append(_whale(rng, sea, mask, len(boxes) + 1, tuple(centre), length, shift))
    image = np.clip(np.round(sea), 0, 255).astype(np.uint8)
    return image, mask, np.array(boxes, np.float32).reshape(-1, 4), hard


def _make_scenes(n: int, seed: int, size: tuple[int, int], window: int) -> dict[str, np.ndarray]:
    images, masks, boxes, owners = [], [], [], []
    for i in range(n):
        image, mask, b, _ = make_scene((seed, "scene", i), size, window)
        images.append(image)
        masks.append(mask)
        boxes.append(b)
        owners.append(np.full(len(b), i))
    return {"images": np.stack(images), "masks": np.stack(masks), "boxes": np.concatenate(boxes),
            "owners": np.concatenate(owners).astype(np.int64)}


def whale_scenes(n: int, seed: int = 0, size: tuple[int, int] = SCENE_SIZE, window: int = WINDOW) -> Scenes:
    """`n` aerial scenes from `seed` (same seed, same scenes), cached after the first call."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    size = (int(size[0]), int(size[1]))
    arrays = cached("whale-scenes", VERSION, {"n": n, "seed": seed, "size": list(size), "window": window},
                    lambda: _make_scenes(n, seed, size, window))
    boxes = [arrays["boxes"][arrays["owners"] == i] for i in range(n)]
    return Scenes(arrays["images"], arrays["masks"], boxes, window)
