"""Real-world digits: what a digit looks like outside MNIST, as in the workshop's seven test photos.

MNIST digits are light strokes on a black background, centred and size-normalised. Digits in the
world come in any stroke width, size, position, font and colour, and are most often dark ink on light
paper. The set ships small in `datasets/realworld_digits/` (PNG files and a manifest with checksums);
`write(folder)` makes it again from its seed, the same pixels exactly (a test holds it to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dlicourse import manifest as manifests
from dlicourse import seeds
from dlicourse.files import write_bytes
from dlicourse.paths import shipped_data

FOLDER = "realworld_digits"
SEED = 2018
SIZE = 64
_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
          cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_PLAIN)


@dataclass(frozen=True)
class RealWorldDigits:
    """`photos` as taken (RGB, 64x64); `x` as a model trained on MNIST takes them (28x28x1 gray)."""

    photos: np.ndarray
    x: np.ndarray
    y: np.ndarray
    styles: list[str]

    def __len__(self) -> int:
        return len(self.y)


def _render(digit: int, dark_on_light: bool, rng: np.random.Generator) -> np.ndarray:
    scale = 4  # draw large, then shrink: anti-aliased strokes like a photo's
    big = SIZE * scale
    paper = rng.uniform(185, 250, 3) if dark_on_light else rng.uniform(15, 80, 3) * [0.7, 1.0, 0.8]
    ink = rng.uniform(5, 90, 3) if dark_on_light else rng.uniform(190, 250, 3)
    canvas = np.ones((big, big, 3)) * paper
    font = _FONTS[rng.integers(len(_FONTS))]
    height = rng.uniform(0.45, 0.8) * big
    (w, h), _ = cv2.getTextSize(str(digit), font, 1.0, 1)
    font_scale = height / h
    thickness = int(rng.uniform(0.04, 0.14) * height)
    (w, h), _ = cv2.getTextSize(str(digit), font, font_scale, thickness)
    x0 = (big - w) / 2 + rng.uniform(-0.12, 0.12) * big
    y0 = (big + h) / 2 + rng.uniform(-0.1, 0.1) * big
    mask = np.zeros((big, big), np.uint8)
    cv2.putText(mask, str(digit), (int(x0), int(y0)), font, font_scale, 255, max(thickness, 1), cv2.LINE_AA)
    rotation = cv2.getRotationMatrix2D((big / 2, big / 2), rng.uniform(-15, 15), 1.0)
    mask = cv2.warpAffine(mask, rotation, (big, big))[..., None] / 255.0
    canvas = canvas * (1 - mask) + ink * mask
    light = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.1), big)  # uneven lighting
    canvas *= light[None, :, None] if rng.random() < 0.5 else light[:, None, None]
    photo = cv2.resize(canvas, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.4, 1.0))
    photo += rng.normal(0, rng.uniform(2, 7), photo.shape)
    return np.clip(np.round(photo), 0, 255).astype(np.uint8)


def make(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Two photos of each digit: ink on paper, and chalk on a dark board."""
    rng = seeds.stream(seed)
    photos, labels, styles = [], [], []
    for digit in range(10):
        for dark_on_light in (True, False):
            photos.append(_render(digit, dark_on_light, rng))
            labels.append(digit)
            styles.append("dark on light" if dark_on_light else "light on dark")
    order = rng.permutation(len(labels))
    return np.stack(photos)[order], np.array(labels)[order], [styles[i] for i in order]


def to_mnist(photos: np.ndarray) -> np.ndarray:
    """Gray and 28x28, the form the MNIST models take: no other change, as in the workshop."""
    gray = [cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in photos]
    return np.stack([cv2.resize(g, (28, 28), interpolation=cv2.INTER_AREA) for g in gray])[..., None]


def realworld_digits() -> RealWorldDigits:
    folder = shipped_data(FOLDER)
    manifest = manifests.verify(folder / "manifest.json", "Restore it from the repository (git checkout datasets/), "
                                "or make the set again with dlicourse.datasets.digits.write().")
    photos = [cv2.cvtColor(cv2.imread(str(folder / item["file"]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
              for item in manifest["images"]]
    photos_array = np.stack(photos)
    labels = np.array([item["label"] for item in manifest["images"]], dtype=np.int64)
    return RealWorldDigits(photos_array, to_mnist(photos_array), labels,
                           [item["style"] for item in manifest["images"]])


def write(folder: Path) -> None:
    photos, labels, styles = make()
    items = []
    for i, (photo, label, style) in enumerate(zip(photos, labels, styles, strict=True)):
        name = f"photo_{i:02d}.png"  # no label in the name: the manifest holds it
        ok, png = cv2.imencode(".png", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
        assert ok
        write_bytes(folder / name, png.tobytes())
        items.append({"file": name, "label": int(label), "style": style})
    manifests.write(folder / "manifest.json", [item["file"] for item in items],
                    recipe="dlicourse.datasets.digits.make", seed=SEED, images=items)

