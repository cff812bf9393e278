"""Images with pixel masks, for the segmentation lab: MRI-like heart slices, or your own folders.

The workshop's lab segmented the left ventricle in Sunnybrook cardiac MRI: a short-axis slice of the
chest, where the ventricle's bright blood pool, inside a dark ring of heart muscle, covers only a few
percent of the pixels. `cardiac_slices` draws slices like that from a seed: a torso with fat, lungs,
liver, spine and aorta, a heart whose position, size and shape vary, a bright right ventricle beside
the left one (so brightness alone is not the answer), uneven coil sensitivity and MRI noise. The mask
is exactly the left ventricle's blood pool, drawn from the same geometry as the image.

Real data is a folder of images and a folder of masks with the same file names (any image format);
`mask_folder` loads both and says plainly which files are missing or do not match.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from dlicourse import seeds
from dlicourse.datasets import _pool
from dlicourse.datasets._cache import cached
from dlicourse.images import ImageError, is_image_file, load_image, resize

SIZE = 128
VERSION = 2  # 2: each slice from a stream of its own, so slices can be drawn in parallel
_SCALE = 2  # draw at twice the size, then shrink: smooth edges, and a mask exact to the pixel


@dataclass(frozen=True)
class Segmentation:
    """Images (N, H, W, C) uint8 and their masks (N, H, W, 1) uint8, 1 where the object is."""

    x: np.ndarray
    masks: np.ndarray
    source: str
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: slice) -> Segmentation:
        """A slice of the set, e.g. `data[:800]` for training and `data[800:]` for testing."""
        return Segmentation(self.x[index], self.masks[index], self.source, self.files[index])

    @property
    def foreground_fraction(self) -> float:
        return float(self.masks.mean())

    def __str__(self) -> str:
        n, h, w, c = self.x.shape
        return (f"{n} images from {self.source}: {h}x{w}x{c} uint8, masks {h}x{w}x1 with "
                f"{self.foreground_fraction:.1%} of the pixels foreground")


def _ellipse(canvas: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
             value: float) -> None:
    """A filled ellipse in place, in drawing coordinates (sub-pixel precise)."""
    shift = 4
    c = tuple(int(round(v * (1 << shift))) for v in center)
    a = tuple(max(1, int(round(v * (1 << shift)))) for v in axes)
    cv2.ellipse(canvas, c, a, angle, 0, 360, value, -1, cv2.LINE_AA, shift)


def _blob(shape: tuple[int, int], center: np.ndarray, radius: float, aspect: float, angle: float,
          wobble: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """A smooth star-shaped region: an ellipse whose radius varies with a few low harmonics."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    dy, dx = yy - center[0], xx - center[1]
    cos, sin = np.cos(angle), np.sin(angle)
    u, v = dx * cos + dy * sin, (-dx * sin + dy * cos) * aspect
    theta, r = np.arctan2(v, u), np.hypot(u, v)
    bound = radius * (1 + sum(w * np.cos((k + 2) * theta + p) for k, (w, p) in enumerate(zip(wobble, phases,
                                                                                               strict=True))))
    return np.clip(bound - r + 0.5, 0, 1)  # one pixel of anti-aliasing at the edge


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    noise = cv2.GaussianBlur(rng.normal(0, 1, shape), (0, 0), sigma)
    return noise / (noise.std() + 1e-9)


