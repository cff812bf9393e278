"""Drawing one photo of a dog: a scene, the dog posed in it, light, blur, noise and an occlusion.

Everything that should not matter to a classifier varies from photo to photo; the identity does not.
"""

from __future__ import annotations

import cv2
import numpy as np

from dlicourse.datasets.dogs.identities import BLACK, Colour, Dog

# Scenes of the training splits, and the new ones that only the held-out split shows.
SCENES = ("living room", "park", "beach", "kitchen", "studio", "snow")
NEW_SCENES = ("forest", "brick wall", "night street", "autumn")


def _gradient(s: int, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    t = np.linspace(0, 1, s, dtype=np.float32)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (s, s, 3)).copy()


def _vary(rng: np.random.Generator, c: tuple[float, float, float], amount: float = 25) -> np.ndarray:
    return np.clip(np.asarray(c, np.float32) + rng.normal(0, amount, 3), 0, 255).astype(np.float32)


def _background(scene: str, s: int, rng: np.random.Generator) -> np.ndarray:
    """A scene behind the dog, with a horizon at a random height and a few objects."""
    h = int(s * rng.uniform(0.45, 0.75))  # horizon or where wall meets floor
    u = s / 100
    if scene == "living room":
        img = _gradient(s, _vary(rng, (205, 190, 160)), _vary(rng, (170, 150, 120)))
        img[h:] = _vary(rng, (120, 80, 50))
        for y in range(h, s, int(6 * u)):
            cv2.line(img, (0, y), (s, y), (_vary(rng, (95, 62, 40)) * 1).tolist(), max(1, int(u / 2)))
        x = int(rng.uniform(0, 60) * u)
        cv2.rectangle(img, (x, int(h - 30 * u)), (x + int(35 * u), h), _vary(rng, (90, 110, 140), 40).tolist(), -1)
        cv2.rectangle(img, (int(rng.uniform(10, 80) * u), int(10 * u)), (int(rng.uniform(20, 95) * u), int(28 * u)),
                      _vary(rng, (60, 90, 70), 60).tolist(), -1)
    elif scene == "park":
        img = _gradient(s, _vary(rng, (120, 170, 230)), _vary(rng, (190, 215, 240)))
        for _ in range(int(rng.integers(1, 4))):
            x, y = int(rng.uniform(0, s)), int(h - rng.uniform(10, 25) * u)
            cv2.rectangle(img, (x - int(2 * u), y), (x + int(2 * u), h), (90, 60, 35), -1)
            cv2.circle(img, (x, y), int(rng.uniform(10, 18) * u), _vary(rng, (50, 120, 50)).tolist(), -1)
        img[h:] = _vary(rng, (80, 150, 60))
        img[h:] += rng.normal(0, 12, (s - h, s, 1)).astype(np.float32)
    elif scene == "beach":
        img = _gradient(s, _vary(rng, (110, 170, 235)), _vary(rng, (200, 225, 245)))
        sea = int(h - 12 * u)
        img[sea:h] = _vary(rng, (40, 110, 170))
        img[h:] = _vary(rng, (225, 205, 160))
        cv2.circle(img, (int(rng.uniform(10, 90) * u), int(12 * u)), int(7 * u), (255, 245, 200), -1)
    elif scene == "kitchen":
        img = np.empty((s, s, 3), np.float32)
        img[:] = _vary(rng, (225, 225, 215))
        step = int(rng.uniform(9, 14) * u)
        for k in range(0, s, step):
            cv2.line(img, (k, 0), (k, h), (160, 160, 150), max(1, int(u / 2)))
            cv2.line(img, (0, k), (s, k), (160, 160, 150), max(1, int(u / 2)))
        img[h:] = _vary(rng, (110, 100, 95))
        cv2.rectangle(img, (0, h), (s, h + int(4 * u)), _vary(rng, (60, 60, 70)).tolist(), -1)
    elif scene == "studio":
        img = _gradient(s, _vary(rng, (150, 150, 160), 60), _vary(rng, (90, 90, 100), 50))
    elif scene == "snow":
        img = _gradient(s, _vary(rng, (190, 200, 215)), _vary(rng, (225, 230, 240)))
        for _ in range(int(rng.integers(2, 5))):
            x, w = int(rng.uniform(0, s)), int(rng.uniform(6, 12) * u)
            top = int(h - rng.uniform(20, 40) * u)
            cv2.fillPoly(img, [np.array([[x, top], [x - w, h], [x + w, h]])], _vary(rng, (30, 70, 45)).tolist())
        img[h:] = _vary(rng, (240, 242, 248), 8)
    elif scene == "forest":
        img = _gradient(s, _vary(rng, (60, 90, 60)), _vary(rng, (30, 55, 30)))
        for _ in range(int(rng.integers(4, 8))):
            x = int(rng.uniform(0, s))
            cv2.rectangle(img, (x, 0), (x + int(rng.uniform(3, 8) * u), h), _vary(rng, (70, 50, 35)).tolist(), -1)
        img[h:] = _vary(rng, (70, 60, 40))
    elif scene == "brick wall":
        img = np.empty((s, s, 3), np.float32)
        img[:] = _vary(rng, (200, 195, 185), 10)
        bh, bw = int(8 * u), int(18 * u)
        base = _vary(rng, (165, 70, 50))
        for row, y in enumerate(range(0, h, bh)):
            for x in range(-bw if row % 2 else -bw // 2, s, bw):
                cv2.rectangle(img, (x + 1, y + 1), (x + bw - 2, y + bh - 2), (base + rng.normal(0, 12, 3)).tolist(), -1)
        img[h:] = _vary(rng, (120, 120, 120))
    elif scene == "night street":
        img = _gradient(s, _vary(rng, (20, 25, 60)), _vary(rng, (40, 40, 70)))
        for _ in range(int(rng.integers(6, 14))):
            x, y = int(rng.uniform(0, s)), int(rng.uniform(0, h))
            cv2.rectangle(img, (x, y), (x + int(5 * u), y + int(7 * u)), _vary(rng, (240, 210, 120)).tolist(), -1)
        img[h:] = _vary(rng, (50, 50, 55))
    elif scene == "autumn":
        img = _gradient(s, _vary(rng, (160, 190, 220)), _vary(rng, (220, 200, 170)))
        img[h:] = _vary(rng, (150, 90, 40))
        for _ in range(60):
            x, y = int(rng.uniform(0, s)), int(rng.uniform(0, s))
            colour = _vary(rng, (210, 110, 30), 40).tolist()
            cv2.ellipse(img, (x, y), (int(3 * u), int(1.5 * u)), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    else:
        raise ValueError(f"unknown scene {scene!r}; choose from {', '.join(SCENES + NEW_SCENES)}")
    return img


def _ellipse(img: np.ndarray, centre: tuple[float, float], axes: tuple[float, float], colour: Colour | np.ndarray,
             angle: float = 0.0) -> None:
    cv2.ellipse(img, (int(centre[0]), int(centre[1])), (max(1, int(axes[0])), max(1, int(axes[1]))), angle, 0, 360,
                tuple(float(v) for v in colour), -1, cv2.LINE_AA)


def _ears(img: np.ndarray, dog: Dog, cx: float, cy: float, w: float, hh: float, yaw: float, front: bool) -> None:
    """Pointed and round ears stand behind the head; floppy and folded ones hang in front of it."""
    length = dog.ear_length * w
    for side in (-1, 1):
        near = 1 + 0.25 * side * yaw  # the ear on the side the dog turns away from looks smaller
        x = cx + side * w * 0.45 * (1 - 0.1 * side * yaw)
        if dog.ear_shape == "pointed" and not front:
            x = cx + side * w * 0.6
            tip = (x + side * w * 0.15, cy - hh * 0.7 - length * 1.1 * near)
            pts = np.array([[x - w * 0.28, cy - hh * 0.45], [x + w * 0.28, cy - hh * 0.45], tip], np.int32)
            cv2.fillPoly(img, [pts], dog.ears, cv2.LINE_AA)
            inner = pts.astype(np.float32) * 0.7 + pts.mean(0) * 0.3
            cv2.fillPoly(img, [inner.astype(np.int32)], tuple(0.55 * np.array(dog.ears) + 90), cv2.LINE_AA)
        elif dog.ear_shape == "round" and not front:
            _ellipse(img, (x + side * w * 0.08, cy - hh * 0.5), (w * 0.2 * near, length * 0.45), dog.ears,
                     side * 30)
        elif dog.ear_shape == "floppy" and front:
            _ellipse(img, (cx + side * w * 0.92, cy - hh * 0.05 + length * 0.35), (w * 0.24 * near, length * 0.7),
                     dog.ears, -side * 10)
        elif dog.ear_shape == "folded" and front:
            pts = np.array([[x - side * w * 0.1, cy - hh * 0.5], [x + side * w * 0.3, cy - hh * 0.35],
                            [x + side * w * 0.2, cy - hh * 0.35 + length * 0.8 * near]], np.int32)
            cv2.fillPoly(img, [pts], dog.ears, cv2.LINE_AA)


def _draw_dog(dog: Dog, s: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The dog alone, centred, on a transparent canvas: colour and coverage (0..1)."""
    img = np.zeros((s, s, 3), np.float32)
    w = s * 0.34  # the head's half-width
    hh = w * dog.head_aspect
    cx, cy = s * 0.5, s * 0.42
    yaw = float(rng.uniform(-0.6, 0.6))  # turning the head left or right
    shift = yaw * w * 0.25  # the face moves towards where it looks
    # body and shoulders, below the head
    _ellipse(img, (cx, cy + hh * 1.45), (w * 1.45, hh * 1.0), dog.coat)
    if dog.saddle is not None:
        for side in (-1, 1):
            _ellipse(img, (cx + side * w * 1.15, cy + hh * 1.5), (w * 0.45, hh * 0.8), dog.saddle)
    if dog.chest is not None:
        _ellipse(img, (cx + shift * 0.5, cy + hh * 1.35), (w * 0.55, hh * 0.75), dog.chest)
    if dog.spots is not None:
        for _ in range(10):
            _ellipse(img, (cx + rng.uniform(-1.3, 1.3) * w, cy + hh * rng.uniform(0.9, 2.0)), (w * 0.07,) * 2,
                     dog.spots)
    _ears(img, dog, cx, cy, w, hh, yaw, front=False)
    # head, then its markings, clipped to the head
    head = np.zeros((s, s, 3), np.float32)
    _ellipse(head, (cx, cy), (w, hh), dog.coat)
    fx = cx + shift
    if dog.spots is not None:
        for _ in range(8):
            _ellipse(head, (cx + rng.uniform(-0.8, 0.8) * w, cy + rng.uniform(-0.8, 0.5) * hh), (w * 0.06,) * 2,
                     dog.spots)
    if dog.eye_patch is not None:
        _ellipse(head, (fx - dog.eye_spacing * w, cy - hh * 0.12), (w * 0.24, hh * 0.2), dog.eye_patch, 20)
    if dog.mask is not None:
        _ellipse(head, (fx, cy + hh * 0.35), (w * 0.75, hh * 0.55), dog.mask)
    if dog.blaze is not None:
        pts = np.array([[fx - w * 0.07, cy - hh * 0.95], [fx + w * 0.07, cy - hh * 0.95],
                        [fx + w * 0.2, cy + hh * 0.2], [fx - w * 0.2, cy + hh * 0.2]], np.int32)
        cv2.fillPoly(head, [pts], dog.blaze, cv2.LINE_AA)
    inside = np.zeros((s, s), np.uint8)
    _ellipse(inside, (cx, cy), (w, hh), (255,))
    img = np.where(inside[..., None] > 0, head, img)
    # muzzle, nose, mouth, eyes
    my = cy + hh * (0.62 - dog.muzzle_length * 0.4)
    _ellipse(img, (fx, my + hh * 0.12), (w * dog.muzzle_width, hh * dog.muzzle_length * 0.75), dog.muzzle)
    nose_y = my - hh * 0.05
    _ellipse(img, (fx + shift * 0.4, nose_y), (w * 0.17, w * 0.11), dog.nose)
    _ellipse(img, (fx + shift * 0.4 - w * 0.05, nose_y - w * 0.04), (w * 0.04, w * 0.025), (200, 200, 200))
    mouth = (np.array(dog.muzzle) * 0.45).tolist()
    cv2.line(img, (int(fx + shift * 0.4), int(nose_y + w * 0.1)), (int(fx + shift * 0.4), int(nose_y + w * 0.25)),
             mouth, max(1, s // 120), cv2.LINE_AA)
    cv2.ellipse(img, (int(fx + shift * 0.4), int(nose_y + w * 0.22)), (int(w * 0.22), int(w * 0.1)), 0, 20, 160,
                mouth, max(1, s // 120), cv2.LINE_AA)
    if rng.random() < 0.3:  # panting
        _ellipse(img, (fx + shift * 0.4, nose_y + w * 0.42), (w * 0.1, w * 0.14), (220, 100, 110))
    for side in (-1, 1):
        ex = fx + side * dog.eye_spacing * w * (1 - 0.3 * side * yaw)
        ey = cy - hh * 0.12
        r = dog.eye_size * w * 2 * (1 - 0.25 * side * yaw)
        _ellipse(img, (ex, ey), (r, r * 0.9), dog.eyes)
        _ellipse(img, (ex, ey), (r * 0.55, r * 0.55), BLACK)
        _ellipse(img, (ex - r * 0.3, ey - r * 0.3), (r * 0.22, r * 0.22), (250, 250, 250))
    _ears(img, dog, cx, cy, w, hh, yaw, front=True)
    # Everything is drawn in colours above 0, so what is still 0 is not the dog.
    return img, (img.max(axis=2) > 0).astype(np.float32)


def _occlude(img: np.ndarray, rng: np.random.Generator, cover: np.ndarray | None = None) -> None:
    """Something in front of the dog: a ball, a toy, a branch, or the edge of a chair.

    `cover`, when given, gets the same shape drawn in 1s, so the dog's mask can leave out what hides it.
    Every draw from `rng` happens in the same order either way, so the photo does not depend on it.
    """
    s = img.shape[0]
    kind = int(rng.integers(3))
    colour = rng.uniform(20, 240, 3).tolist()
    canvases = [(img, colour)] + ([(cover, (1.0,))] if cover is not None else [])
    if kind == 0:
        centre = (rng.uniform(0.15, 0.85) * s, rng.uniform(0.55, 0.95) * s)
        radius = s * rng.uniform(0.08, 0.14)
        for canvas, c in canvases:
            _ellipse(canvas, centre, (radius,) * 2, c)
    elif kind == 1:
        x = rng.uniform(0, 0.8) * s
        end = int(x + rng.uniform(-0.3, 0.3) * s)
        width = int(s * rng.uniform(0.03, 0.07))
        for canvas, c in canvases:
            cv2.line(canvas, (int(x), 0), (end, s), c, width, cv2.LINE_AA)
    else:
        side = rng.random() < 0.5
        width = rng.uniform(0.12, 0.22) * s
        x0, x1 = (0, int(width)) if side else (int(s - width), s)
        top = int(rng.uniform(0.3, 0.7) * s)
        for canvas, c in canvases:
            cv2.rectangle(canvas, (x0, top), (x1, s), c, -1)


def render(dog: Dog, rng: np.random.Generator, size: int = 128, scene: str | None = None,
           occlusion: float = 0.3) -> np.ndarray:
    """One photo of `dog` as uint8 RGB (size, size, 3): the identity fixed, everything else drawn from `rng`."""
    return render_with_mask(dog, rng, size, scene, occlusion)[0]


def render_with_mask(dog: Dog, rng: np.random.Generator, size: int = 128, scene: str | None = None,
                     occlusion: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """The photo `render` draws, and where the dog is in it: a bool (size, size) mask of its visible pixels.

    The mask is the dog's silhouette less whatever stands in front of it, at half-coverage or more of a
    pixel. It takes no draws from `rng`, so the photo is the same bytes as `render` gives for that `rng`.
    """
    s = 2 * size
    scene = scene or str(rng.choice(SCENES))
    background = _background(scene, s, rng)
    dog_rgb, alpha = _draw_dog(dog, s, rng)
    scale = rng.uniform(0.7, 1.1)
    angle = rng.uniform(-18, 18)
    move = rng.uniform(-0.14, 0.14, 2) * s
    warp = cv2.getRotationMatrix2D((s / 2, s / 2), angle, scale)
    warp[:, 2] += move + [0, s * 0.06]
    dog_rgb = cv2.warpAffine(dog_rgb, warp, (s, s))
    alpha = cv2.warpAffine(alpha, warp, (s, s))[..., None]
    img = background * (1 - alpha) + dog_rgb * alpha
    cover = np.zeros((s, s), np.float32)
    if rng.random() < occlusion:
        _occlude(img, rng, cover)
    # light from one side, brightness, and the colour cast of the light or the camera
    ramp = np.linspace(-1, 1, s, dtype=np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    light = 1 + rng.uniform(0, 0.35) * (np.cos(direction) * ramp[None, :] + np.sin(direction) * ramp[:, None])
    img = img * light[..., None] * rng.uniform(0.65, 1.2) * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3) * size / 128)
    img += rng.normal(0, rng.uniform(1, 8), img.shape).astype(np.float32)
    visible = cv2.resize(alpha[..., 0] * (1 - cover), (size, size), interpolation=cv2.INTER_AREA)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), visible >= 0.5
