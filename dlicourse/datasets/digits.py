"""Real-world digits: what a digit looks like outside MNIST, as in the workshop's seven test photos.

MNIST digits are light strokes on a black background, centred and size-normalised. A digit in the
world is handwritten too, but photographed: dark ink on light paper most often, or chalk on a board,
at any size and position, seen at an angle, under uneven light, a little blurred. Each photo here is
a handwritten digit from the bundled MNIST subset's held-out test digits (never trained on), drawn
that way: its stroke redrawn with another pen width, placed off-centre, warped in perspective, on
paper or a board with texture and light. The set ships small in `datasets/realworld_digits/` (PNG files
and a manifest with checksums); `write(folder)` makes it again from its seed, the same pixels on this machine
(another CPU may round a pixel one grey level the other way).

Twenty photos show a lesson, but they cannot measure one: a photo more or less right is five points, and
two networks a few photos apart differ by luck. `more_realworld_digits()` draws more photos the same way
from another seed, on first use (cached, never shipped), to measure on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dlicourse import manifest as manifests
from dlicourse import seeds
from dlicourse.datasets._cache import cached
from dlicourse.files import write_bytes
from dlicourse.paths import shipped_data

FOLDER = "realworld_digits"
SEED = 2018
MORE_SEED = 2019  # the larger set to measure on: other draws, never the shipped photos' stream
MORE_VERSION = 1
SIZE = 64
SOURCE_TEST_PER_CLASS = 100  # the held-out test digits of load_mnist('subset'), where the strokes come from


@dataclass(frozen=True)
class RealWorldDigits:
    """`photos` as taken (RGB, 64x64); `x` as a model trained on MNIST takes them (28x28x1 gray)."""

    photos: np.ndarray
    x: np.ndarray
    y: np.ndarray
    styles: list[str]

    def __len__(self) -> int:
        return len(self.y)


def _texture(rng: np.random.Generator, size: int, blur: float) -> np.ndarray:
    """Smooth random texture in [-1, 1]: the grain of paper, the smudges of a board."""
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)), (0, 0), blur)
    return noise / (np.abs(noise).max() + 1e-9)


def _stroke(digit: np.ndarray, big: int, rng: np.random.Generator) -> np.ndarray:
    """The handwritten digit as a clean ink mask on a `big` canvas: another pen, off-centre, at an angle."""
    height = int(rng.uniform(0.55, 0.95) * big)  # MNIST's 28 pixels hold a 20-pixel digit
    smooth = cv2.resize(digit.astype(np.float32) / 255, (height, height), interpolation=cv2.INTER_CUBIC)
    ink = np.clip((smooth - 0.3) / 0.3, 0, 1)
    pen = int(rng.integers(-2, 5)) * big // 256  # thinner or thicker than the writer's pen
    if pen:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(pen) + 1,) * 2)
        ink = (cv2.dilate if pen > 0 else cv2.erode)(ink, kernel)
    canvas = np.zeros((big, big), np.float32)
    top, left = ((big - height) / 2 + rng.uniform(-0.12, 0.12, 2) * big).astype(int).clip(0, big - height)
    canvas[top:top + height, left:left + height] = ink
    corners = np.float32([[0, 0], [big, 0], [big, big], [0, big]])
    seen = corners + rng.uniform(-0.09, 0.09, (4, 2)).astype(np.float32) * big  # photographed at an angle
    return cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(corners, seen), (big, big))


def _render(digit: np.ndarray, dark_on_light: bool, rng: np.random.Generator) -> np.ndarray:
    big = SIZE * 4  # draw large, then shrink: anti-aliased strokes like a photo's
    mask = _stroke(digit, big, rng)[..., None]
    if dark_on_light:  # ink on paper: blue, black or pencil gray, paper with a little grain
        paper = rng.uniform(190, 245) * np.array([1, rng.uniform(0.96, 1), rng.uniform(0.86, 1)])  # white to cream
        paper = paper * (1 + 0.04 * _texture(rng, big, 6)[..., None])
        ink = [rng.uniform(10, 60), rng.uniform(20, 70), rng.uniform(40, 140)] if rng.random() < 0.5 \
            else rng.uniform(20, 90) * np.ones(3)
    else:  # chalk on a board: dark green or slate, smudged; chalk strokes are uneven
        paper = rng.uniform(25, 70, 3) * [0.7, 1.0, 0.8] * (1 + 0.15 * _texture(rng, big, 20)[..., None])
        ink = rng.uniform(200, 245, 3)
        mask = mask * (0.8 + 0.2 * _texture(rng, big, 1.5)[..., None])
    photo = paper * (1 - mask) + np.asarray(ink) * mask
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.15), big)  # uneven lighting
    photo *= light[None, :, None] if rng.random() < 0.5 else light[:, None, None]
    photo = cv2.resize(photo, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.4, 1.1))
    photo += rng.normal(0, rng.uniform(2, 6), photo.shape)
    return np.clip(np.round(photo), 0, 255).astype(np.uint8)


def make(seed: int = SEED, per_digit: int = 2) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`per_digit` photos of each digit, each a different writer's, half ink on paper, half chalk on a board."""
    from dlicourse.datasets.mnist import load_mnist

    if per_digit < 2 or per_digit % 2 or per_digit > SOURCE_TEST_PER_CLASS:
        raise ValueError(f"per_digit must be an even number from 2 to {SOURCE_TEST_PER_CLASS}, got {per_digit}")
    source = load_mnist("subset", test_per_class=SOURCE_TEST_PER_CLASS)
    rng = seeds.stream(seed)
    photos, labels, styles = [], [], []
    for digit in range(10):
        writers = rng.choice(np.flatnonzero(source.y_test == digit), size=per_digit, replace=False)
        for k, writer in enumerate(writers):
            dark_on_light = k % 2 == 0
            photos.append(_render(source.x_test[writer, ..., 0], dark_on_light, rng))
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


def more_realworld_digits(count: int = 200) -> RealWorldDigits:
    """`count` more photos (a multiple of 20) drawn as the shipped ones are, from another seed: enough to
    measure a network on. Drawn on first use and cached."""
    if count < 20 or count % 20:
        raise ValueError(f"count must be a multiple of 20 (two styles, ten digits), got {count}")

    def draw() -> dict[str, np.ndarray]:
        photos, labels, styles = make(MORE_SEED, per_digit=count // 10)
        return {"photos": photos, "y": labels, "dark_on_light": np.array([s == "dark on light" for s in styles])}

    arrays = cached("realworld-digits", MORE_VERSION, {"seed": MORE_SEED, "count": count}, draw)
    styles = ["dark on light" if dark else "light on dark" for dark in arrays["dark_on_light"]]
    return RealWorldDigits(arrays["photos"], to_mnist(arrays["photos"]), arrays["y"].astype(np.int64), styles)


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