def _slice(seed: int, i: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Slice `i` of `seed`, from a stream of its own: gray (size, size) uint8 and its left-ventricle mask."""
    rng = seeds.stream(seed, "slice", i)
    n = size * _SCALE
    s = n / 256  # geometry below is written for a 256-pixel drawing
    img = np.full((n, n), 8.0)
    cy, cx = n / 2 + rng.uniform(-8, 8) * s, n / 2 + rng.uniform(-6, 6) * s
    body = (rng.uniform(108, 122) * s, rng.uniform(82, 100) * s)
    tilt = rng.uniform(-8, 8)
    fat = rng.uniform(5, 10) * s
    _ellipse(img, (cx, cy), body, tilt, rng.uniform(150, 190))  # subcutaneous fat: bright
    _ellipse(img, (cx, cy), (body[0] - fat, body[1] - fat), tilt, rng.uniform(70, 95))  # muscle and tissue
    lung_y = cy - rng.uniform(0, 14) * s
    for side in (-1, 1):  # lungs: dark, either side of the heart
        _ellipse(img, (cx + side * rng.uniform(44, 56) * s, lung_y), (rng.uniform(30, 40) * s, rng.uniform(42, 58) * s),
                 side * rng.uniform(5, 25), rng.uniform(15, 35))
        for _ in range(rng.integers(4, 10)):  # vessels in the lung: small bright dots
            _ellipse(img, (cx + side * rng.uniform(30, 70) * s, lung_y + rng.uniform(-45, 45) * s),
                     (rng.uniform(1.5, 3.5) * s,) * 2, 0, rng.uniform(60, 140))
    _ellipse(img, (cx - rng.uniform(30, 50) * s, cy + rng.uniform(35, 50) * s),
             (rng.uniform(35, 50) * s, rng.uniform(18, 28) * s), rng.uniform(-20, 20), rng.uniform(95, 125))  # liver
    spine = (cx + rng.uniform(-5, 5) * s, cy + body[1] - fat - rng.uniform(22, 30) * s)
    _ellipse(img, spine, (14 * s, 12 * s), 0, rng.uniform(120, 150))  # vertebra
    _ellipse(img, spine, (7 * s, 6 * s), 0, rng.uniform(50, 70))  # spinal canal
    _ellipse(img, (spine[0] + rng.uniform(14, 22) * s, spine[1] - rng.uniform(14, 22) * s), (8 * s, 8 * s), 0,
             rng.uniform(180, 220))  # descending aorta: as bright as blood, because it is blood

    # The heart: the left ventricle's blood pool inside a ring of muscle, the right ventricle beside it.
    center = np.array([cy + rng.uniform(-22, 18) * s, cx + rng.uniform(-20, 24) * s])
    radius = rng.uniform(13, 29) * s  # apical slices are small, basal ones large
    aspect, angle = rng.uniform(0.8, 1.2), rng.uniform(0, np.pi)
    wobble, phases = rng.uniform(0, 0.07, 3), rng.uniform(0, 2 * np.pi, 3)
    wall = rng.uniform(8, 13) * s
    heart = _blob((n, n), center, radius + wall, aspect, angle, wobble, phases)
    rv_dir = np.deg2rad(rng.uniform(150, 230))  # the right ventricle lies to the image's left
    rv_center = center + (radius + wall * 0.9) * np.array([np.sin(rv_dir), np.cos(rv_dir)])
    rv = _blob((n, n), rv_center, radius * rng.uniform(0.9, 1.3), rng.uniform(1.3, 2.0), rv_dir + np.pi / 2,
               rng.uniform(0, 0.1, 3), rng.uniform(0, 2 * np.pi, 3))
    rv *= 1 - heart  # a crescent hugging the left ventricle's wall
    lv = _blob((n, n), center, radius, aspect, angle, wobble, phases)
    muscle, blood = rng.uniform(55, 80), rng.uniform(190, 235)
    img = img * (1 - heart) + muscle * heart
    img = img * (1 - rv) + blood * rng.uniform(0.85, 1.0) * rv
    img = img * (1 - lv) + blood * lv
    for _ in range(rng.integers(0, 3)):  # papillary muscles: dark dots inside the pool, still part of it
        at = rng.uniform(0, 2 * np.pi)
        dot = center + radius * 0.7 * np.array([np.sin(at), np.cos(at)])
        _ellipse(img, (dot[1], dot[0]), (rng.uniform(2, 4) * s,) * 2, 0, muscle)

    img *= 1 + 0.08 * _smooth_noise(rng, (n, n), 6 * s)  # tissue texture
    yy, xx = np.mgrid[:n, :n] / n
    img *= 0.8 + 0.35 * np.clip(1 - rng.uniform(0.6, 1.0) * np.hypot(yy - rng.uniform(0.3, 0.7),
                                                                   xx - rng.uniform(0.3, 0.7)), 0, 1)  # coil
    img = cv2.resize(cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.6) * s), (size, size),
                     interpolation=cv2.INTER_AREA)
    sigma = rng.uniform(4, 9)  # magnitude images have Rician noise
    img = np.hypot(img + rng.normal(0, sigma, img.shape), rng.normal(0, sigma, img.shape))
    mask = cv2.resize((lv >= 0.5).astype(np.float32), (size, size), interpolation=cv2.INTER_AREA) >= 0.5
    return np.clip(np.round(img), 0, 255).astype(np.uint8), mask.astype(np.uint8)


def _make(n: int, size: int, seed: int) -> dict[str, np.ndarray]:
    slices = list(_pool.ordered(_slice, ((seed, i, size) for i in range(n)), n, (size * _SCALE) ** 2))
    return {"x": np.stack([s[0] for s in slices])[..., None], "masks": np.stack([s[1] for s in slices])[..., None]}


def cardiac_slices(n: int = 1000, size: int = SIZE, seed: int = 0) -> Segmentation:
    """`n` MRI-like short-axis slices (size x size, gray) with left-ventricle masks, the same for a seed."""
    if n < 1 or size < 32:
        raise ValueError(f"need n >= 1 and size >= 32, got n={n}, size={size}")
    arrays = cached("cardiac-slices", VERSION, {"n": n, "size": size, "seed": seed}, lambda: _make(n, size, seed))
    return Segmentation(arrays["x"], arrays["masks"], f"generated cardiac slices (seed {seed})")


def _by_stem(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"the {what} folder {folder} does not exist")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not is_image_file(path):
            continue
        if path.stem in files:
            raise ValueError(f"{files[path.stem].name} and {path.name} in {folder} have the same name; keep one")
        files[path.stem] = path
    if not files:
        raise ValueError(f"the {what} folder {folder} holds no images")
    return files


def _names(stems: set[str]) -> str:
    listed = sorted(stems)
    return ", ".join(listed[:5]) + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")


def _binary(mask: np.ndarray) -> np.ndarray:
    """A mask file as 0/1: any nonzero pixel of a 0/1 file, or the brighter half of a 0/255 one."""
    gray = mask.max(axis=-1).astype(np.float32)
    return (gray > (0.5 if gray.max() <= 1 else 127.5)).astype(np.float32)


def mask_folder(images_dir: str | os.PathLike, masks_dir: str | os.PathLike, size: int | tuple[int, int] = SIZE,
                channels: int = 1) -> Segmentation:
    """Images and masks paired by file name (`a.jpg` with `a.png`), resized to `size` (height, width).

    A mask is white (or 1) where the object is. Images become gray when `channels` is 1, RGB when 3.
    Any image without a mask, mask without an image, or pair of different sizes is an error naming them.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (gray) or 3 (RGB), got {channels}")
    images, masks = _by_stem(Path(images_dir), "images"), _by_stem(Path(masks_dir), "masks")
    if no_mask := set(images) - set(masks):
        raise ValueError(f"{len(no_mask)} images have no mask in {masks_dir}: {_names(no_mask)}")
    if no_image := set(masks) - set(images):
        raise ValueError(f"{len(no_image)} masks have no image in {images_dir}: {_names(no_image)}")
    x, y = [], []
    for stem, image_path in images.items():
        image, mask = load_image(image_path), load_image(masks[stem])
        if image.shape != mask.shape:
            raise ImageError(f"{masks[stem]}: the mask is {mask.shape[1]}x{mask.shape[0]} pixels but its image "
                             f"{image_path.name} is {image.shape[1]}x{image.shape[0]}")
        image = resize(image, size)
        x.append(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None] if channels == 1 else image)
        y.append((resize(_binary(mask), size) >= 0.5).astype(np.uint8)[..., None])
    return Segmentation(np.stack(x), np.stack(y), f"{images_dir} and {masks_dir}",
                        [images[stem].name for stem in images])
